package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
	"broadsheet/internal/content"
)

// postWithFile submits a form with a file, as a browser's multipart form.
func postWithFile(t *testing.T, b *apptest.Browser, path string, form url.Values, field, filename string, data []byte) apptest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return b.Do(http.MethodPost, path, &body, http.Header{
		"Content-Type": {mw.FormDataContentType()}, "Sec-Fetch-Site": {"same-origin"},
	})
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var mediaSrc = regexp.MustCompile(`src="(/media/[0-9a-f]{64}\.png)"`)

func TestStoryLeadImage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		editor := signedIn(t, site, "editor")
		data := pngOf(t, 40, 30)
		resp := postWithFile(t, editor, "/admin/articles", storyFields("access", "free",
			"image_caption", "Sluice gates open at the dam", "image_credit", "Photo: Staff"), "image", "dam.png", data)
		if resp.Status != http.StatusOK || !strings.Contains(resp.Body, "Story saved.") {
			t.Fatalf("save with an image: status %d", resp.Status)
		}
		site.RunJobs()
		page := site.NewBrowser().Get("/article/monsoon-lifts-kharif-sowing-to-a-record")
		m := mediaSrc.FindStringSubmatch(page.Body)
		if m == nil || !strings.Contains(page.Body, `width="40" height="30"`) || !strings.Contains(page.Body, "Sluice gates open at the dam") ||
			!strings.Contains(page.Body, "Photo: Staff") || !strings.Contains(page.Body, `property="og:image"`) {
			t.Fatalf("the story page lacks its image, size, caption, credit or og:image")
		}
		img := site.NewBrowser().Get(m[1])
		if img.Status != http.StatusOK || img.Body != string(data) || img.Header.Get("Content-Type") != "image/png" ||
			!strings.Contains(img.Header.Get("Cache-Control"), "immutable") || img.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: status %d, type %q, cache %q, nosniff %q", m[1], img.Status, img.Header.Get("Content-Type"),
				img.Header.Get("Cache-Control"), img.Header.Get("X-Content-Type-Options"))
		}

		// Editing the text keeps the image; removing it removes it.
		id := strings.TrimPrefix(resp.URL[strings.Index(resp.URL, "/admin/"):], "/admin/articles/")
		a := storyByIDString(t, site, id)
		editor.Post("/admin/articles/"+id, storyFields("access", "free", "headline", "Edited headline",
			"image_caption", "Sluice gates open at the dam", "image_credit", "Photo: Staff", "revision", strconv.Itoa(a.Revision)))
		if got := storyByIDString(t, site, id); got.Image != a.Image {
			t.Errorf("an edit without a new image changed it from %+v to %+v", a.Image, got.Image)
		}
		editor.Post("/admin/articles/"+id, storyFields("access", "free", "remove_image", "1", "revision", strconv.Itoa(a.Revision+1)))
		if got := storyByIDString(t, site, id); got.Image.Name != "" {
			t.Errorf("the image was not removed: %+v", got.Image)
		}
	})
}

func TestStoryImageUploadRefusesWhatIsNotAnImage(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		ctx := context.Background()
		editor := signedIn(t, site, "editor")
		before, _ := site.App.Store.CountArticles(ctx)
		for name, data := range map[string][]byte{
			"evil.svg":  []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`),
			"page.png":  []byte("<!doctype html><script>alert(1)</script>"),
			"trunc.png": pngOf(t, 10, 10)[:30],
		} {
			resp := postWithFile(t, editor, "/admin/articles", storyFields(), "image", name, data)
			if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, `data-field="image"`) {
				t.Errorf("%s: status %d, want 422 naming the image", name, resp.Status)
			}
		}
		huge := append(pngOf(t, 10, 10), make([]byte, 10<<20)...)
		if resp := postWithFile(t, editor, "/admin/articles", storyFields(), "image", "huge.png", huge); resp.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("a 10 MB upload: status %d, want 413", resp.Status)
		}
		if after, _ := site.App.Store.CountArticles(ctx); after != before {
			t.Errorf("refused uploads saved %d stories", after-before)
		}
		for _, path := range []string{"/media/../../etc/passwd", "/media/" + strings.Repeat("a", 64) + ".png", "/media/x.svg"} {
			if resp := site.NewBrowser().Get(path); resp.Status != http.StatusNotFound {
				t.Errorf("GET %s: status %d, want 404", path, resp.Status)
			}
		}
		if reader := signedIn(t, site, "registered reader"); postWithFile(t, reader, "/admin/articles", storyFields(), "image", "a.png", pngOf(t, 2, 2)).Status != http.StatusForbidden {
			t.Error("a reader's upload was not refused")
		}
	})
}

func storyByIDString(t *testing.T, site *apptest.Site, id string) *content.Article {
	t.Helper()
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatalf("story id %q: %v", id, err)
	}
	return storyByID(t, site, n)
}
