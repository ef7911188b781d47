package web

import (
	"errors"
	"net/http"
	"strings"

	"broadsheet/internal/accounts"
	"broadsheet/internal/ads"
	"broadsheet/internal/audit"
)

// The admins' ad slots: each slot's markup and the third-party origins
// allowed to serve it, kept with the settings (internal/ads checks them).

type adSlotField struct {
	ads.SlotInfo
	Value string
}

type adsData struct {
	Slots   []adSlotField
	Origins string
	Error   string // why the last save was refused; nothing was changed
	Policy  string // a page with ads is served with this, when origins are allowed
}

func (s *Server) showAdsAdmin(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	return s.renderAdsAdmin(w, r, v, http.StatusOK, s.Settings.Get().Raw, "")
}

func (s *Server) renderAdsAdmin(w http.ResponseWriter, r *http.Request, v *viewer, status int, values map[string]string, message string) error {
	d := adsData{Origins: values[ads.KeyOrigins], Error: message}
	for _, info := range ads.Slots() {
		d.Slots = append(d.Slots, adSlotField{info, values[info.Key]})
	}
	if set := s.Settings.Get().Ads; len(set.Origins) > 0 {
		d.Policy = ads.Policy(set.Origins)
	}
	return s.render(w, status, "admin_ads", s.newPage(w, r, v, "Ads", d))
}

// submitAds saves every slot and the origins at once: the markup is
// checked against the origins sent with it, and a refusal changes
// nothing. A save is recorded in the audit log.
func (s *Server) submitAds(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	changes := map[string]string{ads.KeyOrigins: strings.TrimSpace(r.PostFormValue("origins"))}
	for _, info := range ads.Slots() {
		changes[info.Key] = strings.TrimSpace(r.PostFormValue(info.Name))
	}
	_, err = s.AdConsole.Save(r.Context(), v.Account.ID, changes)
	var bad *ads.InputError
	switch {
	case errors.As(err, &bad):
		return s.renderAdsAdmin(w, r, v, http.StatusUnprocessableEntity, changes, "Ads not saved: "+err.Error())
	case errors.Is(err, audit.ErrNotAdmin):
		// Demoted by another admin while this form was on its way.
		return &httpError{http.StatusForbidden, forbiddenFor(accounts.RoleAdmin)}
	case err != nil:
		return err
	}
	s.setNotice(w, noticeSaved)
	http.Redirect(w, r, "/admin/ads", http.StatusSeeOther)
	return nil
}
