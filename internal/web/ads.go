package web

import (
	"html/template"
	"net/http"

	"broadsheet/internal/ads"
	"broadsheet/internal/offer"
)

// adFor returns slot's markup for reader v (nil: a visitor), from the
// current settings' ads, or nothing for a reader whose plan includes
// ad-free reading, and for an empty slot. A page that carries the markup
// is served with the policy that lets the allowed origins serve it; every
// other page keeps the site's own.
func adFor(w http.ResponseWriter, set *ads.Set, v *viewer, slot ads.Slot) template.HTML {
	if v != nil && v.Entitlements.Has(offer.AdFree) {
		return ""
	}
	h := set.HTML(slot)
	if h != "" {
		set.Allow(w.Header())
	}
	return h
}
