package httpapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/portal-dev/portal/functions/mail"
	"github.com/portal-dev/portal/functions/password"
	"github.com/portal-dev/portal/functions/portal"
)

// msgDisabled is the 403 detail Konnect's users know.
const msgDisabled = "Your account is disabled or pending approval"

// secret returns a new 256-bit secret (base64url) and its SHA-256 (hex),
// which is all that is stored.
func secret() (string, string) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("httpapi: crypto/rand: " + err.Error())
	}
	s := base64.RawURLEncoding.EncodeToString(b[:])
	return s, hashSecret(s)
}

func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

type signUpRequest struct {
	Email    string `json:"email"`
	FullName string `json:"full_name"`
	Password string `json:"password"`
}

// signUpAnswer is the same whether or not the email was already known.
var signUpAnswer = map[string]string{"message": "Check your inbox: we sent a link to confirm your email address."}

// accountsOn wraps sign-up and login: while developer accounts are turned
// off, they answer so (checkAccounts) before reading the request.
func (s *Server) accountsOn(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkAccounts(r.Context()); err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r)
	}
}

func (s *Server) handleSignUp(w http.ResponseWriter, r *http.Request, req signUpRequest) {
	var bad []portal.FieldError
	addr, err := netmail.ParseAddress(req.Email)
	if err != nil || addr.Address != strings.TrimSpace(req.Email) || len(req.Email) > 254 {
		bad = append(bad, portal.FieldError{Field: "email", Reason: "must be an email address such as dev@example.com"})
	}
	name := strings.TrimSpace(req.FullName)
	if reason := portal.CheckText(name, 200, false, false); reason != "" {
		bad = append(bad, portal.FieldError{Field: "full_name", Reason: reason})
	}
	if reason := password.Check(req.Password); reason != "" {
		bad = append(bad, portal.FieldError{Field: "password", Reason: reason})
	}
	if err := invalid(bad...); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	settings, err := s.EnsureSettings(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Hash first, whether or not the email is known: the answer and its
	// timing must not tell which addresses have accounts.
	hash, err := password.Hash(req.Password, s.cfg.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := s.now().UTC()
	d := portal.Developer{
		ID: newID(), Email: strings.TrimSpace(req.Email), FullName: name, PasswordHash: hash,
		Status: portal.StatusPending, CreatedAt: now, UpdatedAt: now,
	}
	if settings.AutoApproveDevelopers {
		d.Status = portal.StatusApproved
	}
	err = s.store.CreateDeveloper(ctx, d, s.event("developer:"+d.ID, "developer.created", d.ID, map[string]string{"status": string(d.Status)}))
	switch {
	case portal.IsCode(err, portal.EConflict):
		// Known address: same answer, no mail to an attacker's guess.
		writeJSON(w, http.StatusCreated, signUpAnswer)
		return
	case err != nil:
		s.writeError(w, r, err)
		return
	}
	if err := s.sendToken(ctx, now, developerRecipient(d), portal.TokenVerifyEmail, s.cfg.VerifyTTL, "confirm-email-address", "/verify-email/"); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, signUpAnswer)
}

// sendToken stores a single-use token and mails its link, unless the
// address had MailLimit mails of this template within MailWindow: anyone
// may ask for these mails for any address, and must not flood its inbox.
// A dropped mail changes nothing in the answer, which must not tell
// either.
// now is the request's time.
func (s *Server) sendToken(ctx context.Context, now time.Time, to recipient, kind portal.TokenKind, ttl time.Duration, template, path string) error {
	ok, err := s.store.TakeMailSlot(ctx, to.Email, template, now, s.cfg.MailWindow, s.cfg.MailLimit)
	if err != nil {
		return err
	}
	if !ok {
		id, _ := ctx.Value(keyRequestID).(string)
		s.log.InfoContext(ctx, "mail dropped: too many to one address", "request_id", id, "template", template, "to", to.ID)
		return nil
	}
	tok, hash := secret()
	if err := s.store.PutToken(ctx, portal.Token{Hash: hash, Kind: kind, DeveloperID: to.ID, ExpiresAt: now.Add(ttl)}); err != nil {
		return err
	}
	return s.mailTo(ctx, to, template, s.cfg.BaseURL+path+"?"+url.Values{"token": {tok}}.Encode())
}

// recipient is whom a mail goes to: a developer, or an admin user (an
// invitation, a reset). A token mailed to one names the recipient's id.
type recipient struct{ ID, Email, FullName string }

func developerRecipient(d portal.Developer) recipient { return recipient{d.ID, d.Email, d.FullName} }
func adminRecipient(u portal.AdminUser) recipient     { return recipient{u.ID, u.Email, u.FullName} }

func (s *Server) mailTo(ctx context.Context, to recipient, template, link string) error {
	return s.mail.Send(ctx, to.Email, template, mail.Data{FullName: to.FullName, Email: to.Email, Link: link})
}

type tokenRequest struct {
	Token string `json:"token"`
}

func (s *Server) handleVerifyEmail(w http.ResponseWriter, r *http.Request, req tokenRequest) {
	ctx := r.Context()
	tok, err := s.store.ConsumeToken(ctx, hashSecret(req.Token), portal.TokenVerifyEmail, s.now())
	if err != nil {
		s.writeError(w, r, tokenError(err))
		return
	}
	d, err := s.store.GetDeveloper(ctx, tok.DeveloperID)
	if err != nil {
		s.writeError(w, r, tokenError(err))
		return
	}
	if !d.EmailVerified {
		d.EmailVerified, d.UpdatedAt = true, s.now().UTC()
		if _, err := s.store.UpdateDeveloper(ctx, d, s.event("developer:"+d.ID, "developer.email_verified", d.ID, nil)); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

// tokenError hides whether a token was unknown, used or expired.
func tokenError(err error) error {
	if portal.IsCode(err, portal.ENotFound) {
		return portal.Errorf(portal.EInvalid, "the link is invalid or has expired; ask for a new one")
	}
	return err
}

type authenticateRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) handleAuthenticate(w http.ResponseWriter, r *http.Request, req authenticateRequest) {
	ctx := r.Context()
	key := portal.EmailKey(req.Username)
	var d portal.Developer
	if err := s.verifyLogin(w, ctx, key, req.Password, " or reset your password", func() (string, error) {
		var err error
		d, err = s.store.GetDeveloperByEmail(ctx, key)
		return d.PasswordHash, err
	}); err != nil {
		s.writeError(w, r, err)
		return
	}
	if d.Status != portal.StatusApproved {
		s.writeError(w, r, portal.Errorf(portal.EForbidden, msgDisabled))
		return
	}
	if !d.EmailVerified {
		s.writeError(w, r, portal.Errorf(portal.EForbidden, "Confirm your email address first: follow the link we sent you"))
		return
	}
	if err := s.store.ClearLoginFailures(ctx, key); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.startSession(w, r, portal.Session{DeveloperID: d.ID}); err != nil {
		s.writeError(w, r, err)
		return
	}
	err := s.setAccess(w, r, d)
	s.writeNoContent(w, r, err)
}

// verifyLogin is the one password check of developers and admin users.
// It throttles per account (key), never per client address: forwarded-for
// headers are the attacker's to choose. find reads the account's password
// hash (ENotFound for none); an unknown account is checked against a dummy
// hash, so the answer's timing does not tell which accounts exist. A
// failure is recorded; nil means the password is the account's.
func (s *Server) verifyLogin(w http.ResponseWriter, ctx context.Context, key, pw, lockedHint string, find func() (string, error)) error {
	now := s.now()
	n, err := s.store.CountLoginFailures(ctx, key, now, s.cfg.LoginWindow)
	if err != nil {
		return err
	}
	if n >= s.cfg.LoginFailures {
		w.Header().Set("Retry-After", strconv.Itoa(int(s.cfg.LoginWindow.Seconds())))
		return portal.Errorf(portal.ETooMany, "too many failed logins for this account; try again in %d minutes%s", int(s.cfg.LoginWindow.Minutes()), lockedHint)
	}
	hash, err := find()
	known := err == nil
	if !known && !portal.IsCode(err, portal.ENotFound) {
		return err
	}
	if !known {
		hash = s.dummy
	}
	if perr := password.Verify(pw, hash); perr != nil || !known {
		if _, ferr := s.store.RecordLoginFailure(ctx, key, now, s.cfg.LoginWindow); ferr != nil {
			return ferr
		}
		return portal.Errorf(portal.EUnauthorized, "Invalid credentials")
	}
	return nil
}

// startSession stores a session and sets its cookie.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, sess portal.Session) error {
	tok, hash := secret()
	now := s.now().UTC()
	sess.Hash, sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = hash, now, now, now.Add(s.cfg.SessionAbsolute)
	if err := s.store.CreateSession(r.Context(), sess); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.cookie, Value: tok, Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.cfg.SessionAbsolute.Seconds()),
	})
	// The hint lets the site's script know, without a request, that
	// someone is logged in; it grants nothing.
	http.SetCookie(w, &http.Cookie{
		Name: s.hintCookie(), Value: "1", Path: "/", Secure: s.cfg.SecureCookies,
		SameSite: http.SameSiteLaxMode, MaxAge: int(s.cfg.SessionAbsolute.Seconds()),
	})
	return nil
}

