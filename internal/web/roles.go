package web

import (
	"net/http"

	"broadsheet/internal/accounts"
)

// requireRole lets through only accounts whose role includes role: a
// signed-out visitor is sent to sign in, a signed-in account without the
// role is refused with 403. Every staff page and action calls it first, so
// the server, not the page's links, decides who may act.
func (s *Server) requireRole(w http.ResponseWriter, r *http.Request, role accounts.Role) (*viewer, bool, error) {
	v, ok, err := s.requireAccount(w, r)
	if err != nil || !ok {
		return v, false, err
	}
	if !v.Account.Role.Includes(role) {
		return v, false, &httpError{http.StatusForbidden, forbiddenFor(role)}
	}
	return v, true, nil
}

func forbiddenFor(role accounts.Role) string {
	if role.IsAdmin() {
		return "Only administrators can open this page."
	}
	return "Only the publication's staff can open this page."
}
