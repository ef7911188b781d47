package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (OWASP's recommended minimum: 19 MiB, 2 passes).
// They are written into each hash so they can be raised later without
// invalidating old hashes.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash of password.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches an encoded hash.
func CheckPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("not an argon2id hash")
	}
	var memory uint32
	var time uint32
	var threads uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &memory, &time, &threads); err != nil {
		return false, fmt.Errorf("argon2id parameters: %w", err)
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, err
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, time, memory, threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// Each argon2id hash holds argonMemory KiB while it runs, so the number run
// at once bounds the memory sign-ins can take: DefaultHashConcurrency
// hashes are 76 MiB. A request waits up to HashWait for a turn and is then
// turned away with ErrBusy rather than queued without end.
const (
	DefaultHashConcurrency = 4
	HashWait               = 2 * time.Second
)

// ErrBusy says every hashing turn was taken for longer than a request waits.
var ErrBusy = errors.New("the server is busy signing other readers in; please try again in a few seconds")

// HashLimiter bounds the argon2id hashes computed at once. A Service holds
// one; each process has its own budget.
type HashLimiter struct {
	turns chan struct{}
	wait  time.Duration

	inFlight, peak, total atomic.Int64
}

// NewHashLimiter allows n hashes at once (DefaultHashConcurrency when n is
// not positive), each request waiting up to wait for a turn.
func NewHashLimiter(n int, wait time.Duration) *HashLimiter {
	if n <= 0 {
		n = DefaultHashConcurrency
	}
	return &HashLimiter{turns: make(chan struct{}, n), wait: wait}
}

// HashStats says how the limiter has been used since it was made.
type HashStats struct {
	Limit int   // hashes allowed at once
	Peak  int64 // most hashes that ran at once
	Total int64 // hashes computed
}

// Stats reports the limiter's use.
func (l *HashLimiter) Stats() HashStats {
	return HashStats{Limit: cap(l.turns), Peak: l.peak.Load(), Total: l.total.Load()}
}

// run computes one hash in a turn, or returns ErrBusy when none came free
// within the wait or before ctx ended. A nil limiter runs without a bound
// (tools and tests that build a bare Service).
func (l *HashLimiter) run(ctx context.Context, hash func()) error {
	if l == nil {
		hash()
		return nil
	}
	select {
	case l.turns <- struct{}{}:
	default:
		timer := time.NewTimer(l.wait)
		defer timer.Stop()
		select {
		case l.turns <- struct{}{}:
		case <-timer.C:
			return ErrBusy
		case <-ctx.Done():
			return ErrBusy
		}
	}
	defer func() { <-l.turns }()
	l.total.Add(1)
	n := l.inFlight.Add(1)
	defer l.inFlight.Add(-1)
	for {
		peak := l.peak.Load()
		if n <= peak || l.peak.CompareAndSwap(peak, n) {
			break
		}
	}
	hash()
	return nil
}

// Hash is HashPassword in a turn.
func (l *HashLimiter) Hash(ctx context.Context, password string) (encoded string, err error) {
	if busy := l.run(ctx, func() { encoded, err = HashPassword(password) }); busy != nil {
		return "", busy
	}
	return encoded, err
}

// Check is CheckPassword in a turn.
func (l *HashLimiter) Check(ctx context.Context, encoded, password string) (ok bool, err error) {
	if busy := l.run(ctx, func() { ok, err = CheckPassword(encoded, password) }); busy != nil {
		return false, busy
	}
	return ok, err
}
