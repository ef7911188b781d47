// Package media keeps the images editors upload. Each file is named by
// the SHA-256 of its bytes, so a name never changes meaning: an image can
// be cached for ever, uploading it twice stores it once, and a name taken
// from a URL cannot point anywhere but into the store.
package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig reads the formats accepted
	_ "image/jpeg"
	_ "image/png"
	"io"
	"net/http"
	"regexp"
)

// Store is where uploaded files are kept: a directory here, and an object
// store could be another.
type Store interface {
	// Put stores the file named name, unless it is there already.
	Put(ctx context.Context, name string, data []byte) error
	// Open returns the file named name, or an error wrapping
	// fs.ErrNotExist.
	Open(ctx context.Context, name string) (io.ReadSeekCloser, error)
}

// MaxImageBytes bounds an uploaded image.
const MaxImageBytes = 8 << 20

// Image is an uploaded image as the page shows it.
type Image struct {
	Name          string // the file's name in the store
	Width, Height int
}

// ErrNotImage is returned for a file that is not a JPEG, PNG or GIF image
// within the size bound. SVG is refused: it can carry script.
var ErrNotImage = errors.New("the file is not a JPEG, PNG or GIF image of at most 8 MB")

// extensions are the formats accepted, by the type their bytes show.
var extensions = map[string]string{"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif"}

// Save checks that data is an image in an accepted format, whatever its
// name or declared type said, and stores it.
func Save(ctx context.Context, st Store, data []byte) (Image, error) {
	if len(data) == 0 || len(data) > MaxImageBytes {
		return Image{}, ErrNotImage
	}
	ext, ok := extensions[http.DetectContentType(data)]
	if !ok {
		return Image{}, ErrNotImage
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || "."+format != ext && !(format == "jpeg" && ext == ".jpg") || cfg.Width < 1 || cfg.Height < 1 {
		return Image{}, ErrNotImage
	}
	sum := sha256.Sum256(data)
	name := hex.EncodeToString(sum[:]) + ext
	if err := st.Put(ctx, name, data); err != nil {
		return Image{}, fmt.Errorf("store the image: %w", err)
	}
	return Image{Name: name, Width: cfg.Width, Height: cfg.Height}, nil
}

var validName = regexp.MustCompile(`^[0-9a-f]{64}\.(jpg|png|gif)$`)

// ValidName reports whether name is one Save gives: anything else names no
// file, whatever the store holds.
func ValidName(name string) bool { return validName.MatchString(name) }

// ContentType is the type a stored file is served with.
func ContentType(name string) string {
	switch name[len(name)-4:] {
	case ".jpg":
		return "image/jpeg"
	case ".png":
		return "image/png"
	}
	return "image/gif"
}
