// Package newsroom is where editors write stories: it checks what they
// submit, renders the body, and saves each version as a revision, so that
// no save silently overwrites another and any version can be restored.
package newsroom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/markup"
	"broadsheet/internal/media"
)

// Store is where stories are kept.
type Store interface {
	StoryByID(ctx context.Context, id int64) (*content.Article, error)
	ListStories(ctx context.Context, f content.StoryFilter) ([]*content.Article, error)
	SaveStory(ctx context.Context, a *content.Article, by int64, changed []string, at time.Time) error
	PickStore
	AuthorStore
	SectionStore
	StoryRevisions(ctx context.Context, id int64) ([]content.Revision, error)
	StoryAtRevision(ctx context.Context, id int64, n int) (*content.Article, error)
	Sections(ctx context.Context) ([]content.Section, error)
}

// Service runs the newsroom's use cases.
type Service struct {
	Store  Store
	Media  media.Store // uploaded images
	Now    func() time.Time
	Markup *markup.Renderer
}

// Draft is a story as an editor submits it, every field as typed.
type Draft struct {
	Headline    string
	Standfirst  string
	Body        string // Markdown
	Section     string // the section's slug
	Authors     string // names, separated by commas
	Tags        string // names, separated by commas
	Slug        string // "": made from the headline for a new story, kept for an existing one
	Access      string // free, metered or premium
	Status      string // draft, scheduled, published or unpublished
	PublishAt   string // RFC 3339, or "2006-01-02T15:04" in the publication's zone; "" for now
	EditorsPick bool
	// Image is a new lead image's file as uploaded, or nil to keep the
	// story's (none for a new story) unless RemoveImage.
	Image        []byte
	RemoveImage  bool
	ImageCaption string
	ImageCredit  string
	// Revision is the revision the editor opened; 0 for a new story.
	Revision int
}

// States an editor may give a story; "scheduled" is published at a time to
// come.
var States = []string{"draft", "scheduled", "published", "unpublished"}

// ErrStale is returned when a story was saved by someone else since the
// editor opened it: nothing was saved.
var ErrStale = fmt.Errorf("this story was changed by someone else since you opened it: %w", dberr.ErrStale)

// Story returns a story whatever its state.
func (s *Service) Story(ctx context.Context, id int64) (*content.Article, error) {
	return s.Store.StoryByID(ctx, id)
}

// List lists stories as f asks, at most limit of them.
func (s *Service) List(ctx context.Context, f content.StoryFilter) ([]*content.Article, error) {
	f.Now = s.Now()
	return s.Store.ListStories(ctx, f)
}

// Sections lists the sections a story may be filed in.
func (s *Service) Sections(ctx context.Context) ([]content.Section, error) {
	return s.Store.Sections(ctx)
}

// Revisions lists a story's revisions, newest first.
func (s *Service) Revisions(ctx context.Context, id int64) ([]content.Revision, error) {
	return s.Store.StoryRevisions(ctx, id)
}