func (s *Server) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.cookie, Value: "", Path: "/", HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.SetCookie(w, &http.Cookie{Name: s.hintCookie(), Value: "", Path: "/", Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// hintCookie names the readable "logged in" hint.
func (s *Server) hintCookie() string {
	if s.cfg.SecureCookies {
		return "__Host-portal_in"
	}
	return "portal_in"
}

// session returns the live session of the request's cookie.
func (s *Server) session(r *http.Request) (portal.Session, error) {
	c, err := r.Cookie(s.cookie)
	if err != nil || c.Value == "" {
		return portal.Session{}, portal.Errorf(portal.EUnauthorized, "log in first")
	}
	ctx := r.Context()
	now := s.now()
	sess, err := s.store.GetSession(ctx, hashSecret(c.Value), now)
	if portal.IsCode(err, portal.ENotFound) {
		return sess, portal.Errorf(portal.EUnauthorized, "your session has ended; log in again")
	}
	if err != nil {
		return sess, err
	}
	if sess.Expired(now) || now.Sub(sess.LastSeenAt) > s.cfg.SessionIdle {
		s.store.DeleteSession(ctx, sess.Hash)
		return sess, portal.Errorf(portal.EUnauthorized, "your session has ended; log in again")
	}
	// Record activity at most once a minute: the idle timeout needs no
	// finer grain, and reads stay reads.
	if now.Sub(sess.LastSeenAt) > time.Minute {
		if err := s.store.TouchSession(ctx, sess.Hash, now.UTC()); err != nil {
			return sess, err
		}
	}
	return sess, nil
}

// developer wraps a handler that needs a logged-in, approved developer.
func (s *Server) developer(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sess, err := s.session(r)
		if err == nil && sess.DeveloperID == "" {
			err = portal.Errorf(portal.EUnauthorized, "log in as a developer")
		}
		if err != nil {
			if portal.IsCode(err, portal.EUnauthorized) {
				s.clearCookie(w)
				s.clearAccess(w)
			}
			s.writeError(w, r, err)
			return
		}
		d, err := s.store.GetDeveloper(r.Context(), sess.DeveloperID)
		if portal.IsCode(err, portal.ENotFound) {
			err = portal.Errorf(portal.EUnauthorized, "your account no longer exists")
		}
		if err == nil {
			err = s.checkAccounts(r.Context())
		}
		if err == nil && d.Status != portal.StatusApproved {
			err = portal.Errorf(portal.EForbidden, msgDisabled)
			s.clearAccess(w)
		}
		if err == nil && r.URL.Path != "/api/v3/developer/refresh" && s.accessStale(r, d) {
			err = s.setAccess(w, r, d)
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		ctx := context.WithValue(context.WithValue(r.Context(), keyDeveloper, d), keySession, sess)
		h(w, r.WithContext(ctx))
	}
}

func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.cookie); err == nil && c.Value != "" {
		if err := s.store.DeleteSession(r.Context(), hashSecret(c.Value)); err != nil && !portal.IsCode(err, portal.ENotFound) {
			s.writeError(w, r, err)
			return
		}
	}
	s.clearCookie(w)
	s.clearAccess(w)
	w.WriteHeader(http.StatusNoContent)
}

