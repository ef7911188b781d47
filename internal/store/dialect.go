package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	modsqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect is everything that differs between the two engines. Statements
// elsewhere are written once, in the subset both understand ($1 placeholders,
// ON CONFLICT, RETURNING); only what cannot be is here.
type dialect struct {
	name string
	// lockMigrations serialises schema migrations between processes that
	// start at once against one database. SQLite's single writer already does.
	lockMigrations func(ctx context.Context, conn *sql.Conn) (unlock func(), err error)
	// writeArg writes the placeholder of argument n (from 1) of a
	// statement built with a long list of arguments (a multi-row VALUES).
	writeArg func(b *strings.Builder, n int)
	// lazyCommit, run first in a transaction, lets its commit return
	// before the log reaches the disk: a crash of the database server
	// (not of ours) may lose it, never corrupt. SQLite's NORMAL sync
	// already commits so.
	lazyCommit string
	// lazyCommitFrom, put after an UPDATE's SET, commits that statement
	// alone (in no transaction) as lazyCommit does: one round trip, and
	// no wait for the disk.
	lazyCommitFrom string
}

// writeNumberedArg writes $n.
func writeNumberedArg(b *strings.Builder, n int) {
	b.WriteByte('$')
	b.WriteString(strconv.Itoa(n))
}

// sqlitePragmas: WAL so readers never wait for the writer, a busy timeout so
// a second process waits instead of failing, NORMAL sync (safe with WAL:
// a power loss may drop the last commits, never corrupt), foreign keys on,
// and times written in a sortable text form.
const sqlitePragmas = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_time_format=sqlite"

// sqliteReadCache bounds each read connection's page cache at 256 KiB
// instead of SQLite's 2 MB. In WAL mode a reader drops its whole cache at
// the start of a read once another connection has committed, which the
// meter's writer does many times a second, so a larger cache is filled
// only in quiet moments (a burst of story reads while the rendered stories
// are first filled) and emptied again: up to 2 MB more per connection,
// outside Go's heap and its memory limit, for pages the operating system
// keeps in its file cache anyway. The writer keeps the default: no other
// connection commits to empty it, and its pages are the meter's hot ones.
const sqliteReadCache = "&_pragma=cache_size(-256)"

var sqlite = dialect{
	name: "sqlite",
	lockMigrations: func(context.Context, *sql.Conn) (func(), error) {
		return func() {}, nil
	},
	// SQLite takes $n, but as a name: parsing and binding look each one
	// up among the statement's earlier names, which costs time quadratic
	// in their number (a 256-row VALUES list has 1,024). A bare ? is just
	// the next argument, and the arguments are written in order.
	writeArg: func(b *strings.Builder, _ int) { b.WriteByte('?') },
}

// migrationLockID is an arbitrary constant naming Broadsheet's advisory lock.
const migrationLockID = 7_316_002_114

var postgres = dialect{
	name: "postgres",
	lockMigrations: func(ctx context.Context, conn *sql.Conn) (func(), error) {
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockID); err != nil {
			return nil, err
		}
		return func() {
			conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, migrationLockID)
		}, nil
	},
	writeArg:   writeNumberedArg,
	lazyCommit: `SET LOCAL synchronous_commit TO OFF`,
	// A FROM item is evaluated (an unreferenced CTE would not be), and
	// set_config's local setting lasts to the statement's own commit.
	lazyCommitFrom: ` FROM (SELECT set_config('synchronous_commit', 'off', true)) AS lazy_commit`,
}

// isUniqueViolation reports whether err is a unique or primary-key violation
// on either engine.
func isUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23505"
	}
	var liteErr *modsqlite.Error
	if errors.As(err, &liteErr) {
		code := liteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign key refusing a
// change on either engine: a row deleted that others refer to, or one
// referring to a row that does not exist.
func isForeignKeyViolation(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "23503"
	}
	var liteErr *modsqlite.Error
	if errors.As(err, &liteErr) {
		return liteErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}
