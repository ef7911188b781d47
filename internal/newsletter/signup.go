package newsletter

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/accounts"
	"broadsheet/internal/dberr"
	"broadsheet/internal/mail"
)

// Paths of the links emails carry.
const (
	ConfirmPath     = "/newsletters/confirm/"
	UnsubscribePath = "/newsletters/unsubscribe/"
)

// SignupTTL is how long a sign-up's confirmation link works.
const SignupTTL = 48 * time.Hour

// Sign-ups are limited per address and per client, so that the form
// cannot be used to flood someone's inbox with confirmations.
const (
	signupsPerAddress = 3  // an hour
	signupsPerClient  = 20 // an hour
)

// SignUp asks an address to confirm joining lists open to every reader:
// nothing is joined, and nothing but the confirmation is sent, until its
// owner follows the emailed link. It answers alike whether the address is
// known, on the lists already or new, so the form tells nobody who
// subscribes; each sign-up sends its own link. client names the asking
// client, for the throttle.
func (s *Service) SignUp(ctx context.Context, email string, listIDs []int64, client string) error {
	email, err := accounts.NormalizeEmail(email)
	if err != nil {
		return &InputError{err.Error()}
	}
	chosen, err := s.chosen(ctx, listIDs)
	if err != nil {
		return err
	}
	for _, l := range chosen {
		if l.Gated() {
			return fmt.Errorf("%s: %w; sign in to join it", l.Name, ErrNotEntitled)
		}
	}
	now := s.Now()
	hour := []time.Time{now.Add(-time.Hour)}
	counts, err := s.Store.CountTokenRequest(ctx, "newsletter-signup:"+inbox(email), hour, now)
	if err != nil {
		return err
	}
	if counts[0] > signupsPerAddress {
		return ErrTooManyAsks
	}
	if counts, err = s.Store.CountTokenRequest(ctx, "newsletter-signup-client:"+client, hour, now); err != nil {
		return err
	}
	if counts[0] > signupsPerClient {
		return ErrTooManyAsks
	}
	token := accounts.NewToken()
	if err := s.Store.CreateNewsletterSignup(ctx, accounts.HashToken(token), email, ids(chosen), now.Add(SignupTTL), now); err != nil {
		return err
	}
	names := make([]string, len(chosen))
	for i, l := range chosen {
		names[i] = l.Name
	}
	publication := s.Settings().Publication
	return s.Mail.Send(ctx, mail.Message{
		To:      email,
		Subject: "Confirm your " + publication + " newsletters",
		Body: fmt.Sprintf("Someone, we hope you, asked for %s's newsletters at this address: %s.\n\n"+
			"To receive them, confirm here within %d hours:\n%s%s%s\n\n"+
			"If it was not you, ignore this email: nothing will be sent.\n",
			publication, strings.Join(names, ", "), int(SignupTTL.Hours()), s.BaseURL, ConfirmPath, token),
	})
}

// inbox is the inbox a normalized address reaches, for the sign-up's
// limit: a tag after a plus (victim+1@) reaches the untagged address's
// inbox at most providers, so tagged addresses count as that one.
func inbox(email string) string {
	at := strings.LastIndexByte(email, '@')
	local, domain := email[:at], email[at:]
	if plus := strings.IndexByte(local, '+'); plus > 0 {
		local = local[:plus]
	}
	return local + domain
}

// Confirmation is what a sign-up's link does, or did: the lists its
// address joins and those it asked for that it may not join any more.
type Confirmation struct {
	Email     string
	Joined    []List
	NotJoined []NotJoined
}

// NotJoined is a list a sign-up asked for and its address is not put on:
// it was removed since (List is then only its ID), or it is gated by a
// benefit the address's account does not have now (its term ended, its
// plan changed, or the list was gated after the sign-up).
type NotJoined struct {
	List    List
	Removed bool
}

// PendingSignup is what a confirmation link would confirm, for its page
// (mail scanners open links: only the page's button confirms).
func (s *Service) PendingSignup(ctx context.Context, token string) (*Confirmation, error) {
	su, err := s.Store.NewsletterSignupByHash(ctx, accounts.HashToken(token))
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, err
	}
	switch {
	case su.Used:
		return nil, ErrLinkUsed
	case !s.Now().Before(su.ExpiresAt):
		return nil, ErrLinkExpired
	}
	return s.mayJoin(ctx, su.Email, su.ListIDs)
}

