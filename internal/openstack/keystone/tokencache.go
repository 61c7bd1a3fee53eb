package keystone

import (
	"context"
	"database/sql"
	"slices"
	"sync"
)

// tokenCache remembers validated tokens, as keystonemiddleware's token
// cache does in front of each OpenStack service: every API request of
// every cloud validates its token, and reading the token, its user, its
// project and its roles back from SQLite was a fifth of bringing up a
// lab's clouds. Unlike the middleware's cache, whose entries live five
// minutes whatever happens meanwhile, this one is never stale: Keystone
// is its only writer, and every write that can change what a token
// stands for (revoking it, disabling or deleting a user or project,
// removing a role) empties it (write). An entry still expires with its
// token.
type tokenCache struct {
	mu  sync.Mutex
	gen uint64 // bumped by every write; an entry read before one is dropped
	ids map[string]Identity
}

// maxCachedTokens bounds the cache: far more than the tokens a lab's
// clients hold at once (each openstack command takes one).
const maxCachedTokens = 4096

// get returns the identity remembered for a token's hash, and the
// generation a lookup that misses must hand to put.
func (c *tokenCache) get(hash string) (Identity, bool, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[hash]
	return id, ok, c.gen
}

// put remembers an identity read from the store at generation gen,
// unless a write has happened since: what was read may predate it.
func (c *tokenCache) put(hash string, id Identity, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if c.ids == nil || len(c.ids) >= maxCachedTokens {
		// Tokens whose entries expired are never looked up again: a
		// full cache starts over rather than grow without end.
		c.ids = map[string]Identity{}
	}
	c.ids[hash] = id
}

// forget drops every entry, after a write committed.
func (c *tokenCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.ids)
}

// forgetOne drops one token's entry after it was revoked: the others still
// stand for what they did. The generation moves all the same, so that a
// lookup of the revoked token already under way does not put it back.
func (c *tokenCache) forgetOne(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	delete(c.ids, hash)
}

// write runs a Keystone transaction that may change what an issued token
// stands for, then empties the token cache, committed or not.
func (s *Service) write(ctx context.Context, fn func(*sql.Tx) error) error {
	defer s.tokens.forget()
	return s.st.Tx(ctx, fn)
}

// clone copies an identity's lists, so that a caller changing its copy
// does not change the cache's.
func (id Identity) clone() Identity {
	id.Methods = slices.Clone(id.Methods)
	id.AuditIDs = slices.Clone(id.AuditIDs)
	id.Roles = slices.Clone(id.Roles)
	return id
}
