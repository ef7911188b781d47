package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// The OpenAPI description parses, names every path and method the mux
// serves and no other, and each of its references leads somewhere: a
// route added without its description fails here.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	routed := map[string]bool{} // "GET /api/v1/me"
	for _, rt := range (&Server{}).routes() {
		for method := range rt.methods {
			routed[method+" "+rt.path] = true
			if _, ok := doc.Paths[rt.path][strings.ToLower(method)]; !ok {
				t.Errorf("openapi.json does not describe %s %s", method, rt.path)
			}
		}
	}
	httpMethods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	for path, ops := range doc.Paths {
		for key := range ops {
			if slices.Contains(httpMethods, key) && !routed[strings.ToUpper(key)+" "+path] {
				t.Errorf("openapi.json describes %s %s, which the API does not serve", strings.ToUpper(key), path)
			}
		}
	}

	var whole any
	json.Unmarshal(openAPI, &whole)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && resolve(whole, ref) == nil {
				t.Errorf("$ref %s leads nowhere", ref)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(whole)
}

// resolve follows a local JSON pointer such as #/components/schemas/Story.
func resolve(doc any, ref string) any {
	at, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	for _, key := range strings.Split(at, "/") {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		doc = m[key]
	}
	return doc
}

// The description is served as JSON to anyone.
func TestOpenAPIIsServed(t *testing.T) {
	rec := httptest.NewRecorder()
	(&Server{}).Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/json" || !bytes.Equal(body, openAPI) {
		t.Errorf("status %d, Content-Type %q, %d bytes of %d", rec.Code, rec.Header().Get("Content-Type"), len(body), len(openAPI))
	}
}
