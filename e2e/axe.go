package e2e

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// AxeScript returns axe-core's script, installed by npm in this folder
// ($AXE_CORE_PATH overrides). Without it the test is skipped, except in
// CI, where it must not pass unnoticed.
func AxeScript(t testing.TB) string {
	t.Helper()
	path := os.Getenv("AXE_CORE_PATH")
	if path == "" {
		_, file, _, _ := runtime.Caller(0)
		path = filepath.Join(filepath.Dir(file), "node_modules", "axe-core", "axe.min.js")
	}
	js, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("axe-core is required in CI: %v (npm ci --prefix e2e)", err)
		}
		t.Skipf("axe-core not installed (npm ci --prefix e2e): %v", err)
	}
	return string(js)
}
