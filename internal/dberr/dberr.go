// Package dberr holds the errors the store returns for conditions callers
// act on, so services can test for them without importing the store.
package dberr

import "errors"

var (
	// ErrNotFound: no row matched.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique value is already taken.
	ErrConflict = errors.New("already exists")
	// ErrStale: the row changed since the caller read it (a save over a
	// revision that is no longer the latest).
	ErrStale = errors.New("changed since it was read")
	// ErrInUse: the row cannot be deleted, as others refer to it (a
	// foreign key refused).
	ErrInUse = errors.New("still referred to")
)
