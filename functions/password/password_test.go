package password

import (
	"errors"
	"strings"
	"testing"
)

var fast = Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		pw   string
		want string // substring of the reason; "" for accepted
	}{
		"too short":          {"Ab1!xyz", "at least 8"},
		"eight is enough":    {"vX9#qLm2", ""},
		"eight runes, utf-8": {"ñandú-čž", ""},
		"too long":           {strings.Repeat("a", 129), "at most 128"},
		"128 kept whole":     {strings.Repeat("ab", 64), ""},
		"common":             {"password1", "most common"},
		"common, any case":   {"PassWord1", "most common"},
		"common long":        {"qwertyuiop", "most common"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got := Check(tt.pw)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("Check(%q) = %q, want %q", tt.pw, got, tt.want)
			}
		})
	}
}

func TestHashVerify(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 100) + "tail"
	h, err := Hash(long, fast)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(long, h); err != nil {
		t.Errorf("Verify(right) = %v, want nil", err)
	}
	// No truncation: a password differing only after 72 bytes (bcrypt's
	// limit) does not match.
	if err := Verify(strings.Repeat("x", 100)+"tall", h); !errors.Is(err, ErrMismatch) {
		t.Errorf("Verify(differs at the end) = %v, want ErrMismatch", err)
	}
	h2, _ := Hash(long, fast)
	if h == h2 {
		t.Errorf("two hashes of one password are equal; the salt is not random")
	}
	if err := Verify("x", "$2a$10$notargon"); err == nil || errors.Is(err, ErrMismatch) {
		t.Errorf("Verify(bcrypt string) = %v, want a format error", err)
	}
}

func TestDefaultIsOWASP(t *testing.T) {
	t.Parallel()
	h, err := Hash("correct horse battery staple", Default)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("Hash = %s, want argon2id with m=19456,t=2,p=1", h)
	}
}
