// Package demo is the demo publication: sample stories written for the
// project, the reference offer's three plans, and demo accounts, seeded
// into an empty database.
package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/ads"
	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/offer"
	"broadsheet/internal/partner"
	"broadsheet/internal/store"
)

// Plans are the reference offer: prices in paise.
var Plans = []billing.Plan{
	{Code: "smart-quarterly", Name: "Smart Quarterly", Price: 90000, Currency: "INR", TermMonths: 3, Position: 1, Active: true},
	{Code: "smart-essential", Name: "Smart Essential", Price: 270000, Currency: "INR", TermMonths: 12, Position: 2, Active: true},
	{Code: "super-saver", Name: "Super Saver", Price: 390000, Currency: "INR", TermMonths: 24, Position: 3, Active: true},
}

// Benefits are the reference offer's list of what a subscription
// includes, the publication named by its name of the day, each of the
// kind that delivers it. Every demo plan includes them all, as the
// reference page offers them with every plan.
var Benefits = []struct {
	Kind        offer.Kind
	Title, Body string
}{
	{offer.Premium, "Exclusive premium stories online", "Over 30 premium stories daily, handpicked by our editors"},
	{offer.Partner, "Complimentary Access to The New York Times", "News, Games, Cooking, Audio, Wirecutter & The Athletic"},
	{offer.Info, "{{publication}} Epaper", "Digital replica of our daily newspaper — with options to read, save, and share"},
	{offer.Newsletters, "Curated Newsletters", "Insights on markets, finance, politics, tech, and more delivered to your inbox"},
	{offer.MarketInsights, "Market Analysis & Investment Insights", "In-depth market analysis & insights with access to The Smart Investor"},
	{offer.Archive, "Archives", "Repository of articles and publications dating back to 1997"},
	{offer.AdFree, "Ad-free Reading", "Uninterrupted reading experience with no advertisements"},
	{offer.Info, "Seamless Access Across All Devices", "Access {{publication}} across devices — mobile, tablet, or PC, via web or app"},
}

// Newsletters are the demo's lists, each with the kind of the benefit
// that opens it (none: every registered reader): Markets opens with the
// curated newsletters, The Smart Investor with the market-insights
// vertical, the others to every registered reader.
var Newsletters = []struct {
	newsletter.List
	Gate offer.Kind
}{
	{newsletter.List{Slug: "markets", Name: "Markets", Description: "The day's moves in stocks, bonds and currencies, and what drove them"}, offer.Newsletters},
	{newsletter.List{Slug: "finance", Name: "Finance", Description: "Banks, money and your savings, every weekday"}, ""},
	{newsletter.List{Slug: "politics", Name: "Politics", Description: "Parliament, the states and the parties, twice a week"}, ""},
	{newsletter.List{Slug: "tech", Name: "Tech", Description: "Start-ups, platforms and the rules that govern them, every Friday"}, ""},
	{newsletter.List{Slug: "smart-investor", Name: "The Smart Investor", Description: "Our market analysts' picks and what is behind them, every Sunday"}, offer.MarketInsights},
}

// HouseAds are the demo's ad slots, by settings key: the publication's
// own ads, plain markup styled by the site's sheet, and no third party.
var HouseAds = map[string]string{
	ads.KeyHomeTop: `<a class="house-ad" href="/subscribe"><strong>Subscribe to read without ads</strong>` +
		`<span>Every plan includes ad-free reading, premium stories and the archive.</span><em>See the plans</em></a>`,
	ads.KeySectionTop: `<a class="house-ad" href="/newsletters"><strong>Our newsletters</strong>` +
		`<span>Markets, finance, politics and tech, in your inbox.</span><em>Sign up</em></a>`,
	ads.KeyArticleInline: `<a class="house-ad" href="/subscribe"><strong>Subscribe to read without ads</strong>` +
		`<span>Unlimited stories and no advertisements, on every device.</span><em>See the plans</em></a>`,
	ads.KeyArticleEnd: `<a class="house-ad" href="/archive"><strong>From the archive</strong>` +
		`<span>Every story we have published, by day.</span><em>Browse the archive</em></a>`,
}

