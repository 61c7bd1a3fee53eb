package keystone

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"github.com/intercloud/intercloud/internal/store"
)

// DefaultTokenTTL is Keystone's default token lifetime ([token] expiration).
const DefaultTokenTTL = time.Hour

// Config tunes a Service. The zero value is usable.
type Config struct {
	// TokenTTL is how long an issued token is valid; DefaultTokenTTL when zero.
	TokenTTL time.Duration
	// Now is the clock that issues and expires tokens; time.Now when nil.
	// Token lifetimes are wall-clock (clients compare expires_at with
	// theirs), so this is injected for tests, not the lab's virtual clock.
	Now func() time.Time
	// Logger receives authentication events; nil discards them.
	Logger *slog.Logger
}

// Service is the identity service over a store. It is safe for concurrent
// use; all its state is in the store, which it must be the only writer
// of (its token cache trusts that).
type Service struct {
	st     *store.Store
	ttl    time.Duration
	now    func() time.Time
	log    *slog.Logger
	tokens tokenCache // validated tokens (tokencache.go)
}

// New applies Keystone's migrations to st and returns the service.
func New(ctx context.Context, st *store.Store, cfg Config) (*Service, error) {
	if err := st.Migrate(ctx, component, migrations()); err != nil {
		return nil, fmt.Errorf("keystone: %w", err)
	}
	s := &Service{st: st, ttl: cfg.TokenTTL, now: cfg.Now, log: cfg.Logger}
	if s.ttl <= 0 {
		s.ttl = DefaultTokenTTL
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// newID makes an identifier shaped like Keystone's: 32 hex digits.
func newID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return hex.EncodeToString(b), nil
}
