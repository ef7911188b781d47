package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/newsroom"
)

// Result is what one poll of a feed did.
type Result struct {
	Feed        *Feed
	NotModified bool // the server said the feed has not changed
	Counts      Counts
	Refused     []Refusal
	// Err is why the feed could not be fetched or read; nothing of it was
	// ingested.
	Err error
}

// Poll fetches feed id, ingests its items and records how it went on the
// feed: when it is polled next, and for a feed that failed why, the next
// poll then waiting longer the more polls have failed in a row. The error
// is the store's, or the context's: the feed's own failures are in the
// result.
func (s *Service) Poll(ctx context.Context, id int64) (Result, error) {
	f, err := s.Store.FeedByID(ctx, id)
	if err != nil {
		return Result{}, err
	}
	return s.poll(ctx, f)
}

// PollAll polls every feed once, one after another, and calls report
// with each feed's result.
func (s *Service) PollAll(ctx context.Context, report func(Result)) error {
	feeds, err := s.Store.Feeds(ctx)
	if err != nil {
		return err
	}
	for _, f := range feeds {
		r, err := s.poll(ctx, f)
		if err != nil {
			return fmt.Errorf("feed %s: %w", f.URL, err)
		}
		report(r)
	}
	return nil
}

func (s *Service) poll(ctx context.Context, f *Feed) (Result, error) {
	r := Result{Feed: f}
	started := s.Now()
	fetched, err := s.Fetcher.Fetch(ctx, f.URL, f.ETag, f.LastModified)
	if err != nil && ctx.Err() != nil {
		return r, ctx.Err()
	}
	if err != nil {
		return s.failed(ctx, f, r, err)
	}
	rec := PollRecord{At: started, OK: true, ETag: fetched.ETag, LastModified: fetched.LastModified,
		NextPollAt: started.Add(f.Every)}
	if fetched.NotModified {
		r.NotModified, rec.NotModified = true, true
		return r, s.Store.RecordPoll(ctx, f.ID, rec)
	}
	parsed, err := parseFeed(fetched.Body, s.Markup)
	if err != nil {
		return s.failed(ctx, f, r, err)
	}
	source := f.Source
	if source == "" {
		source = clip(parsed.Title, maxSource)
	}
	if source == "" {
		if u, err := url.Parse(f.URL); err == nil {
			source = u.Hostname()
		}
	}
	r.Refused = parsed.Refused
	for _, it := range parsed.Items {
		o, err := s.ingest(ctx, f, source, it)
		var bad *newsroom.InvalidError
		switch {
		case errors.As(err, &bad):
			r.Refused = append(r.Refused, Refusal{Key: it.Key, Title: it.Headline, Reason: bad.Error()})
			continue
		case errors.Is(err, errNoText):
			r.Refused = append(r.Refused, Refusal{Key: it.Key, Title: it.Headline, Reason: err.Error()})
			continue
		case err != nil:
			// The store failed: the feed is polled again as it was, its
			// ETag unsaved, so nothing of it is skipped.
			return r, fmt.Errorf("item %s: %w", it.Key, err)
		}
		switch o {
		case created:
			r.Counts.New++
		case updated:
			r.Counts.Updated++
		case kept:
			r.Counts.Kept++
		default:
			r.Counts.Unchanged++
		}
	}
	r.Counts.Refused = len(r.Refused)
	rec.Counts, rec.Refused = r.Counts, r.Refused
	return r, s.Store.RecordPoll(ctx, f.ID, rec)
}

// failed records a poll that could not fetch or read the feed.
func (s *Service) failed(ctx context.Context, f *Feed, r Result, cause error) (Result, error) {
	now := s.Now()
	r.Err = cause
	return r, s.Store.RecordPoll(ctx, f.ID, PollRecord{At: now, Error: cause.Error(),
		NextPollAt: now.Add(Backoff(f.Failures + 1)), ETag: f.ETag, LastModified: f.LastModified})
}

// Backoff is how long a feed that failed n polls in a row waits before
// the next: a minute, doubling each time, up to six hours.
func Backoff(n int) time.Duration {
	return min(time.Minute<<min(max(n-1, 0), 10), 6*time.Hour)
}

// outcome is what became of one item.
type outcome int

const (
	unchanged outcome = iota
	created
	updated
	kept // a newer version, kept back from a story an editor changed
)

// errNoText refuses an item with nothing left to read once sanitized.
var errNoText = errors.New("it has no text once its HTML is made safe")

// ingest makes item it of feed f a story, or updates the story it made.
// Of two polls at once, one creates the story and the other, finding
// the item taken, reads it again as the first left it.
func (s *Service) ingest(ctx context.Context, f *Feed, source string, it item) (outcome, error) {
	for range 3 {
		stored, err := s.Store.WireItem(ctx, f.ID, SourceKey(source), it.Key)
		if errors.Is(err, dberr.ErrNotFound) {
			err = s.create(ctx, f, source, it)
			if errors.Is(err, ErrIngested) {
				continue
			}
			return created, err
		}
		if err != nil {
			return unchanged, err
		}
		if stored.FeedID != f.ID {
			// Another feed of the agency brought the item first and keeps
			// its story up to date: two feeds whose versions differ would
			// otherwise write the story back and forth.
			return unchanged, nil
		}
		o, err := s.update(ctx, f, source, it, stored)
		if errors.Is(err, dberr.ErrStale) {
			continue // saved meanwhile, by an editor or another poll: look again
		}
		return o, err
	}
	return unchanged, fmt.Errorf("the story of item %s kept changing while it was written", it.Key)
}

