package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// A SQLite file is served by one process: the meter and the session caches
// count on being the file's only writer, and two servers on one file grant
// more free stories than the limit. A server therefore holds an OS lock on
// a file beside the database for as long as it runs, and writes into it who
// it is, so that a second one can say whom it is waiting for.

// LockedError is returned by Open when another process holds the lock on
// the database file.
type LockedError struct {
	Database string // the SQLite file
	Holder   Holder // who holds it, as far as the lock file says
}

// Holder is the process that holds a database's lock.
type Holder struct {
	PID     int
	Host    string
	Command string
	Since   time.Time
}

func (e *LockedError) Error() string {
	h := e.Holder
	if h.PID == 0 {
		return fmt.Sprintf("%s is in use by another process (see %s); stop it first", e.Database, lockPath(e.Database))
	}
	verb := "is in use by"
	if strings.HasSuffix(h.Command, " serve") || strings.HasSuffix(h.Command, " demo") {
		verb = "is served by"
	}
	return fmt.Sprintf("%s %s pid %d (%s) on host %s; stop it first", e.Database, verb, h.PID, h.Command, h.Host)
}

// fileLock is a held lock on a database file.
type fileLock struct {
	f *os.File
}

func lockPath(database string) string { return database + ".lock" }

// lockDatabase takes the lock on the SQLite file at path for command, or
// fails at once with a *LockedError naming the holder.
func lockDatabase(path, command string) (*fileLock, error) {
	if n, err := extraLinks(path); err != nil {
		return nil, fmt.Errorf("check %s: %w", path, err)
	} else if n > 0 {
		return nil, fmt.Errorf("%s has %d other hard link(s); a database is served under one name only, so that its lock holds: remove the other links", path, n)
	}
	f, err := os.OpenFile(lockPath(path), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := tryLock(f); err != nil {
		defer f.Close()
		if errors.Is(err, errLockHeld) {
			return nil, &LockedError{Database: path, Holder: readHolder(f)}
		}
		return nil, fmt.Errorf("lock %s: %w", lockPath(path), err)
	}
	host, _ := os.Hostname()
	info := fmt.Sprintf("pid=%d\nhost=%s\ncommand=%s\nsince=%s\n",
		os.Getpid(), host, command, time.Now().UTC().Format(time.RFC3339))
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(info), 0)
	}
	if err != nil {
		unlock(f)
		f.Close()
		return nil, fmt.Errorf("write lock file: %w", err)
	}
	return &fileLock{f: f}, nil
}

// release empties the lock file and lets the lock go. The file stays: a
// process that removed it could unlink a lock another one has just taken.
func (l *fileLock) release() error {
	if l == nil {
		return nil
	}
	l.f.Truncate(0)
	return errors.Join(unlock(l.f), l.f.Close())
}

// readHolder reads who holds a lock. A holder that has just taken it may
// not have written yet, so an empty file is read again a few times.
func readHolder(f *os.File) Holder {
	var h Holder
	for range 10 {
		b, _ := io.ReadAll(io.NewSectionReader(f, 0, 4096))
		for line := range strings.Lines(string(b)) {
			k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
			switch k {
			case "pid":
				h.PID, _ = strconv.Atoi(v)
			case "host":
				h.Host = v
			case "command":
				h.Command = v
			case "since":
				h.Since, _ = time.Parse(time.RFC3339, v)
			}
		}
		if h.PID != 0 {
			return h
		}
		time.Sleep(20 * time.Millisecond)
	}
	return h
}

// Option changes how Open opens the database.
type Option func(*openOptions)

type openOptions struct {
	lock    lockMode
	command string
}

type lockMode int

const (
	noLock lockMode = iota
	exclusive
	besideServer
)

// Exclusive makes the process the SQLite file's one server: Open takes the
// OS lock beside the file before it migrates and holds it until Close, and
// fails at once with a *LockedError when another process holds it. command
// names the process in the lock file, e.g. "broadsheet serve". PostgreSQL,
// which several instances share, takes no such lock.
func Exclusive(command string) Option {
	return func(o *openOptions) { o.lock, o.command = exclusive, command }
}

// BesideServer is for a short command that only adds rows no server keeps
// in memory (an account), so it may write while a server runs; SQLite's
// busy timeout queues its writes behind the server's. When no server holds
// the lock, Open holds it while it migrates. When one does, Open leaves the
// schema alone, since changing it under a running server is unsafe, and
// fails if this binary expects migrations the database has not had.
func BesideServer(command string) Option {
	return func(o *openOptions) { o.lock, o.command = besideServer, command }
}

// takeLock takes the lock o asks for, and reports whether Open may migrate.
func (s *Store) takeLock(ctx context.Context, url string, o openOptions) (migrate bool, err error) {
	path, isFile := strings.CutPrefix(url, "sqlite://")
	if o.lock == noLock || !isFile {
		return true, nil
	}
	l, err := lockDatabase(path, o.command)
	var locked *LockedError
	if o.lock == besideServer && errors.As(err, &locked) {
		pending, err := s.pendingMigrations(ctx)
		if err != nil {
			return false, err
		}
		if len(pending) > 0 {
			return false, fmt.Errorf("%w, or run this command with the server's own binary: this one would migrate the schema (%s)",
				locked, pending[0].Name)
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s.lock = l
	return true, nil
}

// pendingMigrations lists the migrations this binary has that the database
// has not applied.
func (s *Store) pendingMigrations(ctx context.Context) ([]Migration, error) {
	list, err := Migrations(s.dialect.name)
	if err != nil {
		return nil, err
	}
	applied := map[int]bool{}
	rows, err := s.r.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return list, nil // no table yet: every migration is pending
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var pending []Migration
	for _, m := range list {
		if !applied[m.Version] {
			pending = append(pending, m)
		}
	}
	return pending, nil
}
