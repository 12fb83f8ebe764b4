-- Users, roles and sign-in sessions. Users are local (a password) today;
-- auth_source and external_subject leave room for single sign-on (OIDC),
-- where the identity provider's issuer and subject name the user.
--
-- Roles: provider_admin, provider_analyst, customer_admin, customer_viewer.
-- Tokens of version 1 are renamed: admin is provider_admin, tenant is
-- customer_admin of the token's tenant; their secrets stay valid.

INSERT INTO counters (name, value) VALUES ('user', 0);

CREATE TABLE users (
	id                  BIGINT PRIMARY KEY,
	name                TEXT NOT NULL UNIQUE,  -- sign-in name, lower case
	role                TEXT NOT NULL,
	tenant_id           BIGINT NOT NULL,       -- customer roles' tenant; 0 for provider roles
	auth_source         TEXT NOT NULL,         -- local; later e.g. oidc
	external_subject    TEXT NOT NULL,         -- the identity provider's subject; '' for local users
	password_hash       TEXT NOT NULL,         -- argon2id PHC string; '' when the user has no password
	password_changed_at BIGINT NOT NULL,
	-- The TOTP secret must be readable to check codes, so it is stored as
	-- is (base32): whoever reads this table holds every second factor.
	totp_secret         TEXT NOT NULL,         -- '' when no second factor is confirmed
	totp_pending        TEXT NOT NULL,         -- offered at enrolment, not yet confirmed with a code
	totp_last_step      BIGINT NOT NULL,       -- last accepted time step: a code is accepted once
	failed_logins       INTEGER NOT NULL,      -- failures since failed_since
	failed_since        BIGINT NOT NULL,
	locked_until        BIGINT NOT NULL,       -- 0: not locked
	disabled_at         BIGINT NOT NULL,       -- 0: enabled
	last_login_at       BIGINT NOT NULL,
	created_at          BIGINT NOT NULL,
	updated_at          BIGINT NOT NULL
);
CREATE UNIQUE INDEX users_external ON users (auth_source, external_subject) WHERE external_subject <> '';

-- The tenants assigned to a provider analyst; none means every tenant.
CREATE TABLE user_tenants (
	user_id   BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	tenant_id BIGINT NOT NULL REFERENCES tenants (id),
	PRIMARY KEY (user_id, tenant_id)
);

-- Browser sessions. Only the SHA-256 of the cookie's random id is kept.
CREATE TABLE sessions (
	secret_hash  TEXT PRIMARY KEY,
	user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	remote       TEXT NOT NULL,
	created_at   BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	idle_ns      BIGINT NOT NULL,  -- ends after this long without a request
	expires_at   BIGINT NOT NULL   -- ends at this time whatever happens
);
CREATE INDEX sessions_user ON sessions (user_id);

-- A token may belong to a user: it stops working while the user is
-- disabled, and is revoked when the user's role changes or the user goes.
ALTER TABLE tokens ADD COLUMN user_id BIGINT NOT NULL DEFAULT 0;
CREATE INDEX tokens_user ON tokens (user_id);

-- The tenants of a provider analyst's token; none means every tenant.
CREATE TABLE token_tenants (
	token_id  BIGINT NOT NULL REFERENCES tokens (id) ON DELETE CASCADE,
	tenant_id BIGINT NOT NULL REFERENCES tenants (id),
	PRIMARY KEY (token_id, tenant_id)
);

UPDATE tokens SET role = 'provider_admin' WHERE role = 'admin';
UPDATE tokens SET role = 'customer_admin' WHERE role = 'tenant';
