package web_test

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/app/apptest"
	"broadsheet/internal/complimentary"
	"broadsheet/internal/partner"
	"broadsheet/internal/store/storetest"
)

// addOffer adds a partner offer through the admins' page, included in
// every plan on offer, and returns its id.
func addOffer(t *testing.T, site *apptest.Site, admin *apptest.Browser, name string, lowStock int) int64 {
	t.Helper()
	form := url.Values{"name": {name}, "description": {"A year of " + name}, "url": {"https://partner.example/redeem"},
		"low_stock": {fmt.Sprint(lowStock)}}
	for _, p := range allPlans(t, site) {
		if p.Active {
			form.Add("plan", fmt.Sprint(p.ID))
		}
	}
	if resp := admin.Post("/admin/partners", form); resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Partner offer saved.") {
		t.Fatalf("add the offer %s: status %d", name, resp.Status)
	}
	offers, err := site.App.Partners.Offers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range offers {
		if o.Name == name {
			return o.ID
		}
	}
	t.Fatalf("no offer %s", name)
	return 0
}

// importCodes uploads a CSV file of codes to the offer, as the admins'
// page's form does.
func importCodes(t *testing.T, admin *apptest.Browser, offerID int64, csv string) apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("codes", "codes.csv")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write([]byte(csv))
	mw.Close()
	return admin.Do(http.MethodPost, fmt.Sprintf("/admin/partners/%d/codes", offerID), &body, http.Header{
		"Content-Type": {mw.FormDataContentType()}, "Sec-Fetch-Site": {"same-origin"},
	})
}

func offerStock(t *testing.T, site *apptest.Site, id int64) partner.Offer {
	t.Helper()
	offers, err := site.App.Partners.Offers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range offers {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("no offer %d", id)
	return partner.Offer{}
}

// subscribers makes n readers (name0@example.com, ...), each with a
// complimentary month of the plan and a signed-in device.
func subscribers(t *testing.T, site *apptest.Site, name string, n int, plan string) []*apptest.Browser {
	t.Helper()
	ctx := context.Background()
	admin, err := site.App.Store.AccountByEmail(ctx, demoAccount(t, "admin").Email)
	if err != nil {
		t.Fatal(err)
	}
	p, err := site.App.Store.PlanByCode(ctx, plan)
	if err != nil {
		t.Fatal(err)
	}
	var out []*apptest.Browser
	for i := range n {
		email := fmt.Sprintf("%s%d@example.com", name, i)
		a := &accounts.Account{Email: email, CreatedAt: site.Clock.Now()}
		var err error
		if a.ID, err = site.App.Store.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := site.App.Complimentary.Give(ctx, complimentary.Grant{AdminID: admin.ID, Email: email, PlanID: p.ID, Months: "1", Reason: "Partner test"}); err != nil {
			t.Fatal(err)
		}
		token, err := site.App.Accounts.StartSession(ctx, a, "test", 0)
		if err != nil {
			t.Fatal(err)
		}
		b := site.NewBrowser()
		b.SetCookie("bs_session", token)
		out = append(out, b)
	}
	return out
}

var partnerCodeRE = regexp.MustCompile(`<code class="partner-code" id="partner-code-\d+">([^<]+)</code>`)

// The admin adds an offer and imports its codes from CSV: a file with any
// bad line, or with a code imported before, imports nothing and names
// each such line; a good one adds to the stock the page shows.
func TestAdminImportsPartnerCodes(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		for _, c := range []struct {
			form url.Values
			says string
		}{
			{url.Values{"name": {""}, "url": {"https://partner.example/"}}, "The name must be one line"},
			{url.Values{"name": {"Bad link"}, "url": {"javascript:alert(1)"}}, "must be a web address starting with https://"},
			{url.Values{"name": {"No host"}, "url": {"https:///redeem"}}, "must be a web address"},
			{url.Values{"name": {"Bad threshold"}, "url": {"https://partner.example/"}, "low_stock": {"-1"}}, "alert threshold must be"},
			{url.Values{"name": {"Forged plan"}, "url": {"https://partner.example/"}, "plan": {"987654"}}, "deleted meanwhile"},
		} {
			if resp := admin.Post("/admin/partners", c.form); resp.Status != http.StatusUnprocessableEntity || !contains(resp.Body, c.says) {
				t.Errorf("%v: status %d, want 422 saying %q", c.form, resp.Status, c.says)
			}
		}
		if offers, err := site.App.Partners.Offers(context.Background()); err != nil || len(offers) != 1 {
			t.Fatalf("refused forms added offers: %d (%v)", len(offers), err)
		}

		id := addOffer(t, site, admin, "The Morning Crossword", 0)
		for _, c := range []struct {
			csv  string
			says []string
		}{
			{"code\nAAA-1\nAAA 2\n,\nAAA-1\n" + strings.Repeat("x", 201) + "\n", []string{
				"line 3: the code &#34;AAA 2&#34; holds a space", "line 4: no code in the first column",
				"line 5: the code AAA-1 is on line 2 too", "line 6: the code is longer than 200 characters"}},
			{"AAA-1\n\"unclosed\n", []string{"not CSV"}},
			{"\xff\xfe", []string{"not UTF-8"}},
			{"code\n", []string{"holds no code"}},
		} {
			resp := importCodes(t, admin, id, c.csv)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Errorf("import %q: status %d, want 422", c.csv, resp.Status)
			}
			for _, s := range c.says {
				if !strings.Contains(resp.Body, s) {
					t.Errorf("import %q: the page does not say %q", c.csv, s)
				}
			}
		}
		if o := offerStock(t, site, id); o.Left != 0 {
			t.Fatalf("refused files imported %d codes", o.Left)
		}
		if resp := importCodes(t, admin, id, "code,note\nCW-1,first\nCW-2\r\nCW-3,\"third, with a comma\"\n"); resp.Status != http.StatusOK ||
			!strings.Contains(resp.Body, "Codes imported") || !strings.Contains(resp.Body, "<strong>3</strong> codes left") {
			t.Fatalf("import three codes: status %d", resp.Status)
		}
		// One code of this file was imported before: none of it is.
		if resp := importCodes(t, admin, id, "CW-4\nCW-2\nCW-5\n"); resp.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(resp.Body, "line 2: the code CW-2 was imported before") {
			t.Errorf("import a code twice: status %d", resp.Status)
		}
		if o := offerStock(t, site, id); o.Left != 3 {
			t.Errorf("after a refused import the offer has %d codes, want 3", o.Left)
		}
		if resp := importCodes(t, admin, 987654, "X-1\n"); resp.Status != http.StatusNotFound {
			t.Errorf("import to no offer: status %d, want 404", resp.Status)
		}
		editor := site.NewBrowser()
		logIn(t, editor, demoAccount(t, "editor"), "/")
		if resp := importCodes(t, editor, id, "ED-1\n"); resp.Status != http.StatusForbidden {
			t.Errorf("an editor imports codes: status %d, want 403", resp.Status)
		}
		if resp := editor.Get("/admin/partners"); resp.Status != http.StatusForbidden {
			t.Errorf("an editor opens the partner offers: status %d, want 403", resp.Status)
		}
	})
}

