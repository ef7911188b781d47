// Package settings holds the publication's editorial settings: its name,
// tagline, logo and language, the meter, the paywall copy, the time zone, the
// device cap and the ad slots. They live in the
// database and are edited by admins; this package owns their names, defaults
// and validation, so a bad value is refused before it is stored.
package settings

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"broadsheet/internal/ads"
	"broadsheet/internal/gst"
	"broadsheet/internal/media"
)

// Keys of the settings table.
const (
	KeyPublication    = "publication_name"
	KeyTagline        = "publication_tagline"
	KeyLogo           = "publication_logo"
	KeyLanguage       = "publication_language"
	KeyFreeLimit      = "free_limit"
	KeyLeadParagraphs = "lead_paragraphs"
	KeyTimeZone       = "time_zone"
	KeyDeviceLimit    = "device_limit"
	KeyPaywallHeading = "paywall_heading"
	KeyPaywallBody    = "paywall_body"
	KeyPaywallCTA     = "paywall_cta"
	KeyPremiumHeading = "paywall_premium_heading"
	KeyLoginPrompt    = "paywall_login_prompt"
	KeyLoginLink      = "login_link"
	KeyMeterNotice    = "meter_notice"
	KeyWireDisclaimer = "wire_disclaimer"
	KeyArchiveDays    = "archive_after_days"
	KeyArchiveHeading = "paywall_archive_heading"
	KeyArchiveBody    = "paywall_archive_body"
)

// MaxArchiveDays bounds the archive cut-off: a hundred years.
const MaxArchiveDays = 36500

// Defaults reproduce the reference offer page.
var Defaults = map[string]string{
	KeyPublication:    "The Broadsheet Daily",
	KeyTagline:        "",
	KeyLogo:           "",
	KeyLanguage:       "en",
	KeyFreeLimit:      "3",
	KeyLeadParagraphs: "2",
	KeyTimeZone:       "Asia/Kolkata",
	KeyDeviceLimit:    "5",
	KeyPaywallHeading: "You’ve reached your limit of {{free_limit}} free articles this month.",
	KeyPaywallBody:    "Subscribe now for unlimited access.",
	KeyPaywallCTA:     "Subscribe to read the full story →",
	KeyPremiumHeading: "This is a premium story, for subscribers.",
	KeyLoginPrompt:    "Already subscribed?",
	KeyLoginLink:      "Log in",
	KeyMeterNotice:    "You have {{remaining}} of {{free_limit}} free stories left this month.",
	KeyArchiveDays:    "365",
	KeyArchiveHeading: "This story is from our archive, open to subscribers.",
	KeyArchiveBody:    "Subscribe to read it in full, with every story in our archive.",
	KeyWireDisclaimer: "Disclaimer: No {{publication}} journalist was involved in creation of this content",
	// The ad slots are empty, and no third party may serve them, until
	// an admin says otherwise (/admin/ads).
	ads.KeyOrigins:       "",
	ads.KeyHomeTop:       "",
	ads.KeySectionTop:    "",
	ads.KeyArticleInline: "",
	ads.KeyArticleEnd:    "",
}

// Settings is the parsed, validated set of editorial settings.
type Settings struct {
	Publication    string
	Tagline        string // under the name in the masthead; "" for none
	Logo           string // the masthead's image in the media store, in place of the name; "" for none
	Language       string // the pages' lang attribute, a BCP 47 tag such as en or hi-IN
	FreeLimit      int
	LeadParagraphs int
	Location       *time.Location
	DeviceLimit    int // 0 means no cap
	PaywallHeading Template
	PaywallBody    Template
	PaywallCTA     Template
	PremiumHeading Template // the paywall's heading on a premium story
	LoginPrompt    string   // before the paywall's log-in link, such as "Already subscribed?"
	LoginLink      string   // the text of the log-in links, in the paywall and the masthead
	MeterNotice    Template
	// ArchiveDays is the archive cut-off: stories published longer ago
	// than this are read in full only with the archive benefit. 0 means
	// no archive rule.
	ArchiveDays    int
	ArchiveHeading Template // the paywall's heading on an archive story
	ArchiveBody    Template // the paywall's text on an archive story
	WireDisclaimer string
	Tax            gst.Profile // the publisher's tax profile (tax.go)
	Renewals       Renewals    // see dunning.go
	Ads            *ads.Set    // the ad slots' markup and the policy of a page with ads
	Raw            map[string]string
}

