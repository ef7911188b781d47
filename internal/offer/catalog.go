package offer

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
)

// Plan is a plan as the offer knows it: its name, whether it is on offer,
// and the benefits it includes.
type Plan struct {
	ID       int64
	Code     string
	Name     string
	Active   bool
	Benefits []int64 // the benefits it includes, by id, in the list's order
}

// CatalogSource reads what the catalog holds.
type CatalogSource interface {
	// Benefits lists every benefit in the offer's order.
	Benefits(ctx context.Context) ([]Benefit, error)
	// PlanBenefits lists every plan, retired ones too, in display order,
	// each with the benefits it includes.
	PlanBenefits(ctx context.Context) ([]Plan, error)
}

// Grants is what one plan includes, as gates ask it: by kind, or by the
// benefit itself (a partner offer). It never changes once built.
type Grants struct {
	kinds kindSet
	ids   []int64 // sorted
}

// Has reports whether the plan includes a benefit of kind k. A nil Grants
// (no plan) has none.
func (g *Grants) Has(k Kind) bool { return g != nil && g.kinds&k.bit() != 0 }

// Includes reports whether the plan includes the benefit with id.
func (g *Grants) Includes(id int64) bool {
	if g == nil {
		return false
	}
	_, found := slices.BinarySearch(g.ids, id)
	return found
}

// Snapshot is the catalog as loaded at one moment: every benefit, every
// plan, and what each plan includes. It never changes once built; a reload
// that finds something changed makes a new one.
type Snapshot struct {
	benefits []Benefit
	plans    []Plan
	grants   map[int64]*Grants // by plan
	index    map[int64]int     // benefits' positions, by id
}

func newSnapshot(benefits []Benefit, plans []Plan) *Snapshot {
	// Its own copies: what a snapshot holds never changes under it.
	benefits, plans = slices.Clone(benefits), slices.Clone(plans)
	for i := range plans {
		plans[i].Benefits = slices.Clone(plans[i].Benefits)
	}
	s := &Snapshot{benefits: benefits, plans: plans, grants: make(map[int64]*Grants, len(plans)), index: make(map[int64]int, len(benefits))}
	for i, b := range benefits {
		s.index[b.ID] = i
	}
	for _, p := range plans {
		g := &Grants{ids: slices.Clone(p.Benefits)}
		slices.Sort(g.ids)
		for _, id := range p.Benefits {
			if i, ok := s.index[id]; ok {
				g.kinds |= benefits[i].Kind.bit()
			}
		}
		s.grants[p.ID] = g
	}
	return s
}

// Grants is what the plan includes; nil (nothing) for a plan it does not
// know.
func (s *Snapshot) Grants(planID int64) *Grants { return s.grants[planID] }

// Benefits lists every benefit in the offer's order. The caller must not
// change it.
func (s *Snapshot) Benefits() []Benefit { return s.benefits }

// Plans lists every plan, retired ones too, in display order. The caller
// must not change it.
func (s *Snapshot) Plans() []Plan { return s.plans }

// Benefit returns the benefit with id.
func (s *Snapshot) Benefit(id int64) (Benefit, bool) {
	i, ok := s.index[id]
	if !ok {
		return Benefit{}, false
	}
	return s.benefits[i], true
}

// OfKind returns the benefit of a built-in kind (see Kind.Builtin).
func (s *Snapshot) OfKind(k Kind) (Benefit, bool) {
	for _, b := range s.benefits {
		if b.Kind == k {
			return b, true
		}
	}
	return Benefit{}, false
}

// PlansOffering lists the plans on offer that include the benefit, in
// display order.
func (s *Snapshot) PlansOffering(id int64) []Plan {
	var out []Plan
	for _, p := range s.plans {
		if p.Active && s.grants[p.ID].Includes(id) {
			out = append(out, p)
		}
	}
	return out
}

// Catalog keeps the snapshot in memory for the gates, which ask it on
// every view without a query. It is reloaded after each edit on this
// instance and periodically (see app), so that instances sharing a
// database agree within the reload's interval.
type Catalog struct {
	src CatalogSource
	mu  sync.Mutex
	cur atomic.Pointer[Snapshot]
}

// NewCatalog loads the catalog once.
func NewCatalog(ctx context.Context, src CatalogSource) (*Catalog, error) {
	c := &Catalog{src: src}
	return c, c.Reload(ctx)
}

// Get returns the current snapshot.
func (c *Catalog) Get() *Snapshot { return c.cur.Load() }

// Reload reads the catalog again. When nothing changed the snapshot stays
// the same pointer, so that what is kept per snapshot (the paywall naming
// the plans that include a benefit) stays valid between reloads.
//
// Reloads take turns, reads included: one that read before an edit must
// not store what it read after the edit's own reload did, which would
// give back a benefit just taken out of a plan until the next reload.
func (c *Catalog) Reload(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	benefits, err := c.src.Benefits(ctx)
	if err != nil {
		return err
	}
	plans, err := c.src.PlanBenefits(ctx)
	if err != nil {
		return err
	}
	if cur := c.cur.Load(); cur != nil && reflect.DeepEqual(cur.benefits, benefits) && reflect.DeepEqual(cur.plans, plans) {
		return nil
	}
	c.cur.Store(newSnapshot(benefits, plans))
	return nil
}
