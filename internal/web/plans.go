package web

import (
	"errors"
	"net/http"
	"strconv"

	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
	"broadsheet/internal/offer"
)

// planValues are a plan form's fields as shown: the plan's own, or what an
// admin submitted when it was refused.
type planValues struct {
	Name   string
	Code   string
	Price  string
	Term   string
	Active bool
}

func planValuesOf(p billing.Plan) planValues {
	return planValues{Name: p.Name, Code: p.Code, Price: p.Price.Plain(), Term: strconv.Itoa(p.TermMonths), Active: p.Active}
}

func planValuesFrom(r *http.Request) planValues {
	return planValues{
		Name: r.PostForm.Get("name"), Code: r.PostForm.Get("code"), Price: r.PostForm.Get("price"),
		Term: r.PostForm.Get("term"), Active: r.PostForm.Get("active") != "",
	}
}

func (v planValues) form() billing.PlanForm {
	return billing.PlanForm{Name: v.Name, Code: v.Code, Price: v.Price, Term: v.Term, Active: v.Active}
}

type planRow struct {
	*billing.PlanUse
	Form  planValues
	Error string // why its form was refused
	// Includes is every benefit, ticked where the plan includes it.
	Includes []includedBenefit
}

// includedBenefit is one checkbox of a plan's benefits form.
type includedBenefit struct {
	ID       int64
	Title    string
	Kind     string
	Included bool
}

type plansAdminData struct {
	Plans    []planRow
	New      planValues
	NewError string
	MaxTerm  int
}

// plansRefusal is a plan form shown again with the reason it was refused:
// the plan's (id), or the new plan's (id 0), with the values submitted
// (none: the plan's own).
type plansRefusal struct {
	id      int64
	values  planValues
	message string
}

func (s *Server) showPlansAdmin(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	return s.renderPlansAdmin(w, r, v, http.StatusOK, nil)
}

func (s *Server) renderPlansAdmin(w http.ResponseWriter, r *http.Request, v *viewer, status int, refused *plansRefusal) error {
	plans, err := s.Billing.AllPlans(r.Context())
	if err != nil {
		return err
	}
	snap, err := s.Offer.Current(r.Context())
	if err != nil {
		return err
	}
	data := plansAdminData{New: planValues{Active: true, Term: "12"}, MaxTerm: billing.MaxTermMonths}
	if refused != nil && refused.id == 0 {
		data.New, data.NewError = refused.values, refused.message
	}
	for _, p := range plans {
		row := planRow{PlanUse: p, Form: planValuesOf(p.Plan)}
		grants := snap.Grants(p.ID)
		for _, b := range snap.Benefits() {
			row.Includes = append(row.Includes, includedBenefit{ID: b.ID, Title: b.Title, Kind: b.Kind.Label(), Included: grants.Includes(b.ID)})
		}
		if refused != nil && refused.id == p.ID {
			row.Error = refused.message
			if refused.values != (planValues{}) {
				row.Form = refused.values
			}
		}
		data.Plans = append(data.Plans, row)
	}
	return s.render(w, status, "admin_plans", s.newPage(w, r, v, "Plans", data))
}

// submitNewPlan adds a plan.
func (s *Server) submitNewPlan(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	values := planValuesFrom(r)
	_, err = s.Billing.AddPlan(r.Context(), values.form())
	var bad *billing.PlanError
	switch {
	case errors.As(err, &bad):
		return s.renderPlansAdmin(w, r, v, http.StatusUnprocessableEntity, &plansRefusal{0, values, "Plan not added: " + bad.Message})
	case err != nil:
		return err
	}
	// The new plan includes the benefits a new plan does: the gates know
	// it from now on.
	if err := s.Offer.Reload(r.Context()); err != nil {
		return err
	}
	s.setNotice(w, noticePlanAdded)
	http.Redirect(w, r, "/admin/plans", http.StatusSeeOther)
	return nil
}

// submitPlan changes a plan's name, price, term and whether it is on offer.
func (s *Server) submitPlan(w http.ResponseWriter, r *http.Request) error {
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
	values := planValuesFrom(r)
	_, err = s.Billing.EditPlan(r.Context(), id, values.form())
	var bad *billing.PlanError
	switch {
	case errors.As(err, &bad):
		return s.renderPlansAdmin(w, r, v, http.StatusUnprocessableEntity, &plansRefusal{id, values, "Plan not saved: " + bad.Message})
	case errors.Is(err, billing.ErrTermFixed):
		return s.renderPlansAdmin(w, r, v, http.StatusConflict, &plansRefusal{id, values, "Plan not saved: " + readerMessage(err)})
	case errors.Is(err, billing.ErrUnknownPlan):
		return notFound()
	case err != nil:
		return err
	}
	// Its name, and whether it is on offer, show with its benefits.
	if err := s.Offer.Reload(r.Context()); err != nil {
		return err
	}
	s.setNotice(w, noticePlanSaved)
	http.Redirect(w, r, "/admin/plans", http.StatusSeeOther)
	return nil
}

// submitDeletePlan deletes a plan nobody bought; the database refuses
// any other, and the page says why.
func (s *Server) submitDeletePlan(w http.ResponseWriter, r *http.Request) error {
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
	err = s.Billing.DeletePlan(r.Context(), id, r.PostForm.Get("code"))
	switch {
	case errors.Is(err, billing.ErrPlanInUse):
		// Its form shows the plan as it is.
		return s.renderPlansAdmin(w, r, v, http.StatusConflict, &plansRefusal{id, planValues{}, "Plan not deleted: " + readerMessage(err)})
	case errors.Is(err, billing.ErrUnknownPlan):
		return notFound()
	case err != nil:
		return err
	}
	if err := s.Offer.Reload(r.Context()); err != nil {
		return err
	}
	s.setNotice(w, noticePlanDeleted)
	http.Redirect(w, r, "/admin/plans", http.StatusSeeOther)
	return nil
}

// submitPlanBenefits sets what a plan includes: the benefits ticked, and
// no other. Its subscribers have them, or lose them, from their next page.
func (s *Server) submitPlanBenefits(w http.ResponseWriter, r *http.Request) error {
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
	var ids []int64
	for _, raw := range r.PostForm["benefit"] {
		b, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || b <= 0 {
			return s.renderPlansAdmin(w, r, v, http.StatusUnprocessableEntity, &plansRefusal{id, planValues{},
				"Benefits not saved: the form named a benefit that is not one. Nothing was changed."})
		}
		ids = append(ids, b)
	}
	err = s.Offer.SetPlanBenefits(r.Context(), id, ids)
	switch {
	case errors.Is(err, offer.ErrNoPlan):
		return notFound()
	case errors.Is(err, offer.ErrNoBenefit):
		return s.renderPlansAdmin(w, r, v, http.StatusUnprocessableEntity, &plansRefusal{id, planValues{},
			"Benefits not saved: a benefit ticked was deleted meanwhile. Nothing was changed: tick them again."})
	case err != nil:
		return err
	}
	s.setNotice(w, noticePlanBenefitsSaved)
	http.Redirect(w, r, "/admin/plans", http.StatusSeeOther)
	return nil
}
