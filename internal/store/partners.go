package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"broadsheet/internal/offer"
	"broadsheet/internal/partner"
)

// Partners' offers (partner_offers, each a benefit of kind partner) and
// their activation codes (partner_codes).

const partnerOfferColumns = `b.id, b.title, b.body, o.redemption_url, o.low_stock,
	(SELECT COUNT(*) FROM partner_codes c WHERE c.offer_id = o.benefit_id AND c.account_id IS NULL),
	(SELECT COUNT(*) FROM partner_codes c WHERE c.offer_id = o.benefit_id AND c.account_id IS NOT NULL)
	FROM partner_offers o JOIN benefits b ON b.id = o.benefit_id`

func scanPartnerOffer(row interface{ Scan(...any) error }) (*partner.Offer, error) {
	var o partner.Offer
	if err := row.Scan(&o.ID, &o.Name, &o.Description, &o.RedemptionURL, &o.LowStock, &o.Left, &o.Claimed); err != nil {
		return nil, mapErr(err)
	}
	return &o, nil
}

// PartnerOffers lists every offer in the benefits' order, with its stock.
func (s *Store) PartnerOffers(ctx context.Context) ([]partner.Offer, error) {
	rows, err := s.readRows(ctx, `SELECT `+partnerOfferColumns+` ORDER BY b.position, b.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []partner.Offer
	for rows.Next() {
		o, err := scanPartnerOffer(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *o)
	}
	return out, rows.Err()
}

// PartnerOffer returns the offer with its stock; ErrNotFound if none.
func (s *Store) PartnerOffer(ctx context.Context, id int64) (*partner.Offer, error) {
	return scanPartnerOffer(s.readRow(ctx, `SELECT `+partnerOfferColumns+` WHERE o.benefit_id = $1`, id))
}

// CreatePartnerOffer adds the offer, its benefit at the end of the list,
// and includes it in the plans planIDs, in one transaction; ErrInUse (a
// foreign key) if a plan does not exist, and then nothing is added.
func (s *Store) CreatePartnerOffer(ctx context.Context, o *partner.Offer, planIDs []int64) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) (err error) {
		if id, err = createBenefit(ctx, tx, offer.Partner, o.Name, o.Description); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO partner_offers (benefit_id, redemption_url, low_stock) VALUES ($1, $2, $3)`,
			id, o.RedemptionURL, o.LowStock); err != nil {
			return mapErr(err)
		}
		for _, plan := range planIDs {
			if _, err := tx.ExecContext(ctx, `INSERT INTO plan_benefits (plan_id, benefit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, plan, id); err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
	return id, err
}

// UpdatePartnerOffer saves the offer's name, description, redemption
// address and threshold; ErrNotFound if there is no such offer.
func (s *Store) UpdatePartnerOffer(ctx context.Context, o *partner.Offer) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE partner_offers SET redemption_url = $2, low_stock = $3 WHERE benefit_id = $1`,
			o.ID, o.RedemptionURL, o.LowStock)
		if err := affectedOne(res, err); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE benefits SET title = $2, body = $3 WHERE id = $1`, o.ID, o.Name, o.Description)
		return mapErr(err)
	})
}

// importBatch is how many codes one INSERT of an import adds.
const importBatch = 500

// errDuplicateCodes rolls an import back that met codes the offer has.
var errDuplicateCodes = errors.New("duplicate codes")

// ImportPartnerCodes adds the codes to the offer, all in one transaction
// or none. The offer's unique constraint on its codes decides which it
// has already: they are inserted with ON CONFLICT DO NOTHING, and any
// code the database did not insert is a duplicate, returned by its index,
// and rolls the whole import back. ErrNotFound if there is no offer.
func (s *Store) ImportPartnerCodes(ctx context.Context, offerID int64, codes []string, now time.Time) ([]int, error) {
	var dups []int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM partner_offers WHERE benefit_id = $1`, offerID).Scan(&one); err != nil {
			return mapErr(err)
		}
		for start := 0; start < len(codes); start += importBatch {
			batch := codes[start:min(start+importBatch, len(codes))]
			added, err := s.insertCodes(ctx, tx, offerID, batch, now)
			if err != nil {
				return err
			}
			for i, c := range batch {
				if !added[c] {
					dups = append(dups, start+i)
				}
			}
		}
		if len(dups) > 0 {
			return errDuplicateCodes
		}
		return nil
	})
	if errors.Is(err, errDuplicateCodes) {
		return dups, nil
	}
	return nil, err
}

