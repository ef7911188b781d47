package access_test

import (
	"context"
	"testing"
	"time"

	"broadsheet/internal/access"
	"broadsheet/internal/billing"
	"broadsheet/internal/content"
	"broadsheet/internal/meter"
	"broadsheet/internal/settings"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

// A story past the archive cut-off is the archive benefit's: the meter
// does not open it, and refusing it spends nothing; a story inside the
// cut-off is metered as before; a cut-off of 0 has no archive rule.
func TestArchiveIsABenefit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		as := stories(t, s, 2)
		old := &content.Article{ID: as[0].ID, Access: content.Metered, PublishedAt: now.AddDate(-2, 0, 0)}
		oldFree := &content.Article{ID: as[0].ID, Access: content.Free, PublishedAt: now.AddDate(-2, 0, 0)}
		recent := &content.Article{ID: as[1].ID, Access: content.Metered, PublishedAt: now.AddDate(0, 0, -100)}
		cfg := &settings.Settings{FreeLimit: 3, Location: time.UTC, ArchiveDays: 365}
		off := &settings.Settings{FreeLimit: 3, Location: time.UTC}
		svc := service(s)
		visitor := access.Viewer{AnonID: "archive-visitor"}
		newcomer := access.Viewer{AnonID: "archive-new", NewReader: true}
		reader := access.Viewer{AccountID: 7}
		subscriber := access.Viewer{AccountID: 8, Subscription: &billing.Subscription{Status: billing.Active, PaidUntil: now.AddDate(0, 1, 0)}}
		staff := access.Viewer{AccountID: 9, Staff: true}
		crawler := access.Viewer{AnonID: "archive-crawler", Crawler: true}
		for i, step := range []struct {
			v       access.Viewer
			a       *content.Article
			cfg     *settings.Settings
			granted bool
			reason  meter.Reason
			used    int
		}{
			{visitor, old, cfg, false, meter.ArchiveOnly, 0},
			{visitor, oldFree, cfg, false, meter.ArchiveOnly, 0},
			{reader, old, cfg, false, meter.ArchiveOnly, 0},
			{subscriber, old, cfg, true, meter.Subscriber, 0},
			{staff, old, cfg, true, meter.Subscriber, 0},
			{crawler, old, cfg, true, meter.Subscriber, 0},
			{visitor, recent, cfg, true, meter.Metered, 1},
			{visitor, old, cfg, false, meter.ArchiveOnly, 1},
			{reader, old, off, true, meter.Metered, 1},
			{reader, old, cfg, false, meter.ArchiveOnly, 1},
		} {
			d, err := svc.Decide(ctx, step.v, step.a, step.cfg)
			if err != nil || d.Granted != step.granted || d.Reason != step.reason || d.Used != step.used {
				t.Errorf("step %d (%s, story %d): %+v, %v; want granted=%v %s, %d used", i, step.v.MeterKey(), step.a.ID, d, err, step.granted, step.reason, step.used)
			}
		}
		wantCounted(t, s, visitor, 1)
		wantCounted(t, s, reader, 1)
		wantCounted(t, s, subscriber, 0)
		wantCounted(t, s, crawler, 0)

		// A reader new to the site is handed no first read of an archive
		// story.
		d, err := svc.Decide(ctx, newcomer, old, cfg)
		if err != nil || d.Granted || d.Reason != meter.ArchiveOnly || d.FirstRead != (access.CarriedRead{}) {
			t.Errorf("new reader, archive story: %+v, %v", d, err)
		}

		// Search asks the same: an archive story shows its lead only,
		// even a free one, but to subscribers and staff.
		for _, c := range []struct {
			v    access.Viewer
			a    *content.Article
			cfg  *settings.Settings
			want bool
		}{
			{visitor, oldFree, cfg, false},
			{reader, oldFree, cfg, false},
			{subscriber, old, cfg, true},
			{staff, old, cfg, true},
			{visitor, oldFree, off, true},
		} {
			if g := svc.Glance(c.v, c.a, now, c.cfg); g.Granted != c.want {
				t.Errorf("glance of %s at story %d (cut-off %d): %+v, want granted=%v", c.v.MeterKey(), c.a.ID, c.cfg.ArchiveDays, g, c.want)
			}
		}

		// Feeds and structured data ask what anyone may see: a free
		// story whole until it passes into the archive, never a metered
		// or premium one.
		recentFree := &content.Article{ID: as[1].ID, Access: content.Free, PublishedAt: now.AddDate(0, 0, -100)}
		recentPremium := &content.Article{ID: as[1].ID, Access: content.Premium, PublishedAt: now.AddDate(0, 0, -1)}
		for _, c := range []struct {
			a    *content.Article
			cfg  *settings.Settings
			want bool
		}{
			{recentFree, cfg, true},
			{oldFree, cfg, false},
			{oldFree, off, true},
			{recent, cfg, false},
			{recentPremium, cfg, false},
		} {
			if d := access.Anonymous(c.a, now, c.cfg); d.Granted != c.want {
				t.Errorf("anonymous, %s story of %s (cut-off %d): %+v, want granted=%v", c.a.Access, c.a.PublishedAt.Format("2006-01-02"), c.cfg.ArchiveDays, d, c.want)
			}
		}
	})
}
