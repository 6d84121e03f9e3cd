-- keydeck keystore schema, version 5 (applied on top of version 4, in one
-- transaction; see migrations.c).
--
-- Credits leave the keys table.  A verification that charged a credit rewrote
-- the key's whole row, and keys charged in turn each dirtied a page of their
-- own in the large keys table: a page read back into the cache and a page
-- written out at the next checkpoint, per key.  key_credits is narrow (some 200
-- rows a page) and holds rows only for keys with limited credits; a key without
-- one has unlimited credits.  The refill schedule stays on the key row: only an
-- admin change writes it.  keys.remaining and keys.last_refill_at stay
-- (dropping them would rewrite the whole table), cleared, no longer read or
-- written.
CREATE TABLE key_credits (
    key_rid        INTEGER PRIMARY KEY REFERENCES keys(rid) ON DELETE CASCADE,
    remaining      INTEGER NOT NULL,
    last_refill_at INTEGER                 -- NULL: no refill schedule
);
INSERT INTO key_credits(key_rid, remaining, last_refill_at)
    SELECT rid, remaining, last_refill_at FROM keys WHERE remaining IS NOT NULL;
UPDATE keys SET remaining = NULL, last_refill_at = NULL
    WHERE remaining IS NOT NULL OR last_refill_at IS NOT NULL;
