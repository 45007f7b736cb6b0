package portal

import (
	"slices"
	"strings"
	"time"
)

// SortByCreated sorts xs in the order every store lists in: oldest first,
// by id within one instant. created gives an element's creation time and id.
func SortByCreated[T any](xs []T, created func(T) (time.Time, string)) {
	slices.SortFunc(xs, func(a, b T) int {
		at, aid := created(a)
		bt, bid := created(b)
		if c := at.Compare(bt); c != 0 {
			return c
		}
		return strings.Compare(aid, bid)
	})
}
