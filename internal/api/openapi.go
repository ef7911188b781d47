package api

import (
	_ "embed"
	"net/http"
)

// openAPI describes every route of the API for app and tool authors. It
// is kept by hand beside the handlers; a test checks that it names every
// route the mux serves.
//
//go:embed openapi.json
var openAPI []byte

func (s *Server) showOpenAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(openAPI) // a failed write means the client went away
	return nil
}
