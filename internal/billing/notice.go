package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"broadsheet/internal/accounts"
	"broadsheet/internal/dberr"
	"broadsheet/internal/mail"
	"broadsheet/internal/money"
)

// RenewalNotice is the pre-debit notice of one term's automatic charge:
// the amount and the day it named, and when it went out. Every attempt to
// charge the term charges that amount, and none is made before a day has
// passed since the notice went out.
type RenewalNotice struct {
	SubscriptionID int64
	Seq            int   // the term the charge pays for
	PlanID         int64 // the plan the term is on
	Amount         money.Paise
	ChargeAt       time.Time
	SentAt         *time.Time
	CreatedAt      time.Time
}

// NoticeStore is what pre-debit notices and their cancel links need from
// the database.
type NoticeStore interface {
	// NoticesDue lists subscriptions that renew automatically with a
	// charge due by the given time whose next term's notice has not gone
	// out.
	NoticesDue(ctx context.Context, by time.Time, limit int) ([]*Subscription, error)
	// PrepareRenewalNotice records the notice of a term before it is
	// sent, or returns the one recorded. A notice not sent yet takes the
	// later charge day of the two; its amount stays as first recorded.
	PrepareRenewalNotice(ctx context.Context, n *RenewalNotice) (*RenewalNotice, error)
	// RenewalNotice returns the notice of a subscription's term, or ErrNotFound.
	RenewalNotice(ctx context.Context, subscriptionID int64, seq int) (*RenewalNotice, error)
	// CreateCancelToken stores a cancel link's token (its hash).
	CreateCancelToken(ctx context.Context, t *CancelToken) error
	// CancelTokenByHash finds a cancel link's token, used or not, or ErrNotFound.
	CancelTokenByHash(ctx context.Context, tokenHash string) (*CancelToken, error)
	// TermByPayment returns the term a payment paid for, or ErrNotFound.
	TermByPayment(ctx context.Context, paymentID int64) (*Term, error)
}

// RenewalNoticeJob is the kind of job that emails a term's pre-debit
// notice; its payload is the subscription's id.
const RenewalNoticeJob = "renewal-notice"

// RenewalNoticeKey names the notice of sub's next term: one per
// subscription and term, however many instances find it due.
func RenewalNoticeKey(sub *Subscription) string { return noticeKey(sub.ID, sub.TermsPaid+1) }

func noticeKey(subscriptionID int64, seq int) string {
	return fmt.Sprintf("renewal-notice:%d:%d", subscriptionID, seq)
}

// errNoticePending: a charge was asked for a term whose notice has not
// been out for NoticeMinLead.
var errNoticePending = errors.New("its pre-debit notice has not been out for a day yet")

// errAutoRenewOff: a notice's job found auto-renewal turned off since it
// was queued. It fails, to be tried again later, rather than finish: a
// reader who turns it back on still gets the notice (the job's key is the
// term's, so no other job would send it), and once the subscription has
// ended the job finishes with nothing sent.
var errAutoRenewOff = errors.New("auto-renewal is off: the notice waits until it is back on or the subscription ends")

// EnqueueRenewalNotices queues the notice of each subscription whose
// automatic charge falls within the notice period and whose next term
// has had none, keyed by subscription and term so instances queue each
// once.
func (s *Service) EnqueueRenewalNotices(ctx context.Context) error {
	due, err := s.Store.NoticesDue(ctx, s.Now().Add(s.schedule().Notice), 500)
	if err != nil {
		return err
	}
	return s.enqueueEach(ctx, RenewalNoticeJob, len(due), func(i int) (string, int64) { return RenewalNoticeKey(due[i]), due[i].ID })
}

