package config

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
)

// clearEnv unsets the variables these tests read, so the machine's own
// settings do not leak in.
func clearEnv(t *testing.T) {
	for _, k := range []string{"BROADSHEET_ADDR", "BROADSHEET_DATA", "BROADSHEET_DB", "BROADSHEET_BASE_URL", "BROADSHEET_SECRET"} {
		t.Setenv(k, "")
	}
}

func TestConfigRefusesWeakSecret(t *testing.T) {
	clearEnv(t)
	for _, secret := range []string{
		"secret",
		"correct horse battery staple",     // 28 characters
		"0123456789abcdef0123456789abcdef", // 32 hex digits: 16 bytes
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", // 63 hex digits
		"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlYw",                      // 42 base64 characters
		strings.Repeat("0", 64),                                           // long, and not random
		strings.Repeat("password", 6),                                     // a word repeated
	} {
		t.Setenv("BROADSHEET_SECRET", secret)
		_, err := Parse("serve", nil, false)
		if err == nil {
			t.Errorf("secret %q (%d characters) was accepted", secret, len(secret))
			continue
		}
		if !strings.Contains(err.Error(), "BROADSHEET_SECRET") || !strings.Contains(err.Error(), "openssl rand -hex 32") {
			t.Errorf("secret %q: error %q does not say how to make one", secret, err)
		}
	}
}

func TestConfigAcceptsStrongSecret(t *testing.T) {
	clearEnv(t)
	for _, secret := range []string{
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", // openssl rand -hex 32
		"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3I=",                     // openssl rand -base64 32
		"Tr0ub4dor&3 is not; this 32-char one is!",                         // raw, 32+ characters
	} {
		t.Setenv("BROADSHEET_SECRET", secret)
		c, err := Parse("serve", nil, false)
		if err != nil {
			t.Errorf("secret %q refused: %v", secret, err)
			continue
		}
		if c.Secret != secret {
			t.Errorf("secret %q read as %q", secret, c.Secret)
		}
	}
}

func TestConfigDemoListensOnLoopback(t *testing.T) {
	clearEnv(t)
	demo, err := Parse("demo", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if demo.Addr != "127.0.0.1:8080" || demo.BaseURL != "http://127.0.0.1:8080" {
		t.Errorf("demo: addr %q, base URL %q; want 127.0.0.1:8080 and its URL", demo.Addr, demo.BaseURL)
	}
	serve, err := Parse("serve", nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if serve.Addr != ":8080" || serve.BaseURL != "http://localhost:8080" {
		t.Errorf("serve: addr %q, base URL %q", serve.Addr, serve.BaseURL)
	}
	flag, err := Parse("demo", []string{"--addr", ":9090"}, true)
	if err != nil {
		t.Fatal(err)
	}
	if flag.Addr != ":9090" {
		t.Errorf("demo --addr :9090 listens on %q", flag.Addr)
	}
	t.Setenv("BROADSHEET_ADDR", "0.0.0.0:8081")
	env, err := Parse("demo", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if env.Addr != "0.0.0.0:8081" {
		t.Errorf("demo with BROADSHEET_ADDR=0.0.0.0:8081 listens on %q", env.Addr)
	}
}

// Keys made the way the messages say (32 random bytes, as hex or base64)
// are never refused as too regular.
func TestConfigAcceptsRandomSecrets(t *testing.T) {
	for range 500 {
		key := make([]byte, 32)
		rand.Read(key)
		for _, secret := range []string{hex.EncodeToString(key), base64.StdEncoding.EncodeToString(key)} {
			if err := CheckSecret(secret); err != nil {
				t.Fatalf("random secret %q refused: %v", secret, err)
			}
		}
	}
}
