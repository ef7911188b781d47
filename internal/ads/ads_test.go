package ads

import (
	"slices"
	"strings"
	"testing"

	"broadsheet/internal/httpguard"
)

func TestParseOriginsNormalisesAndRefuses(t *testing.T) {
	got, err := ParseOrigins("https://Ads.Example.net/\nhttp://localhost:8080, https://ads.example.net:443  https://cdn.example.org:8443")
	want := []string{"https://ads.example.net", "http://localhost:8080", "https://cdn.example.org:8443"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseOrigins: %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{
		"ads.example.net", "ftp://ads.example.net", "https://", "https://ads.example.net/tag", "https://ads.example.net?x=1",
		"https://user@ads.example.net", "https://*.example.net", "https://ads.example.net:x", "'self'", "https://ads.example.net#x",
		"data:", "https://[::1]", "https://ads_example.net",
	} {
		if got, err := ParseOrigins(bad); err == nil {
			t.Errorf("ParseOrigins(%q) = %q, want an error", bad, got)
		}
	}
	many := ""
	for i := range MaxOrigins + 1 {
		many += " https://a" + strings.Repeat("a", i) + ".example"
	}
	if _, err := ParseOrigins(many); err == nil {
		t.Error("more than MaxOrigins origins were accepted")
	}
}

func TestCheckAcceptsAdsFromTheSiteAndAllowedOrigins(t *testing.T) {
	origins := []string{"https://ads.example.net"}
	for _, ok := range []string{
		`<a class="house-ad" href="/subscribe"><strong>Subscribe</strong></a>`,
		`<script src="https://ads.example.net/tag.js" async></script>`,
		`<script src="HTTPS://ADS.EXAMPLE.NET:443/tag.js"></script>`,
		`<iframe src="https://ads.example.net/f" title="ad"></iframe>`,
		`<img src="/static/ad.png" srcset="/static/ad.png 1x, https://ads.example.net/ad@2x.png 2x" alt="">`,
		`<a href="https://advertiser.example/?utm=x">Elsewhere</a> <a href="mailto:ads@example.net">Mail</a>`,
		`<ins class="adsbygoogle" data-ad-client="x" data-ad-slot="1"></ins>`,
		"",
	} {
		if _, err := Check(ok, origins); err != nil {
			t.Errorf("Check(%q): %v", ok, err)
		}
	}
}

func TestCheckRendersBalancedMarkup(t *testing.T) {
	got, err := Check(`<div><p>Sale</div></aside></main><!-- x -->`, nil)
	if want := `<div><p>Sale</p></div><!-- x -->`; err != nil || got != want {
		t.Errorf("Check: %q, %v; want %q", got, err, want)
	}
}

// The refusals themselves are exercised over HTTP (internal/web's
// ads_test.go); these are the ones only a unit reaches cheaply.
func TestCheckRefusesInlineScriptInEveryDisguise(t *testing.T) {
	for _, bad := range []string{
		"<script>\n</script>x<script>alert(1)</script>",
		`<svg><script>alert(1)</script></svg>`,
		`<svg><script href="https://evil.example/x.js"></script></svg>`,
		`<a href="&#106;avascript:alert(1)">x</a>`,
		`<a href="java` + "\x00" + `script:alert(1)">x</a>`,
		`<a href="vbscript:x">x</a>`,
		`<svg><set attributeName="href" to="javascript:alert(1)"/></svg>`,
		`<math><mi xlink:href="javascript:alert(1)">x</mi></math>`,
		`<button formaction="https://evil.example">x</button>`,
		`<img src="https://ads.example.net%2F@evil.example/x">`,
	} {
		if got, err := Check(bad, []string{"https://ads.example.net"}); err == nil {
			t.Errorf("Check(%q) = %q, want an error", bad, got)
		}
	}
}

func TestPolicyAddsOriginsToTheSitesOwn(t *testing.T) {
	p := Policy([]string{"https://a.example", "https://b.example"})
	for _, want := range []string{"script-src 'self' https://a.example https://b.example;", "img-src 'self' data: https://a.example https://b.example;",
		"; frame-src 'self' https://a.example https://b.example", "; connect-src 'self' https://a.example https://b.example"} {
		if !strings.Contains(p, want) {
			t.Errorf("Policy %q lacks %q", p, want)
		}
	}
	// If the site's policy changes its script-src or img-src, the
	// replacements above must change with it.
	if strings.Count(p, "https://a.example") != 4 || !strings.HasPrefix(httpguard.ContentSecurityPolicy, "default-src 'self'; script-src 'self'; ") {
		t.Errorf("Policy %q did not widen each directive once", p)
	}
}
