package billing

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/dberr"
	"broadsheet/internal/money"
)

// A subscriber switches plans in one of two ways. By default the new plan
// starts at the next renewal: that renewal's notice names it and charges
// its price. Or at once (an upgrade): the new plan's first term starts
// now, the current term is cut short, and what was paid for its unused
// whole days is credited toward the new price; the rest is charged on the
// saved payment method under a key of the form the reader confirmed.

// SwitchStore is what plan switches need from the database.
type SwitchStore interface {
	// SetNextPlan sets the plan sub moves to at a coming renewal (0: it
	// stays), if sub is still as read; it reports whether it applied.
	SetNextPlan(ctx context.Context, sub *Subscription, planID int64, now time.Time) (bool, error)
	// BeginUpgrade records the pending payment of an upgrade, or returns
	// the one with the same key (created false); ErrConflict if sub
	// changed or the account has a renewal or upgrade in flight.
	BeginUpgrade(ctx context.Context, p *Payment, sub *Subscription) (*Payment, bool, error)
}

// Errors of plan switches, for readers.
var (
	ErrSwitchUnavailable = errors.New("this subscription cannot switch plans: a complimentary subscription, or one whose payment is overdue, " +
		"keeps its plan; nothing was changed")
	ErrSwitchSamePlan      = errors.New("you are on that plan already; nothing was changed")
	ErrUpgradeNotPossible  = errors.New("what is left of your current term is worth more than that plan's price: switch at your next renewal instead; nothing was charged")
	ErrSwitchAmountChanged = errors.New("the amount to pay changed since you opened the page (a day of your term has passed, or the price changed); nothing was charged: check the new amount and confirm again")
	ErrSubscriptionChanged = errors.New("your subscription changed since you opened the page, or a payment of it is being processed; nothing was charged: check your account page and try again")
)

// SwitchOption is another plan a subscriber may switch to, with what
// switching now would cost.
type SwitchOption struct {
	Plan *Plan
	// Upgrade: switching now is possible, for Amount: the plan's price
	// less Credit, the value of the UnusedDays left of the current term.
	Upgrade    bool
	Credit     money.Paise
	Amount     money.Paise
	UnusedDays int
	// Scheduled: the reader chose this plan for the next renewal.
	Scheduled bool
}

// SwitchOptions lists the plans on offer the subscription may switch to,
// with the price of switching to each now.
func (s *Service) SwitchOptions(ctx context.Context, sub *Subscription) ([]SwitchOption, error) {
	if !switchable(sub) {
		return nil, nil
	}
	plans, err := s.Store.Plans(ctx)
	if err != nil {
		return nil, err
	}
	credit, days, err := s.unusedCredit(ctx, sub)
	if err != nil {
		return nil, err
	}
	var out []SwitchOption
	for _, p := range plans {
		if !p.Active || p.ID == sub.PlanID {
			continue
		}
		o := SwitchOption{Plan: p, Credit: credit, UnusedDays: days, Scheduled: p.ID == sub.NextPlanID}
		o.Amount = p.Price - credit
		o.Upgrade = o.Amount > 0 && sub.PaymentMethodID != 0
		out = append(out, o)
	}
	return out, nil
}

// switchable: a paid, live subscription whose payments are up to date.
func switchable(sub *Subscription) bool {
	return sub.Status == Active && !sub.Complimentary
}

// unusedCredit is the value of the whole days left of the current term:
// what the term was worth (paid plus any credit it carried) times the
// share of its days still to come. Counting whole days keeps the amount
// shown the same for a day, so the reader confirms what they saw.
func (s *Service) unusedCredit(ctx context.Context, sub *Subscription) (money.Paise, int, error) {
	terms, err := s.Store.Terms(ctx, sub.ID)
	if err != nil || len(terms) == 0 {
		return 0, 0, err
	}
	term := terms[len(terms)-1]
	const day = 24 * time.Hour
	total := int64((term.EndsAt.Sub(term.StartsAt) + day/2) / day)
	unused := int64(term.EndsAt.Sub(s.Now()) / day)
	if total <= 0 || unused <= 0 {
		return 0, 0, nil
	}
	unused = min(unused, total)
	return money.Paise(int64(term.Amount+term.Credit) * unused / total), int(unused), nil
}

// SwitchAtRenewal sets the plan the account's subscription moves to at its
// next renewal whose notice has not gone out; choosing the current plan
// again undoes a switch.
func (s *Service) SwitchAtRenewal(ctx context.Context, accountID int64, planCode string) error {
	sub, plan, err := s.switchTarget(ctx, accountID, planCode)
	if errors.Is(err, ErrSwitchSamePlan) {
		plan, err = nil, nil
	}
	if err != nil {
		return err
	}
	next := int64(0)
	if plan != nil {
		next = plan.ID
	}
	applied, err := s.Store.SetNextPlan(ctx, sub, next, s.Now())
	if err != nil {
		return err
	}
	if !applied {
		return ErrSubscriptionChanged
	}
	return nil
}

