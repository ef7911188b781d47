package ads

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"broadsheet/internal/audit"
)

// ConsoleTx is what saving the slots writes in one transaction.
type ConsoleTx interface {
	audit.Writer
	// ActingAdmin returns the account's email if it is an administrator,
	// holding it until the transaction ends; audit.ErrNotAdmin if not.
	ActingAdmin(ctx context.Context, accountID int64) (string, error)
	// StoredSettings reads the stored values of keys; a key never saved
	// is absent.
	StoredSettings(ctx context.Context, keys []string) (map[string]string, error)
	SaveSettings(ctx context.Context, values map[string]string) error
}

// ConsoleStore runs a save in one transaction, committed if fn returns
// nil.
type ConsoleStore interface {
	InAdsTx(ctx context.Context, fn func(tx ConsoleTx) error) error
}

// Console saves the slots and the origins for admins, and records who
// changed which in the audit log, in the transaction of the change.
type Console struct {
	Store ConsoleStore
	// Check is the settings' check of changes with every other setting;
	// Reload reads the settings again once a save is committed.
	Check  func(changes map[string]string) error
	Reload func(ctx context.Context) error
	Now    func() time.Time
}

// InputError is a save refused by the check: bad markup or origins.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }

// Keys lists the settings the console saves: the origins and each
// slot's markup.
func Keys() []string {
	keys := []string{KeyOrigins}
	for _, info := range Slots() {
		keys = append(keys, info.Key)
	}
	return keys
}

// Save stores form (the value of every key of Keys) at once, if the
// markup passes against the origins sent with it: a refusal changes and
// records nothing. What differs from the stored values is saved with an
// audit entry naming the origins before and after and, for each slot
// changed, its size (not its markup); a save that changes nothing writes
// nothing. It reports whether anything changed.
func (c *Console) Save(ctx context.Context, adminID int64, form map[string]string) (bool, error) {
	if err := c.Check(form); err != nil {
		return false, &InputError{err}
	}
	changed := false
	err := c.Store.InAdsTx(ctx, func(tx ConsoleTx) error {
		admin, err := tx.ActingAdmin(ctx, adminID)
		if err != nil {
			return err
		}
		was, err := tx.StoredSettings(ctx, Keys())
		if err != nil {
			return err
		}
		changes, details := diff(was, form)
		if len(changes) == 0 {
			return nil
		}
		if err := tx.SaveSettings(ctx, changes); err != nil {
			return err
		}
		changed = true
		return audit.Record(ctx, tx, &audit.Entry{
			At: c.Now(), ActorID: adminID, ActorEmail: admin, Action: audit.ActionAdSlots,
			Subject: audit.SubjectAds, Details: details,
		})
	})
	if err != nil || !changed {
		return false, err
	}
	return true, c.Reload(ctx)
}

// diff is what of form differs from was (a key absent is empty, as the
// settings' defaults for ads are), and the audit's words for it.
func diff(was, form map[string]string) (map[string]string, []audit.Detail) {
	changes := map[string]string{}
	var details []audit.Detail
	if before, after := was[KeyOrigins], form[KeyOrigins]; before != after {
		changes[KeyOrigins] = after
		details = append(details, audit.Detail{Name: "Origins", Value: orNone(after) + " (were " + orNone(before) + ")"})
	}
	for _, info := range Slots() {
		before, after := was[info.Key], form[info.Key]
		if before == after {
			continue
		}
		changes[info.Key] = after
		var what string
		switch {
		case before == "":
			what = fmt.Sprintf("set: %d characters", utf8.RuneCountInString(after))
		case after == "":
			what = fmt.Sprintf("emptied (was %d characters)", utf8.RuneCountInString(before))
		default:
			what = fmt.Sprintf("changed: %d characters (was %d)", len(after), utf8.RuneCountInString(before))
		}
		details = append(details, audit.Detail{Name: "Slot " + info.Name, Value: what})
	}
	return changes, details
}

func orNone(origins string) string {
	if origins == "" {
		return "none"
	}
	return origins
}
