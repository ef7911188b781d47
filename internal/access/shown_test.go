package access

import "testing"

func TestShownCount(t *testing.T) {
	cases := []struct {
		name       string
		granted    bool
		paragraphs int
		lead       int
		wantN      int
		wantFull   bool
	}{
		{"granted shows everything", true, 6, 2, 6, true},
		{"granted shows a one-paragraph story", true, 1, 2, 1, true},
		{"refused shows the lead", false, 6, 2, 2, false},
		{"a two-paragraph brief shows one paragraph", false, 2, 2, 1, false},
		{"a one-paragraph story shows only its standfirst", false, 1, 2, 0, false},
		{"a lead longer than the story shows half of it", false, 7, 20, 3, false},
		{"a lead of six on a six-paragraph story shows half", false, 6, 6, 3, false},
		{"no lead shows nothing", false, 6, 0, 0, false},
		{"a negative lead shows nothing", false, 6, -1, 0, false},
		{"an empty story shows nothing", false, 0, 2, 0, false},
	}
	for _, c := range cases {
		n, full := ShownCount(Decision{Granted: c.granted}, c.paragraphs, c.lead)
		if n != c.wantN || full != c.wantFull {
			t.Errorf("%s: got %d, %v; want %d, %v", c.name, n, full, c.wantN, c.wantFull)
		}
		if !c.granted && c.paragraphs > 0 && n >= c.paragraphs {
			t.Errorf("%s: a refused reader gets all %d paragraphs", c.name, c.paragraphs)
		}
	}
}