// Preview checks d and returns the story it would save as id (0: a new
// story), rendered, without saving anything.
func (s *Service) Preview(ctx context.Context, id int64, d Draft, loc *time.Location) (*content.Article, error) {
	was, err := s.existing(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.build(ctx, was, d, loc)
}

// existing returns story id as stored, or nil for a new story (id 0).
func (s *Service) existing(ctx context.Context, id int64) (*content.Article, error) {
	if id == 0 {
		return nil, nil
	}
	return s.Store.StoryByID(ctx, id)
}

// Save saves d as story id (0: a new story) by the account by, and returns
// the story saved. Bad fields give an *InvalidError, a save over a
// revision that is no longer the latest ErrStale; either way nothing is
// saved.
func (s *Service) Save(ctx context.Context, by, id int64, d Draft, loc *time.Location) (*content.Article, error) {
	was, err := s.existing(ctx, id)
	if err != nil {
		return nil, err
	}
	a, err := s.build(ctx, was, d, loc)
	if err != nil {
		return nil, err
	}
	return a, s.save(ctx, a, by, d.Slug == "" && was == nil, changedFields(was, a))
}

// Restore saves revision n of story id again as its newest revision, over
// the revision opened, which must still be the latest.
func (s *Service) Restore(ctx context.Context, by, id int64, n, opened int) (*content.Article, error) {
	was, err := s.Store.StoryByID(ctx, id)
	if err != nil {
		return nil, err
	}
	a, err := s.Store.StoryAtRevision(ctx, id, n)
	if err != nil {
		return nil, err
	}
	a.Format, a.Revision = content.Markdown, opened
	if a.Rendered, err = s.Markup.Markdown(a.Body); err != nil {
		return nil, err
	}
	return a, s.save(ctx, a, by, false, changedFields(was, a))
}

// save stores a with the fields changed named. A slug made from the
// headline that another story has is made unique with a number.
func (s *Service) save(ctx context.Context, a *content.Article, by int64, slugMade bool, changed []string) error {
	base := a.Slug
	for n := 2; ; n++ {
		err := s.Store.SaveStory(ctx, a, by, changed, s.Now())
		switch {
		case errors.Is(err, dberr.ErrStale):
			return ErrStale
		case errors.Is(err, dberr.ErrConflict) && slugMade && n < 100:
			a.Slug = fmt.Sprintf("%s-%d", base, n)
		case errors.Is(err, dberr.ErrConflict):
			return invalid("slug", "another story already has this address")
		default:
			return err
		}
	}
}

// changedFields names the fields a changes from was.
func changedFields(was, a *content.Article) []string {
	if was == nil {
		return []string{"created"}
	}
	var out []string
	add := func(name string, differs bool) {
		if differs {
			out = append(out, name)
		}
	}
	add("headline", was.Headline != a.Headline)
	add("standfirst", was.Summary != a.Summary)
	add("body", was.Body != a.Body)
	add("section", was.SectionID != a.SectionID)
	add("authors", content.NameKey(was.Author) != content.NameKey(a.Author))
	add("tags", strings.Join(was.TagNames(), ", ") != strings.Join(a.TagNames(), ", "))
	add("slug", was.Slug != a.Slug)
	add("access", was.Access != a.Access)
	add("status", was.Status != a.Status)
	add("publish_at", !was.PublishedAt.Equal(a.PublishedAt))
	add("editors_pick", was.EditorsPick != a.EditorsPick)
	add("image", was.Image != a.Image)
	return out
}

// Limits on what an editor submits.
const (
	maxHeadline   = 200
	maxStandfirst = 600
	maxAuthors    = 300
	maxBody       = 200_000
	maxTags       = 20
	maxTag        = 60
)

// build checks d and makes the story it describes, as a new version of was
// (nil for a new story).
func (s *Service) build(ctx context.Context, was *content.Article, d Draft, loc *time.Location) (*content.Article, error) {
	now := s.Now()
	var bad InvalidError
	a := &content.Article{Format: content.Markdown, WireSource: ""}
	if was != nil {
		// The store saves only over the revision the editor opened.
		a.ID, a.Revision, a.WireSource, a.WireDisclaimer = was.ID, d.Revision, was.WireSource, was.WireDisclaimer
	}
	a.Headline = strings.TrimSpace(d.Headline)
	switch n := utf8.RuneCountInString(a.Headline); {
	case n == 0:
		bad.add("headline", "a story needs a headline")
	case n > maxHeadline:
		bad.add("headline", fmt.Sprintf("at most %d characters", maxHeadline))
	}
	if a.Summary = strings.TrimSpace(d.Standfirst); utf8.RuneCountInString(a.Summary) > maxStandfirst {
		bad.add("standfirst", fmt.Sprintf("at most %d characters", maxStandfirst))
	}
	setAuthors(a, d.Authors, &bad)
	setTags(a, d.Tags, &bad)
	a.Body = strings.TrimSpace(strings.ReplaceAll(d.Body, "\r\n", "\n"))
	if len(a.Body) > maxBody {
		bad.add("body", fmt.Sprintf("at most %d bytes", maxBody))
	} else if !utf8.ValidString(a.Body) {
		bad.add("body", "is not valid UTF-8 text")
	}
	if a.Access = content.Access(orDefault(d.Access, string(content.Metered))); !a.Access.Valid() {
		bad.add("access", "must be free, metered or premium")
	}
	a.EditorsPick = d.EditorsPick
	if err := s.fileIn(ctx, a, d.Section, &bad); err != nil {
		return nil, err
	}
	if err := s.setImage(ctx, a, was, d, &bad); err != nil {
		return nil, err
	}
	s.setSlug(a, was, d.Slug, &bad)
	setState(a, was, d, loc, now, &bad)
	if len(bad.Fields) > 0 {
		return nil, &bad
	}
	var err error
	if a.Rendered, err = s.Markup.Markdown(a.Body); err != nil {
		return nil, err
	}
	return a, nil
}

// setImage sets a's lead image: a new upload, or the one it had.
func (s *Service) setImage(ctx context.Context, a, was *content.Article, d Draft, bad *InvalidError) error {
	switch {
	case len(d.Image) > 0:
		img, err := media.Save(ctx, s.Media, d.Image)
		if errors.Is(err, media.ErrNotImage) {
			bad.add("image", err.Error())
			return nil
		}
		if err != nil {
			return err
		}
		a.Image = content.Image{Name: img.Name, Width: img.Width, Height: img.Height}
	case was != nil && !d.RemoveImage:
		a.Image = content.Image{Name: was.Image.Name, Width: was.Image.Width, Height: was.Image.Height}
	}
	if a.Image.Name == "" {
		return nil
	}
	a.Image.Caption, a.Image.Credit = strings.TrimSpace(d.ImageCaption), strings.TrimSpace(d.ImageCredit)
	if utf8.RuneCountInString(a.Image.Caption) > maxStandfirst || utf8.RuneCountInString(a.Image.Credit) > maxAuthors {
		bad.add("image_caption", "the caption or credit is too long")
	}
	return nil
}

// SaveImage checks and stores an uploaded image for another use than a
// story's (the publication's logo, an author's photo).
func (s *Service) SaveImage(ctx context.Context, data []byte) (media.Image, error) {
	return media.Save(ctx, s.Media, data)
}

// Image opens an uploaded image by its name.
func (s *Service) Image(ctx context.Context, name string) (io.ReadSeekCloser, error) {
	return s.Media.Open(ctx, name)
}

// fileIn sets a's section from its slug.
func (s *Service) fileIn(ctx context.Context, a *content.Article, slug string, bad *InvalidError) error {
	secs, err := s.Store.Sections(ctx)
	if err != nil {
		return err
	}
	for _, sec := range secs {
		if sec.Slug == slug {
			a.SectionID, a.SectionSlug, a.SectionName = sec.ID, sec.Slug, sec.Name
			return nil
		}
	}
	bad.add("section", "choose one of the publication's sections")
	return nil
}

// setSlug sets a's slug: the one asked for, made safe for an address, or
// for a new story without one, one made from the headline; an existing
// story keeps its slug unless another is asked for.
func (s *Service) setSlug(a, was *content.Article, asked string, bad *InvalidError) {
	switch {
	case strings.TrimSpace(asked) != "":
		if a.Slug = Slugify(asked); a.Slug == "" {
			bad.add("slug", "use letters, digits and hyphens")
		}
	case was != nil:
		a.Slug = was.Slug
	default:
		if a.Slug = Slugify(a.Headline); a.Slug == "" {
			a.Slug = "story"
		}
	}
}

// setState sets a's status and publication time from d.
func setState(a, was *content.Article, d Draft, loc *time.Location, now time.Time, bad *InvalidError) {
	at, hasTime, err := parseTime(d.PublishAt, loc)
	if err != nil {
		bad.add("publish_at", err.Error())
		return
	}
	state := orDefault(d.Status, "draft")
	switch state {
	case "draft", "unpublished":
		a.Status = content.Status(state)
	case "published", "scheduled":
		a.Status = content.StatusPublished
	default:
		bad.add("status", "must be draft, scheduled, published or unpublished")
		return
	}
	switch {
	case hasTime:
		a.PublishedAt = at
	case a.Status == content.StatusPublished && was != nil && was.Status != content.StatusDraft && !was.PublishedAt.After(now):
		// A story that has been out keeps its date when edited or put
		// back.
		a.PublishedAt = was.PublishedAt
	case a.Status == content.StatusPublished || was == nil:
		a.PublishedAt = now
	default:
		a.PublishedAt = was.PublishedAt
	}
	if state == "scheduled" && !a.PublishedAt.After(now) {
		bad.add("publish_at", "a scheduled story needs a time to come")
	}
	a.PublishedAt = a.PublishedAt.UTC().Truncate(time.Second)
}

// parseTime reads a publication time: RFC 3339, or a local date and time
// (as a browser's datetime-local input sends it) in loc.
func parseTime(v string, loc *time.Location) (time.Time, bool, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, true, nil
		}
	}
	return time.Time{}, false, errors.New("give a date and time such as 2026-12-05T09:30")
}