// EnsureNewsletters stores the demo's lists if the database has none. A
// list is gated by the first benefit of its kind; where there is none (a
// database with its own offer), by premium stories, which always exists.
func EnsureNewsletters(ctx context.Context, st *store.Store, now time.Time) error {
	existing, err := st.NewsletterLists(ctx)
	if err != nil || len(existing) > 0 {
		return err
	}
	benefits, err := st.Benefits(ctx)
	if err != nil {
		return err
	}
	first := func(k offer.Kind) int64 {
		for _, b := range benefits {
			if b.Kind == k {
				return b.ID
			}
		}
		return 0
	}
	for _, d := range Newsletters {
		l := d.List
		if d.Gate != "" {
			if l.BenefitID = first(d.Gate); l.BenefitID == 0 {
				l.BenefitID = first(offer.Premium)
			}
		}
		if _, err := st.CreateNewsletterList(ctx, l, now); err != nil {
			return err
		}
	}
	return nil
}

// The demo's partner offer: where its codes are redeemed (a made-up
// address), how many codes it starts with, and the alert threshold.
const (
	PartnerRedemptionURL = "https://partner.example/redeem"
	PartnerCodes         = 25
	PartnerLowStock      = 5
)

// Account is a demo sign-in: Role says who it is, printed at start-up;
// AccountRole is the role the account is given.
type Account struct {
	Email, Password, Role string
	AccountRole           accounts.Role
}

// Accounts are the demo's sign-ins, printed at start-up.
var Accounts = []Account{
	{"admin@demo.broadsheet.test", "admin-demo-pass", "admin", accounts.RoleAdmin},
	{"subscriber@demo.broadsheet.test", "subscriber-demo-pass", "subscriber (Smart Essential)", accounts.RoleReader},
	{"reader@demo.broadsheet.test", "reader-demo-pass", "registered reader, no subscription", accounts.RoleReader},
	{"editor@demo.broadsheet.test", "editor-demo-pass", "editor (reads every story in full)", accounts.RoleEditor},
}

