// Package validate decides whether an API key may call an API: one
// decision function behind three front ends (forward-auth for nginx,
// Traefik, Envoy and Caddy; the API Gateway Lambda authorizer; the local
// gateway of `portal serve`). Decisions are cached in process, bounded, for
// a short TTL, so that a revocation is seen within seconds; when the store
// cannot be reached the validator fails closed.
package validate

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/portal-dev/portal/functions/apikey"
	"github.com/portal-dev/portal/functions/portal"
)

// Store is what the validator reads.
type Store interface {
	GetCredentialByHash(ctx context.Context, hash string) (portal.Credential, error)
	GetApplication(ctx context.Context, id string) (portal.Application, error)
	GetDeveloper(ctx context.Context, id string) (portal.Developer, error)
	FindRegistration(ctx context.Context, applicationID, apiID string) (portal.Registration, error)
	ListDeveloperRoles(ctx context.Context, developerID string) ([]portal.RoleAssignment, error)
	GetSettings(ctx context.Context) (portal.Settings, error)
	TouchCredential(ctx context.Context, id string, at time.Time) error
}

// Kong key-auth's messages, which gateway users know.
const (
	MsgNoKey     = "No API key found in request"
	MsgInvalid   = "Invalid authentication credentials"
	MsgForbidden = "You cannot consume this service"
	MsgDuplicate = "Duplicate API key found"
	MsgDown      = "The key cannot be checked right now; try again"
)

// Decision is the answer for one key and API.
type Decision struct {
	Status        int    // 200, 401, 403 or 503
	Message       string // for the body
	Reason        string // for X-Portal-Reason, when the message is not one of Kong's (reason() maps those)
	ConsumerID    string // the developer
	ApplicationID string
	CredentialID  string
	// Anonymous: allowed without a key, the API's auth being "none"
	// (Kong's X-Anonymous-Consumer).
	Anonymous bool

	hdr *[3][]string // the consumer header values, built once per cached decision
}

// Allowed reports whether the call may go through.
func (d Decision) Allowed() bool { return d.Status == http.StatusOK }

// Options tune a Validator.
type Options struct {
	TTL         time.Duration // how long a decision is cached (4 s: revocations show within 5 s)
	NegativeTTL time.Duration // how long an unknown key is remembered (5 s)
	MaxEntries  int           // cache bound (100,000)
	// StoreTimeout bounds the store reads of one decision (1 s): past it
	// the answer is 503, fail closed, whether or not the store honours
	// its context.
	StoreTimeout time.Duration
	Now          func() time.Time
	// Log records why a decision failed closed (a 503), once per store
	// read; nil discards.
	Log *slog.Logger
}

// Validator decides and caches.
type Validator struct {
	store Store
	opts  Options

	shards [shardCount]shard // decisions by key and API, sharded to spread lock traffic
	group  singleflight.Group
	mu     sync.RWMutex    // guards st and stAt
	st     portal.Settings // cached settings, read at stAt
	stAt   time.Time

	touches chan touch
	done    chan struct{}
	wg      sync.WaitGroup
}

type entry struct {
	d       Decision
	expires time.Time
	touched *atomic.Int64 // unix seconds of the last recorded use
}

const shardCount = 32

type cacheKey struct{ key, api string }

type shard struct {
	mu sync.RWMutex
	m  map[cacheKey]entry
}

// shardOf picks a shard from the key's last characters (random base62).
func (v *Validator) shardOf(key string) *shard {
	var h uint32
	for i := max(0, len(key)-4); i < len(key); i++ {
		h = h*31 + uint32(key[i])
	}
	return &v.shards[h%shardCount]
}

type touch struct {
	id string
	at time.Time
}

