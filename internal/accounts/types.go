package accounts

import "time"

// Account is a registered reader, editor or admin.
type Account struct {
	ID           int64
	Email        string
	PasswordHash string // empty for accounts that only sign in by emailed link
	IsAdmin      bool
	CreatedAt    time.Time
	// EmailVerifiedAt is when the owner of the address proved it, by an
	// emailed link; nil while it is unconfirmed.
	EmailVerifiedAt *time.Time
}

// Verified reports whether the account's address has been confirmed.
func (a *Account) Verified() bool { return a.EmailVerifiedAt != nil }

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
