package store

// The statements an archive import writes its batches with: multi-row
// inserts and deletes, prepared once per transaction.

import (
	"database/sql"
	"fmt"
	"strings"
)

// bulkRows is how many rows a statement writes at most: a few hundred
// arguments per statement, well inside both engines' limits.
const bulkRows = 100

// bulk is a statement of prefix, n groups of cols arguments (rows in
// parentheses, or a bare list when !tuples), and suffix.
func (w *importTx) bulk(prefix, suffix string, cols, n int, tuples bool) string {
	key := fmt.Sprintf("%s|%s|%d|%d|%t", prefix, suffix, cols, n, tuples)
	if q, ok := w.im.sqls[key]; ok {
		return q
	}
	var b strings.Builder
	b.WriteString(prefix)
	arg := 0
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		if tuples {
			b.WriteByte('(')
		}
		for j := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			arg++
			w.im.s.dialect.writeArg(&b, arg)
		}
		if tuples {
			b.WriteByte(')')
		}
	}
	b.WriteString(suffix)
	w.im.sqls[key] = b.String()
	return b.String()
}

// insertRows inserts rows, bulkRows to a statement.
func (w *importTx) insertRows(prefix, suffix string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), bulkRows)
		var args []any
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		if err := w.exec(w.bulk(prefix, suffix, len(rows[0]), n, true), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

// deleteIn runs prefix followed by a list of the values, bulkRows at a time.
func (w *importTx) deleteIn(prefix string, values []any) error {
	for len(values) > 0 {
		n := min(len(values), bulkRows)
		if err := w.exec(w.bulk(prefix+`(`, `)`, 1, n, false), values[:n]...); err != nil {
			return err
		}
		values = values[n:]
	}
	return nil
}

// stmt prepares q once for the transaction: a batch runs each shape of
// statement many times.
func (w *importTx) stmt(q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	st, err := w.tx.PrepareContext(w.ctx, q)
	if err != nil {
		return nil, err
	}
	w.stmts[q] = st
	return st, nil
}

func (w *importTx) exec(q string, args ...any) error {
	st, err := w.stmt(q)
	if err == nil {
		_, err = st.ExecContext(w.ctx, args...)
	}
	return mapErr(err)
}

func (w *importTx) query(q string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(w.ctx, args...)
}

func (w *importTx) closeStmts() {
	for _, st := range w.stmts {
		st.Close()
	}
}
