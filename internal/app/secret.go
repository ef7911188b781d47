package app

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// secretFile is the name of the file, beside a SQLite database, that keeps
// the key signing its readers' cookies.
const secretFile = "secret"

// fileSecret returns the key kept at path, making a random one, readable by
// this user only, the first time.
func fileSecret(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	switch {
	case err == nil:
		b := make([]byte, 32)
		rand.Read(b)
		v := hex.EncodeToString(b)
		if _, err := f.WriteString(v + "\n"); err != nil {
			f.Close()
			os.Remove(path)
			return nil, fmt.Errorf("write cookie secret: %w", err)
		}
		if err := f.Close(); err != nil {
			os.Remove(path)
			return nil, fmt.Errorf("write cookie secret: %w", err)
		}
		return []byte(v), nil
	case !errors.Is(err, fs.ErrExist):
		return nil, fmt.Errorf("cookie secret: %w", err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cookie secret: %w", err)
	}
	v := strings.TrimSpace(string(data))
	if len(v) < 64 {
		return nil, fmt.Errorf("cookie secret %s holds %d characters, not the 64 hex digits it was made with; "+
			"delete it to have a new one made (readers' cookies are then issued anew)", path, len(v))
	}
	return []byte(v), nil
}
