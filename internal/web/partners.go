package web

import (
	"errors"
	"net/http"
	"strconv"

	"broadsheet/internal/accounts"
	"broadsheet/internal/partner"
)

// Partners' offers: the admins' page (/admin/partners), where offers are
// added and edited and their codes imported, and the reader's claim from
// the account page.

type partnerRow struct {
	partner.Offer
	Plans []string // the plans that include it
	// Form is the offer's form as shown: the offer's own values, or what
	// the admin submitted when it was refused, with the reason.
	Form  partnerForm
	Error string
}

type partnerForm struct {
	Name, Description, RedemptionURL, LowStock string
}

type partnersData struct {
	Offers   []partnerRow
	New      partnerForm
	NewError string
	Plans    []planChoice // for a new offer
}

// planChoice is a plan a new offer may be included in.
type planChoice struct {
	ID      int64
	Name    string
	Checked bool
}

// partnerRefusal is a form refused: the offer's (id) or the new one's (0).
type partnerRefusal struct {
	id      int64
	form    partnerForm
	message string
}

func (s *Server) showPartners(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	return s.renderPartners(w, r, v, http.StatusOK, nil)
}

func (s *Server) renderPartners(w http.ResponseWriter, r *http.Request, v *viewer, status int, refused *partnerRefusal) error {
	ctx := r.Context()
	offers, err := s.Partners.Offers(ctx)
	if err != nil {
		return err
	}
	snap, err := s.Offer.Current(ctx)
	if err != nil {
		return err
	}
	d := partnersData{New: partnerForm{LowStock: "10"}}
	for _, p := range snap.Plans() {
		if p.Active {
			d.Plans = append(d.Plans, planChoice{ID: p.ID, Name: p.Name, Checked: true})
		}
	}
	if refused != nil && refused.id == 0 {
		d.New, d.NewError = refused.form, refused.message
	}
	for _, o := range offers {
		row := partnerRow{Offer: o, Form: partnerForm{o.Name, o.Description, o.RedemptionURL, strconv.Itoa(o.LowStock)}}
		for _, p := range snap.Plans() {
			if snap.Grants(p.ID).Includes(o.ID) {
				row.Plans = append(row.Plans, p.Name)
			}
		}
		if refused != nil && refused.id == o.ID {
			row.Error = refused.message
			if refused.form != (partnerForm{}) {
				row.Form = refused.form
			}
		}
		d.Offers = append(d.Offers, row)
	}
	return s.render(w, status, "admin_partners", s.newPage(w, r, v, "Partner offers", d))
}

func partnerFormFrom(r *http.Request) partnerForm {
	return partnerForm{
		Name: r.PostForm.Get("name"), Description: r.PostForm.Get("description"),
		RedemptionURL: r.PostForm.Get("url"), LowStock: r.PostForm.Get("low_stock"),
	}
}

func (f partnerForm) form() partner.Form {
	return partner.Form{Name: f.Name, Description: f.Description, RedemptionURL: f.RedemptionURL, LowStock: f.LowStock}
}

// submitNewPartner adds an offer, included in the plans ticked.
func (s *Server) submitNewPartner(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	f := partnerFormFrom(r)
	pf := f.form()
	for _, raw := range r.PostForm["plan"] {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return s.renderPartners(w, r, v, http.StatusUnprocessableEntity, &partnerRefusal{0, f, "Offer not added: the form named a plan that is not one."})
		}
		pf.Plans = append(pf.Plans, id)
	}
	_, err = s.Partners.Create(r.Context(), pf)
	var bad *partner.InputError
	if errors.As(err, &bad) {
		return s.renderPartners(w, r, v, http.StatusUnprocessableEntity, &partnerRefusal{0, f, "Offer not added: " + bad.Message})
	}
	if err != nil {
		return err
	}
	s.setNotice(w, noticePartnerSaved)
	http.Redirect(w, r, "/admin/partners", http.StatusSeeOther)
	return nil
}

// submitPartner saves an offer's name, description, address and threshold.
func (s *Server) submitPartner(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	f := partnerFormFrom(r)
	err = s.Partners.Edit(r.Context(), id, f.form())
	var bad *partner.InputError
	switch {
	case errors.As(err, &bad):
		return s.renderPartners(w, r, v, http.StatusUnprocessableEntity, &partnerRefusal{id, f, "Offer not saved: " + bad.Message})
	case errors.Is(err, partner.ErrNoOffer):
		return notFound()
	case err != nil:
		return err
	}
	s.setNotice(w, noticePartnerSaved)
	http.Redirect(w, r, "/admin/partners", http.StatusSeeOther)
	return nil
}

// submitPartnerCodes imports a CSV file of an offer's codes: all of them,
// or none and every bad line named.
func (s *Server) submitPartnerCodes(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxStoryForm)
	if err := r.ParseMultipartForm(maxStoryForm); err != nil {
		return badRequest("The form could not be read: send the codes as a file.")
	}
	data, err := uploadedFile(r, "codes")
	if err != nil {
		return err
	}
	_, err = s.Partners.Import(r.Context(), id, data)
	var bad *partner.ImportError
	switch {
	case errors.As(err, &bad):
		return s.renderPartners(w, r, v, http.StatusUnprocessableEntity, &partnerRefusal{id: id, message: "Codes not imported: " + bad.Error()})
	case errors.Is(err, partner.ErrNoOffer):
		return notFound()
	case err != nil:
		return err
	}
	s.setNotice(w, noticeCodesImported)
	http.Redirect(w, r, "/admin/partners", http.StatusSeeOther)
	return nil
}

// submitClaimPartner gives the signed-in reader a code of the offer, if
// their plan includes it: the one they claimed before, or a new one. A
// reader whose plan does not is refused (403) and nothing changes; one
// for whom none is left is told so (409).
func (s *Server) submitClaimPartner(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return err
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	_, err = s.Partners.Claim(r.Context(), v.Account.ID, id)
	switch {
	case errors.Is(err, partner.ErrNoOffer):
		return notFound()
	case errors.Is(err, partner.ErrNotIncluded):
		return s.renderAccount(w, r, v, http.StatusForbidden, readerMessage(err))
	case errors.Is(err, partner.ErrNoneLeft):
		return s.renderAccount(w, r, v, http.StatusConflict, readerMessage(err))
	case err != nil:
		return err
	}
	s.setNotice(w, noticeCodeClaimed)
	http.Redirect(w, r, "/account#partner-offers", http.StatusSeeOther)
	return nil
}
