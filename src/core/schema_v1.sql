-- keydeck keystore schema, version 1.  Applied by migrations.c inside one
-- transaction; PRAGMA user_version records the version.  Times are Unix ms.
CREATE TABLE apis (
    id                  TEXT PRIMARY KEY,
    name                TEXT NOT NULL,
    default_prefix      TEXT,
    default_byte_length INTEGER NOT NULL DEFAULT 16,
    created_at          INTEGER NOT NULL,
    deleted_at          INTEGER            -- soft delete: its keys stop verifying
);

CREATE TABLE keys (
    rid            INTEGER PRIMARY KEY,      -- compact rowid; ids are for humans
    id             TEXT NOT NULL UNIQUE,
    api_id         TEXT NOT NULL REFERENCES apis(id),
    hash           BLOB NOT NULL UNIQUE,     -- SHA-256 of the plaintext, 32 bytes
    start          TEXT NOT NULL,
    prefix         TEXT,
    byte_length    INTEGER NOT NULL,
    name           TEXT,
    external_id    TEXT,
    meta           TEXT,                     -- JSON object text
    environment    TEXT,
    enabled        INTEGER NOT NULL DEFAULT 1,
    recoverable    INTEGER NOT NULL DEFAULT 0,
    expires        INTEGER,                  -- NULL = never
    remaining      INTEGER,                  -- NULL = unlimited
    refill_interval INTEGER NOT NULL DEFAULT 0, -- enum kd_refill_interval
    refill_amount  INTEGER,
    refill_day     INTEGER,
    refill_every_ms INTEGER,
    last_refill_at INTEGER,
    request_count  INTEGER NOT NULL DEFAULT 0,
    last_used_at   INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER,
    deleted_at     INTEGER                   -- soft delete; hard delete removes the row
);
CREATE INDEX keys_by_api ON keys(api_id, id);
CREATE INDEX keys_by_external_id ON keys(external_id) WHERE external_id IS NOT NULL;

CREATE TABLE ratelimits (
    id          TEXT PRIMARY KEY,
    key_rid     INTEGER NOT NULL REFERENCES keys(rid) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    lim         INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    auto_apply  INTEGER NOT NULL DEFAULT 0,
    -- sliding-window state, shared by every process using the keystore
    window_start INTEGER NOT NULL DEFAULT 0,
    current     INTEGER NOT NULL DEFAULT 0,
    previous    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (key_rid, name)
);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT,
    created_at  INTEGER NOT NULL
);

CREATE TABLE permissions (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    description TEXT,
    created_at  INTEGER NOT NULL
);

CREATE TABLE role_permissions (
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    perm_id TEXT NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, perm_id)
) WITHOUT ROWID;
CREATE INDEX role_permissions_by_perm ON role_permissions(perm_id);

CREATE TABLE key_roles (
    key_rid INTEGER NOT NULL REFERENCES keys(rid) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (key_rid, role_id)
) WITHOUT ROWID;
CREATE INDEX key_roles_by_role ON key_roles(role_id);

CREATE TABLE key_permissions (
    key_rid INTEGER NOT NULL REFERENCES keys(rid) ON DELETE CASCADE,
    perm_id TEXT NOT NULL REFERENCES permissions(id) ON DELETE CASCADE,
    PRIMARY KEY (key_rid, perm_id)
) WITHOUT ROWID;
CREATE INDEX key_permissions_by_perm ON key_permissions(perm_id);

-- recoverable keys only: XChaCha20-Poly1305 under the vault key, key id as AAD
CREATE TABLE sealed_keys (
    key_rid    INTEGER PRIMARY KEY REFERENCES keys(rid) ON DELETE CASCADE,
    nonce      BLOB NOT NULL,
    ciphertext BLOB NOT NULL
);

-- one row per verification, bounded retention (see verifylog.c)
CREATE TABLE verifications (
    seq     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    key_rid INTEGER,              -- NULL for NOT_FOUND
    api_id  TEXT,
    outcome INTEGER NOT NULL      -- enum kd_verify_code
);
CREATE INDEX verifications_by_at ON verifications(at);
CREATE INDEX verifications_by_key ON verifications(key_rid, at);

-- hash-chained mutation log
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    host    TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    changes TEXT NOT NULL,        -- JSON object, never secrets
    hash    BLOB NOT NULL         -- BLAKE2b-256(prev hash || fields), keyed
);
CREATE INDEX audit_by_target ON audit_log(target, seq);

-- small facts: keystore id, creation time, write counter for change detection
CREATE TABLE meta (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
