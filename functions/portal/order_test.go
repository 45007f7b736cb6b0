package portal_test

import (
	"slices"
	"testing"
	"time"

	"github.com/portal-dev/portal/functions/portal"
)

func TestSortByCreated(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ts := []portal.Team{{ID: "c", CreatedAt: t0}, {ID: "a", CreatedAt: t0.Add(-time.Second)}, {ID: "b", CreatedAt: t0}, {ID: "d", CreatedAt: t0.Add(time.Second)}}
	portal.SortByCreated(ts, func(t portal.Team) (time.Time, string) { return t.CreatedAt, t.ID })
	var got []string
	for _, tm := range ts {
		got = append(got, tm.ID)
	}
	if want := []string{"a", "b", "c", "d"}; !slices.Equal(got, want) {
		t.Errorf("SortByCreated = %v, want %v (oldest first, by id within one instant)", got, want)
	}
}
