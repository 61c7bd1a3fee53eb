package keystone

import "github.com/intercloud/intercloud/internal/store"

// component names this package's migrations in the shared database.
const component = "keystone"

// migrations is Keystone's schema, oldest first. Never edit a released
// migration; append a new one.
func migrations() []store.Migration {
	return []store.Migration{{
		Version: 1,
		Name:    "identity, catalog and tokens",
		Up: store.SQL(
			`CREATE TABLE domains (
				id      TEXT PRIMARY KEY,
				name    TEXT NOT NULL UNIQUE,
				enabled INTEGER NOT NULL DEFAULT 1
			)`,
			`CREATE TABLE projects (
				id          TEXT PRIMARY KEY,
				name        TEXT NOT NULL,
				domain_id   TEXT NOT NULL REFERENCES domains(id),
				description TEXT NOT NULL DEFAULT '',
				enabled     INTEGER NOT NULL DEFAULT 1,
				UNIQUE (domain_id, name)
			)`,
			`CREATE TABLE users (
				id            TEXT PRIMARY KEY,
				name          TEXT NOT NULL,
				domain_id     TEXT NOT NULL REFERENCES domains(id),
				password_hash TEXT NOT NULL,
				enabled       INTEGER NOT NULL DEFAULT 1,
				UNIQUE (domain_id, name)
			)`,
			`CREATE TABLE roles (
				id   TEXT PRIMARY KEY,
				name TEXT NOT NULL UNIQUE
			)`,
			`CREATE TABLE assignments (
				user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
				project_id TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
				role_id    TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
				PRIMARY KEY (user_id, project_id, role_id)
			)`,
			`CREATE TABLE regions (
				id          TEXT PRIMARY KEY,
				description TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE TABLE services (
				id   TEXT PRIMARY KEY,
				type TEXT NOT NULL UNIQUE,
				name TEXT NOT NULL
			)`,
			`CREATE TABLE endpoints (
				id         TEXT PRIMARY KEY,
				service_id TEXT NOT NULL REFERENCES services(id) ON DELETE CASCADE,
				region_id  TEXT NOT NULL REFERENCES regions(id) ON DELETE CASCADE,
				interface  TEXT NOT NULL CHECK (interface IN ('public', 'internal', 'admin')),
				url        TEXT NOT NULL,
				UNIQUE (service_id, region_id, interface)
			)`,
			// hash is the token's SHA-256: the token itself is never stored.
			// Times are Unix nanoseconds, so comparisons are integer ones.
			`CREATE TABLE tokens (
				hash       TEXT PRIMARY KEY,
				user_id    TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
				project_id TEXT REFERENCES projects(id) ON DELETE CASCADE,
				methods    TEXT NOT NULL,
				audit_ids  TEXT NOT NULL,
				issued_at  INTEGER NOT NULL,
				expires_at INTEGER NOT NULL
			)`,
			`CREATE INDEX tokens_expiry ON tokens (expires_at)`,
		),
	}, {
		Version: 2,
		Name:    "users' default project and free attributes",
		Up: store.SQL(
			`ALTER TABLE users ADD COLUMN default_project_id TEXT NOT NULL DEFAULT ''`,
			`ALTER TABLE users ADD COLUMN extra TEXT NOT NULL DEFAULT '{}'`,
		),
	}}
}
