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
		{"refused shows the lead", false, 6, 2, 2, false},
		{"a lead longer than the story shows the story, still gated", false, 2, 5, 2, false},
		{"no lead shows nothing", false, 6, 0, 0, false},
		{"a negative lead shows nothing", false, 6, -1, 0, false},
	}
	for _, c := range cases {
		n, full := ShownCount(Decision{Granted: c.granted}, c.paragraphs, c.lead)
		if n != c.wantN || full != c.wantFull {
			t.Errorf("%s: got %d, %v; want %d, %v", c.name, n, full, c.wantN, c.wantFull)
		}
	}
}
