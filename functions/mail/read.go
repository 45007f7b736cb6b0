package mail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ReadMessage reads an RFC 5322 message back as a mail client would, such
// as an .eml file of the [Outbox]: To and Subject decoded (RFC 2047), and
// the text/plain and text/html parts decoded from quoted-printable, with LF
// line endings. Links and Template are left empty.
func ReadMessage(raw []byte) (Message, error) {
	h, parts, err := readParts(raw)
	if err != nil {
		return Message{}, err
	}
	var dec mime.WordDecoder
	var m Message
	if m.To, err = dec.DecodeHeader(h.Get("To")); err != nil {
		return Message{}, fmt.Errorf("read mail: To: %w", err)
	}
	if m.Subject, err = dec.DecodeHeader(h.Get("Subject")); err != nil {
		return Message{}, fmt.Errorf("read mail: Subject: %w", err)
	}
	for _, p := range parts {
		switch p.mediaType {
		case "text/plain":
			m.Text = p.body
		case "text/html":
			m.HTML = p.body
		}
	}
	return m, nil
}

// ReadOutbox reads the messages an [Outbox] wrote into dir, oldest first,
// each with the Template its file is named after.
func ReadOutbox(dir string) ([]Message, error) {
	// The outbox writes a hidden temporary file and renames it.
	files, err := filepath.Glob(filepath.Join(dir, "[^.]*.eml"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files) // names start with the time sent
	var out []Message
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		m, err := ReadMessage(raw)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		// <time>-<sequence>-<random>[-<template>].eml, as Outbox.write names it.
		if parts := strings.SplitN(strings.TrimSuffix(filepath.Base(f), ".eml"), "-", 4); len(parts) == 4 {
			m.Template = parts[3]
		}
		out = append(out, m)
	}
	return out, nil
}

// part is one body part of a message, decoded.
type part struct {
	mediaType string
	params    map[string]string
	body      string // LF line endings
}

// readParts returns raw's header and the parts of its body: each part of a
// multipart body, or the body itself.
func readParts(raw []byte) (netmail.Header, []part, error) {
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, nil, fmt.Errorf("read mail: %w", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return nil, nil, fmt.Errorf("read mail: Content-Type: %w", err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		p, err := readPart(mt, params, msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return msg.Header, []part{p}, err
	}
	var parts []part
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		mp, err := mr.NextPart() // decodes quoted-printable parts itself
		if errors.Is(err, io.EOF) {
			return msg.Header, parts, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read mail: %w", err)
		}
		mt, params, err := mime.ParseMediaType(mp.Header.Get("Content-Type"))
		if err != nil {
			return nil, nil, fmt.Errorf("read mail: part Content-Type: %w", err)
		}
		p, err := readPart(mt, params, mp.Header.Get("Content-Transfer-Encoding"), mp)
		if err != nil {
			return nil, nil, err
		}
		parts = append(parts, p)
	}
}

func readPart(mediaType string, params map[string]string, encoding string, r io.Reader) (part, error) {
	if strings.EqualFold(encoding, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return part{}, fmt.Errorf("read mail: %s part: %w", mediaType, err)
	}
	return part{mediaType: mediaType, params: params, body: strings.ReplaceAll(string(b), "\r\n", "\n")}, nil
}
