package audit

import (
	"testing"
	"time"
)

// An entry says who, what and when; one on money or access says why and
// names its record; a save of the ad slots names no record, says what
// changed, and need not say why.
func TestCheckAsksAReasonOfMoneyAndAccessOnly(t *testing.T) {
	at := time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC)
	changed := []Detail{{Name: "Slot home-top", Value: "set: 10 characters"}}
	for _, c := range []struct {
		name string
		e    Entry
		ok   bool
	}{
		{"a refund with a reason", Entry{At: at, ActorID: 1, ActorEmail: "a@x", Action: ActionRefund, Subject: SubjectPayment, SubjectID: 3, Reason: "Charged twice"}, true},
		{"a refund without one", Entry{At: at, ActorID: 1, ActorEmail: "a@x", Action: ActionRefund, Subject: SubjectPayment, SubjectID: 3}, false},
		{"a refund of no payment", Entry{At: at, ActorID: 1, ActorEmail: "a@x", Action: ActionRefund, Subject: SubjectPayment, Reason: "why"}, false},
		{"an ad save", Entry{At: at, ActorID: 1, ActorEmail: "a@x", Action: ActionAdSlots, Subject: SubjectAds, Details: changed}, true},
		{"an ad save with a reason", Entry{At: at, ActorID: 1, ActorEmail: "a@x", Action: ActionAdSlots, Subject: SubjectAds, Details: changed, Reason: "New sponsor"}, true},
		{"an ad save that says nothing", Entry{At: at, ActorID: 1, ActorEmail: "a@x", Action: ActionAdSlots, Subject: SubjectAds}, false},
		{"an ad save with an id", Entry{At: at, ActorID: 1, ActorEmail: "a@x", Action: ActionAdSlots, Subject: SubjectAds, SubjectID: 2, Details: changed}, false},
		{"an ad save by nobody", Entry{At: at, Action: ActionAdSlots, Subject: SubjectAds, Details: changed}, false},
		{"an unknown subject", Entry{At: at, ActorID: 1, ActorEmail: "a@x", Action: ActionRefund, Subject: "plan", SubjectID: 3, Reason: "why"}, false},
	} {
		if err := c.e.Check(); (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok %v", c.name, err, c.ok)
		}
	}
}