// wireChange marks the revisions the wire writes: a revision without it
// is an editor's.
const wireChange = "wire"

func (s *Service) create(ctx context.Context, f *Feed, source string, it item) error {
	im := s.newImages(ctx)
	body, err := s.bodyOf(im, it)
	if err != nil {
		return err
	}
	status := "published"
	if f.Hold {
		status = "draft"
	}
	d := newsroom.Draft{Headline: it.Headline, Standfirst: it.Summary, Body: body, Section: f.SectionSlug,
		Authors: s.byline(it, source), Access: string(f.Access), Status: status}
	a, err := s.Newsroom.Preview(ctx, 0, d, s.Location())
	if err != nil {
		return err
	}
	a.WireSource, a.WireDisclaimer = source, s.disclaimer(f, source)
	a.Image = im.lead(it.Image, source)
	st := &StoredItem{FeedID: f.ID, GUID: it.Key, SourceKey: SourceKey(source), Hash: it.Hash, Updated: it.Updated}
	base := a.Slug
	for n := 2; ; n++ {
		err := s.Store.CreateWireStory(ctx, st, a, []string{wireChange, "created"}, s.Now())
		if errors.Is(err, dberr.ErrConflict) && !errors.Is(err, ErrIngested) && n < 100 {
			a.Slug = fmt.Sprintf("%s-%d", base, n) // another story has the headline's address
			continue
		}
		return err
	}
}

// update writes a newer version of an item over its story, unless an
// editor has changed the story's text since the wire last wrote it: then
// the editor's version stays and the newer one is noted for the console.
func (s *Service) update(ctx context.Context, f *Feed, source string, it item, stored *StoredItem) (outcome, error) {
	if stored.Hash == it.Hash {
		return unchanged, nil
	}
	if it.Updated != nil && stored.Updated != nil && it.Updated.Before(*stored.Updated) {
		return unchanged, nil // an older version than the story's, from a lagging mirror
	}
	// The story is read before its revisions are: an editor's save after
	// the read fails the write below (its revision is no longer the
	// latest), and one before it is among the revisions.
	cur, err := s.Newsroom.Story(ctx, stored.ArticleID)
	if err != nil {
		return unchanged, err
	}
	edited, err := s.Store.EditedSince(ctx, stored.ArticleID, stored.WireRevision)
	if err != nil {
		return unchanged, err
	}
	if edited {
		if stored.NewerHash == it.Hash {
			return kept, nil
		}
		version, err := json.Marshal(it)
		if err != nil {
			return unchanged, err
		}
		return kept, s.Store.NoteNewerVersion(ctx, stored.ID, it.Hash, string(version), s.Now())
	}
	im := s.newImages(ctx)
	body, err := s.bodyOf(im, it)
	if err != nil {
		return unchanged, err
	}
	// The story keeps what an editor may have set since (its state,
	// section, access, address, tags, image); the wire's text replaces
	// the wire's text.
	d := newsroom.Draft{Headline: it.Headline, Standfirst: it.Summary, Body: body, Section: cur.SectionSlug,
		Authors: s.byline(it, source), Tags: strings.Join(cur.TagNames(), ", "), Access: string(cur.Access),
		Status: cur.State(s.Now()), PublishAt: cur.PublishedAt.Format(time.RFC3339), EditorsPick: cur.EditorsPick,
		ImageCaption: cur.Image.Caption, ImageCredit: cur.Image.Credit, Revision: cur.Revision}
	a, err := s.Newsroom.Preview(ctx, cur.ID, d, s.Location())
	if err != nil {
		return unchanged, err
	}
	a.WireSource, a.WireDisclaimer = source, s.disclaimer(f, source)
	if a.Image.Name == "" {
		a.Image = im.lead(it.Image, source)
	}
	changed := []string{wireChange}
	for _, c := range []struct {
		name    string
		differs bool
	}{
		{"headline", cur.Headline != a.Headline},
		{"standfirst", cur.Summary != a.Summary},
		{"body", cur.Body != a.Body},
		{"authors", content.NameKey(cur.Author) != content.NameKey(a.Author)},
		{"image", cur.Image != a.Image},
	} {
		if c.differs {
			changed = append(changed, c.name)
		}
	}
	next := *stored
	next.Hash, next.Updated = it.Hash, it.Updated
	if err := s.Store.UpdateWireStory(ctx, &next, a, changed, s.Now()); err != nil {
		return unchanged, err
	}
	return updated, nil
}

// bodyOf is an item's text as its story's body: made safe, its images
// the stored copies.
func (s *Service) bodyOf(im *images, it item) (string, error) {
	body, err := storyBody(it.BodyHTML, s.Markup)
	if err != nil {
		return "", errNoText
	}
	return im.localize(body), nil
}

// byline names the item's authors, or the agency when it names none.
func (s *Service) byline(it item, source string) string {
	var names []string
	for _, a := range content.AuthorsOf(strings.Join(it.Authors, ",")) {
		if a.Slug != "" {
			names = append(names, a.Name)
		}
	}
	if len(names) == 0 || len(strings.Join(names, ", ")) > 300 {
		return source
	}
	return strings.Join(names, ", ")
}
