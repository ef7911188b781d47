package newsletter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"broadsheet/internal/access"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/mail"
	"broadsheet/internal/settings"
)

// Store is where lists, addresses, issues and deliveries are kept.
type Store interface {
	NewsletterLists(ctx context.Context) ([]List, error)
	CreateNewsletterList(ctx context.Context, l List, now time.Time) (int64, error)
	UpdateNewsletterList(ctx context.Context, l List) error
	JoinNewsletters(ctx context.Context, email string, listIDs []int64, now time.Time) error
	LeaveNewsletter(ctx context.Context, email string, listID int64, now time.Time) (bool, error)
	NewsletterMemberships(ctx context.Context, email string) ([]int64, error)
	NewsletterSubscriberByEmail(ctx context.Context, email string) (*Subscriber, error)
	CreateNewsletterSignup(ctx context.Context, tokenHash, email string, listIDs []int64, expires, now time.Time) error
	NewsletterSignupByHash(ctx context.Context, tokenHash string) (*Signup, error)
	ConfirmNewsletterSignup(ctx context.Context, tokenHash string, join []int64, now time.Time) (string, []int64, error)
	// NewsletterAddressViewer is who the address is as a send sees it:
	// the account holding it confirmed, if any.
	NewsletterAddressViewer(ctx context.Context, email string) (access.Viewer, error)
	DeleteNewsletterList(ctx context.Context, id int64) error
	NewsletterMembership(ctx context.Context, membershipID int64) (*Membership, error)
	EndNewsletterMembership(ctx context.Context, membershipID, issueID int64, now time.Time) (bool, error)
	// CountTokenRequest records a request under key and counts those
	// since each time (the throttle of emailed links).
	CountTokenRequest(ctx context.Context, key string, since []time.Time, now time.Time) ([]int, error)

	IssueStore
}

// StoryStore reads the stories an issue is made of.
type StoryStore interface {
	StoryByID(ctx context.Context, id int64) (*content.Article, error)
	LatestArticles(ctx context.Context, now time.Time, section string, after *content.Cursor, limit int) ([]*content.Article, error)
}

// Sending is how fast issues go out: messages sent at once (each over its
// own SMTP connection) and at most Rate messages a second (0: no limit).
type Sending struct {
	Concurrency int
	Rate        float64
}

// Service is the newsletters' use cases.
type Service struct {
	Store   Store
	Stories StoryStore
	// Access decides what each recipient may read: the one rule of
	// every output.
	Access   *access.Service
	Settings func() *settings.Settings
	Now      func() time.Time
	// Mail sends confirmations and editors' test messages; Connector
	// sends issues, over connections kept for many messages.
	Mail      mail.Sender
	Connector mail.Connector
	Sending   Sending
	BaseURL   string
	// Key signs unsubscribe links: a secret of the site's.
	Key []byte
	Log *slog.Logger

	templates *templates // see Init
}

// Lists returns every list in order.
func (s *Service) Lists(ctx context.Context) ([]List, error) {
	return s.Store.NewsletterLists(ctx)
}

// List finds a list by its slug.
func (s *Service) List(ctx context.Context, slug string) (List, error) {
	lists, err := s.Lists(ctx)
	if err != nil {
		return List{}, err
	}
	for _, l := range lists {
		if l.Slug == slug {
			return l, nil
		}
	}
	return List{}, dberr.ErrNotFound
}

