package access

import (
	"html/template"
	"slices"
	"testing"

	"broadsheet/internal/meter"
)

func TestProject(t *testing.T) {
	cases := []struct {
		name      string
		decision  Decision
		blocks    int
		lead      int
		wantN     int
		wantWhole bool
	}{
		{"a subscriber gets everything", Decision{Granted: true, Reason: meter.Subscriber}, 6, 2, 6, true},
		{"a metered read gets everything", Decision{Granted: true, Reason: meter.Metered}, 6, 2, 6, true},
		{"a granted one-block story is whole", Decision{Granted: true, Reason: meter.FreeStory}, 1, 2, 1, true},
		{"a spent meter shows the lead", Decision{Reason: meter.MeterExhausted}, 6, 2, 2, false},
		{"a premium story shows the lead", Decision{Reason: meter.PremiumOnly}, 6, 2, 2, false},
		{"a two-block brief shows one block", Decision{Reason: meter.MeterExhausted}, 2, 2, 1, false},
		{"a one-block story shows only its standfirst", Decision{Reason: meter.PremiumOnly}, 1, 2, 0, false},
		{"a lead longer than the story shows half of it", Decision{Reason: meter.MeterExhausted}, 7, 20, 3, false},
		{"a lead as long as the story shows half", Decision{Reason: meter.MeterExhausted}, 6, 6, 3, false},
		{"no lead shows nothing", Decision{Reason: meter.MeterExhausted}, 6, 0, 0, false},
		{"a negative lead shows nothing", Decision{Reason: meter.MeterExhausted}, 6, -1, 0, false},
		{"an empty story shows nothing", Decision{Reason: meter.PremiumOnly}, 0, 2, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The same rule on raw blocks and on blocks kept rendered.
			raw := make([]string, c.blocks)
			rendered := make([]template.HTML, c.blocks)
			for i := range raw {
				raw[i] = "paragraph " + string(rune('a'+i))
				rendered[i] = template.HTML("<p>" + raw[i] + "</p>")
			}
			checkProjection(t, raw, Project(raw, c.decision, c.lead), c.decision, c.wantN, c.wantWhole)
			checkProjection(t, rendered, Project(rendered, c.decision, c.lead), c.decision, c.wantN, c.wantWhole)
		})
	}
}

func checkProjection[B comparable](t *testing.T, blocks []B, p Projection[B], d Decision, wantN int, wantWhole bool) {
	t.Helper()
	if len(p.Blocks) != wantN || p.Whole != wantWhole {
		t.Fatalf("got %d blocks, whole %v; want %d, %v", len(p.Blocks), p.Whole, wantN, wantWhole)
	}
	if !slices.Equal(p.Blocks, blocks[:wantN]) {
		t.Errorf("blocks %v are not the story's first %d", p.Blocks, wantN)
	}
	switch {
	case p.Whole && p.Paywall != "":
		t.Errorf("a whole story has a paywall (%q)", p.Paywall)
	case !p.Whole && p.Paywall != d.Reason:
		t.Errorf("paywall reason %q, want the decision's %q", p.Paywall, d.Reason)
	}
	if !d.Granted && len(blocks) > 0 && len(p.Blocks) >= len(blocks) {
		t.Errorf("a refused reader gets all %d blocks", len(blocks))
	}
	// What is withheld cannot be reached from what is shown.
	if !p.Whole && cap(p.Blocks) != len(p.Blocks) {
		t.Errorf("the shown blocks reach %d withheld ones", cap(p.Blocks)-len(p.Blocks))
	}
}
