package newsletter_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/billing"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/offer"
)

type catalogSource struct {
	benefits []offer.Benefit
	plans    []offer.Plan
}

func (c *catalogSource) Benefits(context.Context) ([]offer.Benefit, error)  { return c.benefits, nil }
func (c *catalogSource) PlanBenefits(context.Context) ([]offer.Plan, error) { return c.plans, nil }

// A list is open to every reader, or to those whose plan includes its
// benefit, whatever else the plan gives: a plan with premium stories does
// not open a list gated by curated newsletters. Staff have a list as they
// have its benefit's kind: one opened by curated newsletters or premium
// stories, not one opened by a partner offer. A subscription over gives
// nothing.
func TestMayReceiveAsksForTheListsBenefit(t *testing.T) {
	benefits := []offer.Benefit{
		{ID: 1, Kind: offer.Premium}, {ID: 7, Kind: offer.Newsletters}, {ID: 8, Kind: offer.Newsletters}, {ID: 9, Kind: offer.Partner},
	}
	catalog, err := offer.NewCatalog(context.Background(), &catalogSource{benefits: benefits, plans: []offer.Plan{
		{ID: 1, Active: true, Benefits: []int64{1}},    // premium only
		{ID: 2, Active: true, Benefits: []int64{1, 7}}, // premium and the first newsletters benefit
	}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	svc := &access.Service{Catalog: catalog, Now: func() time.Time { return now }}
	sub := func(plan int64, until time.Time) access.Viewer {
		return access.Viewer{AccountID: 1, Subscription: &billing.Subscription{PlanID: plan, Status: billing.Active, PaidUntil: until}}
	}
	later := now.AddDate(0, 1, 0)
	open := newsletter.List{ID: 1}
	markets := newsletter.List{ID: 2, BenefitID: 7, BenefitKind: offer.Newsletters}
	other := newsletter.List{ID: 3, BenefitID: 8, BenefitKind: offer.Newsletters}
	premium := newsletter.List{ID: 4, BenefitID: 1, BenefitKind: offer.Premium}
	partner := newsletter.List{ID: 5, BenefitID: 9, BenefitKind: offer.Partner}
	for _, c := range []struct {
		who    string
		v      access.Viewer
		list   newsletter.List
		wanted bool
	}{
		{"a reader, an open list", access.Viewer{AccountID: 1}, open, true},
		{"a reader, a gated list", access.Viewer{AccountID: 1}, markets, false},
		{"premium only, Markets", sub(1, later), markets, false},
		{"premium only, a premium list", sub(1, later), premium, true},
		{"with the benefit, Markets", sub(2, later), markets, true},
		{"with the benefit, another newsletters benefit's list", sub(2, later), other, false},
		{"with the benefit, its term over", sub(2, now.Add(-time.Hour)), markets, false},
		{"staff, Markets", access.Viewer{AccountID: 1, Staff: true}, markets, true},
		{"staff, a premium list", access.Viewer{AccountID: 1, Staff: true}, premium, true},
		{"staff, a partner's list", access.Viewer{AccountID: 1, Staff: true}, partner, false},
	} {
		if got := newsletter.MayReceive(svc.EntitlementsAt(c.v, now), c.list); got != c.wanted {
			t.Errorf("%s: MayReceive %v, want %v", c.who, got, c.wanted)
		}
	}
}
