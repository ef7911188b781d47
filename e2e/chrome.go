// Package e2e holds the end-to-end tests: a real headless Chromium driven
// through the running product by clicking and typing, as a reader would.
// This file finds and starts the browser for them.
package e2e

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultChromium is where Debian installs the browser.
const DefaultChromium = "/usr/bin/chromium"

// ChromiumPath is the browser the tests drive: $CHROMIUM_PATH, else
// Debian's Chromium.
func ChromiumPath() string {
	if p := os.Getenv("CHROMIUM_PATH"); p != "" {
		return p
	}
	return DefaultChromium
}

// NewTab starts a headless Chromium with a fresh profile and returns a
// context for one tab in it, valid for at most timeout. The browser is
// stopped when the test ends. Without Chromium the test is skipped, except
// in CI (CI=true), where a missing browser must not pass unnoticed.
func NewTab(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath(ChromiumPath())
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium is required in CI: %v (set CHROMIUM_PATH)", err)
		}
		t.Skipf("Chromium not found, skipping the browser test: %v", err)
	}
	// The profile directory is made before the browser starts, so it is
	// removed after the cleanup below has stopped the browser.
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox, // containers and CI run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		// Nothing but the site under test goes over the network.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	quiet := func(string, ...any) {}
	tabCtx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithLogf(quiet), chromedp.WithErrorf(quiet))
	ctx, cancelTimeout := context.WithTimeout(tabCtx, timeout)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
		cancelAlloc() // waits for the browser process to exit
	})
	// Start the browser now, so a broken installation is reported as such
	// rather than as the first step of the test failing.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium (%s): %v", path, err)
	}
	return ctx
}
