package web

import (
	"net/url"
	"strings"
	"testing"
)

func TestNextStaysOnThisSite(t *testing.T) {
	for _, tc := range []struct{ next, want string }{
		{"/ok?x=1", "/ok?x=1"},
		{"/article/a-story#comments", "/article/a-story#comments"},
		{"/section/markets?page=2&sort=new", "/section/markets?page=2&sort=new"},
		{"/café", "/café"},
		{"/search?q=%5C%09%2F%2F", "/search?q=%5C%09%2F%2F"},
		{"/article/caf%C3%A9", "/article/caf%C3%A9"},
		// A browser keeps escapes in a path, but nothing on the way may
		// decode them into a way off the site either.
		{"/%09/evil.example", "/"},
		{"/%2F%2Fevil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"/%0d%0aSet-Cookie:x", "/"},
		{"/%zz", "/"},
		{"", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/\r\n/evil.example", "/"},
		{"\t//evil.example", "/"},
		{" //evil.example", "/"},
		{"//evil", "/"},
		{"///evil", "/"},
		{"/\\evil", "/"},
		{"\\\\evil", "/"},
		{"/ok\\..\\..\\evil", "/"},
		{"https://evil", "/"},
		{"http:/evil", "/"},
		{"HTTPS://evil", "/"},
		{"javascript:alert(1)", "/"},
		{"evil.example", "/"},
		{"ok", "/"},
		{"/\x00", "/"},
		{"/\x7f/evil", "/"},
		{"/\u0085/evil", "/"},
		{"/\xff", "/"},
		{"/" + strings.Repeat("a", maxNextLength), "/"},
	} {
		if got := safeNext(tc.next); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.next, got, tc.want)
		}
	}
}

// Whatever safeNext lets through, a browser resolves on this site. The
// browser's own clean-up is done first: tabs and newlines dropped, and
// backslashes read as slashes.
func TestNextAsABrowserReadsIt(t *testing.T) {
	base, _ := url.Parse("https://news.example/login")
	browser := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/")
	parts := []string{"/", "//", "\\", "\t", "\n", "\r", " ", "evil.example", "@", ":", "?", "#", "%09", "%2f", ".", "..", "http:", "x"}
	var walk func(prefix string, depth int)
	walk = func(prefix string, depth int) {
		if next := safeNext(prefix); next != "/" {
			u, err := base.Parse(strings.TrimLeft(browser.Replace(next), " "))
			if err != nil || u.Host != base.Host || u.Scheme != base.Scheme {
				t.Errorf("safeNext(%q) = %q, which a browser opens at %v (%v)", prefix, next, u, err)
			}
		}
		if depth == 0 {
			return
		}
		for _, p := range parts {
			walk(prefix+p, depth-1)
		}
	}
	walk("", 4)
}
