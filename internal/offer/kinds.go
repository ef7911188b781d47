package offer

// Kind is what a benefit gives a reader whose plan includes it, and so
// which gate asks about it. Kinds are stored as text: a kind this binary
// does not know (written by a newer one) gives nothing here.
type Kind string

// The kinds of benefit. Premium, Archive, MarketInsights and AdFree are
// one benefit each, which always exists (the database holds at most one
// of each); a plan gives them by including it. A publication has as many
// partner offers, newsletter benefits and lines of text as it likes. The
// ePaper is a kind to come.
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
	// Newsletters: curated newsletters; it opens the newsletter lists
	// gated by it (package newsletter), each list naming its benefit.
	Newsletters Kind = "newsletters"
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
// read every story, and every newsletter, to check what readers get.
func (k Kind) ForStaff() bool {
	return k == Premium || k == Archive || k == MarketInsights || k == Newsletters
}

// MayGate reports whether a benefit of the kind may open a newsletter
// list: any but a line of text, which readers are told gates nothing.
func (k Kind) MayGate() bool { return k != Info }

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
	case Newsletters:
		return "curated newsletters: opens the lists gated by it"
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
