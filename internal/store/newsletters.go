package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/accounts"
	"broadsheet/internal/newsletter"
	"broadsheet/internal/offer"
)

// Newsletter lists, the addresses on them and the sign-ups waiting for
// their address to be confirmed. Issues and their deliveries are in
// newsletter_issues.go.

// newsletterListColumns are a list's, from newsletter_lists l with the
// kind of its benefit from benefits b (LEFT JOINed: NULL when it is open
// to every registered reader).
const newsletterListColumns = `l.id, l.slug, l.name, l.description, l.benefit_id, b.kind, l.position`

const newsletterListsFrom = ` FROM newsletter_lists l LEFT JOIN benefits b ON b.id = l.benefit_id`

func scanList(row interface{ Scan(...any) error }) (newsletter.List, error) {
	var l newsletter.List
	var benefit sql.NullInt64
	var kind sql.NullString
	err := row.Scan(&l.ID, &l.Slug, &l.Name, &l.Description, &benefit, &kind, &l.Position)
	l.BenefitID, l.BenefitKind = benefit.Int64, offer.Kind(kind.String)
	return l, mapErr(err)
}

// benefitArg is a list's benefit as bound: NULL for none.
func benefitArg(l newsletter.List) any {
	if l.BenefitID == 0 {
		return nil
	}
	return l.BenefitID
}

// NewsletterLists lists every list in the publication's order.
func (s *Store) NewsletterLists(ctx context.Context) ([]newsletter.List, error) {
	rows, err := s.readRows(ctx, `SELECT `+newsletterListColumns+newsletterListsFrom+` ORDER BY l.position, l.id`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []newsletter.List
	for rows.Next() {
		l, err := scanList(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, mapErr(rows.Err())
}

// CreateNewsletterList adds a list after the others; a slug taken is
// ErrConflict, a benefit that does not exist ErrInUse.
func (s *Store) CreateNewsletterList(ctx context.Context, l newsletter.List, now time.Time) (int64, error) {
	var id int64
	err := s.w.QueryRowContext(ctx, `INSERT INTO newsletter_lists (slug, name, description, benefit_id, position, created_at)
		VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(position), 0) + 1 FROM newsletter_lists), $5) RETURNING id`,
		l.Slug, l.Name, l.Description, benefitArg(l), now.UTC()).Scan(&id)
	return id, mapErr(err)
}

// UpdateNewsletterList renames a list and sets its description and the
// benefit that opens it (ErrInUse: there is no such benefit); its slug
// stays, as addresses link to it.
func (s *Store) UpdateNewsletterList(ctx context.Context, l newsletter.List) error {
	res, err := s.w.ExecContext(ctx, `UPDATE newsletter_lists SET name = $2, description = $3, benefit_id = $4 WHERE id = $1`,
		l.ID, l.Name, l.Description, benefitArg(l))
	return affectedOne(res, err)
}

// JoinNewsletters puts a confirmed address on the lists, once each: the
// open membership's unique index makes a second join, concurrent or not,
// a no-op. The address is confirmed from now if it was not, and a
// suppressed one is given another chance: its owner has just shown it
// receives mail.
func (s *Store) JoinNewsletters(ctx context.Context, email string, listIDs []int64, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		return joinTx(ctx, tx, email, listIDs, now)
	})
}

func joinTx(ctx context.Context, tx *sql.Tx, email string, listIDs []int64, now time.Time) error {
	var sid int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO newsletter_subscribers (email, confirmed_at, created_at) VALUES ($1, $2, $2)
		ON CONFLICT (email) DO UPDATE SET confirmed_at = COALESCE(newsletter_subscribers.confirmed_at, excluded.confirmed_at),
			suppressed_at = NULL, hard_bounces = 0
		RETURNING id`, email, now.UTC()).Scan(&sid); err != nil {
		return mapErr(err)
	}
	for _, id := range listIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO newsletter_memberships (subscriber_id, list_id, joined_at) VALUES ($1, $2, $3)
			ON CONFLICT (list_id, subscriber_id) WHERE left_at IS NULL DO NOTHING`, sid, id, now.UTC()); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// LeaveNewsletter takes the address off a list, and reports whether it
// was on it.
func (s *Store) LeaveNewsletter(ctx context.Context, email string, listID int64, now time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE newsletter_memberships SET left_at = $3
		WHERE list_id = $2 AND left_at IS NULL AND subscriber_id = (SELECT id FROM newsletter_subscribers WHERE email = $1)`,
		email, listID, now.UTC())
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// NewsletterMemberships lists the lists the address is on.
func (s *Store) NewsletterMemberships(ctx context.Context, email string) ([]int64, error) {
	return scanIDs(s.readRows(ctx, `SELECT m.list_id FROM newsletter_memberships m
		JOIN newsletter_subscribers s ON s.id = m.subscriber_id WHERE s.email = $1 AND m.left_at IS NULL ORDER BY m.list_id`, email))
}

// CreateNewsletterSignup keeps a sign-up waiting for its address to be
// confirmed, by the SHA-256 of the emailed token.
func (s *Store) CreateNewsletterSignup(ctx context.Context, tokenHash, email string, listIDs []int64, expires, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO newsletter_signups (token_hash, email, list_ids, expires_at, created_at)
		VALUES ($1, $2, $3, $4, $5)`, tokenHash, email, joinIDs(listIDs), expires.UTC(), now.UTC())
	return mapErr(err)
}

