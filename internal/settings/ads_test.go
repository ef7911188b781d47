package settings_test

import (
	"context"
	"strings"
	"testing"

	"broadsheet/internal/ads"
	"broadsheet/internal/settings"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// The ad slots are settings: saved through one instance's cache, another
// instance's picks them up on its reload; markup that loads from an origin
// not allowed is refused whole, in memory and on disk.
func TestAdSlotsAreSettingsSharedByInstances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		one, err := settings.NewCache(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		other, err := settings.NewCache(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		if one.Get().Ads.HTML(ads.HomeTop) != "" || len(one.Get().Ads.Origins) != 0 {
			t.Fatal("a new publication has ads")
		}
		tag := `<script src="https://ads.example.net/tag.js"></script>`
		if err := one.Update(ctx, map[string]string{ads.KeyOrigins: "https://ads.example.net", ads.KeyHomeTop: tag}); err != nil {
			t.Fatal(err)
		}
		err = one.Update(ctx, map[string]string{ads.KeyHomeTop: `<script src="https://evil.example/x.js"></script>`, ads.KeyArticleEnd: "<p>x</p>"})
		if err == nil || !strings.Contains(err.Error(), "https://evil.example/x.js") || !strings.Contains(err.Error(), "home-top") {
			t.Fatalf("markup from an origin not allowed: error %v, want one naming the slot and the URL", err)
		}
		if err := other.Reload(ctx); err != nil {
			t.Fatal(err)
		}
		for i, c := range []*settings.Cache{one, other} {
			a := c.Get().Ads
			if h := string(a.HTML(ads.HomeTop)); !strings.Contains(h, `data-ad-slot="home-top"`) || !strings.Contains(h, tag) || a.HTML(ads.ArticleEnd) != "" {
				t.Errorf("instance %d: home-top %q, article-end %q", i+1, h, a.HTML(ads.ArticleEnd))
			}
		}
	})
}
