package media

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir keeps files in a directory of the local disk (the data directory's
// media folder).
type Dir string

// Put writes the file through a temporary one renamed into place, so a
// crash never leaves a half-written image under a valid name.
func (d Dir) Put(_ context.Context, name string, data []byte) error {
	if !ValidName(name) {
		return errors.New("invalid media name")
	}
	final := filepath.Join(string(d), name)
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	if err := os.MkdirAll(string(d), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(string(d), ".upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), final)
}

// Open opens a stored file.
func (d Dir) Open(_ context.Context, name string) (io.ReadSeekCloser, error) {
	if !ValidName(name) {
		return nil, fs.ErrNotExist
	}
	return os.Open(filepath.Join(string(d), name))
}
