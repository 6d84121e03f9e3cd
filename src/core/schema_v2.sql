-- keydeck keystore schema, version 2 (applied on top of version 1, in one
-- transaction; see migrations.c).
--
-- 1. Verification counters leave the keys table.  Bumping request_count and
--    last_used_at in place dirtied one page of the (large, wide) keys table per
--    distinct key on every verification-log flush.  key_usage is narrow and holds
--    rows only for keys that were ever verified.  The old keys.request_count and
--    keys.last_used_at columns stay (dropping them would rewrite the whole table)
--    but are no longer read or written.
CREATE TABLE key_usage (
    key_rid       INTEGER PRIMARY KEY,   -- keys.rid (no foreign key: see trigger)
    request_count INTEGER NOT NULL DEFAULT 0,
    last_used_at  INTEGER
) WITHOUT ROWID;
INSERT INTO key_usage(key_rid, request_count, last_used_at)
    SELECT rid, request_count, last_used_at FROM keys
    WHERE request_count <> 0 OR last_used_at IS NOT NULL;
-- A trigger rather than a foreign key: the flush then never has to probe the
-- keys table, and a reused rid never inherits an old key's counts.
CREATE TRIGGER keys_drop_usage AFTER DELETE ON keys BEGIN
    DELETE FROM key_usage WHERE key_rid = old.rid;
END;

-- 2. Whether a key has an auto-apply rate limit, kept on the key row so that a
--    verification learns it from the row it reads anyway.  Triggers keep it true
--    whoever writes ratelimits (engine, cascade deletes, tools).
ALTER TABLE keys ADD COLUMN auto_limits INTEGER NOT NULL DEFAULT 0;
UPDATE keys SET auto_limits = 1
    WHERE rid IN (SELECT key_rid FROM ratelimits WHERE auto_apply);
CREATE TRIGGER ratelimits_auto_insert AFTER INSERT ON ratelimits WHEN new.auto_apply BEGIN
    UPDATE keys SET auto_limits = 1 WHERE rid = new.key_rid;
END;
CREATE TRIGGER ratelimits_auto_update AFTER UPDATE OF auto_apply, key_rid ON ratelimits BEGIN
    UPDATE keys SET auto_limits = EXISTS (
        SELECT 1 FROM ratelimits r WHERE r.key_rid = keys.rid AND r.auto_apply)
    WHERE rid IN (old.key_rid, new.key_rid);
END;
CREATE TRIGGER ratelimits_auto_delete AFTER DELETE ON ratelimits WHEN old.auto_apply BEGIN
    UPDATE keys SET auto_limits = EXISTS (
        SELECT 1 FROM ratelimits r WHERE r.key_rid = keys.rid AND r.auto_apply)
    WHERE rid = old.key_rid;
END;

-- 3. A verifications row counts n alike VALID verifications (same millisecond,
--    key and API; see verifylog.c): a key verified thousands of times a second
--    costs a few rows per flush instead of one per call.  Failures: n = 1.
ALTER TABLE verifications ADD COLUMN n INTEGER NOT NULL DEFAULT 1;
