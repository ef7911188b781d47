package newsletter

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/dberr"
	"broadsheet/internal/offer"
)

// IssueStore keeps issues and their deliveries.
type IssueStore interface {
	CreateNewsletterIssue(ctx context.Context, i *Issue, now time.Time) (int64, error)
	UpdateNewsletterIssue(ctx context.Context, i *Issue, now time.Time) error
	NewsletterIssue(ctx context.Context, id int64) (*Issue, error)
	NewsletterIssues(ctx context.Context, limit int) ([]*Issue, error)
	SentNewsletterIssues(ctx context.Context, listID int64, limit int) ([]*Issue, error)
	ScheduleNewsletterIssue(ctx context.Context, id int64, sendAt, now time.Time,
		job func(generation int) (kind, key, payload string)) (int, error)
	UnscheduleNewsletterIssue(ctx context.Context, id int64, now time.Time) error
	QueueNewsletterIssue(ctx context.Context, id int64, gen int, now time.Time) (*Issue, error)
	InterruptNewsletterClaims(ctx context.Context, issueID int64, run string, now time.Time) (int, error)
	QueuedNewsletterRecipients(ctx context.Context, issueID, afterID int64, limit int) ([]Recipient, error)
	ClaimNewsletterDeliveries(ctx context.Context, ids []int64, run string, now time.Time) ([]int64, error)
	ReleaseNewsletterDelivery(ctx context.Context, id int64, run string, now time.Time) error
	RecordNewsletterOutcomes(ctx context.Context, run string, outcomes []Outcome, now time.Time) error
	FinishNewsletterIssue(ctx context.Context, id int64, now time.Time) (bool, error)
	NewsletterIssueCounts(ctx context.Context, id int64) (Counts, error)
	NewsletterIssueFailures(ctx context.Context, id int64, limit int) ([]Failure, error)
}

// MaxStories bounds an issue's stories: a newsletter is a selection.
const MaxStories = 30

// Draft is what an editor's form says of an issue.
type Draft struct {
	ListID   int64
	Subject  string
	Intro    string
	StoryIDs []int64
}

func (s *Service) check(ctx context.Context, d *Draft) error {
	d.Subject, d.Intro = strings.TrimSpace(d.Subject), strings.TrimSpace(d.Intro)
	if _, err := s.listByID(ctx, d.ListID); err != nil {
		if errors.Is(err, dberr.ErrNotFound) {
			return &InputError{"choose the newsletter the issue is of"}
		}
		return err
	}
	switch {
	case d.Subject == "" || len(d.Subject) > 200:
		return &InputError{"an issue needs a subject of at most 200 characters"}
	case strings.ContainsAny(d.Subject, "\r\n"):
		return &InputError{"a subject is one line"}
	case len(d.Intro) > 10_000:
		return &InputError{"an intro has at most 10,000 characters"}
	case len(d.StoryIDs) == 0:
		return ErrNoStories
	case len(d.StoryIDs) > MaxStories:
		return &InputError{fmt.Sprintf("an issue has at most %d stories", MaxStories)}
	}
	seen := map[int64]bool{}
	for _, id := range d.StoryIDs {
		if seen[id] {
			return &InputError{"a story is picked twice"}
		}
		seen[id] = true
		if _, err := s.Stories.StoryByID(ctx, id); errors.Is(err, dberr.ErrNotFound) {
			return &InputError{"a story picked no longer exists"}
		} else if err != nil {
			return err
		}
	}
	return nil
}

// CreateIssue saves a new draft by editor.
func (s *Service) CreateIssue(ctx context.Context, d Draft, editor int64) (int64, error) {
	if err := s.check(ctx, &d); err != nil {
		return 0, err
	}
	return s.Store.CreateNewsletterIssue(ctx, &Issue{ListID: d.ListID, Subject: d.Subject, Intro: d.Intro,
		StoryIDs: d.StoryIDs, CreatedBy: editor}, s.Now())
}

// UpdateIssue saves a draft; an issue scheduled or sent is not changed.
func (s *Service) UpdateIssue(ctx context.Context, id int64, d Draft) error {
	if err := s.check(ctx, &d); err != nil {
		return err
	}
	err := s.Store.UpdateNewsletterIssue(ctx, &Issue{ID: id, ListID: d.ListID, Subject: d.Subject, Intro: d.Intro,
		StoryIDs: d.StoryIDs}, s.Now())
	if errors.Is(err, dberr.ErrConflict) {
		return ErrNotEditable
	}
	return err
}

// Issue reads an issue and its list.
func (s *Service) Issue(ctx context.Context, id int64) (*Issue, List, error) {
	i, err := s.Store.NewsletterIssue(ctx, id)
	if err != nil {
		return nil, List{}, err
	}
	l, err := s.listByID(ctx, i.ListID)
	return i, l, err
}

// Issues lists the newest issues.
func (s *Service) Issues(ctx context.Context, limit int) ([]*Issue, error) {
	return s.Store.NewsletterIssues(ctx, limit)
}

// Counts says how far an issue's send has got.
func (s *Service) Counts(ctx context.Context, id int64) (Counts, error) {
	return s.Store.NewsletterIssueCounts(ctx, id)
}

// Failures lists recipients an issue did not reach, and why.
func (s *Service) Failures(ctx context.Context, id int64, limit int) ([]Failure, error) {
	return s.Store.NewsletterIssueFailures(ctx, id, limit)
}

// RecentStories are the stories an editor picks from: the newest
// published.
func (s *Service) RecentStories(ctx context.Context, limit int) ([]*content.Article, error) {
	return s.Stories.LatestArticles(ctx, s.Now(), "", nil, limit)
}

