package partner

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"broadsheet/internal/dberr"
)

// Limits of an import of codes.
const (
	MaxCodes   = 100_000 // codes in one file
	maxCodeLen = 200
)

// LineError is a line of an imported file refused, and why.
type LineError struct {
	Line    int
	Message string
}

// ImportError is a file of codes refused: every bad line, by number.
// Nothing of the file was imported.
type ImportError struct {
	Lines []LineError
	// Message is what is wrong with the file as a whole, if that is it.
	Message string
}

func (e *ImportError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d bad lines, so no code was imported:", len(e.Lines))
	for i, l := range e.Lines {
		if i == 20 {
			fmt.Fprintf(&b, " and %d more", len(e.Lines)-i)
			break
		}
		fmt.Fprintf(&b, " line %d: %s;", l.Line, l.Message)
	}
	return strings.TrimSuffix(b.String(), ";")
}

// code is a code read from a file, with its line.
type code struct {
	value string
	line  int
}

// parseCodes reads a CSV file of codes: the code is the first column of
// each row; a first row whose first column is "code" is a header; other
// columns are ignored. Every bad row is reported by line: an empty code,
// one too long or holding spaces, control or invisible characters, one
// twice in the file.
func parseCodes(data []byte) ([]code, error) {
	if !utf8.Valid(data) {
		return nil, &ImportError{Message: "The file is not UTF-8 text: save it as CSV (UTF-8) and import it again. No code was imported."}
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\uFEFF"))))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	var out []code
	var bad []LineError
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			bad = append(bad, LineError{perr.Line, "not CSV: " + perr.Err.Error()})
			continue
		}
		if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		value := strings.TrimSpace(rec[0])
		if len(out) == 0 && len(bad) == 0 && strings.EqualFold(value, "code") {
			continue
		}
		switch first, dup := seen[value]; {
		case value == "":
			bad = append(bad, LineError{line, "no code in the first column"})
		case len(value) > maxCodeLen:
			bad = append(bad, LineError{line, fmt.Sprintf("the code is longer than %d characters", maxCodeLen)})
		case strings.ContainsFunc(value, unseen):
			bad = append(bad, LineError{line, fmt.Sprintf("the code %q holds a space, a control or an invisible character", value)})
		case dup:
			bad = append(bad, LineError{line, fmt.Sprintf("the code %s is on line %d too", value, first)})
		default:
			seen[value] = line
			out = append(out, code{value, line})
		}
		if len(out) > MaxCodes {
			return nil, &ImportError{Message: fmt.Sprintf("The file holds more than %d codes: split it, and import each part. No code was imported.", MaxCodes)}
		}
	}
	if len(bad) > 0 {
		return nil, &ImportError{Lines: bad}
	}
	if len(out) == 0 {
		return nil, &ImportError{Message: "The file holds no code. No code was imported."}
	}
	return out, nil
}

// unseen reports whether c is a character a reader cannot see or copy as
// it is: a space, a control character, or one that is not graphic (a
// zero-width space, a soft hyphen, a direction override), which would make
// one code look like another, or like itself without it.
func unseen(c rune) bool {
	return unicode.IsSpace(c) || unicode.IsControl(c) || !unicode.IsGraphic(c)
}

// Import adds the codes of a CSV file (see parseCodes) to the offer's
// stock, all of them or, if any line is bad or any code is one the offer
// has already (the database's unique constraint says), none: an
// *ImportError names each such line. It returns how many it added.
func (s *Service) Import(ctx context.Context, offerID int64, data []byte) (int, error) {
	codes, err := parseCodes(data)
	if err != nil {
		return 0, err
	}
	values := make([]string, len(codes))
	for i, c := range codes {
		values[i] = c.value
	}
	dups, err := s.Store.ImportPartnerCodes(ctx, offerID, values, s.Now())
	switch {
	case errors.Is(err, dberr.ErrNotFound):
		return 0, ErrNoOffer
	case err != nil:
		return 0, err
	case len(dups) > 0:
		bad := &ImportError{}
		for _, i := range dups {
			bad.Lines = append(bad.Lines, LineError{codes[i].line, fmt.Sprintf("the code %s was imported before", codes[i].value)})
		}
		return 0, bad
	}
	return len(codes), nil
}