// Parse validates raw values (missing keys take their defaults).
func Parse(raw map[string]string) (*Settings, error) {
	all := make(map[string]string, len(Defaults))
	for k, v := range Defaults {
		all[k] = v
	}
	for k, v := range raw {
		all[k] = v
	}
	s := &Settings{
		Raw: all, Publication: strings.TrimSpace(all[KeyPublication]), Tagline: strings.TrimSpace(all[KeyTagline]),
		LoginPrompt: strings.TrimSpace(all[KeyLoginPrompt]), LoginLink: strings.TrimSpace(all[KeyLoginLink]),
	}
	var err error
	for _, c := range []struct {
		key, value string
		min, max   int
	}{
		{KeyPublication, s.Publication, 1, 100},
		{KeyTagline, s.Tagline, 0, 200},
		{KeyLoginPrompt, s.LoginPrompt, 0, 200},
		{KeyLoginLink, s.LoginLink, 1, 60},
	} {
		if err := textIn(c.key, c.value, c.min, c.max); err != nil {
			return nil, err
		}
	}
	if s.Logo = all[KeyLogo]; s.Logo != "" && !media.ValidName(s.Logo) {
		return nil, fmt.Errorf("%s %q is not an uploaded image", KeyLogo, s.Logo)
	}
	if s.Language, err = ParseLanguage(all[KeyLanguage]); err != nil {
		return nil, fmt.Errorf("%s: %w", KeyLanguage, err)
	}
	if s.FreeLimit, err = intIn(all, KeyFreeLimit, 0, 1000); err != nil {
		return nil, err
	}
	if s.LeadParagraphs, err = intIn(all, KeyLeadParagraphs, 1, 20); err != nil {
		return nil, err
	}
	if s.DeviceLimit, err = intIn(all, KeyDeviceLimit, 0, 100); err != nil {
		return nil, err
	}
	if s.ArchiveDays, err = intIn(all, KeyArchiveDays, 0, MaxArchiveDays); err != nil {
		return nil, err
	}
	if s.Location, err = time.LoadLocation(all[KeyTimeZone]); err != nil || all[KeyTimeZone] == "" {
		return nil, fmt.Errorf("%s %q is not a known IANA zone name such as Asia/Kolkata", KeyTimeZone, all[KeyTimeZone])
	}
	for key, dst := range map[string]*Template{
		KeyPaywallHeading: &s.PaywallHeading,
		KeyPaywallBody:    &s.PaywallBody,
		KeyPaywallCTA:     &s.PaywallCTA,
		KeyPremiumHeading: &s.PremiumHeading,
		KeyMeterNotice:    &s.MeterNotice,
		KeyArchiveHeading: &s.ArchiveHeading,
		KeyArchiveBody:    &s.ArchiveBody,
	} {
		if *dst, err = ParseTemplate(all[key]); err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
	}
	s.WireDisclaimer = strings.ReplaceAll(all[KeyWireDisclaimer], "{{publication}}", s.Publication)
	if s.Tax, err = parseTax(all); err != nil {
		return nil, err
	}
	if s.Renewals, err = parseRenewals(all); err != nil {
		return nil, err
	}
	if s.Ads, err = ads.Parse(all); err != nil {
		return nil, err
	}
	return s, nil
}

// textIn checks that value, one line of copy, is from min to max
// characters long.
func textIn(key, value string, min, max int) error {
	n := utf8.RuneCountInString(value)
	switch {
	case n < min && min == 1:
		return fmt.Errorf("%s must not be empty", key)
	case n < min || n > max:
		return fmt.Errorf("%s must be %d to %d characters long, not %d", key, min, max, n)
	case strings.ContainsAny(value, "\r\n"):
		return fmt.Errorf("%s must be one line", key)
	}
	return nil
}

func intIn(all map[string]string, key string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(all[key]))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%s must be a whole number from %d to %d, not %q", key, lo, hi, all[key])
	}
	return n, nil
}

// Archived reports whether a story published at published is in the
// archive at now: older than the cut-off, when there is one. A comparison,
// so the hot path may ask it on every view.
func (s *Settings) Archived(published, now time.Time) bool {
	return s.ArchiveDays > 0 && published.Before(now.Add(-time.Duration(s.ArchiveDays)*24*time.Hour))
}

// Vars are the values a reader-facing template is filled with.
func (s *Settings) Vars(used int) map[string]string {
	remaining := s.FreeLimit - used
	if remaining < 0 {
		remaining = 0
	}
	return map[string]string{
		"free_limit": strconv.Itoa(s.FreeLimit),
		"remaining":  strconv.Itoa(remaining),
		"used":       strconv.Itoa(used),
	}
}
