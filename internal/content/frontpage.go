package content

import "context"

// FrontPage is what the home page shows: a lead story, the editors' picks
// in their order, the latest stories, and each section's newest. No story
// is shown twice.
type FrontPage struct {
	Lead     *Article
	Picks    []*Article
	Latest   []*Article
	Sections []SectionStories
}

// SectionStories is a section with its newest stories.
type SectionStories struct {
	Section Section
	Stories []*Article
}

// How many stories each part of the front page shows: a day's picks, and
// a screenful of the rest.
const (
	frontPicks          = 30
	frontLatest         = 12
	frontSectionStories = 4
)

// FrontPage composes the home page as published at this moment. The lead
// is the first pick with an image, else the first pick, else the newest
// story.
func (s *Service) FrontPage(ctx context.Context) (*FrontPage, error) {
	now := s.Now()
	picks, err := s.Store.EditorsPicks(ctx, now, frontPicks+1)
	if err != nil {
		return nil, err
	}
	seen := map[int64]bool{}
	// A story already shown is not shown again; each list asks for
	// enough to fill itself after leaving those out.
	unseen := func(list []*Article, n int) []*Article {
		var out []*Article
		for _, a := range list {
			if len(out) < n && !seen[a.ID] {
				seen[a.ID] = true
				out = append(out, a)
			}
		}
		return out
	}
	fp := &FrontPage{}
	for _, a := range picks {
		if a.Image.Name != "" {
			fp.Lead = a
			break
		}
	}
	latest, err := s.Store.LatestArticles(ctx, now, "", nil, frontLatest+len(picks)+1)
	if err != nil {
		return nil, err
	}
	if fp.Lead == nil && len(picks) > 0 {
		fp.Lead = picks[0]
	}
	if fp.Lead == nil && len(latest) > 0 {
		fp.Lead = latest[0]
	}
	if fp.Lead != nil {
		seen[fp.Lead.ID] = true
	}
	fp.Picks = unseen(picks, frontPicks)
	fp.Latest = unseen(latest, frontLatest)
	secs, err := s.Store.Sections(ctx)
	if err != nil {
		return nil, err
	}
	for _, sec := range secs {
		list, err := s.Store.LatestArticles(ctx, now, sec.Slug, nil, frontSectionStories+len(seen))
		if err != nil {
			return nil, err
		}
		if list = unseen(list, frontSectionStories); len(list) > 0 {
			fp.Sections = append(fp.Sections, SectionStories{sec, list})
		}
	}
	return fp, nil
}