// A subscriber whose plan includes the offer claims a code from their
// account page and sees it there afterwards; claiming again gives the same
// code. A reader without the benefit, or whose plan leaves it out, is
// refused (403) and nothing changes; once no code is left, a reader is
// told so.
func TestSubscriberClaimsAPartnerCode(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		id := addOffer(t, site, admin, "The Evening Quiz", 0)
		if resp := importCodes(t, admin, id, "QZ-1\nQZ-2\n"); resp.Status != http.StatusOK {
			t.Fatalf("import: status %d", resp.Status)
		}
		claim := fmt.Sprintf("/account/partners/%d/claim", id)

		reader := site.NewBrowser()
		logIn(t, reader, demoAccount(t, "registered reader"), "/")
		if page := reader.Get("/account"); strings.Contains(page.Body, "The Evening Quiz") {
			t.Error("a reader without a subscription is offered a partner code")
		}
		if resp := reader.Post(claim, nil); resp.Status != http.StatusForbidden || !strings.Contains(resp.Body, "does not include this offer") {
			t.Errorf("a reader without the benefit claims: status %d, want 403", resp.Status)
		}
		if o := offerStock(t, site, id); o.Claimed != 0 {
			t.Fatalf("a refused claim took a code")
		}

		subscriber := site.NewBrowser()
		logIn(t, subscriber, demoAccount(t, "subscriber"), "/")
		page := subscriber.Get("/account")
		if !strings.Contains(page.Body, fmt.Sprintf(`id="partner-claim-%d"`, id)) {
			t.Fatal("the account page offers the subscriber no claim")
		}
		resp := subscriber.Post(claim, nil)
		m := partnerCodeRE.FindStringSubmatch(resp.Body)
		if resp.Status != http.StatusOK || m == nil || !strings.Contains(resp.Body, "Your code is below") ||
			!strings.Contains(resp.Body, `href="https://partner.example/redeem"`) {
			t.Fatalf("claim: status %d, code %v", resp.Status, m)
		}
		code := m[1]
		if again := subscriber.Post(claim, nil); partnerCodeRE.FindStringSubmatch(again.Body)[1] != code {
			t.Error("a second claim gave another code")
		}
		if page := subscriber.Get("/account"); !strings.Contains(page.Body, ">"+code+"</code>") {
			t.Error("the account page does not show the code claimed")
		}
		if o := offerStock(t, site, id); o.Claimed != 1 || o.Left != 1 {
			t.Errorf("after one reader's claims: %d claimed, %d left", o.Claimed, o.Left)
		}

		// A plan that leaves the offer out gives no claim.
		includeOnly(t, site, admin, "smart-quarterly", "premium")
		quarterly := subscribers(t, site, "quarterly", 1, "smart-quarterly")[0]
		if resp := quarterly.Post(claim, nil); resp.Status != http.StatusForbidden {
			t.Errorf("a subscriber whose plan leaves the offer out claims: status %d, want 403", resp.Status)
		}

		// The last code goes, and the next reader is told none is left.
		savers := subscribers(t, site, "saver", 2, "super-saver")
		if resp := savers[0].Post(claim, nil); resp.Status != http.StatusOK || partnerCodeRE.FindStringSubmatch(resp.Body) == nil {
			t.Fatalf("the last code: status %d", resp.Status)
		}
		late := savers[1]
		if page := late.Get("/account"); !strings.Contains(page.Body, fmt.Sprintf(`id="partner-none-left-%d"`, id)) {
			t.Error("the account page does not say no code is left")
		}
		if resp := late.Post(claim, nil); resp.Status != http.StatusConflict || !strings.Contains(resp.Body, "none is left for you yet") {
			t.Errorf("a claim with none left: status %d, want 409 saying so", resp.Status)
		}
	})
}

