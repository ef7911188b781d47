package media

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"strings"
	"testing"
)

// PNG returns a small real PNG image.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSaveKeepsRealImagesByTheirHash(t *testing.T) {
	ctx := context.Background()
	dir := Dir(t.TempDir())
	data := testPNG(t)
	img, err := Save(ctx, dir, data)
	if err != nil {
		t.Fatal(err)
	}
	if !ValidName(img.Name) || !strings.HasSuffix(img.Name, ".png") || img.Width != 3 || img.Height != 2 {
		t.Fatalf("saved as %+v", img)
	}
	again, err := Save(ctx, dir, data)
	if err != nil || again != img {
		t.Fatalf("the same bytes saved again as %+v (%v)", again, err)
	}
	f, err := dir.Open(ctx, img.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, _ := io.ReadAll(f); !bytes.Equal(got, data) {
		t.Error("the stored file differs from the upload")
	}
}

func TestSaveRefusesWhatIsNotAnImage(t *testing.T) {
	ctx := context.Background()
	dir := Dir(t.TempDir())
	good := testPNG(t)
	cases := map[string][]byte{
		"empty":                 nil,
		"svg":                   []byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="4"/></svg>`),
		"html":                  []byte("<!doctype html><script>alert(1)</script>"),
		"truncated png":         good[:20],
		"png header, html body": append([]byte("\x89PNG\r\n\x1a\n"), []byte("<script>alert(1)</script>")...),
		"too large":             append(good, make([]byte, MaxImageBytes)...),
	}
	for name, data := range cases {
		if img, err := Save(ctx, dir, data); !errors.Is(err, ErrNotImage) {
			t.Errorf("%s: saved as %+v (%v), want ErrNotImage", name, img, err)
		}
	}
}

func TestOpenRefusesNamesSaveDoesNotGive(t *testing.T) {
	dir := Dir(t.TempDir())
	for _, name := range []string{"../../etc/passwd", "/etc/passwd", ".upload-123", strings.Repeat("a", 64) + ".svg",
		strings.Repeat("A", 64) + ".png", strings.Repeat("a", 64) + ".png/../x"} {
		if _, err := dir.Open(context.Background(), name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open(%q) = %v, want not found", name, err)
		}
	}
}