// New makes a Validator; Close stops its background writer.
func New(store Store, opts Options) *Validator {
	if opts.TTL == 0 {
		opts.TTL = 4 * time.Second
	}
	if opts.NegativeTTL == 0 {
		opts.NegativeTTL = opts.TTL
	}
	if opts.MaxEntries == 0 {
		opts.MaxEntries = 100_000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.StoreTimeout == 0 {
		opts.StoreTimeout = time.Second
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	v := &Validator{store: store, opts: opts, touches: make(chan touch, 1024), done: make(chan struct{})}
	for i := range v.shards {
		v.shards[i].m = map[cacheKey]entry{}
	}
	v.wg.Add(1)
	go v.recordUse()
	return v
}

// Close stops recording key use.
func (v *Validator) Close() {
	close(v.done)
	v.wg.Wait()
}

// Decide checks key for api. The key's shape and checksum are checked
// before any lookup; decisions come from the cache while fresh.
func (v *Validator) Decide(ctx context.Context, api portal.API, key string) Decision {
	if key == "" {
		return Decision{Status: http.StatusUnauthorized, Message: MsgNoKey}
	}
	if !apikey.Valid(key) {
		return Decision{Status: http.StatusUnauthorized, Message: MsgInvalid}
	}
	// The cache is keyed by the key itself: a hit costs no hashing. The
	// process sees the key in the request anyway; the store never does.
	ck := cacheKey{key, api.ID}
	sh := v.shardOf(key)
	now := v.opts.Now()
	sh.mu.RLock()
	e, ok := sh.m[ck]
	sh.mu.RUnlock()
	if ok && now.Before(e.expires) {
		v.used(e, now)
		return e.d
	}
	return v.miss(ctx, api, key, sh, ck, now)
}

// miss decides a key that is not in the cache (a function of its own, so
// that the hit path allocates nothing for the closure below).
func (v *Validator) miss(ctx context.Context, api portal.API, key string, sh *shard, ck cacheKey, now time.Time) Decision {
	// One read per key and API at a time; the callers share it, so it runs
	// on its own deadline, not on the first caller's context.
	ch := v.group.DoChan(key+"\x00"+api.ID, func() (any, error) {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), v.opts.StoreTimeout)
		defer cancel()
		d, cacheFor := v.decide(sctx, api, apikey.Hash(key))
		e := entry{d: d, expires: v.opts.Now().Add(cacheFor), touched: new(atomic.Int64)}
		if cacheFor > 0 {
			v.put(sh, ck, e)
		}
		return e, nil
	})
	// A store that ignores its context still gets no more than the
	// deadline: the answer is then a 503, never an allow.
	timer := time.NewTimer(v.opts.StoreTimeout)
	defer timer.Stop()
	var e entry
	select {
	case res := <-ch:
		e = res.Val.(entry)
	case <-timer.C:
		v.opts.Log.WarnContext(ctx, "key validation failed closed: the store did not answer in time", "api", api.Slug, "timeout", v.opts.StoreTimeout)
		return Decision{Status: http.StatusServiceUnavailable, Message: MsgDown}
	case <-ctx.Done():
		return Decision{Status: http.StatusServiceUnavailable, Message: MsgDown}
	}
	v.used(e, now)
	return e.d
}

