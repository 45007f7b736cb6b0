package portal

import (
	"crypto/rand"
	"encoding/hex"
	"maps"
)

// Complete returns the event as a store records it: a random ID and
// Subject = subject where they are empty, At in UTC and a copy of Detail.
// A store has no clock: the caller's event carries its time, and an event
// without one is a programming error (Complete panics) rather than a
// moment silently taken from the wall clock.
func (ev AuditEvent) Complete(subject string) AuditEvent {
	if ev.At.IsZero() {
		panic("portal: audit event " + ev.Action + " without a time: the caller stamps At with its clock")
	}
	if ev.ID == "" {
		var b [16]byte
		_, _ = rand.Read(b[:])
		ev.ID = hex.EncodeToString(b[:])
	}
	ev.At = ev.At.UTC()
	if ev.Subject == "" {
		ev.Subject = subject
	}
	ev.Detail = maps.Clone(ev.Detail)
	return ev
}
