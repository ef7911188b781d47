// Package newsletter owns the publication's curated newsletters: the lists
// readers join (from a story, their account or the public sign-up form,
// which confirms the address before anything is sent), the issues editors
// compose from stories, and sending them over SMTP as a background job,
// each story cut per recipient by the access projection, each message with
// its own one-click unsubscribe, and each recipient sent an issue at most
// once whatever crashes.
package newsletter

import (
	"errors"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/offer"
)

// List is one newsletter. It is open to every registered reader, or only
// to readers whose plan includes the benefit it names.
type List struct {
	ID          int64
	Slug        string
	Name        string
	Description string
	// BenefitID is the benefit that opens the list; 0: every registered
	// reader.
	BenefitID int64
	// BenefitKind is that benefit's kind, read with the list, so that
	// staff have the list as they have its kind (offer.Kind.ForStaff),
	// as at every other gate.
	BenefitKind offer.Kind
	Position    int
}

// Gated reports whether only readers with the list's benefit receive it.
func (l List) Gated() bool { return l.BenefitID != 0 }

// Benefit is the benefit that opens a gated list, as the gate asks it.
func (l List) Benefit() offer.Benefit { return offer.Benefit{ID: l.BenefitID, Kind: l.BenefitKind} }

// MayReceive is the one gate of a list: whether a reader with ent may
// join it and is sent its issues. Every join, send and web view asks it,
// and it asks the entitlement check every gate asks.
func MayReceive(ent access.Entitlements, list List) bool {
	return !list.Gated() || ent.Includes(list.Benefit())
}

// IssueStatus is where an issue stands.
type IssueStatus string

const (
	StatusDraft     IssueStatus = "draft"
	StatusScheduled IssueStatus = "scheduled"
	StatusSending   IssueStatus = "sending"
	StatusSent      IssueStatus = "sent"
)

// Issue is one edition of a list: an intro and the stories an editor
// picked, in order.
type Issue struct {
	ID       int64
	ListID   int64
	Subject  string
	Intro    string
	Status   IssueStatus
	StoryIDs []int64
	// SendAt is when a scheduled issue goes out; Generation counts its
	// schedulings, and names the job that sends it, so a job left by an
	// earlier schedule does nothing.
	SendAt     *time.Time
	Generation int
	QueuedAt   *time.Time // when its recipients were fixed
	SentAt     *time.Time
	CreatedBy  int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Editable reports whether the issue may still be changed: only a draft.
func (i *Issue) Editable() bool { return i.Status == StatusDraft }

// DeliveryState is where one recipient's message of an issue stands.
type DeliveryState string

const (
	// Queued: the recipient was on the list when the issue was queued.
	Queued DeliveryState = "queued"
	// Claimed: a run took it and is sending it.
	Claimed DeliveryState = "sending"
	// Delivered: the SMTP server accepted the message.
	Delivered DeliveryState = "sent"
	// Failed: the server refused it (the error is kept).
	Failed DeliveryState = "failed"
	// Skipped: the recipient was no longer entitled to the list (the
	// error says so).
	Skipped DeliveryState = "skipped"
	// Interrupted: a run died holding it. Whether the server took the
	// message is unknown, so it is never sent again.
	Interrupted DeliveryState = "interrupted"
)

// Recipient is a queued delivery as the sender needs it: the address, the
// membership its unsubscribe link ends, and who the address belongs to,
// for the projection to decide what of each story it may receive.
type Recipient struct {
	DeliveryID   int64
	SubscriberID int64
	MembershipID int64
	Email        string
	Viewer       access.Viewer
}

// Counts are an issue's deliveries by state, and the unsubscriptions its
// links made.
type Counts struct {
	Queued, Sending, Sent, Failed, Skipped, Interrupted, Unsubscribed int
}

// Total is how many recipients the issue was queued for.
func (c Counts) Total() int {
	return c.Queued + c.Sending + c.Sent + c.Failed + c.Skipped + c.Interrupted
}

// Done is how many of them have an outcome.
func (c Counts) Done() int { return c.Sent + c.Failed + c.Skipped + c.Interrupted }

// Outcome is what became of one claimed delivery.
type Outcome struct {
	DeliveryID   int64
	SubscriberID int64
	State        DeliveryState
	Error        string
	// HardBounce: the server refused the address permanently (5xx).
	HardBounce bool
}

// HardBounceLimit is how many permanent refusals in a row suppress an
// address: nothing more is sent to it until it is confirmed again.
const HardBounceLimit = 3

// Errors the web pages turn into messages.
var (
	ErrNotEditable   = errors.New("the issue is no longer a draft")
	ErrNotEntitled   = errors.New("this newsletter is for subscribers whose plan includes it")
	ErrUnconfirmed   = errors.New("confirm your email address first")
	ErrNoStories     = errors.New("pick at least one story")
	ErrAlreadySent   = errors.New("the issue has been sent")
	ErrLinkUsed      = errors.New("the link has been used")
	ErrLinkExpired   = errors.New("the link has expired")
	ErrLinkInvalid   = errors.New("the link is not valid")
	ErrTooManyAsks   = errors.New("too many sign-ups for this address; try again in an hour")
	ErrNoListsChosen = errors.New("choose at least one newsletter")
)

// InputError is a form field that cannot be taken as it is.
type InputError struct{ Message string }

func (e *InputError) Error() string { return e.Message }

// Signup is a sign-up from the public form, waiting for its address to be
// confirmed.
type Signup struct {
	Email     string
	ListIDs   []int64
	ExpiresAt time.Time
	Used      bool
}

// Membership is one stay of an address on a list, as the page of its
// unsubscribe link shows it.
type Membership struct {
	Email string
	List  List
	Left  bool
}

// Subscriber is an address that joined a list.
type Subscriber struct {
	Email       string
	Confirmed   bool
	HardBounces int
	Suppressed  bool
}

// Failure is a recipient an issue did not reach, and why.
type Failure struct {
	Email string
	State DeliveryState
	Error string
}
