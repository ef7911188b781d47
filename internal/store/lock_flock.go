//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package store

import (
	"errors"
	"os"
	"syscall"
)

// errLockHeld means another open file holds the lock.
var errLockHeld = errors.New("lock held")

// tryLock takes an exclusive flock without waiting. flock belongs to the
// open file, not the process, so a second open of the same file in this
// process conflicts too; the kernel lets it go when the process dies.
func tryLock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return errLockHeld
		default:
			return err
		}
	}
}

func unlock(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }

// extraLinks is how many other names (hard links) the file at path has.
// The lock is taken beside one name: a second name would let a second
// server in beside it.
func extraLinks(path string) (int, error) {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		if errors.Is(err, syscall.ENOENT) {
			return 0, nil
		}
		return 0, err
	}
	return int(st.Nlink) - 1, nil
}
