package offer

// Kind is what a benefit gives a reader whose plan includes it, and so
// which gate asks about it. Kinds are stored as text: a kind this binary
// does not know (written by a newer one) gives nothing here.
type Kind string

// The kinds of benefit. Premium, Archive, MarketInsights and AdFree are
// one benefit each, which always exists (the database holds at most one
// of each); a plan gives them by including it. A publication has as many
// partner offers, and lines of text, as it likes. Newsletters (one
// benefit per list) and the ePaper are kinds to come.
const (
	// Premium: every story in full, premium ones included, outside the
	// meter.
	Premium Kind = "premium"
	// Archive: stories past the archive cut-off in full.
	Archive Kind = "archive"
	// MarketInsights: the stories of the market-insights vertical (the
	// sections flagged as in it) in full.
	MarketInsights Kind = "market_insights"
	// AdFree: no advertisement slot on any page.
	AdFree Kind = "ad_free"
	// Partner: a partner's access code, claimed once per reader (package
	// partner).
	Partner Kind = "partner"
	// Info: a line of the offer that gates nothing, such as access across
	// devices.
	Info Kind = "info"
)

// Builtin reports whether the kind is one of the benefits that always
// exist and gates ask about by kind: they cannot be deleted, only left out
// of plans.
func (k Kind) Builtin() bool {
	return k == Premium || k == Archive || k == MarketInsights || k == AdFree
}

// ForStaff reports whether staff have the kind whatever their plan: they
// read every story in full to check what readers get.
func (k Kind) ForStaff() bool { return k == Premium || k == Archive || k == MarketInsights }

// Label names the kind for admins.
func (k Kind) Label() string {
	switch k {
	case Premium:
		return "premium stories"
	case Archive:
		return "the archive"
	case MarketInsights:
		return "the market-insights vertical"
	case AdFree:
		return "ad-free reading"
	case Partner:
		return "partner offer"
	case Info:
		return "text only"
	}
	return string(k)
}

// kindSet holds kinds as bits, so that a gate's question is one AND.
type kindSet uint32

func (k Kind) bit() kindSet {
	switch k {
	case Premium:
		return 1 << 0
	case Archive:
		return 1 << 1
	case MarketInsights:
		return 1 << 2
	case AdFree:
		return 1 << 3
	case Partner:
		return 1 << 4
	}
	return 0
}