// SendRenewalNotice emails the pre-debit notice of the subscription's next
// automatic charge: the amount, the day, the plan, and a link that cancels
// auto-renewal without signing in. It records when the notice went out;
// sent less than a day before the charge (the server was down over the
// notice period), it moves the charge to a day after it. Run again, after
// the notice was recorded it sends nothing; after it was sent but not
// recorded (a crash between), it sends the same message again, which mail
// keeps once by its key.
func (s *Service) SendRenewalNotice(ctx context.Context, subscriptionID int64) error {
	sub, err := s.Store.SubscriptionByID(ctx, subscriptionID)
	if err != nil || sub.Status == Ended {
		return err
	}
	seq := sub.TermsPaid + 1
	if n, err := s.Store.RenewalNotice(ctx, sub.ID, seq); err == nil && n.SentAt != nil {
		return nil
	} else if err != nil && !errors.Is(err, dberr.ErrNotFound) {
		return err
	}
	if !sub.AutoRenew {
		return errAutoRenewOff
	}
	plan, err := s.Store.PlanByID(ctx, renewalPlanID(sub, nil))
	if err != nil {
		return err
	}
	now := s.Now()
	chargeAt := now.Add(NoticeMinLead)
	if sub.NextAttemptAt != nil {
		chargeAt = later(chargeAt, *sub.NextAttemptAt)
	}
	notice, err := s.Store.PrepareRenewalNotice(ctx, &RenewalNotice{
		SubscriptionID: sub.ID, Seq: seq, PlanID: plan.ID, Amount: plan.Price, ChargeAt: chargeAt, CreatedAt: now,
	})
	if err != nil {
		return err
	}
	if plan.ID != renewalPlanID(sub, notice) { // prepared before a switch, and not sent: it renews what it named
		if plan, err = s.Store.PlanByID(ctx, renewalPlanID(sub, notice)); err != nil {
			return err
		}
	}
	token := accounts.NewToken()
	if err := s.Store.CreateCancelToken(ctx, &CancelToken{
		TokenHash: accounts.HashToken(token), SubscriptionID: sub.ID, Seq: seq, ExpiresAt: notice.ChargeAt, CreatedAt: now,
	}); err != nil {
		return err
	}
	msg, err := s.noticeMessage(ctx, sub, plan, notice, token)
	if err != nil {
		return err
	}
	if err := s.Mail.Send(ctx, msg); err != nil {
		return err
	}
	return s.recordNotice(ctx, sub, notice, s.Now())
}

// recordNotice records that the notice went out at sent and, if that was
// less than a day before the charge it named, moves the charge to a day
// after it. Meanwhile the reader keeps reading: the subscription gives
// access until a day past the moved charge (GraceUntil), as a charge made
// on time is made a day before the term ends, so a late notice costs the
// reader no day of reading and a decline is still told while they read.
func (s *Service) recordNotice(ctx context.Context, sub *Subscription, n *RenewalNotice, sent time.Time) error {
	return s.Store.InBillingTx(ctx, func(tx Tx) error {
		if recorded, err := tx.MarkNoticeSent(ctx, n.SubscriptionID, n.Seq, sent); err != nil || !recorded {
			return err // recorded already, with whatever it moved, by a run beside this one
		}
		at := later(n.ChargeAt, sent.Add(NoticeMinLead))
		if sub.NextAttemptAt != nil && !at.After(*sub.NextAttemptAt) {
			return nil
		}
		return tx.PostponeRenewal(ctx, n.SubscriptionID, n.Seq, at, at.Add(RenewalLead), sent)
	})
}

// chargeNotice returns the notice that allows charging sub's next term
// now: sent at least NoticeMinLead ago, for a charge due by now. Otherwise
// the error wraps errNoticePending, and nothing may be charged.
func (s *Service) chargeNotice(ctx context.Context, sub *Subscription, now time.Time) (*RenewalNotice, error) {
	n, err := s.Store.RenewalNotice(ctx, sub.ID, sub.TermsPaid+1)
	if err != nil && !errors.Is(err, dberr.ErrNotFound) {
		return nil, err
	}
	if err != nil || n.SentAt == nil || now.Before(n.SentAt.Add(NoticeMinLead)) || now.Before(n.ChargeAt) {
		return nil, fmt.Errorf("renewal of subscription %d: %w", sub.ID, errNoticePending)
	}
	return n, nil
}

