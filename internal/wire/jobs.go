package wire

import (
	"context"
	"errors"
	"strconv"
	"time"

	"broadsheet/internal/dberr"
)

// PollJob is the kind of job that polls one feed; its payload is the
// feed's id.
const PollJob = "wire_poll"

// Enqueuer adds a job unless one with its key exists (the jobs table).
type Enqueuer interface {
	EnqueueJob(ctx context.Context, kind, key, payload string, runAt, now time.Time) (bool, error)
}

// EnqueueDuePolls queues a poll of each feed that is due, keyed by the
// feed and its round (each setting of its next poll), so that instances
// queue each poll once.
func (s *Service) EnqueueDuePolls(ctx context.Context, q Enqueuer) error {
	now := s.Now()
	due, err := s.Store.DueFeeds(ctx, now, 500)
	if err != nil {
		return err
	}
	for _, f := range due {
		key := PollJob + ":" + strconv.FormatInt(f.ID, 10) + ":" + strconv.Itoa(f.Round)
		if _, err := q.EnqueueJob(ctx, PollJob, key, strconv.FormatInt(f.ID, 10), now, now); err != nil {
			return err
		}
	}
	return nil
}

// PollDue is the poll job: it polls feed id if it is still due (a
// `broadsheet ingest` or an editor's change may have moved it) and still
// configured. A feed that fails is not the job's failure: its back-off is
// the feed's own.
func (s *Service) PollDue(ctx context.Context, id int64) error {
	f, err := s.Store.FeedByID(ctx, id)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil
	}
	if err != nil || f.NextPollAt.After(s.Now()) {
		return err
	}
	r, err := s.poll(ctx, f)
	if err == nil && s.Log != nil {
		switch {
		case r.Err != nil:
			s.Log.Warn("wire feed failed", "feed", f.URL, "failures", f.Failures+1, "err", r.Err)
		case r.Counts.New+r.Counts.Updated+r.Counts.Refused+r.Counts.Kept > 0:
			s.Log.Info("wire feed polled", "feed", f.URL, "result", r.Counts.String())
		}
	}
	return err
}
