package config

import (
	"strings"
	"testing"
)

func TestStoryCacheSize(t *testing.T) {
	for _, k := range []string{"BROADSHEET_ADDR", "BROADSHEET_DATA", "BROADSHEET_DB", "BROADSHEET_BASE_URL", "BROADSHEET_SECRET"} {
		t.Setenv(k, "")
	}
	t.Setenv("BROADSHEET_STORY_CACHE_MB", "")
	if c, err := Parse("serve", nil, false); err != nil || c.StoryCacheMB != 0 {
		t.Fatalf("unset: %v, %v; want 0, the default", c, err)
	}
	t.Setenv("BROADSHEET_STORY_CACHE_MB", "32")
	if c, err := Parse("serve", nil, false); err != nil || c.StoryCacheMB != 32 {
		t.Fatalf("32: %v, %v", c, err)
	}
	for _, bad := range []string{"0", "-5", "64MB", "lots", "99999999999"} {
		t.Setenv("BROADSHEET_STORY_CACHE_MB", bad)
		if _, err := Parse("serve", nil, false); err == nil || !strings.Contains(err.Error(), "BROADSHEET_STORY_CACHE_MB") {
			t.Errorf("%q: err %v, want one naming the variable", bad, err)
		}
	}
}
