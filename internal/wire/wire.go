// Package wire brings agencies' stories in: it keeps the wire feeds an
// editor configured (RSS 2.0, Atom or JSON Feed), polls each on its
// interval, and makes each item a story of the feed's section through the
// newsroom, once, credited to the agency and with the feed's disclaimer.
// A later version of an item updates its story unless an editor has
// edited it since. The store's unique (feed, item) row is what keeps an
// item from being published twice, however many polls run at once.
package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/markup"
	"broadsheet/internal/newsroom"
	"broadsheet/internal/settings"
)

// Store keeps the feeds and what became of their items.
type Store interface {
	AddFeed(ctx context.Context, f *Feed) (int64, error)
	UpdateFeed(ctx context.Context, f *Feed) error
	DeleteFeed(ctx context.Context, id int64, at time.Time) error
	Feeds(ctx context.Context) ([]*Feed, error)
	FeedByID(ctx context.Context, id int64) (*Feed, error)
	DueFeeds(ctx context.Context, now time.Time, limit int) ([]*Feed, error)
	PollFeedAt(ctx context.Context, id int64, at time.Time) error
	RecordPoll(ctx context.Context, id int64, r PollRecord) error

	// WireItem returns the item guid of the feed, or else of another feed
	// crediting the same agency (sourceKey).
	WireItem(ctx context.Context, feedID int64, sourceKey, guid string) (*StoredItem, error)
	WireItemOfStory(ctx context.Context, articleID int64) (*StoredItem, error)
	CreateWireStory(ctx context.Context, it *StoredItem, a *content.Article, changed []string, at time.Time) error
	UpdateWireStory(ctx context.Context, it *StoredItem, a *content.Article, changed []string, at time.Time) error
	EditedSince(ctx context.Context, articleID int64, revision int) (bool, error)
	// NoteNewerVersion keeps version, the item's newer version as JSON.
	NoteNewerVersion(ctx context.Context, itemID int64, hash, version string, at time.Time) error
	// TookNewerVersion records that story revision took the newer
	// version hash; dberr.ErrStale when the item no longer has it.
	TookNewerVersion(ctx context.Context, itemID int64, hash string, updated *time.Time, revision int, at time.Time) error
	NewerVersions(ctx context.Context, limit int) ([]Newer, error)
}

// Feed is a wire feed: where it is, how its items are published, and how
// its last polls went.
type Feed struct {
	ID          int64
	URL         string
	SectionID   int64
	SectionSlug string // read with the feed
	SectionName string
	Access      content.Access
	Hold        bool // items become drafts for an editor instead of published stories
	Every       time.Duration
	Source      string // the agency credited; "" takes the feed's own title
	Disclaimer  string // a template: {{publication}} and {{source}}
	CreatedAt   time.Time

	NextPollAt   time.Time
	Round        int // counts the times NextPollAt was set: a poll job is keyed by it
	ETag         string
	LastModified string
	PolledAt     *time.Time // the last poll, whatever came of it
	OKAt         *time.Time // the last poll that fetched and read the feed
	Failures     int        // polls failed in a row
	LastError    string
	Last         Counts    // what the last successful poll did
	Refused      []Refusal // the items it refused
}

// Counts say what a poll did with a feed's items.
type Counts struct {
	New       int
	Updated   int
	Unchanged int
	Refused   int
	// Kept counts items whose newer version was not written, as an
	// editor has edited the story since: the console lists them.
	Kept int
}

func (c Counts) String() string {
	s := fmt.Sprintf("%d new, %d updated, %d unchanged, %d refused", c.New, c.Updated, c.Unchanged, c.Refused)
	if c.Kept > 0 {
		s += fmt.Sprintf("; %d newer versions kept back from stories an editor changed", c.Kept)
	}
	return s
}

// Refusal is an item a poll did not ingest, and why.
type Refusal struct {
	Key    string `json:"key"` // its GUID or link, or its place in the feed
	Title  string `json:"title"`
	Reason string `json:"reason"`
}

// PollRecord is what a poll leaves on its feed.
type PollRecord struct {
	At           time.Time
	NextPollAt   time.Time
	OK           bool // the feed was fetched (or not modified) and read
	ETag         string
	LastModified string
	Error        string // why it failed
	Counts       Counts // when OK and fetched
	Refused      []Refusal
	NotModified  bool // the server said nothing changed: counts and refusals stay
}

// StoredItem is what the store keeps of an ingested item.
type StoredItem struct {
	ID     int64
	FeedID int64
	GUID   string
	// SourceKey is the agency credited, as SourceKey gives it: an item is
	// one story whichever of the agency's feeds carries it.
	SourceKey string
	ArticleID int64
	Hash      string
	Updated   *time.Time // the item's own updated date, when it gave one
	// WireRevision is the story's revision the wire's last write made.
	WireRevision int
	NewerHash    string
	NewerItem    string // the newer version, as JSON
}

