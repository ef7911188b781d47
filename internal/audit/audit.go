// Package audit keeps the log of what admins did to readers' money and
// access, and to what the publication serves every reader (the ad slots):
// who did it (their account, and its email at the time), when, what, to
// which payment, subscription or account, with what amounts, plan and
// dates, and why. Each entry is written in the transaction of the
// action it records, so the log holds an entry for every action that took
// effect and for no other.
package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Action is what an admin did.
type Action string

// The actions recorded.
const (
	ActionRefund        Action = "refund"
	ActionComplimentary Action = "complimentary_subscription"
	ActionAdSlots       Action = "ad_slots"
)

// Label names an action for the audit page.
func (a Action) Label() string {
	switch a {
	case ActionRefund:
		return "Refund"
	case ActionComplimentary:
		return "Complimentary subscription"
	case ActionAdSlots:
		return "Ad slots saved"
	}
	return string(a)
}

// Subject is the kind of record an action was taken on.
type Subject string

// The subjects an action may concern.
const (
	SubjectPayment      Subject = "payment"
	SubjectSubscription Subject = "subscription"
	SubjectAccount      Subject = "account"
	// SubjectAds is the ad slots and their origins, one set with no id.
	SubjectAds Subject = "ads"
)

// Reasoned reports whether an action on the subject must say why: every
// action on money or access does; saving the ad slots, an editorial
// change made often, need not.
func (s Subject) Reasoned() bool { return s != SubjectAds }

// Names says what an entry was about, for the audit page: "payment 12",
// or "ad slots".
func (e *Entry) Names() string {
	if e.Subject == SubjectAds {
		return "ad slots"
	}
	return fmt.Sprintf("%s %d", e.Subject, e.SubjectID)
}

// Detail is one fact of an action, as the audit page prints it.
type Detail struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Entry is one admin action.
type Entry struct {
	ID         int64
	At         time.Time
	ActorID    int64
	ActorEmail string // the admin's address when they acted
	Action     Action
	Subject    Subject
	SubjectID  int64
	Details    []Detail
	Reason     string
}

// Writer records entries inside the transaction of the action.
type Writer interface {
	// RecordAudit adds the entry and sets its ID.
	RecordAudit(ctx context.Context, e *Entry) error
}

// Store reads the log.
type Store interface {
	// AuditEntries lists up to limit entries older than the entry before
	// (every entry when before is 0), newest first.
	AuditEntries(ctx context.Context, before int64, limit int) ([]*Entry, error)
}

// ErrNotAdmin refuses an action of an account that is not, or no longer,
// an administrator.
var ErrNotAdmin = errors.New("only an administrator can do this")

// MaxReasonLen bounds a reason, in characters.
const MaxReasonLen = 500

// ReasonError is a reason refused, with why.
type ReasonError struct{ Message string }

func (e *ReasonError) Error() string { return e.Message }

// CheckReason returns the reason an admin typed, trimmed, or a
// *ReasonError: every action on money or access says why.
func CheckReason(reason string) (string, error) {
	reason = strings.TrimSpace(strings.ReplaceAll(reason, "\r\n", "\n"))
	if reason == "" {
		return "", &ReasonError{"Give the reason: it is kept in the audit log."}
	}
	if n := utf8.RuneCountInString(reason); n > MaxReasonLen || !utf8.ValidString(reason) {
		return "", &ReasonError{fmt.Sprintf("The reason must be at most %d characters.", MaxReasonLen)}
	}
	for _, r := range reason {
		if unicode.IsControl(r) && r != '\n' {
			return "", &ReasonError{"The reason holds a control character: type it as plain text."}
		}
	}
	return reason, nil
}

// Check reports whether an entry says who, what, to what and why, before
// it is written.
func (e *Entry) Check() error {
	if e.ActorID == 0 || e.ActorEmail == "" || e.Action == "" || e.At.IsZero() || len(e.Details) == 0 && !e.Subject.Reasoned() {
		return fmt.Errorf("audit entry %+v lacks who, what or when", *e)
	}
	switch e.Subject {
	case SubjectPayment, SubjectSubscription, SubjectAccount:
		if e.SubjectID == 0 {
			return fmt.Errorf("audit entry %+v lacks its subject", *e)
		}
	case SubjectAds:
		if e.SubjectID != 0 {
			return fmt.Errorf("audit entry %+v names an id of the ad slots", *e)
		}
	default:
		return fmt.Errorf("audit entry of unknown subject %q", e.Subject)
	}
	if e.Reason == "" && !e.Subject.Reasoned() {
		return nil
	}
	_, err := CheckReason(e.Reason)
	return err
}

// Record writes an entry in the action's transaction, once it is checked.
func Record(ctx context.Context, w Writer, e *Entry) error {
	if err := e.Check(); err != nil {
		return err
	}
	return w.RecordAudit(ctx, e)
}

// PageSize is how many entries the audit page shows at once.
const PageSize = 50

// Page is one page of the log, newest first.
type Page struct {
	Entries []*Entry
	// Older is the before= of the next page, 0 on the last.
	Older int64
}

// Service reads the log for the admins.
type Service struct {
	Store Store
}

// Page lists the entries older than before (0: the newest), newest first,
// a place in the log rather than a page number, so that a page deep in
// the log costs what the first does.
func (s *Service) Page(ctx context.Context, before int64) (*Page, error) {
	if before < 0 {
		before = 0
	}
	entries, err := s.Store.AuditEntries(ctx, before, PageSize+1)
	if err != nil {
		return nil, err
	}
	p := &Page{Entries: entries}
	if len(entries) > PageSize {
		p.Entries = entries[:PageSize]
		p.Older = p.Entries[PageSize-1].ID
	}
	return p, nil
}
