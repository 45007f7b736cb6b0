package slug

import "testing"

func TestNext(t *testing.T) {
	t.Parallel()
	g := New()
	tests := []struct {
		s, fallback string
		camel       bool
		want        string
	}{
		{"listPets", "op", true, "list-pets"},
		{"listPets", "op", true, "list-pets-2"},
		{"repos/list-for-org", "op", true, "repos-list-for-org"},
		{"GET /pets/{petId}", "op", false, "get-pets-petid"},
		{"???", "schema", false, "schema"},
		{"", "schema", false, "schema-2"},
	}
	for _, tt := range tests {
		if got := g.Next(tt.s, tt.fallback, tt.camel); got != tt.want {
			t.Errorf("Next(%q) = %q, want %q", tt.s, got, tt.want)
		}
	}
}