// The attack: fifty subscribers claim at once from ten codes, one
// of them from two tabs. Exactly ten readers get a code, one each, never
// the same; the forty others are told clearly that none is left; the
// reader with two tabs is answered the same in both.
func TestConcurrentClaimsGiveEachCodeOnce(t *testing.T) {
	const readersN, codesN = 50, 10
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		id := addOffer(t, site, admin, "The Weekly Atlas", 0)
		var csv strings.Builder
		for i := range codesN {
			fmt.Fprintf(&csv, "AT-%d\n", i+1)
		}
		if resp := importCodes(t, admin, id, csv.String()); resp.Status != http.StatusOK {
			t.Fatalf("import: status %d", resp.Status)
		}
		claim := fmt.Sprintf("/account/partners/%d/claim", id)
		readers := subscribers(t, site, "rush", readersN, "smart-essential")
		type answer struct {
			reader     int
			status     int
			code, body string
		}
		// Every reader claims once; the last one from a second tab too.
		answers := make([]answer, readersN+1)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range answers {
			answers[i].reader = min(i, readersN-1)
			b := readers[answers[i].reader]
			wg.Go(func() {
				<-start
				resp := b.Post(claim, nil)
				answers[i].status, answers[i].body = resp.Status, resp.Body
				if m := partnerCodeRE.FindStringSubmatch(resp.Body); m != nil {
					answers[i].code = m[1]
				}
			})
		}
		close(start)
		wg.Wait()
		holder := map[string]int{} // code: the reader given it
		codeOf := map[int]string{} // reader: the code given
		refused := map[int]bool{}  // readers told none is left
		for i, a := range answers {
			switch {
			case a.status == http.StatusOK && a.code != "":
				if r, ok := holder[a.code]; ok && r != a.reader {
					t.Errorf("code %s given to readers %d and %d", a.code, r, a.reader)
				}
				if c, ok := codeOf[a.reader]; ok && c != a.code {
					t.Errorf("reader %d given two codes, %s and %s", a.reader, c, a.code)
				}
				holder[a.code], codeOf[a.reader] = a.reader, a.code
			case a.status == http.StatusConflict && strings.Contains(a.body, "none is left for you yet"):
				refused[a.reader] = true
			default:
				t.Errorf("claim %d: status %d, code %q", i, a.status, a.code)
			}
		}
		for r := range refused {
			if c, ok := codeOf[r]; ok {
				t.Errorf("reader %d was given %s and told none is left", r, c)
			}
		}
		if len(holder) != codesN || len(codeOf) != codesN || len(refused) != readersN-codesN {
			t.Errorf("%d codes given to %d readers, %d readers told none is left; want %d, %d and %d",
				len(holder), len(codeOf), len(refused), codesN, codesN, readersN-codesN)
		}
		if tabs := answers[readersN-1:]; tabs[0].code != tabs[1].code || tabs[0].status != tabs[1].status {
			t.Errorf("one reader's two tabs were answered %d %q and %d %q, want the same", tabs[0].status, tabs[0].code, tabs[1].status, tabs[1].code)
		}
		if o := offerStock(t, site, id); o.Claimed != codesN || o.Left != 0 {
			t.Errorf("stock after the rush: %d claimed, %d left; want %d and 0", o.Claimed, o.Left, codesN)
		}
	})
}

