package wire_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"broadsheet/internal/media"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
	"broadsheet/internal/wire"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{10, 20, 30, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gifOf(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White}), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// serveImages answers the pictures of the tests below: real ones, and
// the hostile answers an agency's picture server might give.
func (w *world) serveImages() {
	t := w.t
	photo, inline := pngOf(t, 4, 3), gifOf(t)
	one := func(ct string, body []byte) http.HandlerFunc {
		return func(rw http.ResponseWriter, r *http.Request) {
			rw.Header().Set("Content-Type", ct)
			rw.Write(body)
		}
	}
	w.feeds.handle("/img/photo.png", one("image/png", photo))
	w.feeds.handle("/img/inline.gif", one("image/gif", inline))
	// A web page that says it is a PNG, and one that says what it is.
	w.feeds.handle("/img/page.png", one("image/png", []byte("<!doctype html><script>alert(1)</script><p>Not a picture</p>")))
	w.feeds.handle("/img/page.html", one("text/html", []byte("<!doctype html><p>Not a picture</p>")))
	// An image header with a script after it.
	w.feeds.handle("/img/polyglot.png", one("image/png", append([]byte("\x89PNG\r\n\x1a\n"), "<script>alert(1)</script>"...)))
	// More than media.MaxImageBytes: said so, and sent without a length.
	big := append(pngOf(t, 2, 2), make([]byte, media.MaxImageBytes)...)
	w.feeds.handle("/img/big.png", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "image/png")
		rw.Header().Set("Content-Length", strconv.Itoa(len(big)))
		rw.Write(big)
	})
	w.feeds.handle("/img/endless.png", func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "image/png")
		chunk := make([]byte, 64<<10)
		for range (media.MaxImageBytes / len(chunk)) * 4 {
			if _, err := rw.Write(chunk); err != nil {
				return
			}
			rw.(http.Flusher).Flush()
		}
	})
	w.feeds.handle("/img/gone.png", func(rw http.ResponseWriter, r *http.Request) { http.NotFound(rw, r) })
}

// rssItem is an RSS item with a picture as media:content, an enclosure,
// or none, and an HTML body.
func rssItem(guid, title, media, enclosure, body string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<item><guid>%s</guid><title>%s</title><description><![CDATA[%s]]></description>", guid, title, body)
	if media != "" {
		fmt.Fprintf(&b, `<media:content url="%s" medium="image" type="image/png"><media:title>The trading floor</media:title><media:credit>GWS Photo</media:credit></media:content>`, media)
	}
	if enclosure != "" {
		fmt.Fprintf(&b, `<enclosure url="%s" length="1000" type="image/png"/>`, enclosure)
	}
	b.WriteString("</item>")
	return b.String()
}

func rssFeed(items ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Global Wire</title>` +
		strings.Join(items, "") + `</channel></rss>`
}

// An item's pictures are fetched once and served from the site's own
// media store: its media:content becomes the story's lead image, with its
// caption and credit, and the images of its text point at the stored
// copies. A picture that is not an image (a web page, whatever type it
// claims; an image header before a script), is too large (said or not),
// is gone or is on a refused address is left out, and the item is a story
// all the same. No story names the picture server.
func TestItemPicturesAreStoredNotHotLinked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		w.serveImages()
		img := func(path string) string { return w.feeds.URL + "/img/" + path }
		w.feeds.serve("/rss", "application/rss+xml", rssFeed(
			rssItem("urn:1", "Markets rally", img("photo.png"), "",
				`<p>Stocks rose.</p><p><img src="`+img("photo.png")+`" alt="Floor"> <img src="`+img("inline.gif")+`" srcset="`+img("inline.gif")+` 2x"></p>`),
			rssItem("urn:2", "Page as picture", "", img("page.png"), `<p>Two.</p><p><img src="`+img("page.html")+`"></p>`),
			rssItem("urn:3", "Oversized picture", img("big.png"), "", `<p>Three.</p><p><img src="`+img("endless.png")+`"></p>`),
			rssItem("urn:4", "Polyglot picture", "", img("polyglot.png"), `<p>Four.</p><p><img src="`+img("gone.png")+`"></p>`),
			rssItem("urn:5", "Unreachable picture", "http://127.0.0.1:1/x.png", "", `<p>Five.</p><p><img src="https://photos.wire.example/x.jpg"></p>`),
		))
		f := w.addFeed("/rss", wire.FeedInput{})
		if r := w.poll(f); r.Err != nil || r.Counts.New != 5 || r.Counts.Refused != 0 {
			t.Fatalf("poll: %+v %v %+v", r.Counts, r.Err, r.Refused)
		}
		stories := w.stories()
		for _, a := range stories {
			if page := a.Body + storyHTML(a); strings.Contains(page, w.feeds.URL) || strings.Contains(page, "127.0.0.1") ||
				strings.Contains(page, "wire.example") {
				t.Errorf("%q names the picture server: %s", a.Headline, page)
			}
		}
		rally := w.story("Markets rally")
		lead := rally.Image
		if !media.ValidName(lead.Name) || !strings.HasSuffix(lead.Name, ".png") || lead.Width != 4 || lead.Height != 3 ||
			lead.Caption != "The trading floor" || lead.Credit != "GWS Photo" {
			t.Errorf("the lead image: %+v", lead)
		}
		html := storyHTML(rally)
		if strings.Count(html, `src="/media/`) != 2 || !strings.Contains(html, `src="/media/`+lead.Name+`"`) ||
			strings.Contains(html, "srcset") {
			t.Errorf("the story's images are not its own copies: %s", html)
		}
		f2, err := w.news.Media.Open(context.Background(), lead.Name)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(f2)
		f2.Close()
		if !bytes.Equal(got, pngOf(t, 4, 3)) {
			t.Error("the stored copy differs from the agency's picture")
		}
		for _, headline := range []string{"Page as picture", "Oversized picture", "Polyglot picture", "Unreachable picture"} {
			a := w.story(headline)
			if a.Image.Name != "" || strings.Contains(storyHTML(a), "<img") {
				t.Errorf("%q kept a picture it could not have: %+v %s", headline, a.Image, storyHTML(a))
			}
		}

		// A newer version of the item keeps the story's picture and the
		// stored copies, whatever else changed.
		w.clock.Advance(time.Hour)
		w.feeds.serve("/rss", "application/rss+xml", rssFeed(
			rssItem("urn:1", "Markets rally further", img("photo.png"), "", `<p>Stocks rose more.</p><p><img src="`+img("inline.gif")+`"></p>`)))
		if r := w.poll(f); r.Counts.Updated != 1 {
			t.Fatalf("second poll: %+v %v", r.Counts, r.Err)
		}
		again := w.story("Markets rally further")
		if again.Image != lead || !strings.Contains(storyHTML(again), `src="/media/`) || strings.Contains(again.Body, w.feeds.URL) {
			t.Errorf("the updated story: image %+v, body %s", again.Image, storyHTML(again))
		}
	})
}

