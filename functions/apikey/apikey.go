// Package apikey makes and checks the portal's API keys: "ptk_", 256 bits
// of randomness in base62, and a CRC-32 checksum in base62. The prefix lets
// secret scanners find leaked keys; the checksum lets the validator refuse
// a mistyped or made-up key without a store lookup. Only the key's SHA-256
// is ever stored.
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"hash/crc32"
	"math/big"
)

// Prefix starts every key.
const Prefix = "ptk_"

const (
	alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	bodyLen  = 43 // 256 bits in base62
	sumLen   = 6  // 32 bits in base62
	// Len is the length of every key.
	Len = len(Prefix) + bodyLen + sumLen
)

// New returns a new key and its hash.
func New() (key, hash string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("apikey: crypto/rand: " + err.Error())
	}
	body := base62(new(big.Int).SetBytes(b[:]), bodyLen)
	key = Prefix + body + checksum(body)
	return key, Hash(key)
}

// Valid reports whether key has the shape and checksum of a portal key.
func Valid(key string) bool {
	if len(key) != Len || key[:len(Prefix)] != Prefix {
		return false
	}
	for i := len(Prefix); i < Len; i++ {
		c := key[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	body := key[len(Prefix) : len(Prefix)+bodyLen]
	n := crc32.ChecksumIEEE([]byte(body))
	for i := Len - 1; i >= len(Prefix)+bodyLen; i-- {
		if key[i] != alphabet[n%62] {
			return false
		}
		n /= 62
	}
	return true
}

// Hash is the hex SHA-256 of a key: what the store keeps.
func Hash(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// Hint shows a key's prefix and last characters, to recognise it in lists.
func Hint(key string) string {
	if len(key) < 12 {
		return ""
	}
	return key[:len(Prefix)+4] + "…" + key[len(key)-4:]
}

func checksum(body string) string {
	var out [sumLen]byte
	n := crc32.ChecksumIEEE([]byte(body))
	for i := sumLen - 1; i >= 0; i-- {
		out[i] = alphabet[n%62]
		n /= 62
	}
	return string(out[:])
}

// base62 writes n in base62, left-padded with zeros to width.
func base62(n *big.Int, width int) string {
	out := make([]byte, width)
	base := big.NewInt(62)
	mod := new(big.Int)
	for i := width - 1; i >= 0; i-- {
		n.DivMod(n, base, mod)
		out[i] = alphabet[mod.Int64()]
	}
	return string(out)
}