// The admins are emailed once each time the codes left fall below the
// threshold: not again for the claims after, again once an import has
// lifted the stock and it falls below once more.
func TestLowStockAlertIsSentOncePerCrossing(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		id := addOffer(t, site, admin, "The Garden Almanac", 3)
		if resp := importCodes(t, admin, id, "GA-1\nGA-2\nGA-3\nGA-4\n"); resp.Status != http.StatusOK {
			t.Fatalf("import: status %d", resp.Status)
		}
		claim := fmt.Sprintf("/account/partners/%d/claim", id)
		alerts := func() int {
			t.Helper()
			site.RunJobs()
			site.RunJobs()
			msgs, err := site.App.Store.Outbox(context.Background(), 500)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, m := range msgs {
				if strings.HasPrefix(m.Subject, "The Garden Almanac: ") {
					n++
					if m.To != demoAccount(t, "admin").Email || !strings.Contains(m.Body, "below the alert threshold of 3") {
						t.Errorf("alert to %s: %q", m.To, m.Body)
					}
				}
			}
			return n
		}
		readers := subscribers(t, site, "almanac", 6, "smart-essential")
		for i, want := range []int{0, 1, 1, 1} { // 3 left, 2 (below 3), 1, 0
			if resp := readers[i].Post(claim, nil); resp.Status != http.StatusOK {
				t.Fatalf("claim %d: status %d", i, resp.Status)
			}
			if got := alerts(); got != want {
				t.Errorf("after claim %d: %d alerts, want %d", i+1, got, want)
			}
		}
		if resp := importCodes(t, admin, id, "GA-5\nGA-6\nGA-7\n"); resp.Status != http.StatusOK {
			t.Fatalf("import more: status %d", resp.Status)
		}
		site.Clock.Advance(time.Minute)
		readers[4].Post(claim, nil) // 3 left to 2: a second crossing
		if got := alerts(); got != 2 {
			t.Errorf("after the stock fell below the threshold again: %d alerts, want 2", got)
		}
		readers[5].Post(claim, nil)
		if got := alerts(); got != 2 {
			t.Errorf("a claim below the threshold sent another alert: %d", got)
		}
	})
}

// Claims made through two instances on one PostgreSQL database at once
// give each code once: the offer's row in the database, not an instance's
// memory, makes them take turns. Fifty subscribers, half on each
// instance, claim ten codes: ten get one each, forty are told none is
// left.
func TestClaimsOnTwoInstancesGiveEachCodeOnce(t *testing.T) {
	const readersN, codesN = 50, 10
	dbURL := storetest.URL(t, "postgres")
	one := apptest.NewSiteOn(t, dbURL, true)
	two := apptest.NewSiteOn(t, dbURL, false)
	admin := one.NewBrowser()
	logIn(t, admin, demoAccount(t, "admin"), "/")
	id := addOffer(t, one, admin, "The Shared Atlas", 0)
	var csv strings.Builder
	for i := range codesN {
		fmt.Fprintf(&csv, "SA-%d\n", i+1)
	}
	if resp := importCodes(t, admin, id, csv.String()); resp.Status != http.StatusOK {
		t.Fatalf("import: status %d", resp.Status)
	}
	if err := two.App.Offer.Reload(context.Background()); err != nil { // as its periodic reload does
		t.Fatal(err)
	}
	claim := fmt.Sprintf("/account/partners/%d/claim", id)
	readers := subscribers(t, one, "shared", readersN, "smart-essential")
	codes := make([]string, len(readers))
	refused := make([]bool, len(readers))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, b := range readers {
		if i%2 == 1 {
			onTwo := two.NewBrowser()
			onTwo.SetCookie("bs_session", b.Cookie("bs_session"))
			b = onTwo
		}
		wg.Go(func() {
			<-start
			resp := b.Post(claim, nil)
			if m := partnerCodeRE.FindStringSubmatch(resp.Body); m != nil {
				codes[i] = m[1]
			} else {
				refused[i] = resp.Status == http.StatusConflict && strings.Contains(resp.Body, "none is left for you yet")
			}
		})
	}
	close(start)
	wg.Wait()
	given := map[string]bool{}
	told := 0
	for i, c := range codes {
		if c == "" {
			if refused[i] {
				told++
			} else {
				t.Errorf("reader %d was given no code and not told none is left", i)
			}
			continue
		}
		if given[c] {
			t.Errorf("code %s given twice (reader %d)", c, i)
		}
		given[c] = true
	}
	if len(given) != codesN || told != readersN-codesN {
		t.Errorf("%d codes given, %d readers told none is left; want %d and %d", len(given), told, codesN, readersN-codesN)
	}
	if o := offerStock(t, one, id); o.Claimed != codesN || o.Left != 0 {
		t.Errorf("stock: %d claimed, %d left", o.Claimed, o.Left)
	}
}
