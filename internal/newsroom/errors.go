package newsroom

import "strings"

// FieldError says what is wrong with one field of a draft.
type FieldError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// InvalidError lists what is wrong with a draft; nothing was saved.
type InvalidError struct {
	Fields []FieldError
}

func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Reason
	}
	return strings.Join(parts, "; ")
}

func (e *InvalidError) add(field, reason string) {
	e.Fields = append(e.Fields, FieldError{field, reason})
}

func invalid(field, reason string) *InvalidError {
	return &InvalidError{Fields: []FieldError{{field, reason}}}
}
