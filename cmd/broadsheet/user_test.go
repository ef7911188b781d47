package main

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"broadsheet/internal/accounts"
	"broadsheet/internal/store"
	"broadsheet/internal/store/storetest"
)

func TestUserCreateParsesTheRole(t *testing.T) {
	base := []string{"create", "--email", "e@example.com", "--data", "/tmp/x", "--password", "a-long-password"}
	for _, c := range []struct {
		args []string
		want accounts.Role
		err  string // part of the error, "" for none
	}{
		{nil, accounts.RoleReader, ""},
		{[]string{"--role", "editor"}, accounts.RoleEditor, ""},
		{[]string{"--role=admin"}, accounts.RoleAdmin, ""},
		{[]string{"-role", "editor"}, accounts.RoleEditor, ""},
		{[]string{"--admin"}, accounts.RoleAdmin, ""},
		{[]string{"--admin", "--role", "admin"}, accounts.RoleAdmin, ""},
		{[]string{"--role", "bogus"}, "", `--role "bogus": want editor or admin`},
		{[]string{"--role", "Admin"}, "", `--role "Admin": want editor or admin`},
		{[]string{"--role", ""}, "", `--role "": want editor or admin`},
		{[]string{"--role=reader"}, "", `--role "reader": want editor or admin`},
		{[]string{"--role"}, "", "--role needs a value"},
		{[]string{"--admin", "--role", "editor"}, "", "--admin and --role editor disagree"},
		{[]string{"--admin=false"}, "", "--admin takes no value"},
	} {
		args := append(append([]string{}, base...), c.args...)
		u, err := parseUserCreate(args)
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%v: %v", c.args, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%v: err %v, want one saying %q", c.args, err, c.err)
		case err == nil && (u.Role != c.want || u.Email != "e@example.com" || u.Password != "a-long-password" ||
			strings.Join(u.Rest, " ") != "--data /tmp/x"):
			t.Errorf("%v: %+v, want role %q and the rest passed on", c.args, u, c.want)
		}
	}
}

// user create makes the account with the role asked for, on either
// engine; a bad role is refused before the database is touched.
func TestUserCreateWithARole(t *testing.T) {
	t.Setenv("BROADSHEET_SECRET", rand.Text()+rand.Text())
	t.Setenv("BROADSHEET_DATA", "")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, engine := range storetest.Engines {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, engine)
			data := filepath.Join(t.TempDir(), "data")
			for _, c := range []struct {
				email string
				flags []string
				want  accounts.Role
			}{
				{"editor@example.com", []string{"--role", "editor"}, accounts.RoleEditor},
				{"admin@example.com", []string{"--admin"}, accounts.RoleAdmin},
				{"reader@example.com", nil, accounts.RoleReader},
			} {
				args := append([]string{"create", "--email", c.email, "--password", "a-long-password", "--db", url, "--data", data}, c.flags...)
				if err := user(ctx, args, log); err != nil {
					t.Fatalf("user %v: %v", args, err)
				}
			}
			err := user(ctx, []string{"create", "--email", "bogus@example.com", "--password", "a-long-password", "--db", url, "--data", data, "--role", "bogus"}, log)
			if err == nil || !strings.Contains(err.Error(), "want editor or admin") {
				t.Errorf("--role bogus: err %v, want it refused", err)
			}
			s, err := store.Open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			for email, want := range map[string]accounts.Role{"editor@example.com": accounts.RoleEditor, "admin@example.com": accounts.RoleAdmin, "reader@example.com": accounts.RoleReader} {
				if a, err := s.AccountByEmail(ctx, email); err != nil || a.Role != want {
					t.Errorf("%s: role %q (%v), want %q", email, a.Role, err, want)
				}
			}
			if _, err := s.AccountByEmail(ctx, "bogus@example.com"); err == nil {
				t.Error("--role bogus created an account")
			}
		})
	}
}
