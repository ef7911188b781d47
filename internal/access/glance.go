package access

import (
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
)

// Glance decides, counting nothing, how much of a story a reader may see
// where it is only listed, as in search results: the whole story when the
// rule grants it without spending a free story (a subscriber, staff, a
// free story), else what Project gives a refused reader, the lead. A
// metered story shows its lead even to a reader with free stories left:
// opening it is what spends one. It asks what Decide asks, with the same
// settings, so a story in the archive shows only its lead to a reader
// without the archive benefit.
func (s *Service) Glance(v Viewer, a *content.Article, now time.Time, cfg *settings.Settings) Decision {
	return glance(s.EntitlementsAt(v, now), a, now, cfg)
}

func glance(ent Entitlements, a *content.Article, now time.Time, cfg *settings.Settings) Decision {
	rule := meter.Decide(input(ent, a, cfg, now))
	return Decision{Granted: rule.Granted && !rule.Count, Reason: rule.Reason, Entitlements: ent}
}

// Anonymous is what an anonymous reader's glance at a story allows, for
// the outputs every reader shares and no meter is asked for: feeds, a
// story's structured data and social tags. It never grants more than a
// visitor's first view of the story would: a free story whole, the lead
// of any other (metered, premium, in the market-insights vertical, or past
// the archive cut-off). An anonymous reader has no entitlements, so it
// needs no catalog.
func Anonymous(a *content.Article, now time.Time, cfg *settings.Settings) Decision {
	return glance(Entitlements{}, a, now, cfg)
}
