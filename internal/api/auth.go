package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
	"broadsheet/internal/clientaddr"
	"broadsheet/internal/dberr"
	"broadsheet/internal/httpguard"
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
	appID   string // an anonymous reader's id, as the app holds it
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
	v.AccountID, v.Staff = account.ID, account.Role.IsStaff()
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
// the app's anonymous reader id. An app that sends no id is a new reader;
// the caller hands out their id once the meter has decided (handReaderID).
func (s *Server) viewerOf(w http.ResponseWriter, r *http.Request) (*viewer, error) {
	if v, ok, err := s.signedIn(r); err != nil || ok {
		return v, err
	}
	id, present, err := s.readerID(r)
	if err != nil {
		return nil, err
	}
	v := &viewer{}
	if !present {
		id.ID = access.NewReaderID(time.Now()) // wall time: it only orders the meter index
		v.NewReader = true
	}
	v.appID, v.AnonID, v.Carried = id.ID, appReader(id.ID), id.Carried
	return v, nil
}

// handReaderID hands an anonymous app reader the X-Reader-Id a decision
// calls for, by the pages' rule for the reader cookie (see
// access.Decision.ReaderIDToIssue); otherwise the id the app sent stands.
// A signed-in app is named by its token and is handed none.
func (s *Server) handReaderID(w http.ResponseWriter, v *viewer, d access.Decision) {
	if v.AccountID != 0 {
		return
	}
	if carried, issue := d.ReaderIDToIssue(v.NewReader); issue {
		w.Header().Set(readerHeader, s.readerToken(v.appID, carried))
	}
}

// appReaderID is an app's anonymous reader as its signed X-Reader-Id names
// them.
type appReaderID struct {
	ID      string
	Carried access.CarriedRead
}

// readerToken is the signed X-Reader-Id of app reader id. It is signed for
// the API alone, so a page's reader cookie is not an app's id.
func (s *Server) readerToken(id string, carried access.CarriedRead) string {
	p := access.ReaderPayload(id, carried)
	return p + "." + s.Readers.Sign(appTokenPurpose+p)
}

const appTokenPurpose = "api-reader:"

// readerID returns the reader an X-Reader-Id names. One this server did
// not hand out (malformed, unsigned or altered) is refused rather than
// replaced, so an app bug does not silently reset the meter and a guessed
// or forged id never reads another reader's meter.
func (s *Server) readerID(r *http.Request) (appReaderID, bool, error) {
	token := r.Header.Get(readerHeader)
	if token == "" {
		return appReaderID{}, false, nil
	}
	if !validReaderID(token) {
		return appReaderID{}, true, badRequest(readerHeader + " must be the value this server handed out in " + readerHeader +
			" (up to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-'); send none to be given one")
	}
	payload, sig, ok := access.SplitReaderToken(token)
	if ok && s.Readers.Verify(appTokenPurpose+payload, sig) {
		if id, carried, ok := access.ParseReaderPayload(payload); ok {
			return appReaderID{ID: id, Carried: carried}, true, nil
		}
	}
	return appReaderID{}, true, badRequest(readerHeader + " is not one this server handed out (unsigned or altered): send back " +
		"the value it gave you, or none to be given a new one")
}

func validReaderID(token string) bool {
	if len(token) < 8 || len(token) > 128 {
		return false
	}
	for _, c := range token {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// appReader keeps app reader ids apart from the pages' cookie ids.
func appReader(id string) string { return "app-" + id }

// accountJSON is an account as apps see it: role is "editor", "admin" or
// "" for a reader; is_admin stays for apps written before roles.
type accountJSON struct {
	ID      int64  `json:"id"`
	Email   string `json:"email"`
	Role    string `json:"role"`
	IsAdmin bool   `json:"is_admin"`
}

func accountOf(a *accounts.Account) accountJSON {
	return accountJSON{ID: a.ID, Email: a.Email, Role: string(a.Role), IsAdmin: a.Role.IsAdmin()}
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
		setRetryAfter(w, err)
		return errorf(http.StatusTooManyRequests, err.Error())
	case err != nil:
		return err
	}
	cfg := s.Settings.Get()
	token, err := s.Accounts.StartSession(ctx, a, r.UserAgent(), cfg.DeviceLimit)
	if errors.Is(err, accounts.ErrSignInChanged) {
		return unauthorized(err.Error(), false)
	}
	if err != nil {
		return err
	}
	// Stories this app read anonymously this month count once on the
	// account, as they do when a reader signs in on the site.
	if id, present, err := s.readerID(r); err == nil && present {
		month := meter.Month(s.Now(), cfg.Location)
		if err := s.Access.MergeDevice(ctx, appReader(id.ID), id.Carried, a.ID, month); err != nil {
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
	// Entitled: the subscription gives access now (see entitlements for
	// what it includes).
	Entitled bool `json:"entitled"`
	// NextPlan is the plan the reader chose for the coming renewal; null
	// when the subscription renews on its own plan.
	NextPlan *planRefJSON `json:"next_plan"`
}

// planRefJSON names a plan.
type planRefJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (s *Server) showMe(w http.ResponseWriter, r *http.Request) error {
	v, err := s.requireAccount(r)
	if err != nil {
		return err
	}
	ent := s.Access.Entitlements(v.Viewer)
	var sub *subscriptionJSON
	if v.Subscription != nil {
		sub, err = s.subscriptionOf(r, v.Subscription, ent)
		if err != nil {
			return err
		}
	}
	opens, err := s.newslettersByBenefit(r)
	if err != nil {
		return err
	}
	benefits := []benefitJSON{}
	for _, b := range s.Access.Benefits(ent) {
		benefits = append(benefits, benefitOf(s.Offer.Show(b), opens))
	}
	return writeJSON(w, http.StatusOK, map[string]any{"account": accountOf(v.Account), "subscription": sub, "entitlements": benefits})
}

func (s *Server) subscriptionOf(r *http.Request, sub *billing.Subscription, ent access.Entitlements) (*subscriptionJSON, error) {
	plan, err := s.Billing.PlanOf(r.Context(), sub)
	if err != nil {
		return nil, err
	}
	out := &subscriptionJSON{
		PlanCode:  plan.Code,
		PlanName:  plan.Name,
		Status:    string(sub.Status),
		AutoRenew: sub.AutoRenew,
		PaidUntil: sub.PaidUntil.UTC().Format(time.RFC3339),
		Entitled:  ent.Subscribed(),
	}
	next, err := s.Billing.NextPlanOf(r.Context(), sub)
	if err != nil {
		return nil, err
	}
	if next != nil {
		out.NextPlan = &planRefJSON{Code: next.Code, Name: next.Name}
	}
	return out, nil
}

// clientAddr is the address sign-in attempts are counted under: the peer,
// or the client a trusted proxy names (see clientaddr).
func clientAddr(r *http.Request) string { return clientaddr.From(r) }

// setRetryAfter tells a refused app when to come back, if err says.
func setRetryAfter(w http.ResponseWriter, err error) {
	httpguard.SetRetryAfter(w, accounts.RetryAfter(err))
}