// switchTarget reads the account's subscription and the plan it would
// switch to, if it may.
func (s *Service) switchTarget(ctx context.Context, accountID int64, planCode string) (*Subscription, *Plan, error) {
	sub, err := s.Store.CurrentSubscription(ctx, accountID)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil, nil, ErrNoSubscription
	}
	if err != nil {
		return nil, nil, err
	}
	if !switchable(sub) {
		return nil, nil, ErrSwitchUnavailable
	}
	plan, err := s.Store.PlanByCode(ctx, planCode)
	if errors.Is(err, dberr.ErrNotFound) || (err == nil && !plan.Active) {
		return nil, nil, ErrUnknownPlan
	}
	if err != nil {
		return nil, nil, err
	}
	if plan.ID == sub.PlanID {
		return sub, plan, ErrSwitchSamePlan
	}
	return sub, plan, nil
}

// UpgradeRequest is a reader's confirmed switch to another plan now.
type UpgradeRequest struct {
	AccountID int64
	PlanCode  string
	// Amount is what the page said would be charged: if it changed since,
	// nothing is charged.
	Amount money.Paise
	// FormKey names the form confirmed: the same form sent twice charges once.
	FormKey string
}

// Upgrade switches the account's subscription to another plan now: it
// charges the saved payment method the amount the reader confirmed and
// starts the new plan's first term, cutting the current one short. A
// decline changes nothing (a DeclineError says why).
func (s *Service) Upgrade(ctx context.Context, r UpgradeRequest) error {
	if !ValidFormKey(r.FormKey) {
		return ErrSubscriptionChanged
	}
	sub, plan, err := s.switchTarget(ctx, r.AccountID, r.PlanCode)
	if errors.Is(err, ErrSwitchSamePlan) {
		// The form sent again after it went through: tell what it did.
		if p, err := s.Store.PaymentByKey(ctx, upgradeKey(sub.ID, sub.TermsPaid, r.FormKey)); err == nil {
			return s.upgradeOutcome(p)
		}
	}
	if err != nil {
		return err
	}
	key := upgradeKey(sub.ID, sub.TermsPaid+1, r.FormKey)
	if p, err := s.Store.PaymentByKey(ctx, key); err == nil {
		return s.upgradeOutcome(p)
	} else if !errors.Is(err, dberr.ErrNotFound) {
		return err
	}
	credit, _, err := s.unusedCredit(ctx, sub)
	if err != nil {
		return err
	}
	amount := plan.Price - credit
	if amount <= 0 || sub.PaymentMethodID == 0 {
		return ErrUpgradeNotPossible
	}
	if amount != r.Amount {
		return ErrSwitchAmountChanged
	}
	p, created, err := s.Store.BeginUpgrade(ctx, &Payment{
		AccountID: r.AccountID, IdempotencyKey: key, PlanID: plan.ID, PaymentMethodID: sub.PaymentMethodID,
		Amount: amount, Currency: plan.Currency, Gateway: s.Gateway.Name(), CreatedAt: s.Now(),
	}, sub)
	if errors.Is(err, dberr.ErrConflict) {
		return ErrSubscriptionChanged
	}
	if err != nil {
		return err
	}
	if !created {
		return s.upgradeOutcome(p)
	}
	method, err := s.Store.PaymentMethodByID(ctx, p.PaymentMethodID)
	if err != nil {
		return err
	}
	ctx = context.WithoutCancel(ctx)
	chargeCtx, cancel := context.WithTimeout(ctx, renewalChargeTimeout)
	res, err := s.Gateway.Charge(chargeCtx, Charge{IdempotencyKey: key, Token: method.Token, Amount: amount, Currency: plan.Currency})
	cancel()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPaymentInProgress, err)
	}
	if err := s.settleUpgrade(ctx, p, res); err != nil {
		return err
	}
	latest, err := s.Store.PaymentByID(ctx, p.ID)
	if err != nil {
		return err
	}
	return s.upgradeOutcome(latest)
}

// upgradeOutcome tells the reader what became of an upgrade's payment.
func (s *Service) upgradeOutcome(p *Payment) error {
	switch p.Status {
	case PaymentSucceeded:
		return nil
	case PaymentPending:
		return ErrPaymentInProgress
	case PaymentRefunded:
		return &DeclineError{"Your subscription changed while the switch was being paid, so nothing was switched and the payment was refunded."}
	}
	if p.Failure == released {
		return &DeclineError{released}
	}
	return &DeclineError{p.Failure + " Nothing was switched; your current plan continues."}
}

