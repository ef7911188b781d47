package web

import (
	"errors"
	"net/http"
	"strings"

	"broadsheet/internal/accounts"
)

// roleChoice is one role the staff forms offer. A reader's role is the
// empty name, which a form could not tell from a missing field, so the
// forms call it "none".
type roleChoice struct {
	Value    string
	Label    string
	Role     accounts.Role
	Selected bool
}

var roleChoices = []roleChoice{
	{Value: "admin", Label: "Administrator", Role: accounts.RoleAdmin},
	{Value: "editor", Label: "Editor", Role: accounts.RoleEditor},
	{Value: "none", Label: "None (reader)", Role: accounts.RoleReader},
}

// choicesFor returns the role choices with value selected.
func choicesFor(value string) []roleChoice {
	out := make([]roleChoice, len(roleChoices))
	for i, c := range roleChoices {
		c.Selected = c.Value == value
		out[i] = c
	}
	return out
}

func roleByValue(value string) (accounts.Role, bool) {
	for _, c := range roleChoices {
		if c.Value == value {
			return c.Role, true
		}
	}
	return "", false
}

type staffRow struct {
	Email   string
	Role    string // its label
	Since   string // in the publication's time zone
	Choices []roleChoice
}

type staffData struct {
	Staff []staffRow
	// The form giving a role, as submitted when it was refused.
	Email   string
	Choices []roleChoice
	Error   string
}

func (s *Server) showStaff(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	return s.renderStaff(w, r, v, http.StatusOK, "", "editor", "")
}

func (s *Server) renderStaff(w http.ResponseWriter, r *http.Request, v *viewer, status int, email, role, message string) error {
	staff, err := s.Accounts.Staff(r.Context())
	if err != nil {
		return err
	}
	loc := s.Settings.Get().Location
	data := staffData{Email: email, Choices: choicesFor(role), Error: message}
	for _, m := range staff {
		row := staffRow{Email: m.Email, Since: m.Since.In(loc).Format("2 Jan 2006 15:04 MST")}
		for _, c := range choicesFor(string(m.Role)) {
			if c.Selected {
				row.Role = c.Label
			}
			row.Choices = append(row.Choices, c)
		}
		data.Staff = append(data.Staff, row)
	}
	return s.render(w, status, "staff", s.newPage(w, r, v, "Staff", data))
}

// submitStaff gives an account a role, or takes it away. A refused change
// shows the page again with the reason and the form as submitted.
func (s *Server) submitStaff(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return badRequest("The form could not be read.")
	}
	email, value := strings.TrimSpace(r.PostForm.Get("email")), r.PostForm.Get("role")
	role, known := roleByValue(value)
	if !known {
		// The form comes back with editor chosen, never with the
		// first choice, administrator, which a careless resubmit would give.
		return s.renderStaff(w, r, v, http.StatusUnprocessableEntity, email, "editor",
			"No role changed: choose administrator, editor or none.")
	}
	err = s.Accounts.SetRole(r.Context(), v.Account, email, role)
	var bad *accounts.InputError
	switch {
	case errors.As(err, &bad), errors.Is(err, accounts.ErrNoAccount):
		return s.renderStaff(w, r, v, http.StatusUnprocessableEntity, email, value, "No role changed: "+readerMessage(err))
	case errors.Is(err, accounts.ErrLastAdmin):
		return s.renderStaff(w, r, v, http.StatusConflict, email, value, "No role changed: "+readerMessage(err))
	case errors.Is(err, accounts.ErrNotAdmin):
		// Demoted by another admin while this form was on its way.
		return &httpError{http.StatusForbidden, forbiddenFor(accounts.RoleAdmin)}
	case err != nil:
		return err
	}
	s.setNotice(w, noticeRoleChanged)
	next := "/admin/staff"
	if strings.EqualFold(email, v.Account.Email) && !role.IsAdmin() {
		next = "/" // an admin who stepped down may no longer open the page
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}
