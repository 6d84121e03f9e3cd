-- keydeck keystore schema, version 3 (applied on top of version 2, in one
-- transaction; see migrations.c).
--
-- Live key counts per API, kept by triggers.  Listing APIs and the total of an
-- unfiltered key list each ran count(*) over every key of the API (deleted_at
-- is in no index), which grew with the keystore: a 1,000,000-key API made the
-- dashboard's first paint pay for a full scan.  The triggers follow every way a
-- key's liveness can change, whoever writes (engine, tools, cascades).
ALTER TABLE apis ADD COLUMN live_keys INTEGER NOT NULL DEFAULT 0;
UPDATE apis SET live_keys =
    (SELECT count(*) FROM keys k WHERE k.api_id = apis.id AND k.deleted_at IS NULL);
CREATE TRIGGER keys_count_insert AFTER INSERT ON keys WHEN new.deleted_at IS NULL BEGIN
    UPDATE apis SET live_keys = live_keys + 1 WHERE id = new.api_id;
END;
CREATE TRIGGER keys_count_delete AFTER DELETE ON keys WHEN old.deleted_at IS NULL BEGIN
    UPDATE apis SET live_keys = live_keys - 1 WHERE id = old.api_id;
END;
CREATE TRIGGER keys_count_update AFTER UPDATE OF deleted_at, api_id ON keys BEGIN
    UPDATE apis SET live_keys = live_keys - (old.deleted_at IS NULL) WHERE id = old.api_id;
    UPDATE apis SET live_keys = live_keys + (new.deleted_at IS NULL) WHERE id = new.api_id;
END;
