package web

import (
	"errors"
	"net/http"
	"sort"
	"strconv"

	"broadsheet/internal/accounts"
	"broadsheet/internal/offer"
)

type benefitRow struct {
	offer.Benefit
	First, Last bool
	Error       string // why its form was refused
	KindLabel   string
	Builtin     bool     // gates ask about it: it is not deleted
	Plans       []string // the plans that include it
}

type benefitsData struct {
	Benefits  []benefitRow
	New       offer.Benefit
	NewError  string
	Variables []templateVariable
	MaxTitle  int
	MaxBody   int
}

// benefitRefusal is a benefit form shown again with the reason: the
// benefit's (id), or the new one's (id 0), as submitted.
type benefitRefusal struct {
	id          int64
	title, body string
	message     string
}

func (s *Server) showBenefitsAdmin(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	return s.renderBenefitsAdmin(w, r, v, http.StatusOK, nil)
}

func (s *Server) renderBenefitsAdmin(w http.ResponseWriter, r *http.Request, v *viewer, status int, refused *benefitRefusal) error {
	snap, err := s.Offer.Current(r.Context())
	if err != nil {
		return err
	}
	list := snap.Benefits()
	data := benefitsData{MaxTitle: offer.MaxTitle, MaxBody: offer.MaxBody}
	for name, meaning := range offer.Variables {
		data.Variables = append(data.Variables, templateVariable{name, meaning})
	}
	sort.Slice(data.Variables, func(i, j int) bool { return data.Variables[i].Name < data.Variables[j].Name })
	if refused != nil && refused.id == 0 {
		data.New, data.NewError = offer.Benefit{Title: refused.title, Body: refused.body}, refused.message
	}
	for i, b := range list {
		row := benefitRow{Benefit: b, First: i == 0, Last: i == len(list)-1, KindLabel: b.Kind.Label(), Builtin: b.Kind.Builtin()}
		for _, p := range snap.Plans() {
			if snap.Grants(p.ID).Includes(b.ID) {
				row.Plans = append(row.Plans, p.Name)
			}
		}
		if refused != nil && refused.id == b.ID {
			row.Title, row.Body, row.Error = refused.title, refused.body, refused.message
		}
		data.Benefits = append(data.Benefits, row)
	}
	return s.render(w, status, "admin_benefits", s.newPage(w, r, v, "Benefits", data))
}

// benefitForm checks the role and reads a benefit form; id is 0 for the
// form adding one.
func (s *Server) benefitForm(w http.ResponseWriter, r *http.Request, withID bool) (v *viewer, id int64, ok bool, err error) {
	v, ok, err = s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return v, 0, false, err
	}
	if withID {
		if id, err = pathID(r); err != nil {
			return v, 0, false, err
		}
	}
	if err := r.ParseForm(); err != nil {
		return v, 0, false, badRequest("The form could not be read.")
	}
	return v, id, true, nil
}

// benefitDone answers a benefit form: back to the list with a notice, or
// the list again with the reason the form was refused.
func (s *Server) benefitDone(w http.ResponseWriter, r *http.Request, v *viewer, id int64, err error, notice string) error {
	var bad *offer.InputError
	switch {
	case errors.As(err, &bad):
		return s.renderBenefitsAdmin(w, r, v, http.StatusUnprocessableEntity, &benefitRefusal{
			id: id, title: r.PostForm.Get("title"), body: r.PostForm.Get("body"), message: "Benefit not saved: " + bad.Message,
		})
	case errors.Is(err, offer.ErrNoBenefit):
		return notFound()
	case errors.Is(err, offer.ErrBuiltin), errors.Is(err, offer.ErrPartnerOffer), errors.Is(err, offer.ErrGatesNewsletter):
		return s.renderBenefitsAdmin(w, r, v, http.StatusConflict, &benefitRefusal{
			id: id, title: r.PostForm.Get("title"), body: r.PostForm.Get("body"), message: "Benefit not deleted: " + readerMessage(err),
		})
	case err != nil:
		return err
	}
	// The box under stories names the benefits that open lists.
	if err := s.RefreshNewsletters(r.Context()); err != nil {
		return err
	}
	s.setNotice(w, notice)
	http.Redirect(w, r, "/admin/benefits", http.StatusSeeOther)
	return nil
}

func (s *Server) submitNewBenefit(w http.ResponseWriter, r *http.Request) error {
	v, _, ok, err := s.benefitForm(w, r, false)
	if err != nil || !ok {
		return err
	}
	kind := offer.Info
	if r.PostForm.Get("kind") == string(offer.Newsletters) {
		kind = offer.Newsletters
	}
	err = s.Offer.Add(r.Context(), kind, r.PostForm.Get("title"), r.PostForm.Get("body"))
	return s.benefitDone(w, r, v, 0, err, noticeBenefitAdded)
}

func (s *Server) submitBenefit(w http.ResponseWriter, r *http.Request) error {
	v, id, ok, err := s.benefitForm(w, r, true)
	if err != nil || !ok {
		return err
	}
	err = s.Offer.Edit(r.Context(), id, r.PostForm.Get("title"), r.PostForm.Get("body"))
	return s.benefitDone(w, r, v, id, err, noticeBenefitSaved)
}

func (s *Server) submitDeleteBenefit(w http.ResponseWriter, r *http.Request) error {
	v, id, ok, err := s.benefitForm(w, r, true)
	if err != nil || !ok {
		return err
	}
	return s.benefitDone(w, r, v, id, s.Offer.Delete(r.Context(), id), noticeBenefitDeleted)
}

func (s *Server) submitMoveBenefit(w http.ResponseWriter, r *http.Request) error {
	v, id, ok, err := s.benefitForm(w, r, true)
	if err != nil || !ok {
		return err
	}
	var up bool
	switch r.PostForm.Get("direction") {
	case "up":
		up = true
	case "down":
	default:
		return &httpError{http.StatusUnprocessableEntity, "Move a benefit up or down."}
	}
	return s.benefitDone(w, r, v, id, s.Offer.Move(r.Context(), id, up), noticeBenefitMoved)
}

// pathID reads the {id} of a path; a malformed one is no page.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, notFound()
	}
	return id, nil
}
