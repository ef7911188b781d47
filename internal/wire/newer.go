package wire

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/newsroom"
)

// ErrNoNewer is a story the wire keeps no newer version of (any more).
var ErrNoNewer = fmt.Errorf("the wire has no newer version of this story: %w", dberr.ErrNotFound)

// TakeNewerVersion writes the newer version the wire kept back from
// story articleID over the editor's text, as an edit by the account by
// through the newsroom (a revision of theirs, like any edit), and the
// story follows the wire again from then. revision is the story's
// revision the editor saw: a story saved since gives newsroom.ErrStale
// and changes nothing. What the editor set besides the text (state,
// section, access, address, tags, image) stays.
func (s *Service) TakeNewerVersion(ctx context.Context, by, articleID int64, revision int) (*content.Article, error) {
	stored, err := s.Store.WireItemOfStory(ctx, articleID)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, ErrNoNewer
	}
	if err != nil {
		return nil, err
	}
	if stored.NewerHash == "" || stored.NewerItem == "" {
		return nil, ErrNoNewer
	}
	var it item
	if err := json.Unmarshal([]byte(stored.NewerItem), &it); err != nil {
		return nil, fmt.Errorf("the newer version of item %s: %w", stored.GUID, err)
	}
	cur, err := s.Newsroom.Story(ctx, articleID)
	if err != nil {
		return nil, err
	}
	if cur.Revision != revision {
		return nil, newsroom.ErrStale
	}
	body, err := s.bodyOf(s.newImages(ctx), it)
	if err != nil {
		return nil, err
	}
	d := newsroom.Draft{Headline: it.Headline, Standfirst: it.Summary, Body: body, Section: cur.SectionSlug,
		Authors: s.byline(it, cur.WireSource), Tags: strings.Join(cur.TagNames(), ", "), Access: string(cur.Access),
		Status: cur.State(s.Now()), PublishAt: cur.PublishedAt.Format(time.RFC3339), EditorsPick: cur.EditorsPick,
		ImageCaption: cur.Image.Caption, ImageCredit: cur.Image.Credit, Revision: cur.Revision}
	a, err := s.Newsroom.Save(ctx, by, cur.ID, d, s.Location())
	if err != nil {
		return nil, err
	}
	// A poll may have kept back a yet newer version meanwhile: it stays
	// listed, and the story stays the editor's until that one is taken.
	err = s.Store.TookNewerVersion(ctx, stored.ID, stored.NewerHash, it.Updated, a.Revision, s.Now())
	if err != nil && !errors.Is(err, dberr.ErrStale) {
		return nil, err
	}
	return a, nil
}
