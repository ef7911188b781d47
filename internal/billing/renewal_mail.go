package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"broadsheet/internal/dberr"
	"broadsheet/internal/mail"
)

// The emails every renewal sends, each a job queued in the transaction
// that records what it tells, and keyed by that event, so that it is
// sent once however often the renewal is run again.
const (
	// RenewalReceiptJob emails the receipt of a renewed term; its
	// payload is the payment's id.
	RenewalReceiptJob = "renewal-receipt"
	// RenewalDeclinedJob emails what a declined renewal means: when it is
	// tried again and until when the reader reads; its payload is the
	// declined payment's id.
	RenewalDeclinedJob = "renewal-declined"
	// RenewalEndedJob emails that a subscription whose renewal could not
	// be charged has ended; its payload is the subscription's id.
	RenewalEndedJob = "renewal-ended"
)

// RenewalReceiptKey names the receipt of a renewed term: one per term.
func RenewalReceiptKey(term *Term) string {
	return fmt.Sprintf("receipt:%d:%d", term.SubscriptionID, term.Seq)
}

// RenewalDeclinedKey names the email about one declined attempt.
func RenewalDeclinedKey(p *Payment) string {
	return "renewal-declined:" + strings.TrimPrefix(p.IdempotencyKey, "renewal:")
}

// RenewalEndedKey names the email that a subscription ended unpaid: one per
// subscription.
func RenewalEndedKey(subscriptionID int64) string {
	return "renewal-ended:" + strconv.FormatInt(subscriptionID, 10)
}

// SendRenewalReceipt emails the receipt of the term a renewal payment paid
// for: the amount, the plan, until when it is paid, and its tax invoice.
func (s *Service) SendRenewalReceipt(ctx context.Context, paymentID int64) error {
	term, err := s.Store.TermByPayment(ctx, paymentID)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil // it bought no term (refunded): there is nothing to receipt
	}
	if err != nil {
		return err
	}
	plan, err := s.Store.PlanByID(ctx, term.PlanID)
	if err != nil {
		return err
	}
	sub, err := s.Store.SubscriptionByID(ctx, term.SubscriptionID)
	if err != nil {
		return err
	}
	invoice, err := s.invoiceLine(ctx, paymentID)
	if err != nil {
		return err
	}
	loc, publication := s.Location(), s.Publication()
	what, subject := "Your subscription renewed automatically for the term", plan.Name+" renewed"
	if p, err := s.Store.PaymentByID(ctx, paymentID); err != nil {
		return err
	} else if p.Purpose == PurposeUpgrade {
		what = fmt.Sprintf("You switched to %s, with %s for the unused days of your previous term counted toward its price, for the term", plan.Name, term.Credit)
		subject = "you switched to " + plan.Name
	}
	body := Receipt(plan, term.Amount, term.EndsAt, loc) + invoice + "\n\n" +
		fmt.Sprintf("%s from %s to %s.\n\nManage your subscription: %s/account",
			what, term.StartsAt.In(loc).Format(dayLayout), term.EndsAt.In(loc).Format(dayLayout), s.BaseURL)
	return s.sendAbout(ctx, sub, RenewalReceiptKey(term), "Your "+publication+" receipt: "+subject, body)
}

