package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"broadsheet/internal/app/apptest"
)

// A partner's file of codes is not to be trusted: a code with an
// invisible character (a zero-width space, a soft hyphen, a right-to-left
// override) looks like another code, or like itself without it, on the
// admin's page and the reader's, and a reader who copies it copies what
// the partner's site will not take, for the one code they may claim. Such
// a file is refused whole, each line named, as one with a space is.
func TestPartnerCodesWithInvisibleCharactersAreRefused(t *testing.T) {
	apptest.Each(t, func(t *testing.T, site *apptest.Site) {
		admin := site.NewBrowser()
		logIn(t, admin, demoAccount(t, "admin"), "/")
		id := addOffer(t, site, admin, "The Evening Quiz", 0)
		for i, bad := range []string{"QZ-1\u200b", "QZ\u00ad-2", "QZ-\u202e3", "QZ-\ufeff4", "QZ-\u20605"} {
			// A good code first: the file is refused for the bad one.
			resp := importCodes(t, admin, id, fmt.Sprintf("code\nQZ-OK-%d\n%s\n", i, bad))
			if resp.Status != http.StatusUnprocessableEntity || !strings.Contains(resp.Body, "line 3:") {
				t.Errorf("import the code %q: status %d, want 422 naming line 3", bad, resp.Status)
			}
		}
		if o := offerStock(t, site, id); o.Left != 0 {
			t.Errorf("refused files imported %d codes", o.Left)
		}
		// Letters of any script are codes all the same.
		if resp := importCodes(t, admin, id, "QZ-É1\nКОД-2\n"); resp.Status != http.StatusOK {
			t.Errorf("import codes of other scripts: status %d", resp.Status)
		}
	})
}
