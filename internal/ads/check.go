package ads

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// MaxOrigins bounds the allowed origins, which every page with ads names
// in its policy header.
const MaxOrigins = 20

// ParseOrigins reads the allowed origins, one per line or separated by
// spaces or commas, each a scheme and host with an optional port, such as
// https://ads.example.net. They come back normalised (lower case, no
// default port), without duplicates.
func ParseOrigins(list string) ([]string, error) {
	var out []string
	for _, field := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n' }) {
		o, err := parseOrigin(field)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	if len(out) > MaxOrigins {
		return nil, fmt.Errorf("at most %d origins, not %d", MaxOrigins, len(out))
	}
	return out, nil
}

func parseOrigin(s string) (string, error) {
	bad := func(why string) error {
		return fmt.Errorf("%q is not an origin such as https://ads.example.net: %s", s, why)
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "", bad("it cannot be read")
	case u.Scheme != "https" && u.Scheme != "http":
		return "", bad("it must start with https:// (or http://)")
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery || (u.Path != "" && u.Path != "/"):
		return "", bad("it must be a scheme and host only, with no path, query or user")
	case u.Hostname() == "":
		return "", bad("it names no host")
	}
	// The origin goes into a header: only a host name's characters, which
	// also leaves out CSP's wildcards and keywords.
	host := strings.ToLower(u.Hostname())
	for _, r := range host {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			return "", bad("the host may hold only letters, digits, dots and hyphens")
		}
	}
	port := u.Port()
	for _, r := range port {
		if r < '0' || r > '9' {
			return "", bad("the port must be a number")
		}
	}
	if strings.HasSuffix(u.Host, ":") || port == defaultPort(u.Scheme) {
		port = ""
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host, nil
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// Check reads an ad's markup and returns it re-rendered from the parse, so
// that an unclosed tag cannot swallow the page around the slot, or an error
// naming what is refused: a resource (script, frame, image, media...)
// loaded from anywhere but the site itself (a path such as /static/ad.png)
// or an allowed origin, inline script or style (the site's policy blocks
// them), event handler attributes, javascript: and other such URLs, and
// elements that would change the page itself (base, meta, link, form...).
func Check(markup string, origins []string) (string, error) {
	if strings.TrimSpace(markup) == "" {
		return "", nil
	}
	if n := len(markup); n > MaxMarkup {
		return "", fmt.Errorf("the markup is %d bytes long, more than the %d allowed", n, MaxMarkup)
	}
	if !utf8.ValidString(markup) {
		return "", errors.New("the markup is not UTF-8 text")
	}
	nodes, err := html.ParseFragment(strings.NewReader(markup), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return "", fmt.Errorf("the markup cannot be read: %w", err)
	}
	c := checker{origins: origins}
	var b strings.Builder
	for _, n := range nodes {
		if err := c.node(n); err != nil {
			return "", err
		}
		if err := html.Render(&b, n); err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

type checker struct{ origins []string }

// refused are elements an ad may not hold: they change the page around
// it, post forms, or embed plug-ins.
var refused = map[string]string{
	"base": "changes where the page's links lead", "meta": "changes the page's headers", "link": "loads a style sheet or resource into the page",
	"style": "is inline style, which the site's Content-Security-Policy blocks: use a class",
	"form":  "posts a form", "object": "embeds a plug-in", "embed": "embeds a plug-in", "applet": "embeds a plug-in",
	"frame": "makes a frameset", "frameset": "makes a frameset",
	"set": "rewrites attributes from script-like animation", "animate": "rewrites attributes from script-like animation",
	// Their content is text to a browser running script and markup to
	// one that is not: what the check reads is not what every browser does.
	"noscript": "reads differently with script on and off", "noembed": "is obsolete", "noframes": "is obsolete",
	"xmp": "is obsolete", "plaintext": "is obsolete",
}

func (c *checker) node(n *html.Node) error {
	if n.Type == html.ElementNode {
		if err := c.element(n); err != nil {
			return err
		}
	}
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		if err := c.node(ch); err != nil {
			return err
		}
	}
	return nil
}

func (c *checker) element(n *html.Node) error {
	name := strings.ToLower(n.Data)
	if why, ok := refused[name]; ok {
		return fmt.Errorf("<%s> %s, and is not allowed in an ad", name, why)
	}
	if name == "script" {
		src := ""
		for _, a := range n.Attr {
			if strings.EqualFold(a.Key, "src") || strings.EqualFold(a.Key, "href") {
				src = a.Val
			}
		}
		if src == "" {
			return errors.New("an inline <script> is not allowed: the site's Content-Security-Policy blocks inline script; load it with <script src> from an allowed origin")
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type != html.TextNode || strings.TrimSpace(ch.Data) != "" {
				return fmt.Errorf("<script src=%q> has a body, which is inline script: the site's Content-Security-Policy blocks it", src)
			}
		}
	}
	for _, a := range n.Attr {
		if err := c.attr(name, a); err != nil {
			return err
		}
	}
	return nil
}

// navigating are the attributes that only lead somewhere when followed;
// every other URL attribute loads what it names with the page.
func navigating(element, key string) bool {
	return key == "href" && (element == "a" || element == "area")
}

func (c *checker) attr(element string, a html.Attribute) error {
	key := strings.ToLower(a.Key)
	quoted := fmt.Sprintf("<%s %s=%q>", element, attrName(a), a.Val)
	switch {
	case strings.HasPrefix(key, "on"):
		return fmt.Errorf("%s: event handler attributes are inline script, which the site's Content-Security-Policy blocks", quoted)
	case key == "style":
		return fmt.Errorf("%s: inline style is blocked by the site's Content-Security-Policy: use a class", quoted)
	case key == "srcdoc" || key == "action" || key == "formaction":
		return fmt.Errorf("%s is not allowed in an ad", quoted)
	}
	if scriptScheme(a.Val) {
		return fmt.Errorf("%s: javascript: and other script URLs are not allowed", quoted)
	}
	switch {
	case navigating(element, key):
		return checkLink(quoted, a.Val)
	case key == "src" || key == "href" || key == "poster" || key == "background" || key == "data" ||
		key == "lowsrc" || key == "dynsrc" || key == "manifest" || key == "longdesc":
		return c.resource(quoted, a.Val)
	case key == "srcset" || key == "imagesrcset":
		for _, cand := range strings.Split(a.Val, ",") {
			if f := strings.Fields(cand); len(f) > 0 {
				if err := c.resource(quoted, f[0]); err != nil {
					return err
				}
			}
		}
	case key == "ping":
		for _, u := range strings.Fields(a.Val) {
			if err := c.resource(quoted, u); err != nil {
				return err
			}
		}
	}
	return nil
}

func attrName(a html.Attribute) string {
	if a.Namespace != "" {
		return a.Namespace + ":" + a.Key
	}
	return a.Key
}

// scriptScheme reports whether a URL runs script when loaded or followed,
// read as a browser reads it: spaces and control characters around and
// within the scheme are skipped.
func scriptScheme(v string) bool {
	var b strings.Builder
	for _, r := range v {
		if r <= ' ' {
			continue
		}
		if r == ':' {
			break
		}
		b.WriteRune(r)
	}
	s := strings.ToLower(b.String())
	return s == "javascript" || s == "vbscript" || s == "livescript"
}

// checkLink accepts where an ad's link may lead: the web, mail or a phone.
func checkLink(quoted, v string) error {
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%s: the address cannot be read", quoted)
	}
	switch strings.ToLower(u.Scheme) {
	case "", "http", "https", "mailto", "tel":
		return nil
	}
	return fmt.Errorf("%s: a link must be a web, mailto: or tel: address", quoted)
}

// resource accepts a URL an ad loads with the page: a path on the site
// itself, or an address at an allowed origin.
func (c *checker) resource(quoted, v string) error {
	v = strings.TrimSpace(v)
	notAllowed := func(what string) error {
		allowed := "none are allowed"
		if len(c.origins) > 0 {
			allowed = "allowed: " + strings.Join(c.origins, ", ")
		}
		return fmt.Errorf("%s loads %s, which is not the site itself or an allowed origin (%s)", quoted, what, allowed)
	}
	// Browsers read a backslash as a slash and drop tabs and line breaks,
	// so /\evil.example is another host: such an address is refused whole.
	if strings.ContainsAny(v, "\\\t\r\n") {
		return notAllowed(fmt.Sprintf("%q", v))
	}
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("%s: the address cannot be read", quoted)
	}
	if u.Scheme == "" && u.Host == "" && !strings.HasPrefix(v, "//") {
		return nil // a path on the site itself
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return notAllowed(fmt.Sprintf("%q", v))
	}
	origin, err := parseOrigin(scheme + "://" + u.Host)
	if err != nil || !slices.Contains(c.origins, origin) {
		return notAllowed(v)
	}
	return nil
}
