package newsletter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"broadsheet/internal/mail"
)

// Sending an issue: its recipients are fixed once (a delivery row each,
// unique per issue and address), then each delivery is claimed by this
// run, committed, before its message goes, and recorded after. A run that
// dies leaves its claims behind; the next run marks them interrupted and
// sends them nothing, so no one receives an issue twice. What is lost to a
// crash is at most the messages in flight, whose fate is unknown, and they
// are counted as such.

// pageSize is how many queued deliveries are read at a time.
const pageSize = 500

// Recording outcomes is batched: a delivery recorded late is at worst
// counted interrupted after a crash, never sent twice.
const (
	recordBatch = 64
	recordEvery = 50 * time.Millisecond
)

// ErrNotSentYet is returned by a send that could not reach the SMTP
// server for some recipients: they stay queued for the job's next try.
var ErrNotSentYet = errors.New("the mail server could not be reached for some recipients; they stay queued")

// Send sends generation gen of an issue to every recipient not sent it
// yet, reporting progress (when not nil) as it goes, and marks it sent
// when none is left. Run again after a crash, it resumes. An issue
// unscheduled or scheduled again since is dberr.ErrNotFound.
func (s *Service) Send(ctx context.Context, issueID int64, gen int, progress func(Counts)) error {
	run := newRun()
	issue, err := s.Store.QueueNewsletterIssue(ctx, issueID, gen, s.Now())
	if err != nil {
		return err
	}
	if issue.Status == StatusSent {
		return nil
	}
	if n, err := s.Store.InterruptNewsletterClaims(ctx, issueID, run, s.Now()); err != nil {
		return err
	} else if n > 0 {
		s.Log.Warn("newsletter send resumed: deliveries an earlier run left in flight are not sent again",
			"issue", issueID, "interrupted", n)
	}
	l, err := s.listByID(ctx, issue.ListID)
	if err != nil {
		return err
	}
	ed, err := s.edition(ctx, issue, l)
	if err != nil {
		return err
	}
	sd := &sender{svc: s, ed: ed, run: run, pace: newPacer(s.Sending.Rate)}
	if err := sd.send(ctx, progress); err != nil {
		return err
	}
	if sd.notSent.Load() > 0 {
		return ErrNotSentYet
	}
	_, err = s.Store.FinishNewsletterIssue(context.WithoutCancel(ctx), issueID, s.Now())
	if progress != nil {
		if c, err := s.Counts(ctx, issueID); err == nil {
			progress(c)
		}
	}
	return err
}

// newRun names one run of a send, to tell its claims from another's.
func newRun() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// sender is one run of a send.
type sender struct {
	svc  *Service
	ed   *edition
	run  string
	pace *pacer

	outcomes chan Outcome
	claims   chan claimRequest
	notSent  atomic.Int64
	stopped  atomic.Bool           // the mail server could not be reached
	failed   atomic.Pointer[error] // a store error that stops the run
}

func (sd *sender) send(ctx context.Context, progress func(Counts)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sd.outcomes = make(chan Outcome, recordBatch)
	recorded := make(chan error, 1)
	go func() { recorded <- sd.record(ctx) }()
	sd.claims = make(chan claimRequest)
	claiming := make(chan struct{})
	go func() { defer close(claiming); sd.claimBatches(ctx) }()
	defer func() { close(sd.claims); <-claiming }()
	stopProgress := sd.report(ctx, progress)

	work := make(chan Recipient)
	var workers sync.WaitGroup
	for range max(sd.svc.Sending.Concurrency, 1) {
		workers.Go(func() { sd.work(ctx, work) })
	}
	feedErr := sd.feed(ctx, work)
	close(work)
	workers.Wait()
	close(sd.outcomes)
	err := <-recorded
	stopProgress()
	if p := sd.failed.Load(); p != nil {
		return *p
	}
	if feedErr != nil {
		return feedErr
	}
	if err != nil {
		return err
	}
	return ctx.Err()
}

// feed hands the queued deliveries to the workers, a page at a time.
func (sd *sender) feed(ctx context.Context, work chan<- Recipient) error {
	var after int64
	for ctx.Err() == nil && sd.failed.Load() == nil && !sd.stopped.Load() {
		page, err := sd.svc.Store.QueuedNewsletterRecipients(ctx, sd.ed.issue.ID, after, pageSize)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, r := range page {
			select {
			case work <- r:
			case <-ctx.Done():
				return nil
			}
		}
		after = page[len(page)-1].DeliveryID
	}
	return nil
}

// work sends to the recipients it is handed, over one connection.
func (sd *sender) work(ctx context.Context, work <-chan Recipient) {
	var conn mail.Conn
	defer func() {
		if conn != nil {
			conn.Close()
		}
	}()
	for r := range work {
		if ctx.Err() != nil || sd.failed.Load() != nil || sd.stopped.Load() {
			continue // drain: the feeder stops soon
		}
		if err := sd.pace.wait(ctx); err != nil {
			continue
		}
		claimed, err := sd.claim(ctx, r.DeliveryID)
		if err != nil {
			sd.fail(err)
			continue
		}
		if !claimed {
			continue // another run has it
		}
		if !MayReceive(sd.ed.access.EntitlementsAt(r.Viewer, sd.ed.now), sd.ed.list) {
			sd.outcomes <- Outcome{DeliveryID: r.DeliveryID, SubscriberID: r.SubscriberID, State: Skipped,
				Error: "not entitled to the newsletter when it was sent"}
			continue
		}
		m, err := sd.ed.message(r.Viewer, sd.svc.UnsubscribeURL(r.MembershipID, sd.ed.issue.ID))
		if err != nil {
			sd.release(r)
			sd.fail(err)
			continue
		}
		m.To, m.Key = r.Email, "newsletter:"+strconv.FormatInt(sd.ed.issue.ID, 10)+":"+strconv.FormatInt(r.SubscriberID, 10)
		if conn == nil {
			if conn, err = sd.svc.Connector.Connect(ctx); err != nil {
				conn = nil
				sd.unreachable(r, err)
				continue
			}
		}
		sd.deliver(ctx, conn, r, m)
	}
}

