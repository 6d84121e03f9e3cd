-- keydeck keystore schema, version 4 (applied on top of version 3, in one
-- transaction; see migrations.c).
--
-- The key search index (core/search.h).  A list filter looked for its text in
-- every key's name, start, external id and meta with LIKE, a scan of the whole
-- API; on a 1,000,000-key API each keystroke of the dashboard's filter took
-- 180 ms.  key_search holds every 1-, 2- and 3-character run of that text
-- (tokenizer keydeck_ngram, registered by the engine on each connection), so
-- a filter finds its candidate rows in the index.  Contentless and without
-- positions: it only answers "which rows", the list re-checks each with LIKE.
--
-- The engine writes the entry of each key it inserts (kd_search_add); these
-- triggers follow updates and deletes.  An entry is removed with the text it
-- was made from, which key_search_text gives while the row is unchanged.
CREATE VIRTUAL TABLE key_search USING fts5(body, tokenize = 'keydeck_ngram', content = '',
                                           detail = none, columnsize = 0);
-- char(1) keeps the fields apart: no filter text contains it.
CREATE VIEW key_search_text(rid, body) AS
    SELECT rid, coalesce(name, '') || char(1) || coalesce(start, '') || char(1) ||
                coalesce(external_id, '') || char(1) || coalesce(meta, '')
    FROM keys;
INSERT INTO key_search(rowid, body) SELECT rid, body FROM key_search_text;
CREATE TRIGGER key_search_unindex BEFORE UPDATE OF name, start, external_id, meta ON keys BEGIN
    INSERT INTO key_search(key_search, rowid, body)
        SELECT 'delete', rid, body FROM key_search_text WHERE rid = old.rid;
END;
CREATE TRIGGER key_search_reindex AFTER UPDATE OF name, start, external_id, meta ON keys BEGIN
    INSERT INTO key_search(rowid, body) SELECT rid, body FROM key_search_text WHERE rid = new.rid;
END;
CREATE TRIGGER key_search_delete BEFORE DELETE ON keys BEGIN
    INSERT INTO key_search(key_search, rowid, body)
        SELECT 'delete', rid, body FROM key_search_text WHERE rid = old.rid;
END;
