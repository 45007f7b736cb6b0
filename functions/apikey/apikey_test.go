package apikey

import (
	"strings"
	"testing"
)

func TestNewIsValid(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 1000 {
		k, h := New()
		if !Valid(k) {
			t.Fatalf("Valid(New()) = false for %q", k)
		}
		if len(k) != Len || !strings.HasPrefix(k, Prefix) {
			t.Fatalf("key %q: want %d characters starting %q", k, Len, Prefix)
		}
		if h != Hash(k) || len(h) != 64 {
			t.Fatalf("hash %q is not the SHA-256 of the key", h)
		}
		if seen[k] {
			t.Fatalf("key %q made twice", k)
		}
		seen[k] = true
	}
}

func TestValidRejects(t *testing.T) {
	t.Parallel()
	k, _ := New()
	flip := func(i int) string {
		b := []byte(k)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	tests := map[string]string{
		"empty":         "",
		"no prefix":     "xxx_" + k[4:],
		"short":         k[:len(k)-1],
		"long":          k + "0",
		"typo in body":  flip(10),
		"typo in sum":   flip(len(k) - 2),
		"bad character": k[:20] + "-" + k[21:],
		"swapped chars": k[:10] + string(k[11]) + string(k[10]) + k[12:],
	}
	for name, key := range tests {
		if key == k {
			continue // a swap of two equal characters changes nothing
		}
		if Valid(key) {
			t.Errorf("%s: Valid(%q) = true", name, key)
		}
	}
}

func TestHint(t *testing.T) {
	t.Parallel()
	k, _ := New()
	h := Hint(k)
	if !strings.HasPrefix(h, Prefix) || !strings.HasSuffix(h, k[len(k)-4:]) || strings.Contains(h, k[10:40]) {
		t.Errorf("Hint(%q) = %q", k, h)
	}
}

func BenchmarkValidHash(b *testing.B) {
	k, _ := New()
	for b.Loop() {
		if !Valid(k) {
			b.Fatal("invalid")
		}
		_ = Hash(k)
	}
}
