package mail

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Outbox is the local sender: it writes every message as an RFC 5322 file
// (.eml) into a folder and prints a line with its links on the console, so
// a developer running the portal locally can follow confirmation and reset
// links without a mail server.
type Outbox struct {
	dir     string
	console io.Writer
	from    *mail.Address
	now     func() time.Time

	mu  sync.Mutex // serialises console lines
	seq atomic.Uint64
}

// NewOutbox returns an Outbox writing into dir (created if missing; the
// portal uses <data>/outbox) and printing on console (nil for none). from is
// the From address written into each message.
func NewOutbox(dir string, console io.Writer, from string) (*Outbox, error) {
	if dir == "" {
		return nil, errors.New("mail: outbox folder not set")
	}
	f, err := parseFrom(from)
	if err != nil {
		return nil, err
	}
	// Messages carry sign-in tokens: keep them to the owner.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mail: create outbox %s: %w", dir, err)
	}
	if console == nil {
		console = io.Discard
	}
	return &Outbox{dir: dir, console: console, from: f, now: time.Now}, nil
}

// Dir returns the folder the outbox writes to.
func (o *Outbox) Dir() string { return o.dir }

// Send writes msg to a new file in the outbox and prints it on the console.
func (o *Outbox) Send(ctx context.Context, msg Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	to, err := msg.validate()
	if err != nil {
		return err
	}
	now := o.now()
	raw, err := compose(o.from, to, msg, now)
	if err != nil {
		return fmt.Errorf("compose mail to %s: %w", to.Address, err)
	}
	path, err := o.write(now, msg.Template, raw)
	if err != nil {
		return err
	}

	var line strings.Builder
	fmt.Fprintf(&line, "mail to %s: %s\n", to.Address, headerText(msg.Subject))
	for _, l := range msg.Links {
		fmt.Fprintf(&line, "  %s\n", headerText(l))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, err := io.WriteString(o.console, line.String()); err != nil {
		return fmt.Errorf("print mail %s: %w", path, err)
	}
	return nil
}

// write stores raw under a name that sorts by time and cannot collide: a
// UTC timestamp to the nanosecond, this process's sequence number and a
// random suffix. The file appears whole (written then renamed), so whoever
// watches the folder never reads half a message.
func (o *Outbox) write(now time.Time, template string, raw []byte) (string, error) {
	var r [4]byte
	if _, err := rand.Read(r[:]); err != nil {
		return "", err
	}
	name := fmt.Sprintf("%s-%06d-%s", now.UTC().Format("20060102T150405.000000000Z"), o.seq.Add(1)%1e6, hex.EncodeToString(r[:]))
	if t := fileSafe(template); t != "" {
		name += "-" + t
	}
	path := filepath.Join(o.dir, name+".eml")

	tmp, err := os.CreateTemp(o.dir, ".tmp-*.eml")
	if err != nil {
		return "", fmt.Errorf("write mail to outbox %s: %w", o.dir, err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if _, err := tmp.Write(raw); err != nil {
		tmp.Close()
		return "", fmt.Errorf("write mail %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("write mail %s: %w", path, err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("write mail %s: file exists", path)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("write mail %s: %w", path, err)
	}
	return path, nil
}

// fileSafe keeps the letters, digits and dashes of s, for a file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-':
			return r
		}
		return -1
	}, s)
}