// EnsurePlans stores the reference plans if the database has none, so a
// fresh publication has an offer to show. Plans an admin retired count:
// they are not brought back.
func EnsurePlans(ctx context.Context, st *store.Store) error {
	existing, err := st.AllPlans(ctx)
	if err != nil || len(existing) > 0 {
		return err
	}
	for _, p := range Plans {
		if _, err := st.UpsertPlan(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// seedBenefits stores the reference list, in its order, and makes every
// plan include all of it, unless the database has a list of its own (one
// that offered plans before the list was data has it already): the
// built-in benefits, which always exist, take the reference's words.
func seedBenefits(ctx context.Context, st *store.Store, now time.Time) error {
	existing, err := st.Benefits(ctx)
	if err != nil {
		return err
	}
	builtin := map[offer.Kind]int64{}
	for _, b := range existing {
		if !b.Kind.Builtin() {
			return nil
		}
		builtin[b.Kind] = b.ID
	}
	var order []int64
	for _, b := range Benefits {
		id, ok := builtin[b.Kind]
		switch {
		case ok:
			err = st.UpdateBenefit(ctx, id, b.Title, b.Body)
		case b.Kind == offer.Partner:
			id, err = seedPartner(ctx, st, b.Title, b.Body, now)
		default:
			id, err = st.CreateBenefit(ctx, b.Kind, b.Title, b.Body)
		}
		if err != nil {
			return err
		}
		order = append(order, id)
	}
	if err := st.OrderBenefits(ctx, order); err != nil {
		return err
	}
	plans, err := st.AllPlans(ctx)
	if err != nil {
		return err
	}
	for _, p := range plans {
		if err := st.SetPlanBenefits(ctx, p.ID, order); err != nil {
			return err
		}
	}
	return nil
}

// seedPartner adds the demo's partner offer with its made-up codes
// (DEMO-NYT-0001, ...).
func seedPartner(ctx context.Context, st *store.Store, name, description string, now time.Time) (int64, error) {
	id, err := st.CreatePartnerOffer(ctx, &partner.Offer{Name: name, Description: description,
		RedemptionURL: PartnerRedemptionURL, LowStock: PartnerLowStock}, nil)
	if err != nil {
		return 0, err
	}
	codes := make([]string, PartnerCodes)
	for i := range codes {
		codes[i] = fmt.Sprintf("DEMO-NYT-%04d", i+1)
	}
	if dups, err := st.ImportPartnerCodes(ctx, id, codes, now); err != nil || len(dups) > 0 {
		return 0, fmt.Errorf("demo partner codes: %d already there, %v", len(dups), err)
	}
	return id, nil
}

// Seed fills an empty database with the demo publication. A database that
// already has stories is left as it is. It reports whether it seeded.
func Seed(ctx context.Context, st *store.Store, acc *accounts.Service, bill *billing.Service, now time.Time, loc *time.Location) (bool, error) {
	n, err := st.CountArticles(ctx)
	if err != nil || n > 0 {
		return false, err
	}
	if err := EnsurePlans(ctx, st); err != nil {
		return false, err
	}
	if err := seedBenefits(ctx, st, now); err != nil {
		return false, err
	}
	if err := EnsureNewsletters(ctx, st, now); err != nil {
		return false, err
	}
	if err := st.SaveSettings(ctx, HouseAds); err != nil {
		return false, err
	}
	sectionIDs := map[string]int64{}
	for i, sec := range Sections {
		id, err := st.CreateSection(ctx, content.Section{Slug: sec.Slug, Name: sec.Name, Position: i})
		if err != nil {
			return false, err
		}
		if sec.Vertical {
			if err := st.SetSectionVertical(ctx, id, true, now); err != nil {
				return false, err
			}
		}
		sectionIDs[sec.Slug] = id
	}
	today := now.In(loc)
	for _, s := range Stories() {
		day := today.AddDate(0, 0, -s.DaysAgo)
		published := time.Date(day.Year(), day.Month(), day.Day(), s.Hour, 0, 0, 0, loc)
		if published.After(now) {
			published = now.Add(-time.Duration(len(s.Slug)) * time.Minute)
		}
		a := &content.Article{
			Slug: s.Slug, Headline: s.Headline, Summary: s.Summary, Body: content.JoinParagraphs(s.Paragraphs),
			SectionID: sectionIDs[s.Section], Author: s.Author, Access: content.Metered, EditorsPick: s.EditorsPick,
			WireSource: s.Wire, PublishedAt: published, UpdatedAt: published,
		}
		if s.Premium {
			a.Access = content.Premium
		}
		if a.SectionID == 0 {
			return false, fmt.Errorf("story %s: unknown section %q", s.Slug, s.Section)
		}
		if _, err := st.CreateArticle(ctx, a); err != nil {
			return false, fmt.Errorf("story %s: %w", s.Slug, err)
		}
	}
	for _, d := range Accounts {
		a, err := acc.Register(ctx, d.Email, d.Password, d.AccountRole)
		if err != nil {
			return false, fmt.Errorf("demo account %s: %w", d.Email, err)
		}
		if strings.HasPrefix(d.Role, "subscriber") {
			if err := seedSubscription(ctx, st, bill, a.ID, now); err != nil {
				return false, fmt.Errorf("demo subscription: %w", err)
			}
		}
		if err := joinDemoNewsletters(ctx, st, a.Email, d.AccountRole, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// seedSubscription pays the demo subscriber's year on the built-in test
// gateway's page. With a real provider configured, that card is not the
// provider's to charge, so the subscription is seeded with auto-renewal
// off: it gives access for the year and never asks the provider for money.
func seedSubscription(ctx context.Context, st *store.Store, bill *billing.Service, accountID int64, now time.Time) error {
	card := billing.Card{Number: billing.CardSucceeds, ExpMonth: "12", ExpYear: fmt.Sprint(now.Year() + 3), CVC: "123"}
	if _, onTest := bill.Gateway.(*billing.TestGateway); onTest {
		_, err := bill.Checkout(ctx, accountID, "smart-essential", card, "demo-seed")
		return err
	}
	seeding := *bill
	seeding.Gateway = &billing.TestGateway{Store: st, Now: bill.Now}
	if _, err := seeding.Checkout(ctx, accountID, "smart-essential", card, "demo-seed"); err != nil {
		return err
	}
	return bill.Cancel(ctx, accountID)
}

// joinDemoNewsletters puts the demo's readers on lists, so that an issue
// sent in the demo reaches someone: the subscriber on Markets and
// Finance, the reader on Finance and Politics.
func joinDemoNewsletters(ctx context.Context, st *store.Store, email string, role accounts.Role, now time.Time) error {
	if role != accounts.RoleReader {
		return nil
	}
	lists, err := st.NewsletterLists(ctx)
	if err != nil {
		return err
	}
	want := map[string]bool{"finance": true, "politics": !strings.HasPrefix(email, "subscriber"), "markets": strings.HasPrefix(email, "subscriber")}
	var ids []int64
	for _, l := range lists {
		if want[l.Slug] {
			ids = append(ids, l.ID)
		}
	}
	return st.JoinNewsletters(ctx, email, ids, now)
}
