package store

import (
	"context"
	"database/sql"
	"time"

	"broadsheet/internal/billing"
)

// Reconciliation with the payment provider (billing.Service.Reconcile):
// the recent payments it compares, and the reports of what differs.

// RecentPayments lists the payments made through gateway since the given
// time with one of the statuses, in id order after afterID, at most limit.
func (s *Store) RecentPayments(ctx context.Context, gateway string, since time.Time, afterID int64, limit int, statuses ...string) ([]*billing.Payment, error) {
	if len(statuses) == 0 {
		return nil, nil
	}
	return s.paymentsWhere(ctx, `gateway = $1 AND created_at >= $2 AND id > $3 AND status`,
		[]any{gateway, since.UTC(), afterID}, statuses, limit)
}

// FileReport records a reconciliation report and reports whether it did.
// The partial unique index keeps one report of a kind and key open, so
// instances reconciling at once file it once; one of the same kind, key
// and provider reference that an admin resolved is not filed again.
func (s *Store) FileReport(ctx context.Context, r *billing.Report) (bool, error) {
	filed := false
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var resolved int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM reconciliation_reports
			WHERE kind = $1 AND payment_key = $2 AND provider_ref = $3 AND resolved_at IS NOT NULL`,
			r.Kind, r.PaymentKey, r.ProviderRef).Scan(&resolved); err != nil {
			return mapErr(err)
		}
		if resolved > 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO reconciliation_reports (kind, payment_key, provider_ref, detail, found_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, r.Kind, r.PaymentKey, r.ProviderRef, r.Detail, r.FoundAt.UTC())
		if err != nil {
			return mapErr(err)
		}
		n, _ := res.RowsAffected()
		filed = n == 1
		return nil
	})
	return filed, err
}

// OpenReports lists the reports not resolved yet, oldest first.
func (s *Store) OpenReports(ctx context.Context, limit int) ([]*billing.Report, error) {
	rows, err := s.readRows(ctx, `SELECT id, kind, payment_key, provider_ref, detail, found_at
		FROM reconciliation_reports WHERE resolved_at IS NULL ORDER BY found_at, id LIMIT $1`, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*billing.Report
	for rows.Next() {
		var r billing.Report
		if err := rows.Scan(&r.ID, &r.Kind, &r.PaymentKey, &r.ProviderRef, &r.Detail, &r.FoundAt); err != nil {
			return nil, mapErr(err)
		}
		r.FoundAt = r.FoundAt.UTC()
		out = append(out, &r)
	}
	return out, rows.Err()
}

// ResolveReport marks a report resolved by the admin by, unless it is
// already; ErrNotFound if there is no such report.
func (s *Store) ResolveReport(ctx context.Context, id, by int64, now time.Time) error {
	res, err := s.w.ExecContext(ctx, `UPDATE reconciliation_reports SET resolved_at = $2, resolved_by = $3
		WHERE id = $1 AND resolved_at IS NULL`, id, now.UTC(), by)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var exists int
	if err := s.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM reconciliation_reports WHERE id = $1`, id).Scan(&exists); err != nil {
		return mapErr(err)
	}
	if exists == 0 {
		return ErrNotFound
	}
	return nil
}
