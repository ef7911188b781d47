package store

import (
	"context"
	"database/sql"
	"time"
)

// Tx is one transaction that a service runs one use case in: the writes it
// offers are the store's usual statements, run on the transaction, so a
// service composes them and they commit together or not at all. The
// methods each service may call are beside its other statements
// (billing.go, renewal.go).
type Tx struct {
	s  *Store
	tx *sql.Tx
}

// InTx runs fn in one transaction, committed if fn returns nil and rolled
// back otherwise. On SQLite it holds the only write connection until it
// ends: fn must not call the store outside tx, nor wait on the network.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	return s.inTx(ctx, func(tx *sql.Tx) error { return fn(&Tx{s: s, tx: tx}) })
}

// EnqueueJob is Store.EnqueueJob inside the transaction, so that a job
// commits with the change that calls for it.
func (t *Tx) EnqueueJob(ctx context.Context, kind, key, payload string, runAt, now time.Time) (bool, error) {
	return enqueueJob(ctx, t.tx, kind, key, payload, runAt, now)
}
