package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/audit"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// The audit log pages by place, newest first, every entry once; an entry
// without a reason is refused, by the service and by the database; only an
// admin acts.
func TestAuditLog(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC)
		admin, err := s.CreateAccount(ctx, &accounts.Account{Email: "admin@example.com", Role: accounts.RoleAdmin, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		editor, err := s.CreateAccount(ctx, &accounts.Account{Email: "editor@example.com", Role: accounts.RoleEditor, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		entry := func(i int) *audit.Entry {
			return &audit.Entry{At: now.Add(time.Duration(i) * time.Second), ActorID: admin, ActorEmail: "admin@example.com",
				Action: audit.ActionRefund, Subject: audit.SubjectPayment, SubjectID: int64(i + 1),
				Details: []audit.Detail{{Name: "Amount", Value: fmt.Sprintf("₹%d", i)}}, Reason: fmt.Sprintf("reason %d", i)}
		}
		n := audit.PageSize + 3
		err = s.InTx(ctx, func(tx *store.Tx) error {
			if email, err := tx.ActingAdmin(ctx, admin); err != nil || email != "admin@example.com" {
				return fmt.Errorf("the admin acting: %q, %v", email, err)
			}
			if _, err := tx.ActingAdmin(ctx, editor); !errors.Is(err, audit.ErrNotAdmin) {
				return fmt.Errorf("an editor acting: %v, want ErrNotAdmin", err)
			}
			for i := range n {
				if err := audit.Record(ctx, tx, entry(i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		svc := &audit.Service{Store: s}
		first, err := svc.Page(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Entries) != audit.PageSize || first.Older == 0 || first.Entries[0].Reason != fmt.Sprintf("reason %d", n-1) ||
			first.Entries[0].Details[0] != (audit.Detail{Name: "Amount", Value: fmt.Sprintf("₹%d", n-1)}) || !first.Entries[0].At.Equal(now.Add(time.Duration(n-1)*time.Second)) {
			t.Fatalf("first page: %d entries, older %d, newest %+v", len(first.Entries), first.Older, *first.Entries[0])
		}
		second, err := svc.Page(ctx, first.Older)
		if err != nil {
			t.Fatal(err)
		}
		if len(second.Entries) != 3 || second.Older != 0 || second.Entries[2].Reason != "reason 0" {
			t.Fatalf("second page: %d entries, older %d", len(second.Entries), second.Older)
		}

		noReason := entry(0)
		noReason.Reason = "  "
		err = s.InTx(ctx, func(tx *store.Tx) error { return audit.Record(ctx, tx, noReason) })
		var refused *audit.ReasonError
		if !errors.As(err, &refused) {
			t.Errorf("an entry without a reason: %v", err)
		}
		noReason.Reason = ""
		if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.RecordAudit(ctx, noReason) }); err == nil {
			t.Error("the database took an entry without a reason")
		}
	})
}