// SendRenewalDeclined emails what a declined renewal attempt means: what
// happened, when the card is tried again (or that it is not), until when
// the reader keeps reading, and where to update the payment method. An
// attempt the subscription has moved past since (renewed, retried, ended)
// is not told: the email about what happened next says more.
func (s *Service) SendRenewalDeclined(ctx context.Context, paymentID int64) error {
	p, err := s.Store.PaymentByID(ctx, paymentID)
	if err != nil {
		return err
	}
	subID, seq, attempt, ok := parseRenewalKey(p.IdempotencyKey)
	if !ok {
		return fmt.Errorf("renewal payment %d has a malformed key %q", p.ID, p.IdempotencyKey)
	}
	sub, err := s.Store.SubscriptionByID(ctx, subID)
	if err != nil {
		return err
	}
	if sub.Status != PastDue || sub.TermsPaid != seq-1 || sub.RenewalFailures != attempt {
		return nil
	}
	plan, err := s.Store.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return err
	}
	loc, publication := s.Location(), s.Publication()
	access := AccessUntil(sub).In(loc).Format(dayLayout)
	var b strings.Builder
	fmt.Fprintf(&b, "We could not renew your %s subscription, %s: the charge of %s was declined", publication, plan.Name, p.Amount)
	if p.Failure != "" {
		fmt.Fprintf(&b, " (%q)", strings.TrimSuffix(p.Failure, "."))
	}
	b.WriteString(".\n\n")
	switch {
	case !sub.AutoRenew && sub.PaidUntil.After(s.Now()):
		fmt.Fprintf(&b, "Auto-renewal is off, so we will not try again. You keep reading until %s.\n\nYour account: %s/account",
			sub.PaidUntil.In(loc).Format(dayLayout), s.BaseURL)
	case !sub.AutoRenew:
		fmt.Fprintf(&b, "Auto-renewal is off, so we will not try again, and your access ended with the term you paid for, on %s.\n\n"+
			"To read again, subscribe: %s/subscribe", sub.PaidUntil.In(loc).Format(dayLayout), s.BaseURL)
	case sub.NextAttemptAt != nil:
		fmt.Fprintf(&b, "We will try your card again on %s. Meanwhile you keep reading, until %s at the latest.\n\n"+
			"To keep your subscription, check your card or update your payment method on your account page; "+
			"once you do, we charge the renewal to the new one at once:\n%s%s",
			sub.NextAttemptAt.In(loc).Format(dayLayout), access, s.BaseURL, UpdateMethodPath)
	default:
		fmt.Fprintf(&b, "That was our last try: we will not charge your card again. You keep reading until %s; then your subscription ends.\n\n"+
			"To keep reading after that, update your payment method on your account page, and we charge the renewal to it at once:\n%s%s\n\n"+
			"or subscribe again: %s/subscribe", access, s.BaseURL, UpdateMethodPath, s.BaseURL)
	}
	return s.sendAbout(ctx, sub, RenewalDeclinedKey(p), "We could not renew your "+publication+" subscription", b.String())
}

// UpdateMethodPath is the account page's form that replaces the payment
// method, which the emails about a declined renewal link to.
const UpdateMethodPath = "/account#payment-method-form"

// SendRenewalEnded emails that a subscription ended because its renewal
// could not be charged, and how to subscribe again.
func (s *Service) SendRenewalEnded(ctx context.Context, subscriptionID int64) error {
	sub, err := s.Store.SubscriptionByID(ctx, subscriptionID)
	if err != nil {
		return err
	}
	plan, err := s.Store.PlanByID(ctx, sub.PlanID)
	if err != nil {
		return err
	}
	loc, publication := s.Location(), s.Publication()
	ended := AccessUntil(sub).In(loc).Format(dayLayout)
	body := fmt.Sprintf("Your %s subscription, %s, has ended: we could not charge your card for its renewal, "+
		"and your access ended on %s. Nothing more will be charged.\n\n"+
		"We would be glad to have you back. To subscribe again, choose a plan here:\n%s/subscribe",
		publication, plan.Name, ended, s.BaseURL)
	return s.sendAbout(ctx, sub, RenewalEndedKey(sub.ID), "Your "+publication+" subscription has ended", body)
}

// sendAbout emails the subscription's reader body, signed, under key.
func (s *Service) sendAbout(ctx context.Context, sub *Subscription, key, subject, body string) error {
	account, err := s.Store.AccountByID(ctx, sub.AccountID)
	if err != nil {
		return err
	}
	body += "\n\n— " + s.Publication() + "\n"
	return s.Mail.Send(ctx, mail.Message{To: account.Email, Subject: subject, Body: body, Key: key})
}
