package accounts

import (
	"fmt"
	"time"
)

// Account is a registered reader, editor or admin.
type Account struct {
	ID           int64
	Email        string
	PasswordHash string // empty for accounts that only sign in by emailed link
	Role         Role
	CreatedAt    time.Time
	// EmailVerifiedAt is when the owner of the address proved it, by an
	// emailed link; nil while it is unconfirmed.
	EmailVerifiedAt *time.Time
}

// Verified reports whether the account's address has been confirmed.
func (a *Account) Verified() bool { return a.EmailVerifiedAt != nil }

// Role is what an account may do in running the publication. Readers have
// none; each role grants everything the roles before it grant.
type Role string

// The roles, from least to most.
const (
	RoleReader Role = ""       // reads under the meter and their subscription
	RoleEditor Role = "editor" // staff: reads every story in full
	RoleAdmin  Role = "admin"  // everything: settings, the outbox, plans, accounts
)

// rank orders the roles; ok is false for a name that is not one.
func (r Role) rank() (n int, ok bool) {
	switch r {
	case RoleReader:
		return 0, true
	case RoleEditor:
		return 1, true
	case RoleAdmin:
		return 2, true
	}
	return 0, false
}

// ParseRole reads a role by its name ("editor" or "admin"; "" is a
// reader); anything else is an *InputError.
func ParseRole(name string) (Role, error) {
	if _, ok := Role(name).rank(); !ok {
		return "", &InputError{fmt.Sprintf("%q is not a role: want editor or admin", name)}
	}
	return Role(name), nil
}

// IsStaff reports whether the role runs the publication: staff read
// every story in full, outside the meter.
func (r Role) IsStaff() bool { return r.Includes(RoleEditor) }

// IsAdmin reports whether the role may do everything.
func (r Role) IsAdmin() bool { return r == RoleAdmin }

// Includes reports whether the role grants everything want grants. An
// unknown role, on either side, grants nothing.
func (r Role) Includes(want Role) bool {
	have, ok := r.rank()
	need, known := want.rank()
	return ok && known && have >= need
}

// Session is one signed-in device of an account.
type Session struct {
	ID          int64
	AccountID   int64
	UserAgent   string
	CreatedAt   time.Time
	LastSeenAt  time.Time
	EndedAt     *time.Time
	EndedReason string // why the session was ended: signed_out, revoked, device_limit
}

// Reasons a session ended, shown to the reader on that device.
const (
	EndedSignedOut   = "signed_out"
	EndedRevoked     = "revoked"
	EndedDeviceLimit = "device_limit"
	// EndedCredentialsChanged: the password or the address changed, or
	// the address's owner took an unconfirmed account back.
	EndedCredentialsChanged = "credentials_changed"
)

// TokenPurpose says what an emailed account token does.
type TokenPurpose string

// The purposes of account tokens.
const (
	PurposeVerify      TokenPurpose = "verify"       // confirms the account's address
	PurposeReset       TokenPurpose = "reset"        // sets a forgotten password
	PurposeEmailChange TokenPurpose = "email_change" // moves the account to NewEmail
	// PurposeEmailChangeApproval: the current address of an account
	// without a password approves a move to NewEmail.
	PurposeEmailChangeApproval TokenPurpose = "email_change_approval"
)

// AccountToken is an emailed one-time link for one purpose.
type AccountToken struct {
	ID        int64
	Purpose   TokenPurpose
	AccountID int64
	NewEmail  string
	ExpiresAt time.Time
	UsedAt    *time.Time
}
