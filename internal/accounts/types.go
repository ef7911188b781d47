package accounts

import "time"

// Account is a registered reader, editor or admin.
type Account struct {
	ID           int64
	Email        string
	PasswordHash string // empty for accounts that only sign in by emailed link
	IsAdmin      bool
	CreatedAt    time.Time
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
)

// LoginLink is an emailed one-time sign-in link and its short code.
type LoginLink struct {
	ID        int64
	AccountID int64
	NextPath  string
	ExpiresAt time.Time
	UsedAt    *time.Time
	Attempts  int
}