// SourceKey is how an agency's name keys its items: in lower case, its
// spaces collapsed, so "PTI" and "pti " are one agency.
func SourceKey(source string) string {
	return strings.ToLower(strings.Join(strings.Fields(source), " "))
}

// Newer is a story an editor changed after it was ingested, whose item
// the wire has a newer version of since: the editor's version stays.
type Newer struct {
	ArticleID int64
	Headline  string
	Revision  int // the story's, which taking the newer version saves over
	FeedID    int64
	FeedURL   string
	Since     time.Time
}

// ErrIngested is returned by the store when another poll has ingested the
// item first: the caller reads it again.
var ErrIngested = fmt.Errorf("the item was ingested by another poll: %w", dberr.ErrConflict)

// Service runs the wire's use cases.
type Service struct {
	Store    Store
	Newsroom *newsroom.Service
	Markup   *markup.Renderer
	Fetcher  *Fetcher
	// Images fetches items' pictures; nil uses Fetcher.
	Images *Fetcher
	Now    func() time.Time
	// Publication and Location are the settings' current values.
	Publication func() string
	Location    func() *time.Location
	Log         *slog.Logger
}

// DefaultDisclaimer is a new feed's disclaimer.
const DefaultDisclaimer = "Disclaimer: No {{publication}} journalist was involved in creation of this content"

// DefaultEvery is how often a feed is polled unless told otherwise.
const DefaultEvery = 5 * time.Minute

// Bounds on a feed's settings.
const (
	MinEvery      = time.Minute
	MaxEvery      = 24 * time.Hour
	maxURL        = 2000
	maxSource     = 100
	maxDisclaimer = 500
)

// disclaimerVars are the variables a feed's disclaimer may use.
var disclaimerVars = map[string]string{
	"publication": "the publication's name",
	"source":      "the agency credited",
}

// FeedInput is a feed's settings as an editor gives them.
type FeedInput struct {
	URL        string
	Section    string // the section's slug
	Access     string // free, metered (default) or premium
	Hold       bool
	Every      string // a duration such as 5m or 1h; "" for DefaultEvery
	Source     string
	Disclaimer string // "" for none of the feed's own: the publication's shows
}

// NewFeedInput is the form of a feed not yet added.
func NewFeedInput() FeedInput {
	return FeedInput{Access: string(content.Metered), Every: DefaultEvery.String(), Disclaimer: DefaultDisclaimer}
}

// InputOf is a feed's settings as its form shows them.
func InputOf(f *Feed) FeedInput {
	return FeedInput{URL: f.URL, Section: f.SectionSlug, Access: string(f.Access), Hold: f.Hold, Every: shortDuration(f.Every),
		Source: f.Source, Disclaimer: f.Disclaimer}
}

// Feeds lists the feeds, the most recently added first.
func (s *Service) Feeds(ctx context.Context) ([]*Feed, error) { return s.Store.Feeds(ctx) }

// Feed returns one feed.
func (s *Service) Feed(ctx context.Context, id int64) (*Feed, error) {
	return s.Store.FeedByID(ctx, id)
}

// NewerVersions lists the stories whose items the wire has a newer
// version of than the story an editor changed.
func (s *Service) NewerVersions(ctx context.Context) ([]Newer, error) {
	return s.Store.NewerVersions(ctx, 200)
}

// AddFeed checks in and adds the feed, due for its first poll at once.
// Bad fields give a *newsroom.InvalidError and add nothing; so does an
// address another feed has.
func (s *Service) AddFeed(ctx context.Context, in FeedInput) (*Feed, error) {
	f, err := s.checkFeed(ctx, in)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	f.CreatedAt, f.NextPollAt = now, now
	f.ID, err = s.Store.AddFeed(ctx, f)
	if errors.Is(err, dberr.ErrConflict) {
		return nil, invalid("url", "a feed with this address is already configured")
	}
	return f, err
}

// UpdateFeed saves feed id's settings; its items and their stories stay.
// Bad fields give a *newsroom.InvalidError and change nothing.
func (s *Service) UpdateFeed(ctx context.Context, id int64, in FeedInput) (*Feed, error) {
	f, err := s.checkFeed(ctx, in)
	if err != nil {
		return nil, err
	}
	cur, err := s.Store.FeedByID(ctx, id)
	if err != nil {
		return nil, err
	}
	// A shorter interval applies from the last poll, a new address at
	// once; a feed backing off keeps its wait.
	f.ID, f.NextPollAt = id, cur.NextPollAt
	switch {
	case f.URL != cur.URL:
		f.NextPollAt = s.Now().UTC()
	case cur.Failures == 0 && cur.PolledAt != nil && cur.PolledAt.Add(f.Every).Before(cur.NextPollAt):
		f.NextPollAt = cur.PolledAt.Add(f.Every)
	}
	err = s.Store.UpdateFeed(ctx, f)
	if errors.Is(err, dberr.ErrConflict) {
		return nil, invalid("url", "a feed with this address is already configured")
	}
	return f, err
}

