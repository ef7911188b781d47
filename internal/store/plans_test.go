package store_test

import (
	"context"
	"errors"
	"testing"

	"broadsheet/internal/billing"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// The database keeps a plan that anything refers to: deleting it is
// refused by its foreign keys, and its term stays as it was bought.
func TestPlansThatWereBoughtAreKept(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		bought := &billing.Plan{Code: "bought", Name: "Bought", Price: 90000, Currency: "INR", TermMonths: 3, Active: true}
		fresh := &billing.Plan{Code: "fresh", Name: "Fresh", Price: 90000, Currency: "INR", TermMonths: 3, Active: true}
		for _, p := range []*billing.Plan{bought, fresh} {
			id, err := s.CreatePlan(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			p.ID = id
		}
		if _, err := s.CreatePlan(ctx, &billing.Plan{Code: "fresh", Name: "Again", Price: 1, Currency: "INR", TermMonths: 1}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("a second plan with a code: %v, want ErrConflict", err)
		}
		if err := s.Exec(ctx, `INSERT INTO accounts (email, password_hash, created_at) VALUES ('a@example.com', '', '2026-11-01 00:00:00+00:00')`); err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, `INSERT INTO payments (account_id, idempotency_key, purpose, plan_id, amount_paise, status, gateway, created_at, updated_at)
			VALUES ((SELECT id FROM accounts), 'k', 'checkout', $1, 90000, 'failed', 'test', '2026-11-01 00:00:00+00:00', '2026-11-01 00:00:00+00:00')`, bought.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeletePlan(ctx, bought.ID, bought.Code); !errors.Is(err, store.ErrInUse) {
			t.Errorf("delete a plan a payment refers to: %v, want ErrInUse", err)
		}
		bought.TermMonths = 12
		if err := s.UpdatePlan(ctx, bought); !errors.Is(err, billing.ErrTermFixed) {
			t.Errorf("change the term of a plan paid for: %v, want ErrTermFixed", err)
		}
		bought.TermMonths, bought.Price, bought.Active = 3, 95000, false
		if err := s.UpdatePlan(ctx, bought); err != nil {
			t.Errorf("reprice and retire a plan paid for: %v", err)
		}
		fresh.TermMonths = 6
		if err := s.UpdatePlan(ctx, fresh); err != nil {
			t.Errorf("change the term of a plan nobody bought: %v", err)
		}
		if err := s.DeletePlan(ctx, fresh.ID, "bought"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete a plan by its id with another's code: %v, want ErrNotFound", err)
		}
		if err := s.DeletePlan(ctx, fresh.ID, fresh.Code); err != nil {
			t.Errorf("delete a plan nobody bought: %v", err)
		}
		if err := s.DeletePlan(ctx, fresh.ID, fresh.Code); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete it again: %v, want ErrNotFound", err)
		}
		all, err := s.AllPlans(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 || all[0].Code != "bought" || !all[0].Bought || all[0].Active || all[0].Price != 95000 || all[0].TermMonths != 3 {
			t.Errorf("plans left: %+v", all)
		}
	})
}
