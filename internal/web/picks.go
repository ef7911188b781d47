package web

import (
	"net/http"

	"broadsheet/internal/accounts"
)

// maxPicksShown bounds the picks list in the console: the home page shows
// the first few dozen.
const maxPicksShown = 100

type picksData struct {
	Picks []storyRow
}

// showPicks lists the editors' picks in their order, for arranging.
func (s *Server) showPicks(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	list, err := s.Newsroom.Picks(r.Context(), maxPicksShown)
	if err != nil {
		return err
	}
	data := picksData{Picks: s.storyRows(list)}
	return s.render(w, http.StatusOK, "picks", s.newPage(w, r, v, "Editors’ picks", data))
}

// submitPick moves a pick up or down, or takes it off the list.
func (s *Server) submitPick(w http.ResponseWriter, r *http.Request) error {
	v, a, err := s.editorsStory(w, r)
	if err != nil || a == nil {
		return err
	}
	switch r.PostFormValue("do") {
	case "up", "down":
		by := -1
		if r.PostFormValue("do") == "down" {
			by = 1
		}
		if _, err := s.Newsroom.MovePick(r.Context(), a.ID, by); err != nil {
			return err
		}
	case "remove":
		if err := s.Newsroom.Unpick(r.Context(), v.AccountID, a.ID); err != nil {
			return err
		}
	default:
		return badRequest("Say whether to move the pick up or down, or to remove it.")
	}
	http.Redirect(w, r, "/admin/picks", http.StatusSeeOther)
	return nil
}