// insertCodes inserts a batch of codes and returns those it inserted.
func (s *Store) insertCodes(ctx context.Context, tx *sql.Tx, offerID int64, codes []string, now time.Time) (map[string]bool, error) {
	var q strings.Builder
	q.WriteString(`INSERT INTO partner_codes (offer_id, code, imported_at) VALUES `)
	args := make([]any, 0, 3*len(codes))
	for i, c := range codes {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteByte('(')
		for j := range 3 {
			if j > 0 {
				q.WriteByte(',')
			}
			s.dialect.writeArg(&q, 3*i+j+1)
		}
		q.WriteByte(')')
		args = append(args, offerID, c, now.UTC())
	}
	q.WriteString(` ON CONFLICT (offer_id, code) DO NOTHING RETURNING code`)
	// Not prepared: each length of batch would be a statement kept.
	rows, err := tx.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	added := make(map[string]bool, len(codes))
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, mapErr(err)
		}
		added[c] = true
	}
	return added, mapErr(rows.Err())
}

// ClaimPartnerCode gives the account a code of the offer in one
// transaction that holds the offer's row, so that claims of one offer,
// from any instance, take turns: the code the account claimed before if
// any (fresh false); else the oldest code nobody has, or
// partner.ErrNoneLeft. The unique constraints stand behind the turns: a
// code is one row with one account, and an account has one code per
// offer. A claim that takes the codes left below the offer's threshold
// counts the crossing and queues its alert, keyed by it, in the same
// transaction: one alert per crossing, however many instances claim.
func (s *Store) ClaimPartnerCode(ctx context.Context, offerID, accountID int64, now time.Time) (code string, fresh bool, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		var low, alerts int
		if err := tx.QueryRowContext(ctx, `SELECT low_stock, alerts FROM partner_offers WHERE benefit_id = $1`+s.forUpdate(),
			offerID).Scan(&low, &alerts); err != nil {
			return mapErr(err)
		}
		err := tx.QueryRowContext(ctx, `SELECT code FROM partner_codes WHERE offer_id = $1 AND account_id = $2`, offerID, accountID).Scan(&code)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return mapErr(err)
		}
		var left int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM partner_codes WHERE offer_id = $1 AND account_id IS NULL`, offerID).Scan(&left); err != nil {
			return mapErr(err)
		}
		if left == 0 {
			return partner.ErrNoneLeft
		}
		// The outer UPDATE repeats that the code is not claimed, so that
		// a claimed code is never given anew, even by a writer that did
		// not hold the offer's row.
		if err := tx.QueryRowContext(ctx, `UPDATE partner_codes SET account_id = $2, claimed_at = $3
			WHERE id = (SELECT id FROM partner_codes WHERE offer_id = $1 AND account_id IS NULL ORDER BY id LIMIT 1)
			AND account_id IS NULL RETURNING code`, offerID, accountID, now.UTC()).Scan(&code); err != nil {
			return mapErr(err)
		}
		fresh = true
		if left >= low && left-1 < low {
			alerts++
			if _, err := tx.ExecContext(ctx, `UPDATE partner_offers SET alerts = $2 WHERE benefit_id = $1`, offerID, alerts); err != nil {
				return mapErr(err)
			}
			payload := partner.LowStockPayload(offerID, alerts)
			if _, err := enqueueJob(ctx, tx, partner.LowStockJob, partner.LowStockJob+":"+payload, payload, now, now); err != nil {
				return err
			}
		}
		return nil
	})
	return code, fresh, err
}

// PartnerClaims lists the codes the account claimed, newest first.
func (s *Store) PartnerClaims(ctx context.Context, accountID int64) ([]partner.Claim, error) {
	rows, err := s.readRows(ctx, `SELECT b.id, b.title, o.redemption_url, c.code, c.claimed_at
		FROM partner_codes c JOIN partner_offers o ON o.benefit_id = c.offer_id JOIN benefits b ON b.id = c.offer_id
		WHERE c.account_id = $1 ORDER BY c.claimed_at DESC, c.id DESC`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []partner.Claim
	for rows.Next() {
		var c partner.Claim
		if err := rows.Scan(&c.Offer.ID, &c.Offer.Name, &c.Offer.RedemptionURL, &c.Code, &c.ClaimedAt); err != nil {
			return nil, mapErr(err)
		}
		c.ClaimedAt = c.ClaimedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// AdminEmails lists the admins' addresses.
func (s *Store) AdminEmails(ctx context.Context) ([]string, error) {
	return scanColumn[string](s.readRows(ctx, `SELECT email FROM accounts WHERE role = 'admin' ORDER BY email`))
}
