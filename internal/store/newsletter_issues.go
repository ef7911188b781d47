package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/billing"
	"broadsheet/internal/newsletter"
)

// Newsletter issues and their deliveries: one row per issue and address,
// claimed before its message is sent (see migration 0035).

const issueColumns = `id, list_id, subject, intro, status, send_at, generation, queued_at, sent_at, COALESCE(created_by, 0), created_at, updated_at`

func scanIssue(row interface{ Scan(...any) error }) (*newsletter.Issue, error) {
	var i newsletter.Issue
	var status string
	var sendAt, queued, sent sql.NullTime
	if err := row.Scan(&i.ID, &i.ListID, &i.Subject, &i.Intro, &status, &sendAt, &i.Generation, &queued, &sent,
		&i.CreatedBy, &i.CreatedAt, &i.UpdatedAt); err != nil {
		return nil, mapErr(err)
	}
	i.Status = newsletter.IssueStatus(status)
	i.SendAt, i.QueuedAt, i.SentAt = nullTime(sendAt), nullTime(queued), nullTime(sent)
	i.CreatedAt, i.UpdatedAt = i.CreatedAt.UTC(), i.UpdatedAt.UTC()
	return &i, nil
}

// CreateNewsletterIssue stores a draft with its stories.
func (s *Store) CreateNewsletterIssue(ctx context.Context, i *newsletter.Issue, now time.Time) (int64, error) {
	var id int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var by any
		if i.CreatedBy != 0 {
			by = i.CreatedBy
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO newsletter_issues (list_id, subject, intro, status, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, 'draft', $4, $5, $5) RETURNING id`, i.ListID, i.Subject, i.Intro, by, now.UTC()).Scan(&id); err != nil {
			return mapErr(err)
		}
		return writeIssueStories(ctx, tx, id, i.StoryIDs)
	})
	return id, err
}

// UpdateNewsletterIssue saves a draft's list, subject, intro and stories;
// an issue no longer a draft is ErrConflict and keeps what it had.
func (s *Store) UpdateNewsletterIssue(ctx context.Context, i *newsletter.Issue, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE newsletter_issues SET list_id = $2, subject = $3, intro = $4, updated_at = $5
			WHERE id = $1 AND status = 'draft'`, i.ID, i.ListID, i.Subject, i.Intro, now.UTC())
		if err := affectedOne(res, err); err != nil {
			if err == ErrNotFound {
				return ErrConflict
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM newsletter_issue_stories WHERE issue_id = $1`, i.ID); err != nil {
			return mapErr(err)
		}
		return writeIssueStories(ctx, tx, i.ID, i.StoryIDs)
	})
}

func writeIssueStories(ctx context.Context, tx *sql.Tx, issueID int64, storyIDs []int64) error {
	for pos, id := range storyIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO newsletter_issue_stories (issue_id, article_id, position) VALUES ($1, $2, $3)`,
			issueID, id, pos); err != nil {
			return mapErr(err)
		}
	}
	return nil
}