// noticeMessage writes the notice: what will be charged, when, to which
// card, for which plan and term, and the link that cancels.
func (s *Service) noticeMessage(ctx context.Context, sub *Subscription, plan *Plan, n *RenewalNotice, token string) (mail.Message, error) {
	account, err := s.Store.AccountByID(ctx, sub.AccountID)
	if err != nil {
		return mail.Message{}, err
	}
	card := "your saved card"
	if m, err := s.Store.PaymentMethodByID(ctx, sub.PaymentMethodID); err == nil && m.Last4 != "" {
		card = "your " + m.Brand + " card ending " + m.Last4
	} else if err != nil && !errors.Is(err, dberr.ErrNotFound) {
		return mail.Message{}, err
	}
	loc, publication := s.Location(), s.Publication()
	termEnd := s.termEnd(sub, plan, n.Seq)
	ifCancelled := "If you cancel, you keep reading until " + sub.PaidUntil.In(loc).Format(dayLayout) + ", the end of the term you paid for."
	if !sub.PaidUntil.After(s.Now()) {
		ifCancelled = "The term you paid for ended on " + sub.PaidUntil.In(loc).Format(dayLayout) + ": if you cancel, your access ends now."
	}
	body := fmt.Sprintf("Your %s subscription, %s (%s), renews automatically.\n\n"+
		"On %s we will charge %s to %s for the next term, until %s.\n\n"+
		"Do not want to renew? Cancel auto-renewal here, without signing in (the link works until the charge):\n\n%s\n\n"+
		"%s Your account: %s/account\n\n— %s\n",
		publication, plan.Name, plan.TermLabel(), n.ChargeAt.In(loc).Format(dayLayout), n.Amount, card, termEnd.In(loc).Format(dayLayout),
		s.BaseURL+CancelRenewalPath+token, ifCancelled, s.BaseURL, publication)
	return mail.Message{
		To:      account.Email,
		Subject: fmt.Sprintf("Your %s subscription renews on %s: %s", publication, n.ChargeAt.In(loc).Format(dayLayout), n.Amount),
		Body:    body,
		Key:     noticeKey(n.SubscriptionID, n.Seq),
	}, nil
}

// dayLayout is how emails name a day, in the publication's time zone.
const dayLayout = "2 January 2006"

// renewalKeyFor is RenewalKey for a given term and attempt.
func renewalKeyFor(subscriptionID int64, seq, attempt int) string {
	return "renewal:" + strconv.FormatInt(subscriptionID, 10) + ":" + strconv.Itoa(seq) + ":" + strconv.Itoa(attempt)
}

// NextCharge is what the next automatic charge of a renewing subscription
// will take, and from when: the amount and day its notice named once the
// notice is out (never sooner than a day after it), the plan's price and
// the scheduled attempt before.
func (s *Service) NextCharge(ctx context.Context, sub *Subscription) (money.Paise, time.Time, error) {
	at := sub.PaidUntil.Add(-RenewalLead)
	if sub.NextAttemptAt != nil {
		at = *sub.NextAttemptAt
	}
	n, err := s.Store.RenewalNotice(ctx, sub.ID, sub.TermsPaid+1)
	if err == nil && n.SentAt != nil {
		return n.Amount, later(at, later(n.ChargeAt, n.SentAt.Add(NoticeMinLead))), nil
	}
	if err != nil && !errors.Is(err, dberr.ErrNotFound) {
		return 0, time.Time{}, err
	}
	plan, err := s.Store.PlanByID(ctx, renewalPlanID(sub, nil))
	if err != nil {
		return 0, time.Time{}, err
	}
	return plan.Price, at, nil
}
