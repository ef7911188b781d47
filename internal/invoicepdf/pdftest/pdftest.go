// Package pdftest reads the text of a PDF in tests, with pdftotext from
// poppler-utils. Outside CI a test skips when pdftotext is missing; in CI
// (CI=true) it fails instead.
package pdftest

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
)

// Text returns the text of pdf as pdftotext lays it out.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pdftotext (poppler-utils) is required in CI: %v", err)
		}
		t.Skipf("pdftotext not installed (apt-get install poppler-utils): %v", err)
	}
	cmd := exec.Command(bin, "-layout", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pdftotext: %v: %s", err, stderr.String())
	}
	return out.String()
}
