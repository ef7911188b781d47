package settings

import (
	"context"
	"maps"
	"sync"
	"sync/atomic"
)

// Source reads and writes the stored settings.
type Source interface {
	Settings(ctx context.Context) (map[string]string, error)
	SaveSettings(ctx context.Context, values map[string]string) error
}

// Cache holds the current settings for the hot path and reloads them from
// the database when told to (after an edit, and periodically so that
// several instances agree).
type Cache struct {
	src Source
	cur atomic.Pointer[Settings]

	mu     sync.Mutex
	stored map[string]string // what the current settings were parsed from
}

// NewCache loads the settings once; a stored value that no longer parses
// is an error at start-up rather than a broken page later.
func NewCache(ctx context.Context, src Source) (*Cache, error) {
	c := &Cache{src: src}
	return c, c.Reload(ctx)
}

// Get returns the current settings.
func (c *Cache) Get() *Settings { return c.cur.Load() }

// Reload reads the settings again. Unchanged settings keep the same
// *Settings, so what is cached per settings (the article page's copy, and
// each story's page head and masthead) stays valid between the periodic
// reloads.
func (c *Cache) Reload(ctx context.Context) error {
	raw, err := c.src.Settings(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cur.Load() != nil && maps.Equal(raw, c.stored) {
		return nil
	}
	s, err := Parse(raw)
	if err != nil {
		return err
	}
	c.cur.Store(s)
	c.stored = raw
	return nil
}

// Update validates changes against the current settings and stores them
// only if the result is valid; otherwise nothing changes and the error
// says why.
func (c *Cache) Update(ctx context.Context, changes map[string]string) error {
	if err := c.Check(changes); err != nil {
		return err
	}
	if err := c.src.SaveSettings(ctx, changes); err != nil {
		return err
	}
	return c.Reload(ctx)
}

// Check reports whether changes, with the current settings, are valid
// settings, for a use case that stores them itself (with an audit entry,
// say) and then reloads.
func (c *Cache) Check(changes map[string]string) error {
	merged := map[string]string{}
	for k, v := range c.Get().Raw {
		merged[k] = v
	}
	for k, v := range changes {
		if _, known := Defaults[k]; !known {
			return &UnknownKeyError{Key: k}
		}
		merged[k] = v
	}
	_, err := Parse(merged)
	return err
}

// UnknownKeyError names a setting that does not exist.
type UnknownKeyError struct{ Key string }

func (e *UnknownKeyError) Error() string { return "there is no setting called " + e.Key }
