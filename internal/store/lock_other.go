//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package store

import (
	"errors"
	"os"
)

// errLockHeld means another open file holds the lock.
var errLockHeld = errors.New("lock held")

// tryLock takes no lock where flock is missing: the lock file still names
// the server, but a second server on the same file is not refused.
func tryLock(*os.File) error { return nil }

func unlock(*os.File) error { return nil }

func extraLinks(string) (int, error) { return 0, nil }
