package web

import (
	"errors"
	"net/http"
	"strconv"

	"broadsheet/internal/accounts"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/newsroom"
)

// The newsroom's sections: listed in the masthead's order, added, renamed,
// moved up or down, and deleted while they hold no story.

type sectionsData struct {
	Sections []content.Section
	Name     string // the add form's name, kept when refused
	Slug     string
	Problem  string // why the last action was refused
	Invalid  *newsroom.InvalidError
}

func (s *Server) showSections(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	return s.renderSections(w, r, v, http.StatusOK, &sectionsData{})
}

func (s *Server) renderSections(w http.ResponseWriter, r *http.Request, v *viewer, status int, d *sectionsData) error {
	var err error
	if d.Sections, err = s.Newsroom.Sections(r.Context()); err != nil {
		return err
	}
	return s.render(w, status, "sections", s.newPage(w, r, v, "Sections", d))
}

// submitNewSection adds a section after the others.
func (s *Server) submitNewSection(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	name, slug := r.PostFormValue("name"), r.PostFormValue("slug")
	_, err = s.Newsroom.AddSection(r.Context(), name, slug)
	var invalid *newsroom.InvalidError
	if errors.As(err, &invalid) {
		return s.renderSections(w, r, v, http.StatusUnprocessableEntity, &sectionsData{Name: name, Slug: slug, Invalid: invalid})
	}
	return s.sectionsSaved(w, r, err)
}

// submitSection renames, moves or deletes a section, as do says.
func (s *Server) submitSection(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return notFound()
	}
	ctx := r.Context()
	switch r.PostFormValue("do") {
	case "rename":
		err = s.Newsroom.RenameSection(ctx, id, r.PostFormValue("name"))
	case "up", "down":
		by := -1
		if r.PostFormValue("do") == "down" {
			by = 1
		}
		var found bool
		if found, err = s.Newsroom.MoveSection(ctx, id, by); err == nil && !found {
			err = dberr.ErrNotFound
		}
	case "delete":
		err = s.Newsroom.DeleteSection(ctx, id)
	default:
		return badRequest("Say whether to rename, move or delete the section.")
	}
	var invalid *newsroom.InvalidError
	switch {
	case errors.As(err, &invalid):
		return s.renderSections(w, r, v, http.StatusUnprocessableEntity, &sectionsData{Invalid: invalid})
	case errors.Is(err, newsroom.ErrSectionHasStories):
		return s.renderSections(w, r, v, http.StatusConflict, &sectionsData{
			Problem: "The section was not deleted: it still holds stories, or a wire feed files into it, and a story must have a section. " +
				"File its stories in another section first (stories list, filtered by section), and its feeds (wire feeds), then delete it."})
	}
	return s.sectionsSaved(w, r, err)
}

// sectionsSaved answers a section's change that went through.
func (s *Server) sectionsSaved(w http.ResponseWriter, r *http.Request, err error) error {
	if errors.Is(err, dberr.ErrNotFound) {
		return notFound()
	}
	if err != nil {
		return err
	}
	s.setNotice(w, noticeSectionSaved)
	http.Redirect(w, r, "/admin/sections", http.StatusSeeOther)
	return nil
}
