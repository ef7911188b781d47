package settings

import (
	"fmt"
	"sort"
	"strings"
)

// Template is reader-facing copy with {{variable}} placeholders, such as
// "You've reached your limit of {{free_limit}} free articles this month."
// Editors write it in the admin console, so it is deliberately tiny: text and
// known variables, nothing else.
type Template struct {
	parts []part
}

type part struct {
	text     string
	variable string // when set, the part is a placeholder
}

// Variables are the names a Template may use, with what each stands for.
var Variables = map[string]string{
	"free_limit": "the number of free stories a month",
	"remaining":  "free stories the reader has left this month",
	"used":       "free stories the reader has read this month",
}

// ParseTemplate checks src, copy about the meter, and returns the
// template, or an error that says what is wrong and where.
func ParseTemplate(src string) (Template, error) { return ParseTemplateOf(src, Variables) }

// ParseTemplateOf is ParseTemplate for copy that may use the variables
// named in known.
func ParseTemplateOf(src string, known map[string]string) (Template, error) {
	var t Template
	rest := src
	for {
		open := strings.Index(rest, "{{")
		close := strings.Index(rest, "}}")
		if open < 0 {
			if close >= 0 {
				return Template{}, fmt.Errorf("%q has a closing }} without an opening {{", src)
			}
			if rest != "" {
				t.parts = append(t.parts, part{text: rest})
			}
			return t, nil
		}
		if close >= 0 && close < open {
			return Template{}, fmt.Errorf("%q has a closing }} without an opening {{", src)
		}
		if open > 0 {
			t.parts = append(t.parts, part{text: rest[:open]})
		}
		rest = rest[open+2:]
		end := strings.Index(rest, "}}")
		if end < 0 {
			return Template{}, fmt.Errorf("%q has an opening {{ that is never closed", src)
		}
		name := strings.TrimSpace(rest[:end])
		if _, ok := known[name]; !ok {
			return Template{}, fmt.Errorf("%q uses the unknown variable {{%s}}; known: %s", src, name, names(known))
		}
		t.parts = append(t.parts, part{variable: name})
		rest = rest[end+2:]
	}
}

// Render fills the placeholders from vars.
func (t Template) Render(vars map[string]string) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.variable != "" {
			b.WriteString(vars[p.variable])
		} else {
			b.WriteString(p.text)
		}
	}
	return b.String()
}

// names lists the variables' names, in order.
func names(known map[string]string) string {
	out := make([]string, 0, len(known))
	for name := range known {
		out = append(out, name)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}
