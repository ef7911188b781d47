package accounts

import (
	"context"
	"errors"
	"slices"
	"time"

	"broadsheet/internal/dberr"
)

// Errors of role changes, worded for the admin who asked.
var (
	ErrNoAccount = errors.New("no account has that email address")
	ErrNotAdmin  = errors.New("only an administrator can change roles")
	ErrLastAdmin = errors.New("that account is the only administrator: make another account an administrator first")
)

// StaffMember is an account with a role, and since when it has had it.
type StaffMember struct {
	ID    int64
	Email string
	Role  Role
	Since time.Time
}

// RoleStore is what changing roles needs from the database.
type RoleStore interface {
	// StaffAccounts lists the accounts with a role: admins, then editors,
	// each by email.
	StaffAccounts(ctx context.Context) ([]StaffMember, error)
	// ChangeRole gives the account with email the role, in one transaction
	// that first holds every admin's row, then the account's. check is
	// called under those locks with the account as it is and the ids of
	// the admins; an error from it changes nothing and is returned.
	// ErrNotFound if no account has the email.
	ChangeRole(ctx context.Context, email string, role Role, now time.Time, check func(a *Account, admins []int64) error) error
}

// Staff lists the editors and admins.
func (s *Service) Staff(ctx context.Context) ([]StaffMember, error) {
	return s.Store.StaffAccounts(ctx)
}

// SetRole gives the account with email the role (RoleReader takes it
// away), on behalf of actor. Both rules are checked inside the store's
// transaction, under the admins' locks: actor must still be an admin
// then, and the last admin keeps the role, so that two admins demoting
// each other at once leave one of them, never none.
func (s *Service) SetRole(ctx context.Context, actor *Account, email string, role Role) error {
	if actor == nil || !actor.Role.IsAdmin() {
		return ErrNotAdmin
	}
	if _, err := ParseRole(string(role)); err != nil {
		return err
	}
	email, err := NormalizeEmail(email)
	if err != nil {
		return err
	}
	err = s.Store.ChangeRole(ctx, email, role, s.Now(), func(a *Account, admins []int64) error {
		if !slices.Contains(admins, actor.ID) {
			return ErrNotAdmin // demoted since this request began
		}
		if a.Role.IsAdmin() && !role.IsAdmin() && len(admins) == 1 {
			return ErrLastAdmin
		}
		return nil
	})
	if errors.Is(err, dberr.ErrNotFound) {
		return ErrNoAccount
	}
	return err
}