func (s *Service) listByID(ctx context.Context, id int64) (List, error) {
	lists, err := s.Lists(ctx)
	if err != nil {
		return List{}, err
	}
	for _, l := range lists {
		if l.ID == id {
			return l, nil
		}
	}
	return List{}, dberr.ErrNotFound
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// AddList adds a list; its slug, from its name unless given, is its
// address for ever.
func (s *Service) AddList(ctx context.Context, l List) (int64, error) {
	if err := s.checkList(&l); err != nil {
		return 0, err
	}
	if l.Slug == "" {
		l.Slug = content.Slugify(l.Name)
	}
	if !slugRE.MatchString(l.Slug) || len(l.Slug) > 60 {
		return 0, &InputError{"an address is lower-case letters, digits and hyphens, at most 60"}
	}
	id, err := s.Store.CreateNewsletterList(ctx, l, s.Now())
	if errors.Is(err, dberr.ErrConflict) {
		return 0, &InputError{fmt.Sprintf("another newsletter has the address %q", l.Slug)}
	}
	return id, benefitGone(err)
}

// UpdateList renames a list and sets its description and who receives it.
func (s *Service) UpdateList(ctx context.Context, l List) error {
	if err := s.checkList(&l); err != nil {
		return err
	}
	return benefitGone(s.Store.UpdateNewsletterList(ctx, l))
}

// RemoveList removes a list no issue was made of (one added by mistake,
// say), with its members: a sign-up waiting for confirmation will not
// join it. A list with issues, even drafts, stays, as its archive and
// its deliveries name it.
func (s *Service) RemoveList(ctx context.Context, id int64) error {
	err := s.Store.DeleteNewsletterList(ctx, id)
	if errors.Is(err, dberr.ErrInUse) {
		return &InputError{"a newsletter with issues, even drafts, cannot be removed"}
	}
	return err
}

// benefitGone is the database refusing a list's benefit (the foreign
// key): it was deleted meanwhile, perhaps on another instance.
func benefitGone(err error) error {
	if errors.Is(err, dberr.ErrInUse) {
		return &InputError{"that benefit does not exist any more: choose who receives the newsletter again"}
	}
	return err
}

func (s *Service) checkList(l *List) error {
	if l.BenefitID != 0 {
		// The catalog in memory may lag an edit made on another instance
		// by its reload's interval; the foreign key has the last word.
		b, ok := s.Access.Catalog.Get().Benefit(l.BenefitID)
		switch {
		case !ok:
			return benefitGone(dberr.ErrInUse)
		case !b.Kind.MayGate():
			return &InputError{"a line of text gives nothing, so it cannot open a newsletter: choose another benefit"}
		}
		l.BenefitKind = b.Kind
	}
	l.Name, l.Description = strings.TrimSpace(l.Name), strings.TrimSpace(l.Description)
	switch {
	case l.Name == "" || len(l.Name) > 80:
		return &InputError{"a newsletter needs a name of at most 80 characters"}
	case strings.ContainsFunc(l.Name+l.Description, unicode.IsControl):
		// The name goes into every message's List-Id header.
		return &InputError{"a name and a description are one line each"}
	case len(l.Description) > 300:
		return &InputError{"a description has at most 300 characters"}
	}
	return nil
}

// Reader is a signed-in reader joining or leaving lists: their confirmed
// address and what their plan entitles them to.
type Reader struct {
	Email     string
	Confirmed bool
	Ent       access.Entitlements
}

// ReaderLists is what a signed-in reader is offered: each list with
// whether they are on it and may join it.
type ReaderList struct {
	List
	Member   bool
	Eligible bool
}

// ForReader lists the lists as reader r sees them. An address not
// confirmed is on none: an account can be made with anyone's address, and
// must not learn what that address receives.
func (s *Service) ForReader(ctx context.Context, r Reader) ([]ReaderList, error) {
	lists, err := s.Lists(ctx)
	if err != nil {
		return nil, err
	}
	var on []int64
	if r.Confirmed {
		if on, err = s.Store.NewsletterMemberships(ctx, r.Email); err != nil {
			return nil, err
		}
	}
	out := make([]ReaderList, len(lists))
	for i, l := range lists {
		out[i] = ReaderList{List: l, Member: slices.Contains(on, l.ID), Eligible: MayReceive(r.Ent, l)}
	}
	return out, nil
}

// Join puts a signed-in reader on lists at once: their account's address
// is confirmed already. A list they may not receive is refused, and
// nothing is joined.
func (s *Service) Join(ctx context.Context, r Reader, listIDs []int64) ([]List, error) {
	if !r.Confirmed {
		return nil, ErrUnconfirmed
	}
	chosen, err := s.chosen(ctx, listIDs)
	if err != nil {
		return nil, err
	}
	for _, l := range chosen {
		if !MayReceive(r.Ent, l) {
			return nil, fmt.Errorf("%s: %w", l.Name, ErrNotEntitled)
		}
	}
	return chosen, s.Store.JoinNewsletters(ctx, r.Email, ids(chosen), s.Now())
}

// Leave takes a signed-in reader off a list. Like joining, it needs the
// account's address confirmed: until then the address may be someone
// else's, whose newsletters are not the account's to stop (the emails'
// links stop them without sign-in).
func (s *Service) Leave(ctx context.Context, r Reader, listID int64) (List, error) {
	l, err := s.listByID(ctx, listID)
	if err != nil {
		return l, err
	}
	if !r.Confirmed {
		return l, ErrUnconfirmed
	}
	_, err = s.Store.LeaveNewsletter(ctx, r.Email, listID, s.Now())
	return l, err
}

// chosen returns the lists named by ids, each once, in the lists' order;
// an id that is no list is refused.
func (s *Service) chosen(ctx context.Context, listIDs []int64) ([]List, error) {
	if len(listIDs) == 0 {
		return nil, ErrNoListsChosen
	}
	lists, err := s.Lists(ctx)
	if err != nil {
		return nil, err
	}
	var out []List
	for _, l := range lists {
		if slices.Contains(listIDs, l.ID) {
			out = append(out, l)
		}
	}
	for _, id := range listIDs {
		if !slices.ContainsFunc(out, func(l List) bool { return l.ID == id }) {
			return nil, &InputError{"there is no such newsletter"}
		}
	}
	return out, nil
}

func ids(lists []List) []int64 {
	out := make([]int64, len(lists))
	for i, l := range lists {
		out[i] = l.ID
	}
	return out
}

// ByBenefit lists the gated lists by the benefit that opens each, in the
// lists' order: what the offer page and the API name under each benefit.
func (s *Service) ByBenefit(ctx context.Context) (map[int64][]List, error) {
	lists, err := s.Lists(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64][]List{}
	for _, l := range lists {
		if l.Gated() {
			out[l.BenefitID] = append(out[l.BenefitID], l)
		}
	}
	return out, nil
}
