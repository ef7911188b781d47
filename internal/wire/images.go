package wire

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"broadsheet/internal/content"
	"broadsheet/internal/media"
)

// An item's pictures are fetched once, when its story is written, through
// the same guarded client as its feed, and kept in the media store: a
// story serves its own copy, never the agency's address, so a reader's
// browser does not tell the agency who reads what, and the picture stays
// when the agency takes it down. A picture that cannot be fetched, or is
// not a JPEG, PNG or GIF image, is left out; the story is written
// without it.

// Bounds on the pictures of one item.
const (
	maxImagesPerItem = 8
	imageTimeout     = 15 * time.Second
)

// imageRef is an item's own picture: its enclosure or media:content.
type imageRef struct {
	URL     string `json:"url"`
	Caption string `json:"caption,omitempty"`
	Credit  string `json:"credit,omitempty"`
}

// FetchImage gets the image at url: an http(s) address answering 200 with
// an image/* type and at most media.MaxImageBytes. The bytes are checked
// to be an image when they are stored (media.Save), whatever the type
// said.
func (f *Fetcher) FetchImage(ctx context.Context, raw string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fetchErr("the image's address is not an http(s) address")
	}
	ctx, cancel := context.WithTimeout(ctx, imageTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fetchErr("the image's address cannot be fetched: %v", err)
	}
	req.Header.Set("User-Agent", f.userAgent)
	req.Header.Set("Accept", "image/jpeg, image/png, image/gif;q=0.9, image/*;q=0.5")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, f.describe(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fetchErr("the image's server answered %s", resp.Status)
	}
	if t := mediaType(resp.Header.Get("Content-Type")); !strings.HasPrefix(t, "image/") {
		return nil, fetchErr("the server sent %s, not an image", t)
	}
	const limit = media.MaxImageBytes
	if resp.ContentLength > limit {
		return nil, fetchErr("the image is %s, more than the %s read", size(resp.ContentLength), size(limit))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, f.describe(err)
	}
	if len(body) > limit {
		return nil, fetchErr("the image is more than the %s read", size(limit))
	}
	return body, nil
}

// images fetches and stores an item's pictures for the story it writes,
// each address once.
type images struct {
	s    *Service
	ctx  context.Context
	done map[string]*media.Image // nil: it could not be had
}

func (s *Service) newImages(ctx context.Context) *images {
	return &images{s: s, ctx: ctx, done: map[string]*media.Image{}}
}

// get returns the stored copy of the picture at raw, or nil when it
// cannot be had; why is logged, as the story goes on without it.
func (im *images) get(raw string) *media.Image {
	if img, ok := im.done[raw]; ok {
		return img
	}
	var img *media.Image
	if len(im.done) < maxImagesPerItem {
		got, err := im.fetch(raw)
		if err == nil {
			img = &got
		} else if im.s.Log != nil {
			im.s.Log.Info("wire image left out", "url", raw, "err", err)
		}
	}
	im.done[raw] = img
	return img
}

func (im *images) fetch(raw string) (media.Image, error) {
	f := im.s.Images
	if f == nil {
		f = im.s.Fetcher
	}
	data, err := f.FetchImage(im.ctx, raw)
	if err != nil {
		return media.Image{}, err
	}
	return im.s.Newsroom.SaveImage(im.ctx, data)
}

// lead is the story's lead image made of the item's picture, credited to
// the picture's credit or the agency; none when it cannot be had.
func (im *images) lead(ref *imageRef, source string) content.Image {
	if ref == nil {
		return content.Image{}
	}
	img := im.get(ref.URL)
	if img == nil {
		return content.Image{}
	}
	credit := ref.Credit
	if credit == "" {
		credit = source
	}
	return content.Image{Name: img.Name, Width: img.Width, Height: img.Height, Caption: clip(ref.Caption, 600), Credit: clip(credit, 300)}
}

var (
	imgTag = regexp.MustCompile(`<img\b[^>]*>`)
	imgSrc = regexp.MustCompile(`\ssrc="([^"]*)"`)
	srcset = regexp.MustCompile(`\ssrcset="[^"]*"`)
)

// localize points the images of a sanitized body at their stored copies,
// and drops those that cannot be had. An address already on the site (a
// path, as an earlier write left it) stays.
func (im *images) localize(body string) string {
	return imgTag.ReplaceAllStringFunc(body, func(tag string) string {
		tag = srcset.ReplaceAllString(tag, "")
		m := imgSrc.FindStringSubmatchIndex(tag)
		if m == nil {
			return ""
		}
		raw := html.UnescapeString(tag[m[2]:m[3]])
		if strings.HasPrefix(raw, "/media/") && media.ValidName(strings.TrimPrefix(raw, "/media/")) {
			return tag
		}
		img := im.get(raw)
		if img == nil {
			return ""
		}
		return tag[:m[2]] + "/media/" + img.Name + tag[m[3]:]
	})
}