type forgotRequest struct {
	Email string `json:"email"`
}

func (s *Server) handleForgotPassword(w http.ResponseWriter, r *http.Request, req forgotRequest) {
	// The answer goes out before anything depends on whether the address
	// has an account: the lookup, the token and the mail come after it, so
	// neither the answer nor its timing tells known addresses from
	// unknown ones. The work goes by the time the request came.
	now := s.now()
	s.answerFirst(w, r, http.StatusNoContent, func(ctx context.Context) error {
		d, err := s.store.GetDeveloperByEmail(ctx, portal.EmailKey(req.Email))
		if portal.IsCode(err, portal.ENotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.sendToken(ctx, now, developerRecipient(d), portal.TokenResetPassword, s.cfg.ResetTTL, "reset-password", "/reset-password/")
	})
}

// passwordRequest is a new password with the mailed token that allows it
// (a reset, an admin invitation).
type passwordRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
}

// spend checks the new password, then spends the single-use token of
// kind (a password that breaks the rule costs no token), and returns
// the token and the password's hash.
func (s *Server) spend(ctx context.Context, req passwordRequest, kind portal.TokenKind) (portal.Token, string, error) {
	if reason := password.Check(req.Password); reason != "" {
		return portal.Token{}, "", invalid(portal.FieldError{Field: "password", Reason: reason})
	}
	tok, err := s.store.ConsumeToken(ctx, hashSecret(req.Token), kind, s.now())
	if err != nil {
		return portal.Token{}, "", tokenError(err)
	}
	hash, err := password.Hash(req.Password, s.cfg.Password)
	return tok, hash, err
}