// The pictures' fetcher is the feeds': with private addresses refused (as
// they are unless configured), a picture on loopback is never asked for,
// and the story is written without it.
func TestPicturesOnPrivateAddressesAreNotFetched(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newWorld(t, st)
		asked := 0
		w.feeds.handle("/img/photo.png", func(rw http.ResponseWriter, r *http.Request) {
			asked++
			rw.Header().Set("Content-Type", "image/png")
			rw.Write(pngOf(t, 2, 2))
		})
		w.svc.Images = wire.NewFetcher(wire.FetchOptions{Timeout: 2 * time.Second})
		pic := w.feeds.URL + "/img/photo.png"
		w.feeds.serve("/rss", "application/rss+xml", rssFeed(rssItem("urn:1", "Internal picture", pic, "",
			`<p>Text.</p><p><img src="`+pic+`"><img src="http://[::1]/x.png"><img src="http://169.254.169.254/latest/meta-data"></p>`)))
		f := w.addFeed("/rss", wire.FeedInput{})
		if r := w.poll(f); r.Counts.New != 1 {
			t.Fatalf("poll: %+v %v", r.Counts, r.Err)
		}
		a := w.story("Internal picture")
		if a.Image.Name != "" || strings.Contains(storyHTML(a), "<img") || asked != 0 {
			t.Errorf("a loopback picture was fetched (%d requests) or kept: %+v %s", asked, a.Image, storyHTML(a))
		}
		if _, err := w.svc.Images.FetchImage(context.Background(), pic); err == nil ||
			!strings.Contains(err.Error(), "private network") {
			t.Errorf("fetching a loopback picture: %v", err)
		}
	})
}

// FetchImage refuses, with a reason, each answer that is not a picture of
// a bounded size.
func TestFetchImageRefusals(t *testing.T) {
	w := &world{t: t, feeds: newFeedServer(t)}
	w.serveImages()
	f := wire.NewFetcher(wire.FetchOptions{AllowPrivate: true, Timeout: 5 * time.Second})
	for path, want := range map[string]string{
		"page.html":   "the server sent text/html, not an image",
		"big.png":     "more than the 8.0 MiB read",
		"endless.png": "more than the 8.0 MiB read",
		"gone.png":    "answered 404",
	} {
		if _, err := f.FetchImage(context.Background(), w.feeds.URL+"/img/"+path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
	for _, raw := range []string{"javascript:alert(1)", "file:///etc/passwd", "data:image/png;base64,AAAA", "//no-scheme/x.png"} {
		if _, err := f.FetchImage(context.Background(), raw); err == nil {
			t.Errorf("%s was fetched", raw)
		}
	}
	if _, err := f.FetchImage(context.Background(), "https://photos.wire.example/x.jpg"); err == nil ||
		!strings.Contains(err.Error(), "reserved") {
		t.Errorf("a reserved name: %v", err)
	}
	if b, err := f.FetchImage(context.Background(), w.feeds.URL+"/img/photo.png"); err != nil || len(b) == 0 {
		t.Errorf("a real picture: %d bytes, %v", len(b), err)
	}
}
