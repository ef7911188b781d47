package razorpay

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
)

// Notes are the key-value pairs Razorpay keeps with an entity (at most 15,
// each value at most 256 characters). Razorpay answers an entity without
// notes with an empty list, [], not an object, so decoding takes both.
type Notes map[string]string

// UnmarshalJSON reads an object of values (non-string values as their JSON
// text), or an empty list or null as no notes.
func (n *Notes) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*n = nil
		return nil
	case len(b) > 0 && b[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		if len(items) > 0 {
			return errors.New("razorpay: notes are a non-empty list, not key-value pairs")
		}
		*n = nil
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(Notes, len(raw))
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			out[k] = s
		} else {
			out[k] = string(v)
		}
	}
	*n = out
	return nil
}

// Text is a field Razorpay documents as a string in one place and a number
// in another (a contact, a card's last four digits, an expiry month): it
// reads either, and null as "".
type Text string

// UnmarshalJSON reads a string, a number or null.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*t = ""
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = Text(s)
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		return errors.New("razorpay: expected a string or a number")
	}
	*t = Text(num.String())
	return nil
}

// Int reads t as a whole number, 0 when it is not one.
func (t Text) Int() int {
	n, err := strconv.Atoi(string(t))
	if err != nil {
		return 0
	}
	return n
}
