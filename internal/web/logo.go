package web

import (
	"errors"
	"net/http"

	"broadsheet/internal/accounts"
	"broadsheet/internal/media"
	"broadsheet/internal/settings"
)

// submitLogo sets the publication's logo from an uploaded image, shown in
// the masthead in place of its name, or removes it.
func (s *Server) submitLogo(w http.ResponseWriter, r *http.Request) error {
	v, ok, err := s.requireRole(w, r, accounts.RoleAdmin)
	if err != nil || !ok {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxStoryForm)
	if err := r.ParseMultipartForm(maxStoryForm); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return badRequest("The form could not be read.")
	}
	logo := ""
	if r.PostFormValue("remove") == "" {
		data, err := uploadedFile(r, "logo")
		if err != nil || len(data) == 0 {
			return s.renderAdmin(w, r, v, http.StatusUnprocessableEntity, s.Settings.Get().Raw, "Choose an image file for the logo.")
		}
		img, err := s.Newsroom.SaveImage(r.Context(), data)
		if errors.Is(err, media.ErrNotImage) {
			return s.renderAdmin(w, r, v, http.StatusUnprocessableEntity, s.Settings.Get().Raw, "The logo: "+err.Error()+".")
		}
		if err != nil {
			return err
		}
		logo = img.Name
	}
	if err := s.Settings.Update(r.Context(), map[string]string{settings.KeyLogo: logo}); err != nil {
		return err
	}
	s.setNotice(w, noticeSaved)
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
	return nil
}