func (s *Server) handleResetPassword(w http.ResponseWriter, r *http.Request, req passwordRequest) {
	ctx := r.Context()
	tok, hash, err := s.spend(ctx, req, portal.TokenResetPassword)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var email string
	err = reread(func() error {
		d, err := s.store.GetDeveloper(ctx, tok.DeveloperID)
		if err != nil {
			return tokenError(err)
		}
		email = d.Email
		// Following the mailed link proves the address too.
		d.PasswordHash, d.EmailVerified, d.UpdatedAt = hash, true, s.now().UTC()
		_, err = s.store.UpdateDeveloper(ctx, d, s.event("developer:"+d.ID, "developer.password_reset", d.ID, nil))
		return err
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.DeleteDeveloperSessions(ctx, tok.DeveloperID, ""); err != nil {
		s.writeError(w, r, err)
		return
	}
	err = s.store.ClearLoginFailures(ctx, portal.EmailKey(email))
	s.writeNoContent(w, r, err)
}

// meView is what a developer sees of their account.
type meView struct {
	ID        string                 `json:"id"`
	Email     string                 `json:"email"`
	FullName  string                 `json:"full_name"`
	Status    portal.DeveloperStatus `json:"status"`
	CreatedAt time.Time              `json:"created_at"`
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) {
	d := r.Context().Value(keyDeveloper).(portal.Developer)
	writeJSON(w, http.StatusOK, meView{ID: d.ID, Email: d.Email, FullName: d.FullName, Status: d.Status, CreatedAt: d.CreatedAt})
}
