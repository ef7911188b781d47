package billing

import (
	"context"
	"fmt"
	"strconv"

	"broadsheet/internal/mail"
)

// RenewalJob is the kind of job that runs a subscription's due renewal
// attempt, or ends one that was cancelled and ran out or whose grace
// period ran out unpaid; its payload is the subscription's id.
const RenewalJob = "renewal"

// RenewalJobKey names the renewal job due for sub: one per attempt while
// it renews, one ending when it does not (cancelled, or declined with no
// retry left).
func RenewalJobKey(sub *Subscription) string {
	if !sub.AutoRenew || (sub.Status == PastDue && sub.NextAttemptAt == nil) {
		return "end:" + strconv.FormatInt(sub.ID, 10)
	}
	return RenewalKey(sub)
}

// JobKind is how one kind of job billing owns runs: Run takes the id the
// job's payload names, and Workers is how many run at once in a process.
// Billing hands these to the jobs runner through the app rather than
// importing the jobs package, which imports the store, which imports
// billing.
type JobKind struct {
	Run     func(ctx context.Context, id int64) error
	Workers int
}

// JobKinds are the kinds of job billing owns and enqueues.
func (s *Service) JobKinds() map[string]JobKind {
	return map[string]JobKind{
		RenewalJob:          {Run: s.Renew, Workers: 2},
		ReceiptJob:          {Run: s.SendReceipt, Workers: 2},
		CheckoutRecoveryJob: {Run: s.RecoverPayment, Workers: 1},
		SettleJob:           {Run: s.SettlePayment, Workers: 1},
		RenewalNoticeJob:    {Run: s.SendRenewalNotice, Workers: 1},
		RenewalReceiptJob:   {Run: s.SendRenewalReceipt, Workers: 1},
		RenewalDeclinedJob:  {Run: s.SendRenewalDeclined, Workers: 1},
		RenewalEndedJob:     {Run: s.SendRenewalEnded, Workers: 1},
		SetupJob:            {Run: s.SettleMethodSetup, Workers: 1},
	}
}

// EnqueueRenewals queues the renewal job of each subscription due for a
// renewal attempt (its notice out for a day) or that has run out, keyed by
// the attempt, so that instances queue each once.
func (s *Service) EnqueueRenewals(ctx context.Context) error {
	due, err := s.DueSubscriptions(ctx, 500)
	if err != nil {
		return err
	}
	return s.enqueueEach(ctx, RenewalJob, len(due), func(i int) (string, int64) { return RenewalJobKey(due[i]), due[i].ID })
}

// EnqueueRecoveries queues one recovery job for each checkout or renewal
// payment left pending past CheckoutRecoveryAfter (its request or job
// died, or lost the gateway's answer), keyed by the payment so instances
// queue it once.
func (s *Service) EnqueueRecoveries(ctx context.Context) error {
	stale, err := s.StalePayments(ctx, 1000)
	if err != nil {
		return err
	}
	return s.enqueueEach(ctx, CheckoutRecoveryJob, len(stale), func(i int) (string, int64) { return recoveryKey(stale[i]), stale[i].ID })
}

// enqueueEach queues n jobs of kind due now, the ith under the key and for
// the id job(i) gives; a key already queued is left as it is.
func (s *Service) enqueueEach(ctx context.Context, kind string, n int, job func(i int) (key string, id int64)) error {
	now := s.Now()
	for i := range n {
		key, id := job(i)
		if _, err := s.Store.EnqueueJob(ctx, kind, key, strconv.FormatInt(id, 10), now, now); err != nil {
			return err
		}
	}
	return nil
}

// SendReceipt emails the receipt for a subscription's first term.
func (s *Service) SendReceipt(ctx context.Context, subscriptionID int64) error {
	sub, err := s.Store.SubscriptionByID(ctx, subscriptionID)
	if err != nil {
		return err
	}
	terms, err := s.Store.Terms(ctx, subscriptionID)
	if err != nil {
		return err
	}
	if len(terms) == 0 {
		return fmt.Errorf("subscription %d has no paid term", subscriptionID)
	}
	first := terms[0]
	plan, err := s.Store.PlanByID(ctx, first.PlanID)
	if err != nil {
		return err
	}
	account, err := s.Store.AccountByID(ctx, sub.AccountID)
	if err != nil {
		return err
	}
	invoice, err := s.invoiceLine(ctx, first.PaymentID)
	if err != nil {
		return err
	}
	publication := s.Publication()
	body := Receipt(plan, first.Amount, first.EndsAt, s.Location()) + invoice +
		"\n\nManage your subscription: " + s.BaseURL + "/account\n\n— " + publication + "\n"
	return s.Mail.Send(ctx, mail.Message{To: account.Email, Subject: "Your " + publication + " receipt: " + plan.Name, Body: body})
}
