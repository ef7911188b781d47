package config

import (
	"strings"
	"testing"
	"time"
)

func TestProxyConfig(t *testing.T) {
	for _, k := range []string{"BROADSHEET_ADDR", "BROADSHEET_DATA", "BROADSHEET_DB", "BROADSHEET_BASE_URL", "BROADSHEET_SECRET", "BROADSHEET_HASH_CONCURRENCY"} {
		t.Setenv(k, "")
	}
	t.Setenv("BROADSHEET_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.5")
	c, err := Parse("serve", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.TrustedProxies) != 2 || c.TrustedProxies[0].String() != "10.0.0.0/8" || c.TrustedProxies[1].String() != "192.168.1.5/32" {
		t.Errorf("trusted proxies %v", c.TrustedProxies)
	}
	if c.HashConcurrency != 0 {
		t.Errorf("hash concurrency %d by default, want 0 (the accounts default)", c.HashConcurrency)
	}

	t.Setenv("BROADSHEET_TRUSTED_PROXIES", "")
	if c, err := Parse("serve", nil, false); err != nil || len(c.TrustedProxies) != 0 {
		t.Errorf("no proxies: %v, %v", c, err)
	}
	t.Setenv("BROADSHEET_TRUSTED_PROXIES", "10.0.0.0/8, lb.internal")
	if _, err := Parse("serve", nil, false); err == nil || !strings.Contains(err.Error(), "BROADSHEET_TRUSTED_PROXIES") || !strings.Contains(err.Error(), "lb.internal") {
		t.Errorf("a host name among the proxies: err %v, want one naming the variable and the item", err)
	}

	t.Setenv("BROADSHEET_TRUSTED_PROXIES", "")
	t.Setenv("BROADSHEET_HASH_CONCURRENCY", "8")
	if c, err := Parse("serve", nil, false); err != nil || c.HashConcurrency != 8 {
		t.Errorf("hash concurrency 8: %v, %v", c, err)
	}
	for _, bad := range []string{"0", "-1", "many", "1000"} {
		t.Setenv("BROADSHEET_HASH_CONCURRENCY", bad)
		if _, err := Parse("serve", nil, false); err == nil || !strings.Contains(err.Error(), "BROADSHEET_HASH_CONCURRENCY") {
			t.Errorf("hash concurrency %q: err %v", bad, err)
		}
	}
}

func TestCrawlerConfig(t *testing.T) {
	for _, k := range []string{"BROADSHEET_ADDR", "BROADSHEET_DATA", "BROADSHEET_DB", "BROADSHEET_BASE_URL", "BROADSHEET_SECRET",
		"BROADSHEET_CRAWLERS", "BROADSHEET_CRAWLER_TIMEOUT", "BROADSHEET_CRAWLER_TTL"} {
		t.Setenv(k, "")
	}
	c, err := Parse("serve", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Crawlers.List) != 2 || c.Crawlers.List[0].Agent != "Googlebot" || c.Crawlers.List[1].Domains[0] != "search.msn.com" ||
		c.Crawlers.Timeout != time.Second || c.Crawlers.TTL != time.Hour {
		t.Errorf("default crawlers %+v", c.Crawlers)
	}
	t.Setenv("BROADSHEET_CRAWLERS", "off")
	t.Setenv("BROADSHEET_CRAWLER_TIMEOUT", "300ms")
	t.Setenv("BROADSHEET_CRAWLER_TTL", "6h")
	if c, err := Parse("serve", nil, false); err != nil || c.Crawlers.List != nil || c.Crawlers.Timeout != 300*time.Millisecond || c.Crawlers.TTL != 6*time.Hour {
		t.Errorf("crawlers off, 300ms, 6h: %+v, %v", c.Crawlers, err)
	}
	for k, bad := range map[string]string{
		"BROADSHEET_CRAWLERS":        "Googlebot",
		"BROADSHEET_CRAWLER_TIMEOUT": "soon",
		"BROADSHEET_CRAWLER_TTL":     "-1h",
	} {
		t.Setenv(k, bad)
		if _, err := Parse("serve", nil, false); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%q: err %v, want one naming the variable", k, bad, err)
		}
		t.Setenv(k, "")
	}
}
