package web

import (
	"net/http"
	"sort"
	"strings"

	"broadsheet/internal/accounts"
	"broadsheet/internal/mail"
	"broadsheet/internal/settings"
)

// settingField is one input of the admin settings form.
type settingField struct {
	Group     string // starts a group of fields under this heading
	Key       string
	Label     string
	Help      string
	Multiline bool
	Options   []settingOption // chosen from a list (admin_tax.go)
	Value     string
}

// adminFields are the settings the console edits, in form order, before
// the tax profile's (see settingsForm). Only these keys are read from a
// submitted form.
var adminFields = []settingField{
	{Group: "Publication", Key: settings.KeyPublication, Label: "Name", Help: "Shown in the masthead, page titles, the footer and receipts (1 to 100 characters)."},
	{Key: settings.KeyTagline, Label: "Tagline", Help: "A line under the name in the masthead of every page; leave it empty for none."},
	{Key: settings.KeyLanguage, Label: "Language of the pages", Help: "A language tag such as en, hi or en-IN, for browsers, screen readers and search engines."},
	{Group: "Meter and devices", Key: settings.KeyFreeLimit, Label: "Free stories a month", Help: "How many metered stories a reader without a subscription may read each calendar month (0 to 1000)."},
	{Key: settings.KeyLeadParagraphs, Label: "Lead paragraphs shown above the paywall", Help: "1 to 20; a short story shows at most half its paragraphs."},
	{Key: settings.KeyArchiveDays, Label: "Archive after days", Help: "Stories published longer ago than this many days are read in full by subscribers only, and the free stories do not open them (whole days, 0 to 36500; 0 means no archive rule)."},
	{Key: settings.KeyDeviceLimit, Label: "Devices signed in per account", Help: "0 means no limit; past it, the least recently used device is signed out."},
	{Key: settings.KeyTimeZone, Label: "Time zone", Help: "An IANA zone name such as Asia/Kolkata. Meter months start at midnight here."},
	{Group: "Paywall and meter copy", Key: settings.KeyPaywallHeading, Label: "Paywall heading, when the free stories are used up", Multiline: true},
	{Key: settings.KeyPremiumHeading, Label: "Paywall heading on a premium story", Multiline: true},
	{Key: settings.KeyPaywallBody, Label: "Paywall text", Multiline: true},
	{Key: settings.KeyArchiveHeading, Label: "Paywall heading on an archive story", Multiline: true},
	{Key: settings.KeyArchiveBody, Label: "Paywall text on an archive story", Multiline: true},
	{Key: settings.KeyPaywallCTA, Label: "Paywall button", Multiline: true},
	{Key: settings.KeyLoginPrompt, Label: "Paywall line before the log-in link", Help: "Such as “Already subscribed?”; may be empty."},
	{Key: settings.KeyLoginLink, Label: "Log-in link", Help: "The text of the log-in link in the paywall and the masthead."},
	{Key: settings.KeyMeterNotice, Label: "Meter notice above a metered story", Multiline: true},
	{Group: "Renewals", Key: settings.KeyNoticeDays, Label: "Days of notice before each automatic charge", Help: "The reader is emailed the amount and date, with a link to cancel, this many days ahead (1 to 14; at least a day, as Indian rules for recurring payments ask)."},
	{Key: settings.KeyGraceDays, Label: "Grace period in days", Help: "How long after the paid term a reader whose renewal was declined keeps reading while it is retried (0 to 60)."},
	{Key: settings.KeyRetryDays, Label: "Retry a declined renewal after these days", Help: "Days after the first declined attempt, such as 1,3,5: increasing, none past the grace period; empty for no retry."},
}

type templateVariable struct {
	Name    string
	Meaning string
}

type adminData struct {
	Fields    []settingField
	Variables []templateVariable
	Error     string
	Logo      string // the current logo, if any
}

func (s *Server) showAdmin(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	return s.renderAdmin(w, r, v, http.StatusOK, s.Settings.Get().Raw, "")
}

func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, v *viewer, status int, values map[string]string, message string) error {
	data := adminData{Error: message, Logo: s.Settings.Get().Logo}
	for _, f := range settingsForm() {
		f.Value = values[f.Key]
		data.Fields = append(data.Fields, f)
	}
	for name, meaning := range settings.Variables {
		data.Variables = append(data.Variables, templateVariable{name, meaning})
	}
	sort.Slice(data.Variables, func(i, j int) bool { return data.Variables[i].Name < data.Variables[j].Name })
	p := s.newPage(w, r, v, "Admin", data)
	return s.render(w, status, "admin", p)
}

func (s *Server) submitSettings(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	changes := map[string]string{}
	for _, f := range settingsForm() {
		if vals, sent := r.PostForm[f.Key]; sent && len(vals) > 0 {
			changes[f.Key] = strings.TrimSpace(vals[0])
		}
	}
	if err := s.Settings.Update(r.Context(), changes); err != nil {
		// Show the form again as submitted, so the editor can fix the one
		// value that was refused without retyping the rest.
		values := map[string]string{}
		for k, val := range s.Settings.Get().Raw {
			values[k] = val
		}
		for k, val := range changes {
			values[k] = val
		}
		return s.renderAdmin(w, r, v, http.StatusUnprocessableEntity, values, "Settings not saved: "+err.Error())
	}
	s.setNotice(w, noticeSaved)
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
	return nil
}

type outboxRow struct {
	mail.OutboxMessage
	Created string // in the publication's time zone
}

type outboxData struct {
	Messages []outboxRow
}

func (s *Server) showOutbox(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	msgs, err := s.Outbox.Messages(r.Context(), 50)
	if err != nil {
		return err
	}
	loc := s.Settings.Get().Location
	var data outboxData
	for _, m := range msgs {
		// A sign-in link or code read here would let the admin sign in as
		// the recipient: only the recipient's mailbox shows them.
		m.Body = accounts.HideSecrets(m.Body)
		data.Messages = append(data.Messages, outboxRow{m, m.CreatedAt.In(loc).Format("2 Jan 2006 15:04 MST")})
	}
	return s.render(w, http.StatusOK, "outbox", s.newPage(w, r, v, "Outbox", data))
}