// claimRequest is a worker's ask to claim a delivery before sending it.
type claimRequest struct {
	id    int64
	reply chan claimReply
}

type claimReply struct {
	claimed bool
	err     error
}

// claim claims a delivery for this run, committed before it returns.
func (sd *sender) claim(ctx context.Context, id int64) (bool, error) {
	reply := make(chan claimReply, 1)
	select {
	case sd.claims <- claimRequest{id: id, reply: reply}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	r := <-reply
	return r.claimed, r.err
}

// claimBatches claims what the workers ask for together: the asks that
// arrive while one claim commits go in the next, one statement and one
// commit for them all. Each delivery is still claimed only when its
// worker is about to send it, so a crash leaves no more claimed and
// unsent than there are workers.
func (sd *sender) claimBatches(ctx context.Context) {
	for first := range sd.claims {
		batch := []claimRequest{first}
	more:
		for len(batch) < 64 {
			select {
			case r, ok := <-sd.claims:
				if !ok {
					break more
				}
				batch = append(batch, r)
			default:
				break more
			}
		}
		ids := make([]int64, len(batch))
		for i, r := range batch {
			ids[i] = r.id
		}
		claimed, err := sd.svc.Store.ClaimNewsletterDeliveries(ctx, ids, sd.run, sd.svc.Now())
		for _, r := range batch {
			r.reply <- claimReply{claimed: slices.Contains(claimed, r.id), err: err}
		}
	}
}

// deliver sends one claimed message and hands on its outcome.
func (sd *sender) deliver(ctx context.Context, conn mail.Conn, r Recipient, m mail.Message) {
	err := conn.Send(ctx, m)
	o := Outcome{DeliveryID: r.DeliveryID, SubscriberID: r.SubscriberID, State: Delivered}
	var de *mail.DeliveryError
	switch {
	case err == nil:
	case errors.As(err, &de) && de.Refused:
		o.State, o.Error, o.HardBounce = Failed, truncate(de.Error()), de.Permanent
	case errors.As(err, &de) && de.Unknown:
		o.State, o.Error = Interrupted, truncate("the connection broke before the server answered: "+de.Error())
	default:
		sd.unreachable(r, err)
		return
	}
	sd.outcomes <- o
}

// unreachable puts back a claim whose message certainly did not go, and
// stops the run: the server is down or refusing connections, and the job
// tries again later rather than spend every recipient's claim on it.
func (sd *sender) unreachable(r Recipient, err error) {
	sd.release(r)
	if sd.stopped.CompareAndSwap(false, true) && !errors.Is(err, context.Canceled) {
		sd.svc.Log.Warn("newsletter send: the mail server cannot be reached; the rest stay queued", "issue", sd.ed.issue.ID, "err", err)
	}
}

// release puts a claim whose message did not go back in the queue.
func (sd *sender) release(r Recipient) {
	sd.notSent.Add(1)
	if err := sd.svc.Store.ReleaseNewsletterDelivery(context.Background(), r.DeliveryID, sd.run, sd.svc.Now()); err != nil {
		// Left claimed, it will be counted interrupted and not retried.
		sd.svc.Log.Error("newsletter send: release a delivery", "err", err)
	}
}

func (sd *sender) fail(err error) {
	sd.failed.CompareAndSwap(nil, &err)
}

// record writes outcomes in batches, until the workers are done. It
// records even after ctx ends (a shutdown): a message sent and not
// recorded would otherwise count as interrupted.
func (sd *sender) record(ctx context.Context) error {
	store := context.WithoutCancel(ctx)
	batch := make([]Outcome, 0, recordBatch)
	tick := time.NewTicker(recordEvery)
	defer tick.Stop()
	var firstErr error
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := sd.svc.Store.RecordNewsletterOutcomes(store, sd.run, batch, sd.svc.Now()); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("record newsletter deliveries: %w", err)
			sd.fail(firstErr)
		}
		batch = batch[:0]
	}
	for {
		select {
		case o, ok := <-sd.outcomes:
			if !ok {
				flush()
				return firstErr
			}
			batch = append(batch, o)
			if len(batch) == recordBatch {
				flush()
			}
		case <-tick.C:
			flush()
		}
	}
}

// report calls progress with the issue's counts twice a second until the
// returned function is called.
func (sd *sender) report(ctx context.Context, progress func(Counts)) (stop func()) {
	if progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			if c, err := sd.svc.Counts(ctx, sd.ed.issue.ID); err == nil {
				progress(c)
			}
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

func truncate(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

// pacer spaces messages to at most a rate per second across a run's
// connections; nil paces nothing.
type pacer struct {
	mu    sync.Mutex
	every time.Duration
	next  time.Time
}

func newPacer(rate float64) *pacer {
	if rate <= 0 {
		return nil
	}
	return &pacer{every: time.Duration(float64(time.Second) / rate)}
}

func (p *pacer) wait(ctx context.Context) error {
	if p == nil {
		return ctx.Err()
	}
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.every)
	p.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}
