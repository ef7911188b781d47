package config

import (
	"strings"
	"testing"
	"time"
)

func TestRetentionDefaultsAndSettings(t *testing.T) {
	c, err := Parse("serve", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Retain != DefaultRetention() {
		t.Errorf("retention with no variables = %+v, want the defaults %+v", c.Retain, DefaultRetention())
	}
	t.Setenv("BROADSHEET_RETAIN_METER", "13")
	t.Setenv("BROADSHEET_RETAIN_SESSIONS", "off")
	t.Setenv("BROADSHEET_RETAIN_LINKS", "36h")
	t.Setenv("BROADSHEET_RETAIN_OUTBOX", "365d")
	c, err = Parse("serve", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultRetention()
	want.MeterMonths, want.Sessions, want.Links, want.Outbox = 13, 0, 36*time.Hour, 365*24*time.Hour
	if c.Retain != want {
		t.Errorf("retention = %+v, want %+v", c.Retain, want)
	}
}

// A retention too short to keep the sign-in throttles' day, or one that
// does not parse, is refused with the variable named.
func TestRetentionRefusesBadValues(t *testing.T) {
	for _, c := range []struct{ name, value string }{
		{"BROADSHEET_RETAIN_METER", "0"},
		{"BROADSHEET_RETAIN_METER", "-1"},
		{"BROADSHEET_RETAIN_METER", "2 months"},
		{"BROADSHEET_RETAIN_THROTTLE", "15m"},
		{"BROADSHEET_RETAIN_THROTTLE", "0"},
		{"BROADSHEET_RETAIN_LINKS", "-7d"},
		{"BROADSHEET_RETAIN_JOBS", "thirty days"},
		{"BROADSHEET_RETAIN_SESSIONS", "99999999999d"},
	} {
		t.Run(c.name+"="+c.value, func(t *testing.T) {
			t.Setenv(c.name, c.value)
			_, err := Parse("serve", nil, false)
			if err == nil || !strings.Contains(err.Error(), c.name) {
				t.Errorf("Parse with %s=%q: %v, want an error naming the variable", c.name, c.value, err)
			}
		})
	}
}