// setAuthors sets a's authors from names separated by commas: the store
// finds each by name, or creates them, when the story is saved.
func setAuthors(a *content.Article, names string, bad *InvalidError) {
	a.Authors = content.AuthorsOf(names)
	a.Author = content.Byline(a.Authors)
	if utf8.RuneCountInString(a.Author) > maxAuthors {
		bad.add("authors", fmt.Sprintf("at most %d characters in all", maxAuthors))
	}
	for _, au := range a.Authors {
		if au.Slug == "" {
			bad.add("authors", fmt.Sprintf("%q has no letter or digit to make an address of", au.Name))
			return
		}
	}
}

// setTags sets a's tags from names separated by commas.
func setTags(a *content.Article, names string, bad *InvalidError) {
	a.Tags = content.TagsOf(names)
	if len(a.Tags) > maxTags {
		bad.add("tags", fmt.Sprintf("at most %d tags", maxTags))
	}
	for _, t := range a.Tags {
		switch {
		case t.Slug == "":
			bad.add("tags", fmt.Sprintf("%q has no letter or digit to make an address of", t.Name))
			return
		case utf8.RuneCountInString(t.Name) > maxTag:
			bad.add("tags", fmt.Sprintf("a tag may be at most %d characters", maxTag))
			return
		}
	}
}

func orDefault(v, def string) string {
	if v = strings.TrimSpace(v); v == "" {
		return def
	}
	return v
}
