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
func Glance(v Viewer, a *content.Article, now time.Time, cfg *settings.Settings) Decision {
	ent := v.EntitlementsAt(now)
	rule := meter.Decide(input(ent, a, cfg, now))
	return Decision{Granted: rule.Granted && !rule.Count, Reason: rule.Reason, Entitlements: ent}
}
