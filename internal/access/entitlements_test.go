package access_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/meter"
	"broadsheet/internal/offer"
	"broadsheet/internal/settings"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// catalogSource is a fixed list of benefits and plans.
type catalogSource struct {
	benefits []offer.Benefit
	plans    []offer.Plan
}

func (c *catalogSource) Benefits(context.Context) ([]offer.Benefit, error)  { return c.benefits, nil }
func (c *catalogSource) PlanBenefits(context.Context) ([]offer.Plan, error) { return c.plans, nil }

// The built-in benefits, and a partner offer, by id.
var builtins = []offer.Benefit{
	{ID: 1, Kind: offer.Premium, Title: "Premium"},
	{ID: 2, Kind: offer.Archive, Title: "Archive"},
	{ID: 3, Kind: offer.MarketInsights, Title: "Insights"},
	{ID: 4, Kind: offer.AdFree, Title: "Ad-free"},
	{ID: 5, Kind: offer.Partner, Title: "Partner"},
	{ID: 6, Kind: offer.Info, Title: "Devices"},
}

func catalogOf(t testing.TB, plans ...offer.Plan) *offer.Catalog {
	t.Helper()
	c, err := offer.NewCatalog(context.Background(), &catalogSource{benefits: builtins, plans: plans})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// everything is a catalog whose plan 0, the plan of the subscriptions
// these tests make, includes every benefit.
var everything = func() *offer.Catalog {
	c, err := offer.NewCatalog(context.Background(), &catalogSource{benefits: builtins,
		plans: []offer.Plan{{ID: 0, Active: true, Benefits: []int64{1, 2, 3, 4, 5, 6}}}})
	if err != nil {
		panic(err)
	}
	return c
}()

// A subscriber has what their plan includes, and only while their
// subscription gives access; staff read every story whatever their plan,
// but get no ad-free pages or partner codes from being staff.
func TestEntitlementsAreThePlansBenefits(t *testing.T) {
	full := offer.Plan{ID: 10, Active: true, Benefits: []int64{1, 2, 3, 4, 5}}
	adsOnly := offer.Plan{ID: 11, Active: true, Benefits: []int64{4, 6}}
	svc := &access.Service{Now: func() time.Time { return now }, Catalog: catalogOf(t, full, adsOnly)}
	sub := func(plan int64, until time.Time, status billing.Status) *billing.Subscription {
		return &billing.Subscription{PlanID: plan, Status: status, PaidUntil: until}
	}
	later := now.AddDate(0, 1, 0)
	for _, c := range []struct {
		name string
		v    access.Viewer
		want map[offer.Kind]bool
		ids  []int64
	}{
		{"visitor", access.Viewer{AnonID: "x"}, nil, nil},
		{"full plan", access.Viewer{AccountID: 1, Subscription: sub(10, later, billing.Active)},
			map[offer.Kind]bool{offer.Premium: true, offer.Archive: true, offer.MarketInsights: true, offer.AdFree: true, offer.Partner: true},
			[]int64{1, 2, 3, 4, 5}},
		{"ad-free plan", access.Viewer{AccountID: 2, Subscription: sub(11, later, billing.Active)},
			map[offer.Kind]bool{offer.AdFree: true}, []int64{4, 6}},
		{"term ended", access.Viewer{AccountID: 3, Subscription: sub(10, now, billing.Active)}, nil, nil},
		{"ended by a refund", access.Viewer{AccountID: 4, Subscription: sub(10, later, billing.Ended)}, nil, nil},
		{"plan the catalog has not loaded", access.Viewer{AccountID: 5, Subscription: sub(99, later, billing.Active)}, nil, nil},
		{"staff", access.Viewer{AccountID: 6, Staff: true},
			map[offer.Kind]bool{offer.Premium: true, offer.Archive: true, offer.MarketInsights: true}, []int64{1, 2, 3}},
	} {
		e := svc.Entitlements(c.v)
		for _, k := range []offer.Kind{offer.Premium, offer.Archive, offer.MarketInsights, offer.AdFree, offer.Partner, offer.Info} {
			if e.Has(k) != c.want[k] {
				t.Errorf("%s: has %s = %v, want %v", c.name, k, e.Has(k), c.want[k])
			}
		}
		var ids []int64
		for _, b := range svc.Benefits(e) {
			ids = append(ids, b.ID)
		}
		if len(ids) != len(c.ids) || len(ids) > 0 && ids[len(ids)-1] != c.ids[len(c.ids)-1] {
			t.Errorf("%s: benefits %v, want %v", c.name, ids, c.ids)
		}
	}
}

// A subscriber whose plan does not include premium stories reads them as
// anyone does (refused), and metered stories on the meter; one whose plan
// does reads everything outside it. Losing the benefit (the admin takes it
// off the plan) applies from the next view, from memory.
func TestPremiumIsABenefitOfSomePlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		as := stories(t, s, 2)
		metered := &content.Article{ID: as[0].ID, Access: content.Metered, PublishedAt: now}
		premium := &content.Article{ID: as[1].ID, Access: content.Premium, PublishedAt: now}
		src := &catalogSource{benefits: builtins, plans: []offer.Plan{
			{ID: 10, Active: true, Benefits: []int64{1, 2}}, {ID: 11, Active: true, Benefits: []int64{4}}}}
		catalog, err := offer.NewCatalog(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		svc := &access.Service{Store: s, Now: func() time.Time { return now }, Catalog: catalog}
		cfg := &settings.Settings{FreeLimit: 3, Location: time.UTC}
		premiumReader := access.Viewer{AccountID: 20, Subscription: &billing.Subscription{PlanID: 10, Status: billing.Active, PaidUntil: now.AddDate(0, 1, 0)}}
		adsReader := access.Viewer{AccountID: 21, Subscription: &billing.Subscription{PlanID: 11, Status: billing.Active, PaidUntil: now.AddDate(0, 1, 0)}}
		for i, step := range []struct {
			v       access.Viewer
			a       *content.Article
			granted bool
			reason  meter.Reason
		}{
			{premiumReader, premium, true, meter.Subscriber},
			{premiumReader, metered, true, meter.Subscriber},
			{adsReader, premium, false, meter.PremiumOnly},
			{adsReader, metered, true, meter.Metered},
		} {
			d, err := svc.Decide(ctx, step.v, step.a, cfg)
			if err != nil || d.Granted != step.granted || d.Reason != step.reason {
				t.Errorf("step %d: %+v, %v; want granted=%v %s", i, d, err, step.granted, step.reason)
			}
		}
		wantCounted(t, s, premiumReader, 0)
		wantCounted(t, s, adsReader, 1)

		src.plans[0].Benefits = []int64{2}
		if err := catalog.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		if d, err := svc.Decide(ctx, premiumReader, premium, cfg); err != nil || d.Granted || d.Reason != meter.PremiumOnly {
			t.Errorf("after premium left the plan: %+v, %v", d, err)
		}
	})
}

// A reload that finds nothing changed keeps the snapshot, so what is kept
// per snapshot stays valid.
func TestCatalogKeepsAnUnchangedSnapshot(t *testing.T) {
	src := &catalogSource{benefits: builtins, plans: []offer.Plan{{ID: 10, Active: true, Benefits: []int64{1}}}}
	c, err := offer.NewCatalog(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	first := c.Get()
	if err := c.Reload(context.Background()); err != nil || c.Get() != first {
		t.Errorf("an unchanged reload made a new snapshot (%v)", err)
	}
	src.plans = []offer.Plan{{ID: 10, Active: true, Benefits: []int64{1, 2}}}
	if err := c.Reload(context.Background()); err != nil || c.Get() == first || !c.Get().Grants(10).Has(offer.Archive) {
		t.Errorf("a changed reload kept the old snapshot (%v)", err)
	}
}
