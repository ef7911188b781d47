package settings_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/settings"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

func TestTemplates(t *testing.T) {
	vars := map[string]string{"free_limit": "3", "remaining": "1", "used": "2"}
	good := []struct{ src, want string }{
		{"You’ve reached your limit of {{free_limit}} free articles this month.", "You’ve reached your limit of 3 free articles this month."},
		{"{{ remaining }} of {{free_limit}} left", "1 of 3 left"},
		{"no variables at all", "no variables at all"},
		{"", ""},
		{"{{used}}{{used}}", "22"},
	}
	for _, c := range good {
		tpl, err := settings.ParseTemplate(c.src)
		if err != nil {
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		if got := tpl.Render(vars); got != c.want {
			t.Errorf("%q rendered %q, want %q", c.src, got, c.want)
		}
	}
	bad := []struct{ src, reason string }{
		{"Limit {{free_limt}}", "unknown variable {{free_limt}}"},
		{"Limit {{free_limit", "never closed"},
		{"Limit free_limit}}", "without an opening"},
		{"}} {{free_limit}}", "without an opening"},
		{"{{}}", "unknown variable"},
	}
	for _, c := range bad {
		_, err := settings.ParseTemplate(c.src)
		if err == nil || !strings.Contains(err.Error(), c.reason) {
			t.Errorf("%q: error %v, want one saying %q", c.src, err, c.reason)
		}
	}
}

func TestParseRefusesBadValues(t *testing.T) {
	for key, value := range map[string]string{
		settings.KeyFreeLimit:      "abc",
		settings.KeyLeadParagraphs: "0",
		settings.KeyDeviceLimit:    "-1",
		settings.KeyTimeZone:       "Mars/Olympus",
		settings.KeyPaywallHeading: "{{nope}}",
	} {
		if _, err := settings.Parse(map[string]string{key: value}); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%q: error %v, want one naming the setting", key, value, err)
		}
	}
	s, err := settings.Parse(nil)
	if err != nil || s.FreeLimit != 3 || s.Location.String() != "Asia/Kolkata" || s.LeadParagraphs != 2 {
		t.Fatalf("defaults: %+v %v", s, err)
	}
}

func TestCacheUpdateIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c, err := settings.NewCache(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Update(ctx, map[string]string{settings.KeyFreeLimit: "5", settings.KeyPaywallHeading: "Only {{free_limit}}!"}); err != nil {
			t.Fatal(err)
		}
		err = c.Update(ctx, map[string]string{settings.KeyFreeLimit: "7", settings.KeyPaywallHeading: "Broken {{free_limit"})
		if err == nil {
			t.Fatal("a template that does not parse was accepted")
		}
		if err := c.Update(ctx, map[string]string{"no_such_setting": "1"}); err == nil {
			t.Fatal("an unknown setting was accepted")
		}
		// Nothing of the refused changes was stored, in memory or on disk.
		fresh, err := settings.NewCache(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		for _, got := range []*settings.Settings{c.Get(), fresh.Get()} {
			if got.FreeLimit != 5 || got.PaywallHeading.Render(got.Vars(0)) != "Only 5!" {
				t.Errorf("after a refused update: limit %d, heading %q", got.FreeLimit, got.PaywallHeading.Render(got.Vars(0)))
			}
		}
	})
}

func TestReloadKeepsUnchangedSettings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		c, err := settings.NewCache(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		before := c.Get()
		if err := c.Reload(ctx); err != nil || c.Get() != before {
			t.Fatalf("a reload with nothing changed replaced the settings (%v)", err)
		}
		if err := st.SaveSettings(ctx, map[string]string{settings.KeyFreeLimit: "4"}); err != nil {
			t.Fatal(err)
		}
		if err := c.Reload(ctx); err != nil || c.Get() == before || c.Get().FreeLimit != 4 {
			t.Fatalf("a reload after a change did not pick it up (%v)", err)
		}
	})
}

