package testclock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/portal-dev/portal/internal/testclock"
)

func TestClockMovesOnlyWhenTold(t *testing.T) {
	t.Parallel()
	at := time.Date(2031, 2, 3, 4, 5, 6, 0, time.UTC)
	c := testclock.New(at)
	if got := c.Now(); !got.Equal(at) {
		t.Fatalf("Now() = %v, want %v", got, at)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.Add(time.Minute) })
	}
	wg.Wait()
	if got, want := c.Now(), at.Add(10*time.Minute); !got.Equal(want) {
		t.Errorf("after ten concurrent Add(1m), Now() = %v, want %v", got, want)
	}
}
