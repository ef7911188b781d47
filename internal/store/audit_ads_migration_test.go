package store_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/audit"
	"broadsheet/internal/store"
)

// Migration 0042 keeps every entry of the audit log and lets it record
// the ad slots' saves, with no reason; the database still refuses an
// action on money or access without one, and a subject it does not know.
func TestAuditLogTakesAdSlotsAfterMigration0042(t *testing.T) {
	at := time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)
	eachMigratedFrom(t, 40, func(t *testing.T, ctx context.Context, old *store.Store) {
		for _, q := range []string{
			`INSERT INTO accounts (id, email, created_at) VALUES (1, 'admin@example.com', '2026-11-01 10:00:00+00:00')`,
			`INSERT INTO audit_log (at, actor_id, actor_email, action, subject_kind, subject_id, details, reason)
				VALUES ('2026-11-01 10:00:00+00:00', 1, 'admin@example.com', 'refund', 'payment', 12, '[{"name":"Amount","value":"₹900"}]', 'Charged twice')`,
		} {
			if err := old.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
	}, func(t *testing.T, ctx context.Context, s *store.Store) {
		err := s.InTx(ctx, func(tx *store.Tx) error {
			return tx.RecordAudit(ctx, &audit.Entry{At: at, ActorID: 1, ActorEmail: "admin@example.com", Action: audit.ActionAdSlots,
				Subject: audit.SubjectAds, Details: []audit.Detail{{Name: "Slot home-top", Value: "set: 10 characters"}}})
		})
		if err != nil {
			t.Fatalf("an ad save without a reason: %v", err)
		}
		entries, err := s.AuditEntries(ctx, 0, 10)
		if err != nil || len(entries) != 2 {
			t.Fatalf("entries %v, %v: want the refund and the ad save", entries, err)
		}
		if r := entries[1]; r.Action != audit.ActionRefund || r.SubjectID != 12 || r.Reason != "Charged twice" ||
			len(r.Details) != 1 || r.Details[0].Value != "₹900" {
			t.Errorf("the refund's entry after the migration: %+v", r)
		}
		if a := entries[0]; a.Subject != audit.SubjectAds || a.Reason != "" || a.Names() != "ad slots" {
			t.Errorf("the ad save's entry: %+v", a)
		}
		for name, q := range map[string]string{
			"a refund without a reason": `INSERT INTO audit_log (at, actor_id, actor_email, action, subject_kind, subject_id, details, reason)
				VALUES ($1, 1, 'admin@example.com', 'refund', 'payment', 13, '[]', '')`,
			"an unknown subject": `INSERT INTO audit_log (at, actor_id, actor_email, action, subject_kind, subject_id, details, reason)
				VALUES ($1, 1, 'admin@example.com', 'refund', 'plan', 13, '[]', 'why')`,
		} {
			if err := s.Exec(ctx, q, at); err == nil {
				t.Errorf("the database took %s", name)
			}
		}
	})
}
