// Package testclock is the settable clock that tests inject into every
// party of a flow (server, validator, store calls), so that one test moves
// time for all of them and none reads the wall clock.
package testclock

import (
	"sync"
	"time"
)

// Clock is a time source that moves only when told; safe for concurrent
// use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock that reads at.
func New(at time.Time) *Clock { return &Clock{t: at} }

// Now returns the clock's time; pass the method value where a func()
// time.Time is wanted.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
