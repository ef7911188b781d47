package access

import (
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/meter"
)

// Glance decides, counting nothing, how much of a story a reader may see
// where it is only listed, as in search results: the whole story when the
// rule grants it without spending a free story (a subscriber, staff, a
// free story), else what Project gives a refused reader, the lead. A
// metered story shows its lead even to a reader with free stories left:
// opening it is what spends one.
func Glance(v Viewer, a *content.Article, now time.Time) Decision {
	ent := v.EntitlementsAt(now)
	rule := meter.Decide(meter.Input{Subscriber: ent.Premium, Access: a.Access})
	return Decision{Granted: rule.Granted && !rule.Count, Reason: rule.Reason, Entitlements: ent}
}
