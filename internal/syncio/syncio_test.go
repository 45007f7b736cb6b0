package syncio

import (
	"sync"
	"testing"
)

// Concurrent writers lose nothing (run with -race), and the limit drops
// what comes after it.
func TestBuffer(t *testing.T) {
	t.Parallel()
	var b Buffer
	w := &Writer{W: &b}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = w.Write([]byte("x"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if got := len(b.String()); got != 800 {
		t.Errorf("len(String()) = %d after 800 one-byte writes, want 800", got)
	}

	limited := Buffer{Limit: 4}
	for _, s := range []string{"abc", "de", "fg"} {
		if n, err := limited.Write([]byte(s)); n != len(s) || err != nil {
			t.Errorf("Write(%q) = %d, %v, want %d, nil", s, n, err, len(s))
		}
	}
	if got := limited.String(); got != "abcde" {
		t.Errorf("String() = %q past a limit of 4, want %q (the write that crosses it is kept whole)", got, "abcde")
	}
}
