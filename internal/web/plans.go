package web

import (
	"errors"
	"net/http"
	"strconv"

	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
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
	data := plansAdminData{New: planValues{Active: true, Term: "12"}, MaxTerm: billing.MaxTermMonths}
	if refused != nil && refused.id == 0 {
		data.New, data.NewError = refused.values, refused.message
	}
	for _, p := range plans {
		row := planRow{PlanUse: p, Form: planValuesOf(p.Plan)}
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
	s.setNotice(w, noticePlanDeleted)
	http.Redirect(w, r, "/admin/plans", http.StatusSeeOther)
	return nil
}
