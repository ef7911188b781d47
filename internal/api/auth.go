package api

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
	"broadsheet/internal/dberr"
	"broadsheet/internal/meter"
)

// readerHeader carries an app's own anonymous reader id, the API's
// equivalent of the pages' signed reader cookie.
const readerHeader = "X-Reader-Id"

// viewer is who is calling: a signed-in account (bearer token) or an
// anonymous app reader.
type viewer struct {
	access.Viewer
	Account *accounts.Account
	Session *accounts.Session
}

// bearerToken returns the token of an "Authorization: Bearer" header;
// present is false when there is no Authorization header at all.
func bearerToken(r *http.Request) (token string, present bool, err error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", false, nil
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", true, unauthorized("the Authorization header must be \"Bearer <token>\"", true)
	}
	return token, true, nil
}

// signedIn resolves the bearer token. ok is false when the request has no
// Authorization header; a header with a bad or ended token is a 401, never
// a silent fall-back to anonymous reading.
func (s *Server) signedIn(r *http.Request) (v *viewer, ok bool, err error) {
	token, present, err := bearerToken(r)
	if err != nil || !present {
		return nil, false, err
	}
	ctx := r.Context()
	se, account, err := s.Accounts.SessionFor(ctx, token)
	var ended *accounts.SessionEndedError
	switch {
	case errors.As(err, &ended):
		return nil, false, unauthorized(ended.Error(), true)
	case errors.Is(err, accounts.ErrNoSession):
		return nil, false, unauthorized("this token does not belong to a session; sign in again", true)
	case err != nil:
		return nil, false, err
	}
	v = &viewer{Account: account, Session: se}
	v.AccountID, v.Staff = account.ID, account.IsAdmin
	if v.Subscription, err = s.Billing.Current(ctx, account.ID); err != nil {
		return nil, false, err
	}
	return v, true, nil
}

// requireAccount is signedIn for endpoints that only make sense signed in.
func (s *Server) requireAccount(r *http.Request) (*viewer, error) {
	v, ok, err := s.signedIn(r)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, unauthorized("sign in and send the session token as \"Authorization: Bearer <token>\"", false)
	}
	return v, nil
}

// viewerOf identifies any reader: the account of a bearer token, or else
// the app's anonymous reader id. An app that sends no id gets a new one in
// the response header, to send from then on.
func (s *Server) viewerOf(w http.ResponseWriter, r *http.Request) (*viewer, error) {
	if v, ok, err := s.signedIn(r); err != nil || ok {
		return v, err
	}
	id, present, err := readerID(r)
	if err != nil {
		return nil, err
	}
	v := &viewer{}
	if !present {
		id = access.NewReaderID(time.Now()) // wall time: it only orders the meter index
		v.NewReader = true
		w.Header().Set(readerHeader, id)
	}
	v.AnonID = appReader(id)
	return v, nil
}

// readerID returns a well-formed X-Reader-Id; a malformed one is refused
// rather than replaced, so an app bug does not silently reset the meter.
func readerID(r *http.Request) (string, bool, error) {
	id := r.Header.Get(readerHeader)
	if id == "" {
		return "", false, nil
	}
	if !validReaderID(id) {
		return "", true, badRequest(readerHeader + " must be 8 to 64 characters of A-Z, a-z, 0-9, _ and -")
	}
	return id, true, nil
}

func validReaderID(id string) bool {
	if len(id) < 8 || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// appReader keeps app reader ids apart from the pages' cookie ids.
func appReader(id string) string { return "app-" + id }

type accountJSON struct {
	ID      int64  `json:"id"`
	Email   string `json:"email"`
	IsAdmin bool   `json:"is_admin"`
}

func accountOf(a *accounts.Account) accountJSON {
	return accountJSON{ID: a.ID, Email: a.Email, IsAdmin: a.IsAdmin}
}

// maxBody bounds request bodies: a sign-in is a few hundred bytes.
const maxBody = 16 << 10

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	if err := dec.Decode(&in); err != nil {
		return badRequest("the body must be a JSON object with \"email\" and \"password\"")
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("the body must hold one JSON object")
	}
	if strings.TrimSpace(in.Email) == "" || in.Password == "" {
		return badRequest("\"email\" and \"password\" are required")
	}
	ctx := r.Context()
	a, err := s.Accounts.Authenticate(ctx, in.Email, in.Password, clientAddr(r))
	switch {
	case errors.Is(err, accounts.ErrBadCredentials):
		return unauthorized(err.Error(), false)
	case errors.Is(err, accounts.ErrThrottled):
		return errorf(http.StatusTooManyRequests, err.Error())
	case err != nil:
		return err
	}
	cfg := s.Settings.Get()
	token, err := s.Accounts.StartSession(ctx, a.ID, r.UserAgent(), cfg.DeviceLimit)
	if err != nil {
		return err
	}
	// Stories this app read anonymously this month count once on the
	// account, as they do when a reader signs in on the site.
	if id, present, err := readerID(r); err == nil && present {
		month := meter.Month(s.Now(), cfg.Location)
		if err := s.Access.MergeDevice(ctx, appReader(id), a.ID, month); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusCreated, map[string]any{"token": token, "account": accountOf(a)})
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) error {
	v, err := s.requireAccount(r)
	if err != nil {
		return err
	}
	if err := s.Accounts.SignOut(r.Context(), v.Session); err != nil && !errors.Is(err, dberr.ErrNotFound) {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type subscriptionJSON struct {
	PlanCode  string `json:"plan_code"`
	PlanName  string `json:"plan_name"`
	Status    string `json:"status"`
	AutoRenew bool   `json:"auto_renew"`
	PaidUntil string `json:"paid_until"`
	Entitled  bool   `json:"entitled"`
}

func (s *Server) showMe(w http.ResponseWriter, r *http.Request) error {
	v, err := s.requireAccount(r)
	if err != nil {
		return err
	}
	var sub *subscriptionJSON
	if v.Subscription != nil {
		sub, err = s.subscriptionOf(r, v.Subscription)
		if err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"account": accountOf(v.Account), "subscription": sub})
}

func (s *Server) subscriptionOf(r *http.Request, sub *billing.Subscription) (*subscriptionJSON, error) {
	plan, err := s.Store.PlanByID(r.Context(), sub.PlanID)
	if err != nil {
		return nil, err
	}
	return &subscriptionJSON{
		PlanCode:  plan.Code,
		PlanName:  plan.Name,
		Status:    string(sub.Status),
		AutoRenew: sub.AutoRenew,
		PaidUntil: sub.PaidUntil.UTC().Format(time.RFC3339),
		Entitled:  access.EntitlementsOf(sub, s.Now()).Premium,
	}, nil
}

// clientAddr is the address failed sign-ins are counted under.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
