package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"broadsheet/internal/accounts"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/newsroom"
)

// The newsroom's authors: created from bylines as stories are saved,
// listed here, and given a name, bio and photo by editors and admins.

// authorsPage is how many authors the console lists at a time.
const authorsPage = 100

type authorsData struct {
	Authors []content.Author
	Next    string // the next page's address, or ""
}

func (s *Server) showAuthors(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	list, err := s.Newsroom.Authors(r.Context(), r.URL.Query().Get("after"), authorsPage+1)
	if err != nil {
		return err
	}
	data := authorsData{Authors: list}
	if len(list) > authorsPage {
		data.Authors = list[:authorsPage]
		data.Next = "/admin/authors?" + url.Values{"after": {data.Authors[authorsPage-1].Slug}}.Encode()
	}
	return s.render(w, http.StatusOK, "authors", s.newPage(w, r, v, "Authors", data))
}

type authorForm struct {
	Author  *content.Author // as stored
	Name    string
	Bio     string
	Invalid *newsroom.InvalidError
}

func (s *Server) showAuthorEdit(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	au, err := s.authorByPath(r)
	if err != nil {
		return err
	}
	f := &authorForm{Author: au, Name: au.Name, Bio: au.Bio}
	return s.render(w, http.StatusOK, "author_edit", s.newPage(w, r, v, au.Name, f))
}

// authorByPath returns the author the path's {id} names, or 404.
func (s *Server) authorByPath(r *http.Request) (*content.Author, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return nil, notFound()
	}
	au, err := s.Newsroom.Author(r.Context(), id)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, notFound()
	}
	return au, err
}

// submitAuthor saves an author's profile, sent with a photo or not.
func (s *Server) submitAuthor(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleEditor)
	if err != nil || !ok {
		return err
	}
	au, err := s.authorByPath(r)
	if err != nil {
		return err
	}
	if err := readUploadForm(w, r, "profile"); err != nil {
		return err
	}
	f := r.PostForm.Get
	e := newsroom.AuthorEdit{Name: f("name"), Bio: f("bio"), RemovePhoto: f("remove_photo") != ""}
	if e.Photo, err = uploadedFile(r, "photo"); err != nil {
		return badRequest("The photo could not be read.")
	}
	_, err = s.Newsroom.SaveAuthor(r.Context(), au.ID, e)
	var invalid *newsroom.InvalidError
	if errors.As(err, &invalid) {
		form := &authorForm{Author: au, Name: e.Name, Bio: e.Bio, Invalid: invalid}
		return s.render(w, http.StatusUnprocessableEntity, "author_edit", s.newPage(w, r, v, au.Name, form))
	}
	if err != nil {
		return err
	}
	s.setNotice(w, noticeAuthorSaved)
	http.Redirect(w, r, "/admin/authors/"+strconv.FormatInt(au.ID, 10), http.StatusSeeOther)
	return nil
}
