package stripepay

import (
	"testing"
	"time"
)

func TestCheckoutExpiryKeepsWithinStripesBounds(t *testing.T) {
	began := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name       string
		asked, now time.Time
		want       time.Time
	}{
		{"within the bounds", began.Add(2 * time.Hour), began, began.Add(2 * time.Hour)},
		{"too soon: a step later", began.Add(30 * time.Minute), began.Add(time.Second), began.Add(60 * time.Minute)},
		{"too soon, asked again later: the same", began.Add(30 * time.Minute), began.Add(28 * time.Minute), began.Add(60 * time.Minute)},
		{"already past", began, began.Add(45 * time.Minute), began.Add(90 * time.Minute)},
		{"the latest Stripe takes", began.Add(23*time.Hour + 59*time.Minute), began, began.Add(23*time.Hour + 59*time.Minute)},
	} {
		if got, ok := checkoutExpiry(c.asked, c.now); !ok || !got.Equal(c.want) {
			t.Errorf("%s: checkoutExpiry(%s, %s) = %s, %v; want %s", c.name, c.asked, c.now, got, ok, c.want)
		}
	}
	// Later than Stripe takes: left to Stripe's default, 24 hours.
	if got, ok := checkoutExpiry(began.Add(25*time.Hour), began); ok {
		t.Errorf("25 hours ahead gave %s, want none", got)
	}
	// Whatever is asked, Stripe gets a time it takes.
	for asked := -48 * time.Hour; asked <= 48*time.Hour; asked += 7 * time.Minute {
		got, ok := checkoutExpiry(began.Add(asked), began)
		if !ok {
			continue
		}
		if ahead := got.Sub(began); ahead < minExpiry+expiryMargin || ahead > maxExpiry-expiryMargin {
			t.Fatalf("asked %s ahead, got %s ahead: outside Stripe's bounds", asked, ahead)
		}
	}
}