// NewsletterSignupByHash finds a sign-up by its token's hash, used or not.
func (s *Store) NewsletterSignupByHash(ctx context.Context, tokenHash string) (*newsletter.Signup, error) {
	var su newsletter.Signup
	var ids string
	var used sql.NullTime
	err := s.readRow(ctx, `SELECT email, list_ids, expires_at, used_at FROM newsletter_signups WHERE token_hash = $1`, tokenHash).
		Scan(&su.Email, &ids, &su.ExpiresAt, &used)
	if err != nil {
		return nil, mapErr(err)
	}
	su.ListIDs, su.Used = splitIDs(ids), used.Valid
	return &su, nil
}

// ConfirmNewsletterSignup uses a sign-up's token, once, and puts its
// address on the lists of join that the sign-up asked for and that still
// exist, in the same transaction: ErrNotFound when the token is unknown,
// used or expired, so of two requests racing with one link only one
// joins. It returns the address and the lists it joined (the address is
// confirmed even when none is left to join: its owner opened the link).
func (s *Store) ConfirmNewsletterSignup(ctx context.Context, tokenHash string, join []int64, now time.Time) (email string, joined []int64, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		joined = nil
		var ids string
		if err := tx.QueryRowContext(ctx, `UPDATE newsletter_signups SET used_at = $2
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2 RETURNING email, list_ids`,
			tokenHash, now.UTC()).Scan(&email, &ids); err != nil {
			return mapErr(err)
		}
		asked := splitIDs(ids)
		for _, id := range join {
			if !slices.Contains(asked, id) || slices.Contains(joined, id) {
				continue
			}
			// A list removed since the service looked is not joined (and
			// one removed after this read fails the foreign key: the link
			// stays unused, to try again).
			var exists bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM newsletter_lists WHERE id = $1)`, id).Scan(&exists); err != nil {
				return mapErr(err)
			}
			if exists {
				joined = append(joined, id)
			}
		}
		return joinTx(ctx, tx, email, joined, now)
	})
	return email, joined, err
}

// NewsletterAddressViewer is who an address is to the newsletters, as a
// send sees it (QueuedNewsletterRecipients): the account that holds it
// confirmed, with its role and its subscription that has not ended; an
// anonymous viewer when no account does.
func (s *Store) NewsletterAddressViewer(ctx context.Context, email string) (access.Viewer, error) {
	var v access.Viewer
	var role string
	err := mapErr(s.readRow(ctx, `SELECT id, role FROM accounts WHERE email = $1 AND email_verified_at IS NOT NULL`, email).
		Scan(&v.AccountID, &role))
	if errors.Is(err, ErrNotFound) {
		return access.Viewer{}, nil
	}
	if err != nil {
		return access.Viewer{}, err
	}
	v.Staff = accounts.Role(role).IsStaff()
	subs, err := s.currentSubscriptionsOf(ctx, []int64{v.AccountID})
	v.Subscription = subs[v.AccountID]
	return v, err
}

// DeleteNewsletterList removes a list that no issue was made of, with its
// memberships: ErrNotFound if there is none, ErrInUse (the issues'
// foreign key) if it has issues, whose archive and deliveries name it.
func (s *Store) DeleteNewsletterList(ctx context.Context, id int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM newsletter_memberships WHERE list_id = $1`, id); err != nil {
			return mapErr(err)
		}
		return affectedOne(tx.ExecContext(ctx, `DELETE FROM newsletter_lists WHERE id = $1`, id))
	})
}

// NewsletterMembership finds the membership an unsubscribe link names.
func (s *Store) NewsletterMembership(ctx context.Context, membershipID int64) (*newsletter.Membership, error) {
	var u newsletter.Membership
	var left sql.NullTime
	var err error
	u.List, err = scanList(rowPrefix{s.readRow(ctx, `SELECT s.email, m.left_at, `+newsletterListColumns+`
		FROM newsletter_memberships m JOIN newsletter_subscribers s ON s.id = m.subscriber_id
		JOIN newsletter_lists l ON l.id = m.list_id LEFT JOIN benefits b ON b.id = l.benefit_id WHERE m.id = $1`, membershipID),
		[]any{&u.Email, &left}})
	if err != nil {
		return nil, err
	}
	u.Left = left.Valid
	return &u, nil
}

// EndNewsletterMembership closes a membership, once, crediting the issue
// whose link closed it (0: none): it reports whether it was open.
func (s *Store) EndNewsletterMembership(ctx context.Context, membershipID, issueID int64, now time.Time) (bool, error) {
	var issue any
	if issueID != 0 {
		issue = issueID
	}
	res, err := s.w.ExecContext(ctx, `UPDATE newsletter_memberships SET left_at = $2, left_issue_id = $3
		WHERE id = $1 AND left_at IS NULL`, membershipID, now.UTC(), issue)
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// NewsletterSubscriberByEmail finds an address, or ErrNotFound.
func (s *Store) NewsletterSubscriberByEmail(ctx context.Context, email string) (*newsletter.Subscriber, error) {
	var sub newsletter.Subscriber
	var confirmed, suppressed sql.NullTime
	err := s.readRow(ctx, `SELECT email, confirmed_at, hard_bounces, suppressed_at FROM newsletter_subscribers WHERE email = $1`, email).
		Scan(&sub.Email, &confirmed, &sub.HardBounces, &suppressed)
	if err != nil {
		return nil, mapErr(err)
	}
	sub.Confirmed, sub.Suppressed = confirmed.Valid, suppressed.Valid
	return &sub, nil
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func splitIDs(s string) []int64 {
	var ids []int64
	for _, p := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(p, 10, 64); err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

// rowPrefix scans the columns before a list's into prefix, and the list's
// after them.
type rowPrefix struct {
	row    interface{ Scan(...any) error }
	prefix []any
}

func (r rowPrefix) Scan(dest ...any) error { return r.row.Scan(append(r.prefix, dest...)...) }