// decide reads the store: credential, application, then developer,
// registration and roles in parallel. Any store error fails closed (503,
// not cached).
func (v *Validator) decide(ctx context.Context, api portal.API, hash string) (Decision, time.Duration) {
	invalid := Decision{Status: http.StatusUnauthorized, Message: MsgInvalid}
	down := func(read string, err error) (Decision, time.Duration) {
		// Logged here, once per shared read: the callers only see the 503.
		v.opts.Log.WarnContext(ctx, "key validation failed closed", "api", api.Slug, "read", read, "err", err)
		return Decision{Status: http.StatusServiceUnavailable, Message: MsgDown}, 0
	}
	cred, err := v.store.GetCredentialByHash(ctx, hash)
	if portal.IsCode(err, portal.ENotFound) {
		return invalid, v.opts.NegativeTTL
	}
	if err != nil {
		return down("credential", err)
	}
	now := v.opts.Now()
	ttl := v.opts.TTL
	if cred.ExpiresAt != nil {
		if !now.Before(*cred.ExpiresAt) {
			return invalid, v.opts.NegativeTTL
		}
		// Never cache past the key's expiry.
		ttl = min(ttl, cred.ExpiresAt.Sub(now))
	}
	var (
		wg       sync.WaitGroup
		dev      portal.Developer
		reg      portal.Registration
		roles    []portal.RoleAssignment
		errs     [4]error
		devID    = cred.DeveloperID
		settings portal.Settings
	)
	// The credential names its application and that application's owner;
	// deleting an application deletes its keys in the same transaction, so
	// a key that exists has an application. Keys written before credentials
	// named their owner cost one more read.
	appID := cred.ApplicationID
	if devID == "" {
		a, err := v.store.GetApplication(ctx, appID)
		if portal.IsCode(err, portal.ENotFound) {
			return invalid, v.opts.NegativeTTL
		}
		if err != nil {
			return down("application", err)
		}
		devID = a.DeveloperID
	}
	settings, err = v.settings(ctx)
	if err != nil {
		return down("settings", err)
	}
	wg.Add(2)
	go func() { defer wg.Done(); dev, errs[1] = v.store.GetDeveloper(ctx, devID) }()
	go func() { defer wg.Done(); reg, errs[2] = v.store.FindRegistration(ctx, appID, api.ID) }()
	if settings.RBACEnabled {
		wg.Add(1)
		go func() { defer wg.Done(); roles, errs[3] = v.store.ListDeveloperRoles(ctx, devID) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil && !portal.IsCode(err, portal.ENotFound) {
			return down([]string{"", "developer", "registration", "roles"}[i], err)
		}
	}
	if errs[1] != nil {
		return invalid, v.opts.NegativeTTL // the owner is gone
	}
	// Kong's body for every refusal; the reason says which rule refused,
	// so that a try-it console can explain it.
	forbidden := func(reason string) (Decision, time.Duration) {
		return Decision{Status: http.StatusForbidden, Message: MsgForbidden, Reason: reason, ConsumerID: devID, ApplicationID: appID, CredentialID: cred.ID}, ttl
	}
	switch {
	case dev.Status != portal.StatusApproved:
		return forbidden(ReasonDeveloperNotApproved)
	case errs[2] != nil:
		return forbidden(ReasonNotRegistered)
	case reg.Status != portal.RegistrationApproved:
		return forbidden(registrationReason[reg.Status])
	case !portal.MayConsume(settings, roles, api.ID):
		return forbidden(ReasonNoConsumerRole)
	}
	return Decision{Status: http.StatusOK, ConsumerID: devID, ApplicationID: appID, CredentialID: cred.ID,
		hdr: &[3][]string{{devID}, {appID}, {cred.ID}}}, ttl
}

// settings are the portal's settings, cached for the decision TTL: RBAC
// is switched on or off rarely, and a change shows as fast as a revocation.
func (v *Validator) settings(ctx context.Context) (portal.Settings, error) {
	now := v.opts.Now()
	v.mu.RLock()
	st, at := v.st, v.stAt
	v.mu.RUnlock()
	if !at.IsZero() && now.Sub(at) < v.opts.TTL {
		return st, nil
	}
	st, err := v.store.GetSettings(ctx)
	if portal.IsCode(err, portal.ENotFound) {
		st, err = portal.Settings{}, nil
	}
	if err != nil {
		return st, err
	}
	v.mu.Lock()
	v.st, v.stAt = st, now
	v.mu.Unlock()
	return st, nil
}

// put stores an entry, evicting some when its shard is full: the bound
// holds whatever keys callers send.
func (v *Validator) put(sh *shard, k cacheKey, e entry) {
	limit := max(1, v.opts.MaxEntries/shardCount)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if len(sh.m) >= limit {
		now := v.opts.Now()
		n := 0
		for ck, old := range sh.m { // random order
			if !now.Before(old.expires) || n < max(1, limit/10) {
				delete(sh.m, ck)
				n++
			}
			if n >= max(1, limit/10) {
				break
			}
		}
	}
	sh.m[k] = e
}

// used records a credential's use off the hot path, at most once a minute
// per cached decision: an atomic check, then a queue that drops when full.
func (v *Validator) used(e entry, at time.Time) {
	if e.d.CredentialID == "" || !e.d.Allowed() {
		return
	}
	sec := at.Unix()
	last := e.touched.Load()
	if sec-last < 60 || !e.touched.CompareAndSwap(last, sec) {
		return
	}
	select {
	case v.touches <- touch{e.d.CredentialID, at}:
	default:
	}
}

// recordUse writes last_used_at at most once a minute per credential.
func (v *Validator) recordUse() {
	defer v.wg.Done()
	last := map[string]time.Time{}
	for {
		select {
		case <-v.done:
			return
		case t := <-v.touches:
			if prev, ok := last[t.id]; ok && t.at.Sub(prev) < time.Minute {
				continue
			}
			last[t.id] = t.at
			if len(last) > 100_000 {
				last = map[string]time.Time{t.id: t.at}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			v.store.TouchCredential(ctx, t.id, t.at)
			cancel()
		}
	}
}

// KeyFrom finds the key in a request as a key_auth strategy says: in a
// header named by one of keyNames, or (only when inQuery) in the query
// string. dup is true when the request carries more than one key.
func KeyFrom(h http.Header, q url.Values, keyNames []string, inQuery bool) (key string, dup bool) {
	return keyFrom(h, q, keyNames, inQuery)
}

// canonical remembers header names as net/http keys them: strategies name
// few headers, and canonicalising "apikey" on every request allocates.
var canonical sync.Map

func headerKey(name string) string {
	if c, ok := canonical.Load(name); ok {
		return c.(string)
	}
	c := http.CanonicalHeaderKey(name)
	canonical.Store(name, c)
	return c
}

func keyFrom(h http.Header, q url.Values, keyNames []string, inQuery bool) (key string, dup bool) {
	n := 0
	for _, name := range keyNames {
		for _, v := range h[headerKey(name)] {
			key, n = v, n+1
		}
		if inQuery {
			for _, v := range q[name] {
				key, n = v, n+1
			}
		}
	}
	switch n {
	case 0:
		return "", false
	case 1:
		return strings.TrimSpace(key), false
	}
	return "", true
}

// ErrNoAPI is returned when a request names no known API.
var ErrNoAPI = errors.New("validate: no API matches the request")

// Len is the number of cached decisions.
func (v *Validator) Len() int {
	n := 0
	for i := range v.shards {
		sh := &v.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}