// Confirm uses a confirmation link, once: the address is confirmed and
// joins the lists it asked for that it may join now, as a signed-in
// reader would: a list removed since, or gated by a benefit the address's
// account does not have now, is not joined, and the confirmation says so.
// A used, expired or unknown link changes nothing and says which.
func (s *Service) Confirm(ctx context.Context, token string) (*Confirmation, error) {
	c, err := s.PendingSignup(ctx, token)
	if err != nil {
		return nil, err
	}
	email, joined, err := s.Store.ConfirmNewsletterSignup(ctx, accounts.HashToken(token), ids(c.Joined), s.Now())
	if errors.Is(err, dberr.ErrNotFound) {
		_, why := s.PendingSignup(ctx, token)
		if why == nil {
			why = ErrLinkUsed // used between the two reads
		}
		return nil, why
	}
	if err != nil {
		return nil, err
	}
	// A list removed between the two reads was not joined.
	out := &Confirmation{Email: email, NotJoined: c.NotJoined}
	for _, l := range c.Joined {
		if slices.Contains(joined, l.ID) {
			out.Joined = append(out.Joined, l)
		} else {
			out.NotJoined = append(out.NotJoined, NotJoined{List: List{ID: l.ID}, Removed: true})
		}
	}
	return out, nil
}

// mayJoin sorts the lists a sign-up asked for into those its address may
// join now and those it may not, asking MayReceive with the entitlements
// of the account holding the address, as a send does.
func (s *Service) mayJoin(ctx context.Context, email string, listIDs []int64) (*Confirmation, error) {
	lists, err := s.Lists(ctx)
	if err != nil {
		return nil, err
	}
	c := &Confirmation{Email: email}
	var ent *access.Entitlements
	for _, id := range listIDs {
		i := slices.IndexFunc(lists, func(l List) bool { return l.ID == id })
		if i < 0 {
			c.NotJoined = append(c.NotJoined, NotJoined{List: List{ID: id}, Removed: true})
			continue
		}
		l := lists[i]
		if l.Gated() && ent == nil {
			v, err := s.Store.NewsletterAddressViewer(ctx, email)
			if err != nil {
				return nil, err
			}
			e := s.Access.EntitlementsAt(v, s.Now())
			ent = &e
		}
		if l.Gated() && !MayReceive(*ent, l) {
			c.NotJoined = append(c.NotJoined, NotJoined{List: l})
			continue
		}
		c.Joined = append(c.Joined, l)
	}
	return c, nil
}

// Unsubscribe links name a membership and the issue that carried them,
// signed with the site's key: no sign-in is needed, and no link can be
// made for another membership. A membership ends once; joining again
// makes a new one, which an old link does not name.

// unsubscribeToken is the token of the link that ends membership m,
// carried by issue (0 for none).
func (s *Service) unsubscribeToken(membership, issue int64) string {
	payload := strconv.FormatInt(membership, 10) + "." + strconv.FormatInt(issue, 10)
	return payload + "." + s.unsubscribeMAC(payload)
}

func (s *Service) unsubscribeMAC(payload string) string {
	m := hmac.New(sha256.New, s.Key)
	m.Write([]byte("newsletter-unsubscribe\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// UnsubscribeURL is the address of the link that ends membership m.
func (s *Service) UnsubscribeURL(membership, issue int64) string {
	return s.BaseURL + UnsubscribePath + s.unsubscribeToken(membership, issue)
}

// parseUnsubscribe reads a token, refusing one not signed by the site.
func (s *Service) parseUnsubscribe(token string) (membership, issue int64, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return 0, 0, ErrLinkInvalid
	}
	want := s.unsubscribeMAC(parts[0] + "." + parts[1])
	if !hmac.Equal([]byte(want), []byte(parts[2])) {
		return 0, 0, ErrLinkInvalid
	}
	membership, err1 := strconv.ParseInt(parts[0], 10, 64)
	issue, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || membership < 1 || issue < 0 {
		return 0, 0, ErrLinkInvalid
	}
	return membership, issue, nil
}

// UnsubscribePage is what an unsubscribe link would end.
func (s *Service) UnsubscribePage(ctx context.Context, token string) (*Membership, error) {
	m, _, err := s.parseUnsubscribe(token)
	if err != nil {
		return nil, err
	}
	ms, err := s.Store.NewsletterMembership(ctx, m)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, ErrLinkInvalid
	}
	return ms, err
}

// Unsubscribe ends the membership a link names, once, without sign-in (a
// mail client's one-click POST, RFC 8058, or the page's button). It
// reports the list and whether this request ended it: a replay changes
// nothing.
func (s *Service) Unsubscribe(ctx context.Context, token string) (List, bool, error) {
	m, issue, err := s.parseUnsubscribe(token)
	if err != nil {
		return List{}, false, err
	}
	ms, err := s.Store.NewsletterMembership(ctx, m)
	if errors.Is(err, dberr.ErrNotFound) {
		return List{}, false, ErrLinkInvalid
	}
	if err != nil {
		return List{}, false, err
	}
	ended, err := s.Store.EndNewsletterMembership(ctx, m, issue, s.Now())
	return ms.List, ended, err
}
