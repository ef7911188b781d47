package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"broadsheet/internal/accounts"
	"broadsheet/internal/app"
	"broadsheet/internal/clock"
	"broadsheet/internal/config"
	"broadsheet/internal/store"
)

const userUsage = "usage: broadsheet user create --email E --password P [--role editor|admin]"

// userCreate is what `user create` was asked to make; rest are the common
// flags (--db, --data) for the configuration.
type userCreate struct {
	Email, Password string
	Role            accounts.Role
	Rest            []string
}

// userFlag reports whether a flag is one of `user create`'s own; the
// others are the common ones.
func userFlag(name string) bool {
	switch name {
	case "email", "password", "role", "admin":
		return true
	}
	return false
}

// parseUserCreate reads the arguments after `user`. --admin is kept as
// another way to say --role admin; a role that is not one, or two that
// disagree, are refused before anything is opened.
func parseUserCreate(args []string) (userCreate, error) {
	var u userCreate
	if len(args) == 0 || args[0] != "create" {
		return u, errors.New(userUsage)
	}
	var roleSet, admin bool
	for i := 1; i < len(args); i++ {
		a := args[i]
		name, value, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || !userFlag(name) {
			u.Rest = append(u.Rest, a)
			continue
		}
		if name == "admin" {
			if inline {
				return u, errors.New("--admin takes no value; use --role admin")
			}
			admin = true
			continue
		}
		if !inline {
			if i+1 >= len(args) {
				return u, fmt.Errorf("--%s needs a value\n%s", name, userUsage)
			}
			i++
			value = args[i]
		}
		switch name {
		case "email":
			u.Email = value
		case "password":
			u.Password = value
		case "role":
			role, err := parseStaffRole(value)
			if err != nil {
				return u, err
			}
			u.Role, roleSet = role, true
		}
	}
	if admin {
		if roleSet && u.Role != accounts.RoleAdmin {
			return u, fmt.Errorf("--admin and --role %s disagree: give one", u.Role)
		}
		u.Role = accounts.RoleAdmin
	}
	return u, nil
}

// parseStaffRole is a role named on the command line: a reader is made by
// giving none, so an empty name is a mistake (an unset variable, say).
func parseStaffRole(name string) (accounts.Role, error) {
	role, err := accounts.ParseRole(name)
	if err != nil || role == accounts.RoleReader {
		return "", fmt.Errorf("--role %q: want editor or admin (leave it out for a reader)", name)
	}
	return role, nil
}

func user(ctx context.Context, args []string, log *slog.Logger) error {
	u, err := parseUserCreate(args)
	if err != nil {
		return err
	}
	cfg, err := config.Parse("user create", u.Rest, false)
	if err != nil {
		return err
	}
	// An account is not what a running server keeps as its own, so this
	// may run beside one: its write waits for SQLite's lock.
	a, err := app.New(ctx, cfg, clock.Real{}, log, store.BesideServer("broadsheet user create"))
	if err != nil {
		return err
	}
	defer a.Close()
	acct, err := a.Accounts.Register(ctx, u.Email, u.Password, u.Role)
	if err != nil {
		return err
	}
	role := string(acct.Role)
	if acct.Role == accounts.RoleReader {
		role = "reader"
	}
	fmt.Printf("created %s %s\n", role, acct.Email)
	return nil
}