// Schedule sends an issue at sendAt (now or later): its job is enqueued
// with the schedule, in one transaction. Scheduling again moves it; an
// issue already sending or sent is not scheduled again.
func (s *Service) Schedule(ctx context.Context, id int64, sendAt time.Time) (int, error) {
	now := s.Now()
	if sendAt.Before(now) {
		sendAt = now
	}
	gen, err := s.Store.ScheduleNewsletterIssue(ctx, id, sendAt, now, func(gen int) (string, string, string) {
		return SendJob, JobKey(id, gen), jobPayload(id, gen)
	})
	if errors.Is(err, dberr.ErrConflict) {
		return 0, ErrAlreadySent
	}
	return gen, err
}

// Unschedule makes a scheduled issue a draft again, before it goes out.
func (s *Service) Unschedule(ctx context.Context, id int64) error {
	err := s.Store.UnscheduleNewsletterIssue(ctx, id, s.Now())
	if errors.Is(err, dberr.ErrConflict) {
		return ErrNotEditable
	}
	return err
}

// Preview renders an issue as a reader with ent would receive it, as an
// email's HTML and text, without sending anything.
func (s *Service) Preview(ctx context.Context, id int64, v access.Viewer) (html, text string, err error) {
	i, l, err := s.Issue(ctx, id)
	if err != nil {
		return "", "", err
	}
	ed, err := s.edition(ctx, i, l)
	if err != nil {
		return "", "", err
	}
	m, err := ed.message(v, s.BaseURL+"/newsletters")
	if err != nil {
		return "", "", err
	}
	return m.HTML, m.Body, nil
}

// SendTest sends an issue to an editor's own address, as they would
// receive it, with "[Test]" before its subject. It records no delivery.
func (s *Service) SendTest(ctx context.Context, id int64, to string, v access.Viewer) error {
	i, l, err := s.Issue(ctx, id)
	if err != nil {
		return err
	}
	ed, err := s.edition(ctx, i, l)
	if err != nil {
		return err
	}
	m, err := ed.message(v, s.BaseURL+"/newsletters")
	if err != nil {
		return err
	}
	m.To, m.Subject = to, "[Test] "+m.Subject
	// A test is no one's membership: there is nothing to unsubscribe from.
	delete(m.Headers, "List-Unsubscribe")
	delete(m.Headers, "List-Unsubscribe-Post")
	return s.Mail.Send(ctx, m)
}

// WebView is an issue on the site, for a viewer, cut by the same
// projection as its emails: only an issue that has gone out is shown.
func (s *Service) WebView(ctx context.Context, slug string, id int64, v access.Viewer) (*View, error) {
	i, l, err := s.Issue(ctx, id)
	if err != nil {
		return nil, err
	}
	if l.Slug != slug || (i.Status != StatusSending && i.Status != StatusSent) {
		return nil, dberr.ErrNotFound
	}
	ed, err := s.edition(ctx, i, l)
	if err != nil {
		return nil, err
	}
	return ed.view(v), nil
}

// Archive lists a list's issues that have gone out, newest first.
func (s *Service) Archive(ctx context.Context, l List, limit int) ([]*Issue, error) {
	return s.Store.SentNewsletterIssues(ctx, l.ID, limit)
}

// SendJob is the kind of the job that sends an issue.
const SendJob = "newsletter_send"

// JobKey names the job that sends generation gen of an issue.
func JobKey(issue int64, gen int) string {
	return SendJob + ":" + jobPayload(issue, gen)
}

func jobPayload(issue int64, gen int) string {
	return strconv.FormatInt(issue, 10) + ":" + strconv.Itoa(gen)
}

func parsePayload(p string) (int64, int, error) {
	a, b, ok := strings.Cut(p, ":")
	issue, err1 := strconv.ParseInt(a, 10, 64)
	gen, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil {
		return 0, 0, fmt.Errorf("newsletter job payload %q: want issue:generation", p)
	}
	return issue, gen, nil
}

// JobKind is how the runner runs the service's jobs.
type JobKind struct {
	Workers int
	Run     func(ctx context.Context, payload string) error
}

// JobKinds are the jobs the service owns: sending an issue, one at a time
// per process (each send runs Sending.Concurrency connections).
func (s *Service) JobKinds() map[string]JobKind {
	return map[string]JobKind{SendJob: {Workers: 1, Run: s.runSendJob}}
}

func (s *Service) runSendJob(ctx context.Context, payload string) error {
	issue, gen, err := parsePayload(payload)
	if err != nil {
		return err
	}
	err = s.Send(ctx, issue, gen, nil)
	if errors.Is(err, dberr.ErrNotFound) {
		return nil // unscheduled or scheduled again since: another job sends it
	}
	return err
}

// PreviewViewer is whom an editor previews an issue as: a subscriber,
// with a paid term that never ends, to the plan on offer that includes the
// most benefits (what a subscriber gets depends on their plan), or a
// reader without a subscription.
func (s *Service) PreviewViewer(subscriber bool) access.Viewer {
	if !subscriber {
		return access.Viewer{}
	}
	snap := s.Access.Catalog.Get()
	var plan offer.Plan
	for _, p := range snap.Plans() {
		if p.Active && len(p.Benefits) > len(plan.Benefits) {
			plan = p
		}
	}
	return access.Viewer{Subscription: &billing.Subscription{PlanID: plan.ID, Status: billing.Active,
		PaidUntil: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}}
}
