package portal_test

import (
	"math"
	"slices"
	"testing"

	"github.com/portal-dev/portal/functions/portal"
)

func TestPageOffset(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		p    portal.Page
		want int
	}{
		"first page":                 {portal.Page{Size: 10, Number: 1}, 0},
		"third page":                 {portal.Page{Size: 10, Number: 3}, 20},
		"defaults":                   {portal.Page{}, 0},
		"size capped at 100":         {portal.Page{Size: 1000, Number: 2}, 100},
		"audit's overflowing number": {portal.Page{Size: 100, Number: 92233720368547760}, math.MaxInt},
		"largest number":             {portal.Page{Size: 1, Number: math.MaxInt}, math.MaxInt - 1},
		"wraps to zero when doubled": {portal.Page{Size: 2, Number: 1<<62 + 1}, math.MaxInt},
		"negative number is page 1":  {portal.Page{Size: 5, Number: math.MinInt}, 0},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := tt.p.Offset(); got != tt.want {
				t.Errorf("%+v.Offset() = %d, want %d", tt.p, got, tt.want)
			}
		})
	}
}

func TestPageOf(t *testing.T) {
	t.Parallel()
	all := []int{1, 2, 3, 4, 5}
	tests := map[string]struct {
		p    portal.Page
		want []int
	}{
		"first page":      {portal.Page{Size: 2, Number: 1}, []int{1, 2}},
		"last, partial":   {portal.Page{Size: 2, Number: 3}, []int{5}},
		"past the end":    {portal.Page{Size: 2, Number: 4}, []int{}},
		"defaults":        {portal.Page{}, all},
		"overflowing one": {portal.Page{Size: 100, Number: math.MaxInt}, []int{}},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if got := portal.PageOf(all, tt.p); !slices.Equal(got, tt.want) {
				t.Errorf("PageOf(%v, %+v) = %v, want %v", all, tt.p, got, tt.want)
			}
		})
	}
}