// DeleteFeed stops polling a feed. The stories it brought stay, as the
// publication's; adding its address again brings it back, with the
// record of what it ingested, so its items are not published again.
func (s *Service) DeleteFeed(ctx context.Context, id int64) error {
	return s.Store.DeleteFeed(ctx, id, s.Now())
}

// PollSoon makes feed id due now, so that the next scheduled look polls it.
func (s *Service) PollSoon(ctx context.Context, id int64) error {
	return s.Store.PollFeedAt(ctx, id, s.Now())
}

// checkFeed checks a feed's settings and returns the feed they describe.
func (s *Service) checkFeed(ctx context.Context, in FeedInput) (*Feed, error) {
	var bad []newsroom.FieldError
	add := func(field, reason string) { bad = append(bad, newsroom.FieldError{Field: field, Reason: reason}) }
	f := &Feed{Source: strings.Join(strings.Fields(in.Source), " "), Disclaimer: strings.TrimSpace(in.Disclaimer), Hold: in.Hold}
	var err error
	if f.URL, err = CheckURL(in.URL); err != nil {
		add("url", err.Error())
	}
	if f.Access = content.Access(strings.TrimSpace(in.Access)); f.Access == "" {
		f.Access = content.Metered
	}
	if !f.Access.Valid() {
		add("access", "must be free, metered or premium")
	}
	if f.Every, err = ParseEvery(in.Every); err != nil {
		add("every", err.Error())
	}
	if utf8.RuneCountInString(f.Source) > maxSource {
		add("source", fmt.Sprintf("at most %d characters", maxSource))
	}
	if err := checkDisclaimer(f.Disclaimer); err != nil {
		add("disclaimer", err.Error())
	}
	secs, err := s.Newsroom.Sections(ctx)
	if err != nil {
		return nil, err
	}
	for _, sec := range secs {
		if sec.Slug == strings.TrimSpace(in.Section) {
			f.SectionID, f.SectionSlug, f.SectionName = sec.ID, sec.Slug, sec.Name
		}
	}
	if f.SectionID == 0 {
		add("section", "choose one of the publication's sections")
	}
	if len(bad) > 0 {
		return nil, &newsroom.InvalidError{Fields: bad}
	}
	return f, nil
}

// CheckURL checks a feed's address and returns it as it is kept: an
// absolute http(s) URL, without a fragment.
func CheckURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return "", errors.New("give the feed's address, such as https://agency.example/rss.xml")
	case len(raw) > maxURL:
		return "", fmt.Errorf("at most %d characters", maxURL)
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "":
		return "", errors.New("want an http:// or https:// address, such as https://agency.example/rss.xml")
	}
	u.Fragment, u.RawFragment = "", ""
	u.Host = strings.ToLower(u.Host)
	return u.String(), nil
}

// ParseEvery reads how often a feed is polled: a duration such as 5m or
// 1h, from MinEvery to MaxEvery; "" is DefaultEvery.
func ParseEvery(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultEvery, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < MinEvery || d > MaxEvery {
		return 0, fmt.Errorf("want a time from %s to %s, such as 5m or 1h", shortDuration(MinEvery), shortDuration(MaxEvery))
	}
	return d.Round(time.Second), nil
}

// shortDuration writes d as an editor would: 5m, 1h30m, 24h.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func checkDisclaimer(t string) error {
	if utf8.RuneCountInString(t) > maxDisclaimer {
		return fmt.Errorf("at most %d characters", maxDisclaimer)
	}
	if strings.ContainsAny(t, "\r\n") {
		return errors.New("must be one line")
	}
	_, err := settings.ParseTemplateOf(t, disclaimerVars)
	return err
}

// disclaimer renders feed f's disclaimer for a story credited to source.
func (s *Service) disclaimer(f *Feed, source string) string {
	t, err := settings.ParseTemplateOf(f.Disclaimer, disclaimerVars)
	if err != nil { // checked when the feed was saved
		return ""
	}
	return t.Render(map[string]string{"publication": s.Publication(), "source": source})
}

func invalid(field, reason string) *newsroom.InvalidError {
	return &newsroom.InvalidError{Fields: []newsroom.FieldError{{Field: field, Reason: reason}}}
}