// NewsletterIssue reads an issue with its stories in order.
func (s *Store) NewsletterIssue(ctx context.Context, id int64) (*newsletter.Issue, error) {
	i, err := scanIssue(s.readRow(ctx, `SELECT `+issueColumns+` FROM newsletter_issues WHERE id = $1`, id))
	if err != nil {
		return nil, err
	}
	rows, err := s.readRows(ctx, `SELECT article_id FROM newsletter_issue_stories WHERE issue_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a int64
		if err := rows.Scan(&a); err != nil {
			return nil, mapErr(err)
		}
		i.StoryIDs = append(i.StoryIDs, a)
	}
	return i, mapErr(rows.Err())
}

// NewsletterIssues lists the newest issues first, without their stories.
func (s *Store) NewsletterIssues(ctx context.Context, limit int) ([]*newsletter.Issue, error) {
	rows, err := s.readRows(ctx, `SELECT `+issueColumns+` FROM newsletter_issues ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*newsletter.Issue
	for rows.Next() {
		i, err := scanIssue(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, mapErr(rows.Err())
}

// SentNewsletterIssues lists a list's issues that have gone out (or are
// going), newest first (index newsletter_issues_list).
func (s *Store) SentNewsletterIssues(ctx context.Context, listID int64, limit int) ([]*newsletter.Issue, error) {
	rows, err := s.readRows(ctx, `SELECT `+issueColumns+` FROM newsletter_issues
		WHERE list_id = $1 AND status IN ('sending', 'sent') ORDER BY id DESC LIMIT $2`, listID, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []*newsletter.Issue
	for rows.Next() {
		i, err := scanIssue(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, mapErr(rows.Err())
}

// ScheduleNewsletterIssue schedules a draft or scheduled issue for sendAt
// under its next generation, and enqueues the job that sends it (named by
// job for that generation) in the same transaction. An issue already
// sending or sent is ErrConflict.
func (s *Store) ScheduleNewsletterIssue(ctx context.Context, id int64, sendAt, now time.Time,
	job func(generation int) (kind, key, payload string)) (int, error) {
	var gen int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE newsletter_issues SET status = 'scheduled', send_at = $2,
			generation = generation + 1, updated_at = $3
			WHERE id = $1 AND status IN ('draft', 'scheduled') RETURNING generation`, id, sendAt.UTC(), now.UTC()).Scan(&gen)
		if err != nil {
			return s.issueStateError(ctx, tx, id, err)
		}
		kind, key, payload := job(gen)
		_, err = enqueueJob(ctx, tx, kind, key, payload, sendAt, now)
		return err
	})
	return gen, err
}

// UnscheduleNewsletterIssue turns a scheduled issue back into a draft;
// its job then finds a generation that is not the issue's and does
// nothing. An issue already sending or sent is ErrConflict.
func (s *Store) UnscheduleNewsletterIssue(ctx context.Context, id int64, now time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var gen int
		err := tx.QueryRowContext(ctx, `UPDATE newsletter_issues SET status = 'draft', send_at = NULL, updated_at = $2
			WHERE id = $1 AND status = 'scheduled' RETURNING generation`, id, now.UTC()).Scan(&gen)
		if err != nil {
			return s.issueStateError(ctx, tx, id, err)
		}
		return nil
	})
}

// issueStateError says why a conditional change of an issue changed
// nothing: ErrNotFound when there is no such issue, ErrConflict when it
// is in another state.
func (s *Store) issueStateError(ctx context.Context, tx *sql.Tx, id int64, err error) error {
	if mapErr(err) != ErrNotFound {
		return mapErr(err)
	}
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM newsletter_issues WHERE id = $1`, id).Scan(&one); err != nil {
		return mapErr(err)
	}
	return ErrConflict
}

// QueueNewsletterIssue starts the send of generation gen of an issue: the
// first time, it marks the issue sending and writes a delivery for every
// confirmed, unsuppressed address then on its list, in one transaction, so
// the recipients are fixed once. A send resumed finds the issue sending
// and writes nothing. An issue unscheduled or rescheduled since (another
// generation) is ErrNotFound.
func (s *Store) QueueNewsletterIssue(ctx context.Context, id int64, gen int, now time.Time) (*newsletter.Issue, error) {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var list int64
		err := tx.QueryRowContext(ctx, `UPDATE newsletter_issues SET status = 'sending', queued_at = $3, updated_at = $3
			WHERE id = $1 AND generation = $2 AND status = 'scheduled' RETURNING list_id`, id, gen, now.UTC()).Scan(&list)
		if mapErr(err) == ErrNotFound {
			return nil // resumed, or not this generation's: read below
		}
		if err != nil {
			return mapErr(err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO newsletter_deliveries (issue_id, subscriber_id, membership_id, updated_at)
			SELECT $1, s.id, m.id, $2 FROM newsletter_memberships m
			JOIN newsletter_subscribers s ON s.id = m.subscriber_id
			WHERE m.list_id = $3 AND m.left_at IS NULL AND s.confirmed_at IS NOT NULL AND s.suppressed_at IS NULL
			ORDER BY s.id
			ON CONFLICT (issue_id, subscriber_id) DO NOTHING`, id, now.UTC(), list)
		return mapErr(err)
	})
	if err != nil {
		return nil, err
	}
	i, err := s.NewsletterIssue(ctx, id)
	if err != nil {
		return nil, err
	}
	if i.Generation != gen || (i.Status != newsletter.StatusSending && i.Status != newsletter.StatusSent) {
		return nil, ErrNotFound
	}
	return i, nil
}

// InterruptNewsletterClaims marks what runs other than run left claimed
// of an issue as interrupted: they died (or lost the job) between claiming
// a delivery and recording it, so whether its message went is unknown,
// and it is never sent again. It returns how many.
func (s *Store) InterruptNewsletterClaims(ctx context.Context, issueID int64, run string, now time.Time) (int, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE newsletter_deliveries SET state = 'interrupted', updated_at = $3,
		error = 'the send was interrupted while this message was being sent: not sent again'
		WHERE issue_id = $1 AND state = 'sending' AND claimed_by <> $2`, issueID, run, now.UTC())
	if err != nil {
		return 0, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// QueuedNewsletterRecipients reads up to limit queued deliveries of an
// issue after the delivery afterID, in order, with the account that holds
// each address (confirmed) and its subscription, for the projection.
func (s *Store) QueuedNewsletterRecipients(ctx context.Context, issueID, afterID int64, limit int) ([]newsletter.Recipient, error) {
	rows, err := s.readRows(ctx, `SELECT d.id, d.subscriber_id, d.membership_id, s.email, COALESCE(a.id, 0), COALESCE(a.role, '')
		FROM newsletter_deliveries d JOIN newsletter_subscribers s ON s.id = d.subscriber_id
		LEFT JOIN accounts a ON a.email = s.email AND a.email_verified_at IS NOT NULL
		WHERE d.issue_id = $1 AND d.state = 'queued' AND d.id > $2 ORDER BY d.id LIMIT $3`, issueID, afterID, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	var out []newsletter.Recipient
	var accountIDs []int64
	for rows.Next() {
		var r newsletter.Recipient
		var role string
		if err := rows.Scan(&r.DeliveryID, &r.SubscriberID, &r.MembershipID, &r.Email, &r.Viewer.AccountID, &role); err != nil {
			rows.Close()
			return nil, mapErr(err)
		}
		r.Viewer.Staff = accounts.Role(role).IsStaff()
		if r.Viewer.AccountID != 0 {
			accountIDs = append(accountIDs, r.Viewer.AccountID)
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	subs, err := s.currentSubscriptionsOf(ctx, accountIDs)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Viewer.Subscription = subs[out[i].Viewer.AccountID]
	}
	return out, nil
}

// currentSubscriptionsOf reads the subscription that has not ended of
// each account that has one (the database allows one per account).
func (s *Store) currentSubscriptionsOf(ctx context.Context, accountIDs []int64) (map[int64]*billing.Subscription, error) {
	subs := make(map[int64]*billing.Subscription)
	if len(accountIDs) == 0 {
		return subs, nil
	}
	var q strings.Builder
	q.WriteString(`SELECT ` + subscriptionColumns + ` FROM subscriptions WHERE status <> 'ended' AND account_id IN (`)
	args := make([]any, len(accountIDs))
	for i, id := range accountIDs {
		if i > 0 {
			q.WriteByte(',')
		}
		s.dialect.writeArg(&q, i+1)
		args[i] = id
	}
	q.WriteString(`)`)
	rows, err := s.r.QueryContext(ctx, q.String(), args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		sub, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		subs[sub.AccountID] = sub
	}
	return subs, mapErr(rows.Err())
}

// ClaimNewsletterDeliveries claims the queued deliveries among ids for
// run, in one statement, and returns those it claimed: of two runs (or a
// run and a stale one) only one gets each. The claim is committed before
// the messages are sent, lazily: it outlives a crash of this process,
// which is what resuming a send must know of.
func (s *Store) ClaimNewsletterDeliveries(ctx context.Context, ids []int64, run string, now time.Time) ([]int64, error) {
	q, args := s.inList(`UPDATE newsletter_deliveries SET state = 'sending', claimed_by = $1, updated_at = $2`+
		s.dialect.lazyCommitFrom+` WHERE state = 'queued' AND id IN (`, []any{run, now.UTC()}, ids)
	rows, err := s.w.QueryContext(ctx, q+` RETURNING id`, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var claimed []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, mapErr(err)
		}
		claimed = append(claimed, id)
	}
	return claimed, mapErr(rows.Err())
}

// ReleaseNewsletterDelivery puts back a claim whose message certainly did
// not go (the SMTP server could not be reached), for a later run.
func (s *Store) ReleaseNewsletterDelivery(ctx context.Context, id int64, run string, now time.Time) error {
	_, err := s.w.ExecContext(ctx, `UPDATE newsletter_deliveries SET state = 'queued', claimed_by = '', updated_at = $3
		WHERE id = $1 AND state = 'sending' AND claimed_by = $2`, id, run, now.UTC())
	return mapErr(err)
}

// RecordNewsletterOutcomes records what became of deliveries run claimed,
// in one transaction: the sent in one statement; each refusal with its
// error, a permanent one counted against its address, which is
// suppressed at newsletter.HardBounceLimit in a row. A delivery no longer
// run's is left as it is.
func (s *Store) RecordNewsletterOutcomes(ctx context.Context, run string, outcomes []newsletter.Outcome, now time.Time) error {
	if len(outcomes) == 0 {
		return nil
	}
	return s.inLazyTx(ctx, func(tx *sql.Tx) error {
		var sent, delivered []int64
		for _, o := range outcomes {
			if o.State == newsletter.Delivered {
				sent, delivered = append(sent, o.DeliveryID), append(delivered, o.SubscriberID)
				continue
			}
			res, err := tx.ExecContext(ctx, `UPDATE newsletter_deliveries SET state = $3, error = $4, updated_at = $5
				WHERE id = $1 AND state = 'sending' AND claimed_by = $2`, o.DeliveryID, run, string(o.State), o.Error, now.UTC())
			if err != nil {
				return mapErr(err)
			}
			if n, _ := res.RowsAffected(); n == 1 && o.HardBounce {
				if _, err := tx.ExecContext(ctx, `UPDATE newsletter_subscribers SET hard_bounces = hard_bounces + 1,
					suppressed_at = CASE WHEN hard_bounces + 1 >= $2 THEN $3 ELSE suppressed_at END WHERE id = $1`,
					o.SubscriberID, newsletter.HardBounceLimit, now.UTC()); err != nil {
					return mapErr(err)
				}
			}
		}
		if len(sent) == 0 {
			return nil
		}
		q, args := s.inList(`UPDATE newsletter_deliveries SET state = 'sent', updated_at = $1
			WHERE state = 'sending' AND claimed_by = $2 AND id IN (`, []any{now.UTC(), run}, sent)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return mapErr(err)
		}
		// A bounce count is of refusals in a row: a delivery clears it.
		q, args = s.inList(`UPDATE newsletter_subscribers SET hard_bounces = 0 WHERE hard_bounces > 0 AND id IN (`, nil, delivered)
		_, err := tx.ExecContext(ctx, q, args...)
		return mapErr(err)
	})
}

// inList appends ids to a statement ending in "IN (" as placeholders after
// args, whose own placeholders all come before the list, and closes it.
func (s *Store) inList(prefix string, args []any, ids []int64) (string, []any) {
	var q strings.Builder
	q.WriteString(prefix)
	for i, id := range ids {
		if i > 0 {
			q.WriteByte(',')
		}
		args = append(args, id)
		s.dialect.writeArg(&q, len(args))
	}
	q.WriteByte(')')
	// On SQLite the list's bare ? marks number on from the $n before them
	// in the text, which are the first arguments.
	return q.String(), args
}

// FinishNewsletterIssue marks a sending issue sent once no delivery is
// queued or claimed, and reports whether it is sent.
func (s *Store) FinishNewsletterIssue(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := s.w.ExecContext(ctx, `UPDATE newsletter_issues SET status = 'sent', sent_at = $2, updated_at = $2
		WHERE id = $1 AND status = 'sending' AND NOT EXISTS (SELECT 1 FROM newsletter_deliveries
			WHERE issue_id = $1 AND state IN ('queued', 'sending'))`, id, now.UTC())
	if err != nil {
		return false, mapErr(err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// NewsletterIssueCounts counts an issue's deliveries by state, and the
// unsubscriptions its links made.
func (s *Store) NewsletterIssueCounts(ctx context.Context, id int64) (newsletter.Counts, error) {
	var c newsletter.Counts
	rows, err := s.readRows(ctx, `SELECT state, COUNT(*) FROM newsletter_deliveries WHERE issue_id = $1 GROUP BY state`, id)
	if err != nil {
		return c, mapErr(err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return c, mapErr(err)
		}
		switch newsletter.DeliveryState(state) {
		case newsletter.Queued:
			c.Queued = n
		case newsletter.Claimed:
			c.Sending = n
		case newsletter.Delivered:
			c.Sent = n
		case newsletter.Failed:
			c.Failed = n
		case newsletter.Skipped:
			c.Skipped = n
		case newsletter.Interrupted:
			c.Interrupted = n
		}
	}
	if err := rows.Err(); err != nil {
		return c, mapErr(err)
	}
	err = s.readRow(ctx, `SELECT COUNT(*) FROM newsletter_memberships WHERE left_issue_id = $1`, id).Scan(&c.Unsubscribed)
	return c, mapErr(err)
}

// NewsletterIssueFailures lists up to limit recipients an issue failed to
// reach, was interrupted sending to, or skipped as no longer entitled to
// its list, each with the reason.
func (s *Store) NewsletterIssueFailures(ctx context.Context, id int64, limit int) ([]newsletter.Failure, error) {
	rows, err := s.readRows(ctx, `SELECT s.email, d.state, d.error FROM newsletter_deliveries d
		JOIN newsletter_subscribers s ON s.id = d.subscriber_id
		WHERE d.issue_id = $1 AND d.state IN ('failed', 'interrupted', 'skipped') ORDER BY d.id LIMIT $2`, id, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []newsletter.Failure
	for rows.Next() {
		var f newsletter.Failure
		var state string
		if err := rows.Scan(&f.Email, &state, &f.Error); err != nil {
			return nil, mapErr(err)
		}
		f.State = newsletter.DeliveryState(state)
		out = append(out, f)
	}
	return out, mapErr(rows.Err())
}