// settleUpgrade records the gateway's answer to an upgrade's charge. A
// charge that went through starts the new plan's term, cutting the
// current one short, with its invoice and receipt, if the subscription is
// still where the upgrade found it; otherwise it is refunded.
func (s *Service) settleUpgrade(ctx context.Context, p *Payment, res ChargeResult) error {
	ctx = context.WithoutCancel(ctx)
	subID, seq, ok := parseUpgradeKey(p.IdempotencyKey)
	if !ok {
		return fmt.Errorf("upgrade payment %d has a malformed key %q", p.ID, p.IdempotencyKey)
	}
	now := s.Now()
	if !res.Succeeded {
		_, err := s.Store.SettlePayment(ctx, p.ID, PaymentFailed, res.Reference, res.Failure, now)
		return err
	}
	plan, err := s.Store.PlanByID(ctx, p.PlanID)
	if err != nil {
		return err
	}
	applied := false
	err = s.Store.InBillingTx(ctx, func(tx Tx) error {
		if err := tx.LockAccount(ctx, p.AccountID); err != nil {
			return err
		}
		if paid, err := tx.PaymentHasTerm(ctx, p.ID); err != nil || paid {
			applied = paid
			return err
		}
		end := AddMonths(now, plan.TermMonths, s.Location())
		term := &Term{SubscriptionID: subID, Seq: seq, PlanID: plan.ID, StartsAt: now, EndsAt: end,
			Amount: p.Amount, Credit: max(plan.Price-p.Amount, 0), PaymentID: p.ID}
		if ok, err := tx.ApplyUpgrade(ctx, term, end.Add(-RenewalLead), now); err != nil || !ok {
			return err
		}
		if marked, err := tx.MarkPaymentSucceeded(ctx, p.ID, res.Reference, now); err != nil {
			return err
		} else if !marked {
			return errSettledMeanwhile
		}
		if err := tx.CreateTerm(ctx, term); err != nil {
			return err
		}
		if err := s.issueInvoice(ctx, tx, p.AccountID, term, now); err != nil {
			return err
		}
		if _, err := tx.EnqueueJob(ctx, RenewalReceiptJob, RenewalReceiptKey(term), strconv.FormatInt(p.ID, 10), now, now); err != nil {
			return err
		}
		applied = true
		return nil
	})
	if err != nil && !errors.Is(err, errSettledMeanwhile) {
		return err
	}
	if applied {
		return nil
	}
	return s.refund(ctx, p, res.Reference)
}

// RecoverUpgrade settles an upgrade's payment left pending: it asks the
// gateway what became of the charge and settles it, or, once the charge
// can no longer be on its way, releases the payment the gateway never
// received.
func (s *Service) RecoverUpgrade(ctx context.Context, paymentID int64) error {
	p, err := s.Store.PaymentByID(ctx, paymentID)
	if err != nil || p.Status != PaymentPending {
		return err
	}
	res, found, err := s.Gateway.Lookup(ctx, p.IdempotencyKey, "")
	if err != nil {
		return err
	}
	if found {
		return s.settleUpgrade(ctx, p, res)
	}
	if s.Now().Sub(p.CreatedAt) < CheckoutRecoveryAfter {
		return fmt.Errorf("upgrade payment %d: its charge may still be on its way", p.ID)
	}
	_, err = s.Store.SettlePayment(ctx, p.ID, PaymentFailed, "", released, s.Now())
	return err
}

// upgradeKey names the charge of an upgrade: the subscription, the term it
// starts and the form that confirmed it.
func upgradeKey(subscriptionID int64, seq int, formKey string) string {
	return "upgrade:" + strconv.FormatInt(subscriptionID, 10) + ":" + strconv.Itoa(seq) + ":" + formKey
}

func parseUpgradeKey(key string) (subscriptionID int64, seq int, ok bool) {
	parts := strings.Split(key, ":")
	if len(parts) != 4 || parts[0] != "upgrade" {
		return 0, 0, false
	}
	id, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || seq < 2 {
		return 0, 0, false
	}
	return id, seq, true
}

// termEnd is when term seq of sub ends if it is on plan: terms are counted
// in calendar months from the anchor, and the first term on another plan
// (a switch at renewal) starts a count of its own where the paid term ends.
func (s *Service) termEnd(sub *Subscription, plan *Plan, seq int) time.Time {
	if plan.ID != sub.PlanID {
		return AddMonths(sub.PaidUntil, plan.TermMonths*(seq-sub.TermsPaid), s.Location())
	}
	return AddMonths(sub.AnchorAt, plan.TermMonths*(seq-sub.AnchorSeq), s.Location())
}

// renewalPlanID is the plan sub's next term renews: the one its notice
// named once there is one, else the plan the reader switches to, if any.
func renewalPlanID(sub *Subscription, n *RenewalNotice) int64 {
	switch {
	case n != nil && n.PlanID != 0:
		return n.PlanID
	case n == nil && sub.NextPlanID != 0:
		return sub.NextPlanID
	}
	return sub.PlanID
}