func TestParseLanguage(t *testing.T) {
	for in, want := range map[string]string{
		"en": "en", "hi": "hi", "EN-in": "en-IN", " hi-IN ": "hi-IN", "pa-guru-in": "pa-Guru-IN",
		"es-419": "es-419", "zh-Hant": "zh-Hant", "kok": "kok",
	} {
		if got, err := settings.ParseLanguage(in); err != nil || got != want {
			t.Errorf("ParseLanguage(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "e", "english", "en_IN", "en-", "-en", "en-IN-x", "en-I", "hi-1234", "en IN",
		`en" onload="x`, "हिं", "en-IN-IN"} {
		if got, err := settings.ParseLanguage(bad); err == nil {
			t.Errorf("ParseLanguage(%q) = %q, want an error", bad, got)
		}
	}
}

func TestPublicationAndPaywallCopy(t *testing.T) {
	s, err := settings.Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Language != "en" || s.Tagline != "" || s.LoginPrompt != "Already subscribed?" || s.LoginLink != "Log in" ||
		s.PremiumHeading.Render(s.Vars(0)) != "This is a premium story, for subscribers." {
		t.Errorf("defaults: language %q, tagline %q, prompt %q, link %q", s.Language, s.Tagline, s.LoginPrompt, s.LoginLink)
	}
	s, err = settings.Parse(map[string]string{
		settings.KeyTagline: "  खबरें, हर सुबह ", settings.KeyLanguage: "HI-in",
		settings.KeyPremiumHeading: "केवल सदस्यों के लिए ({{free_limit}})", settings.KeyLoginLink: "लॉग इन",
	})
	if err != nil {
		t.Fatal(err)
	}
	if s.Tagline != "खबरें, हर सुबह" || s.Language != "hi-IN" || s.LoginLink != "लॉग इन" ||
		s.PremiumHeading.Render(s.Vars(0)) != "केवल सदस्यों के लिए (3)" {
		t.Errorf("parsed: tagline %q, language %q, link %q", s.Tagline, s.Language, s.LoginLink)
	}
	for _, c := range []struct{ key, value string }{
		{settings.KeyPublication, " "},
		{settings.KeyPublication, "Two\nlines"},
		{settings.KeyLoginLink, ""},
		{settings.KeyTagline, strings.Repeat("न", 201)},
		{settings.KeyLanguage, "Hindi"},
		{settings.KeyPremiumHeading, "Only {{publication}}"},
	} {
		if _, err := settings.Parse(map[string]string{c.key: c.value}); err == nil || !strings.Contains(err.Error(), c.key) {
			t.Errorf("%s=%q: error %v, want one naming the setting", c.key, c.value, err)
		}
	}
}

func TestArchiveCutOff(t *testing.T) {
	for _, bad := range []string{"-1", "1.5", "abc", "", "36501", "1 year"} {
		if _, err := settings.Parse(map[string]string{settings.KeyArchiveDays: bad}); err == nil || !strings.Contains(err.Error(), settings.KeyArchiveDays) {
			t.Errorf("%s=%q: error %v, want one naming the setting", settings.KeyArchiveDays, bad, err)
		}
	}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s, err := settings.Parse(nil)
	if err != nil || s.ArchiveDays != 365 {
		t.Fatalf("default archive cut-off %d, %v; want 365", s.ArchiveDays, err)
	}
	if !s.Archived(now.AddDate(-2, 0, 0), now) || s.Archived(now.AddDate(0, 0, -100), now) || s.Archived(now.Add(-365*24*time.Hour+time.Minute), now) {
		t.Error("with a 365-day cut-off, a story 2 years old is in the archive and stories 100 and under 365 days old are not")
	}
	off, err := settings.Parse(map[string]string{settings.KeyArchiveDays: "0"})
	if err != nil || off.Archived(now.AddDate(-30, 0, 0), now) {
		t.Errorf("a cut-off of 0 has no archive rule: %v", err)
	}
	if s, err := settings.Parse(map[string]string{settings.KeyArchiveDays: "36500"}); err != nil || s.ArchiveDays != 36500 {
		t.Errorf("the largest cut-off is refused: %v", err)
	}
}
