/*
 * keys.c — the key operations of the engine (engine.h, "keys"), except listing
 * (key_list.c).  Every mutation runs in one IMMEDIATE transaction with its audit
 * entry; on any error the transaction is rolled back, so nothing is half-written.
 */
#include "core/engine.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_log.h"
#include "core/keygen.h"
#include "core/keyrow.h"
#include "core/refill.h"
#include "core/search.h"
#include "core/vault.h"
#include "model/validate.h"
#include "util/clock.h"
#include "util/xalloc.h"

/* ---- audit changes as JSON (never a secret: no plaintext, no hash) ---- */

/* The settable fields named in mask, as they are in k. */
static void put_fields(json_t *o, const struct kd_key *k, unsigned mask)
{
    if (mask & KD_KF_NAME)
        json_object_set_new(o, "name", kd_keyrow_json_str(k->name));
    if (mask & KD_KF_EXTERNAL_ID)
        json_object_set_new(o, "externalId", kd_keyrow_json_str(k->external_id));
    if (mask & KD_KF_META) {
        json_t *m = k->meta_json ? json_loads(k->meta_json, 0, NULL) : json_null();
        json_object_set_new(o, "meta", m ? m : json_string(k->meta_json));
    }
    if (mask & KD_KF_ENVIRONMENT)
        json_object_set_new(o, "environment", kd_keyrow_json_str(k->environment));
    if (mask & KD_KF_ENABLED)
        json_object_set_new(o, "enabled", json_boolean(k->enabled));
    if (mask & KD_KF_EXPIRES)
        json_object_set_new(o, "expires", k->expires ? json_integer(k->expires) : json_null());
    if (mask & KD_KF_CREDITS)
        json_object_set_new(o, "credits", kd_keyrow_credits_json(&k->credits));
    if (mask & KD_KF_RATELIMITS) {
        json_t *a = json_array();
        for (size_t i = 0; i < k->n_ratelimits; i++) {
            const struct kd_ratelimit *rl = &k->ratelimits[i];
            json_array_append_new(a, json_pack("{s:s, s:I, s:I, s:b}", "name", rl->name,
                                               "limit", (json_int_t)rl->limit, "duration",
                                               (json_int_t)rl->duration_ms, "autoApply",
                                               rl->auto_apply));
        }
        json_object_set_new(o, "ratelimits", a);
    }
    if (mask & KD_KF_ROLES)
        json_object_set_new(o, "roles", kd_keyrow_strlist_json(&k->roles));
    if (mask & KD_KF_PERMISSIONS)
        json_object_set_new(o, "permissions", kd_keyrow_strlist_json(&k->permissions));
}

#define KD_KF_ALL 0x3ffu

/* ---- create / import (shared; the caller holds the transaction) ---- */

static int api_defaults(struct kd_store *s, const char *api_id, char **prefix, int *byte_length,
                        struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(
        s, "SELECT default_prefix, default_byte_length FROM apis "
           "WHERE id = ?1 AND deleted_at IS NULL",
        err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *p = sqlite3_column_text(st, 0);
        *prefix = p ? kd_xstrdup((const char *)p) : NULL;
        *byte_length = sqlite3_column_int(st, 1);
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return kd_store_fail(s, err, "reading the API");
    return kd_error_set(err, KD_ERR_NOT_FOUND, "apiId", "API %s does not exist", api_id);
}

static int seal(struct kd_store *s, int64_t rid, const char *key_id, const char *plaintext,
                struct kd_error *err)
{
    struct kd_vault *v = kd_store_vault(s, err);
    if (!v)
        return -1;
    uint8_t nonce[KD_VAULT_NONCE_LEN];
    uint8_t *ct = NULL;
    size_t ct_len = 0;
    if (kd_vault_seal(v, key_id, plaintext, nonce, &ct, &ct_len, err) < 0)
        return -1;
    sqlite3_stmt *st = kd_store_stmt(
        s, "INSERT INTO sealed_keys(key_rid, nonce, ciphertext) VALUES (?1, ?2, ?3)", err);
    int ret = -1;
    if (st) {
        sqlite3_bind_int64(st, 1, rid);
        sqlite3_bind_blob(st, 2, nonce, sizeof nonce, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, ct, (int)ct_len, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        ret = rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, "sealing the key");
    }
    free(ct);
    return ret;
}

/*
 * Insert a key from spec.  digest NULL: generate new material (plaintext to
 * *out_plain); else import that digest with start spec->start.  spec->prefix NULL
 * means "the API's default"; "" means no prefix.  The row's search entry is
 * the caller's to add (kd_search_add), after the key's last statement: FTS5
 * writes out what it has buffered at every statement that opens a savepoint,
 * and each key runs several, so a bulk creation indexes its batch at the end.
 */
static int create_locked(struct kd_store *s, const struct kd_key *spec, const uint8_t *digest,
                         const char *action, int64_t now, char **out_id, char **out_plain,
                         int64_t *out_rid, struct kd_error *err)
{
    char *api_prefix = NULL, *key_id = NULL;
    int api_bytes = 0, ret = -1;
    struct kd_strlist role_ids = KD_STRLIST_INIT, perm_ids = KD_STRLIST_INIT;
    struct kd_new_key nk;
    memset(&nk, 0, sizeof nk);

    if (api_defaults(s, spec->api_id, &api_prefix, &api_bytes, err) < 0)
        goto out;
    const char *prefix = spec->prefix ? spec->prefix : api_prefix;
    if (prefix && !*prefix)
        prefix = NULL;
    int byte_length = spec->byte_length > 0 ? spec->byte_length
                      : api_bytes > 0       ? api_bytes
                                            : KD_BYTE_LENGTH_DEFAULT;
    if (kd_keyrow_role_ids(s, &spec->roles, &role_ids, err) < 0 ||
        kd_keyrow_perm_ids(s, &spec->permissions, &perm_ids, err) < 0)
        goto out;

    const uint8_t *hash;
    const char *start;
    if (digest) {
        hash = digest;
        start = spec->start ? spec->start : "";
    } else {
        if (kd_keygen_new(prefix, byte_length, &nk, err) < 0)
            goto out;
        hash = nk.digest;
        start = nk.start;
    }
    key_id = kd_id_new("key", now);

    sqlite3_stmt *st = kd_store_stmt(
        s,
        "INSERT INTO keys(id, api_id, hash, start, prefix, byte_length, name, external_id, "
        "meta, environment, enabled, recoverable, expires, refill_interval, refill_amount, "
        "refill_day, refill_every_ms, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
        "?18)",
        err);
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, key_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, spec->api_id, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, hash, KD_DIGEST_LEN, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, start, -1, SQLITE_STATIC);
    kd_keyrow_bind_text(st, 5, prefix, true);
    sqlite3_bind_int(st, 6, byte_length);
    kd_keyrow_bind_text(st, 7, spec->name, true);
    kd_keyrow_bind_text(st, 8, spec->external_id, true);
    kd_keyrow_bind_text(st, 9, spec->meta_json, true);
    kd_keyrow_bind_text(st, 10, spec->environment, true);
    sqlite3_bind_int(st, 11, spec->enabled);
    sqlite3_bind_int(st, 12, spec->recoverable);
    if (spec->expires)
        sqlite3_bind_int64(st, 13, spec->expires);
    else
        sqlite3_bind_null(st, 13);
    kd_keyrow_bind_refill(st, 14, &spec->credits);
    sqlite3_bind_int64(st, 18, now);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT) {
        kd_error_set(err, KD_ERR_CONFLICT, digest ? "hash" : "key",
                     "a key with this hash already exists");
        goto out;
    }
    if (rc != SQLITE_DONE) {
        kd_store_fail(s, err, "saving the key");
        goto out;
    }
    int64_t rid = sqlite3_last_insert_rowid(s->db);
    if (spec->credits.limited) {
        struct kd_credits credits = spec->credits;
        if (!credits.last_refill_at) /* a refill schedule counts from now */
            credits.last_refill_at = now;
        if (kd_keyrow_write_credits(s, rid, &credits, err) < 0)
            goto out;
    }

    if (kd_keyrow_insert_ratelimits(s, rid, spec->ratelimits, spec->n_ratelimits, now, err) < 0 ||
        kd_keyrow_set_role_ids(s, rid, &role_ids, false, err) < 0 ||
        kd_keyrow_set_perm_ids(s, rid, &perm_ids, false, err) < 0)
        goto out;
    if (spec->recoverable && !digest && seal(s, rid, key_id, nk.plaintext, err) < 0)
        goto out;

    json_t *o = json_object();
    json_object_set_new(o, "apiId", json_string(spec->api_id));
    json_object_set_new(o, "prefix", kd_keyrow_json_str(prefix));
    json_object_set_new(o, "start", json_string(start));
    json_object_set_new(o, "byteLength", json_integer(byte_length));
    json_object_set_new(o, "recoverable", json_boolean(spec->recoverable));
    put_fields(o, spec, KD_KF_ALL);
    if (kd_keyrow_audit(s, action, key_id, o, err) < 0)
        goto out;

    *out_id = key_id;
    key_id = NULL;
    *out_rid = rid;
    if (out_plain)
        *out_plain = kd_xstrdup(nk.plaintext);
    ret = 0;
out:
    kd_new_key_wipe(&nk);
    free(api_prefix);
    free(key_id);
    kd_strlist_clear(&role_ids);
    kd_strlist_clear(&perm_ids);
    return ret;
}

int kd_engine_key_create(struct kd_store *s, const struct kd_key *spec,
                         struct kd_key_secret *out, struct kd_error *err)
{
    int64_t now = kd_now_ms();
    memset(out, 0, sizeof *out);
    if (!spec || !spec->api_id || !*spec->api_id)
        return kd_error_set(err, KD_ERR_INVALID, "apiId", "apiId is required");
    if (kd_validate_key_spec(spec, now, err) < 0)
        return -1;
    if (kd_store_begin(s, err) < 0)
        return -1;
    int64_t rid;
    if (create_locked(s, spec, NULL, "key.create", now, &out->key_id, &out->plaintext, &rid,
                      err) < 0 ||
        kd_search_add(s, rid, err) < 0) {
        kd_key_secret_free(out);
        return kd_keyrow_fail(s, -1);
    }
    if (kd_store_commit(s, err) < 0) {
        kd_key_secret_free(out);
        return -1;
    }
    return 0;
}

int kd_engine_key_create_many(struct kd_store *s, const struct kd_key *spec, int64_t count,
                              kd_key_sink sink, void *ctx, int64_t *made, struct kd_error *err)
{
    *made = 0;
    if (!spec || !spec->api_id || !*spec->api_id)
        return kd_error_set(err, KD_ERR_INVALID, "apiId", "apiId is required");
    if (count < 1)
        return kd_error_set(err, KD_ERR_INVALID, "count", "count must be at least 1");
    if (kd_validate_key_spec(spec, kd_now_ms(), err) < 0)
        return -1;
    size_t cap = count < KD_ENGINE_CREATE_BATCH ? (size_t)count : KD_ENGINE_CREATE_BATCH;
    struct kd_key_secret *batch = kd_xcalloc(cap, sizeof *batch);
    int64_t *rids = kd_xcalloc(cap, sizeof *rids);
    int rc = 0;
    while (rc == 0 && *made < count) {
        size_t want = (size_t)(count - *made) < cap ? (size_t)(count - *made) : cap, got = 0;
        int64_t now = kd_now_ms();
        if (kd_store_begin(s, err) < 0)
            break;
        while (got < want && create_locked(s, spec, NULL, "key.create", now, &batch[got].key_id,
                                           &batch[got].plaintext, &rids[got], err) == 0)
            got++;
        size_t indexed = 0;
        while (got == want && indexed < got && kd_search_add(s, rids[indexed], err) == 0)
            indexed++;
        if (got < want || indexed < got)
            rc = kd_keyrow_fail(s, -1); /* rolls the batch back */
        else if (kd_store_commit(s, err) < 0)
            rc = -1;
        for (size_t i = 0; i < got; i++) {
            if (rc == 0 && sink(&batch[i], ctx) < 0)
                rc = kd_error_set(err, KD_ERR_IO, NULL, "the created keys could not be handed out");
            else if (rc == 0)
                (*made)++;
            kd_key_secret_free(&batch[i]);
        }
    }
    free(batch);
    free(rids);
    return rc < 0 || *made < count ? -1 : 0;
}

int kd_engine_key_import(struct kd_store *s, const struct kd_key *spec,
                         const uint8_t digest[32], char **out_key_id, struct kd_error *err)
{
    int64_t now = kd_now_ms();
    *out_key_id = NULL;
    if (!spec || !spec->api_id || !*spec->api_id)
        return kd_error_set(err, KD_ERR_INVALID, "apiId", "apiId is required");
    if (!digest)
        return kd_error_set(err, KD_ERR_INVALID, "hash", "an imported key needs its hash");
    if (spec->recoverable)
        return kd_error_set(err, KD_ERR_INVALID, "recoverable",
                            "an imported key cannot be recoverable: its plaintext is unknown");
    if (kd_validate_key_spec(spec, now, err) < 0)
        return -1;
    if (kd_store_begin(s, err) < 0)
        return -1;
    int64_t rid;
    if (create_locked(s, spec, digest, "key.import", now, out_key_id, NULL, &rid, err) < 0 ||
        kd_search_add(s, rid, err) < 0) {
        free(*out_key_id);
        *out_key_id = NULL;
        return kd_keyrow_fail(s, -1);
    }
    if (kd_store_commit(s, err) < 0) {
        free(*out_key_id);
        *out_key_id = NULL;
        return -1;
    }
    return 0;
}

/* ---- get ---- */

int kd_engine_key_get(struct kd_store *s, const char *key_id, struct kd_key *out,
                      struct kd_error *err)
{
    int64_t rid;
    if (kd_keyrow_find(s, key_id, false, out, &rid, err) < 0)
        return -1;
    if (kd_keyrow_load_children(s, out, &rid, 1, true, kd_now_ms(), err) < 0) {
        kd_key_free(out);
        return -1;
    }
    return 0;
}

/* ---- update ---- */

/* Replace the rate-limit list, keeping the window of every name that survives
 * with the same duration (its counters are still meaningful). */
static int replace_ratelimits(struct kd_store *s, int64_t rid, const struct kd_ratelimit *rl,
                              size_t n, int64_t now, struct kd_error *err)
{
    struct kd_strlist old = KD_STRLIST_INIT;
    sqlite3_stmt *st = kd_store_stmt(s, "SELECT name FROM ratelimits WHERE key_rid = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, rid);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        kd_strlist_push(&old, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    int ret = -1;
    if (rc != SQLITE_DONE) {
        kd_store_fail(s, err, "reading rate limits");
        goto out;
    }
    for (size_t i = 0; i < old.len; i++) {
        bool kept = false;
        for (size_t j = 0; j < n && !kept; j++)
            kept = strcmp(old.items[i], rl[j].name) == 0;
        if (kept)
            continue;
        if (!(st = kd_store_stmt(s, "DELETE FROM ratelimits WHERE key_rid = ?1 AND name = ?2",
                                 err)))
            goto out;
        sqlite3_bind_int64(st, 1, rid);
        sqlite3_bind_text(st, 2, old.items[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            kd_store_fail(s, err, "removing a rate limit");
            goto out;
        }
    }
    for (size_t j = 0; j < n; j++) {
        if (!kd_strlist_contains(&old, rl[j].name)) {
            if (kd_keyrow_insert_ratelimits(s, rid, &rl[j], 1, now, err) < 0)
                goto out;
            continue;
        }
        if (!(st = kd_store_stmt(
                  s,
                  "UPDATE ratelimits SET lim = ?3, duration_ms = ?4, auto_apply = ?5, "
                  "window_start = CASE WHEN duration_ms = ?4 THEN window_start ELSE 0 END, "
                  "current = CASE WHEN duration_ms = ?4 THEN current ELSE 0 END, "
                  "previous = CASE WHEN duration_ms = ?4 THEN previous ELSE 0 END "
                  "WHERE key_rid = ?1 AND name = ?2",
                  err)))
            goto out;
        sqlite3_bind_int64(st, 1, rid);
        sqlite3_bind_text(st, 2, rl[j].name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, rl[j].limit);
        sqlite3_bind_int64(st, 4, rl[j].duration_ms);
        sqlite3_bind_int(st, 5, rl[j].auto_apply);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) {
            kd_store_fail(s, err, "updating a rate limit");
            goto out;
        }
    }
    ret = 0;
out:
    kd_strlist_clear(&old);
    return ret;
}

static void replace_str(char **dst, const char *src)
{
    free(*dst);
    *dst = src && *src ? kd_xstrdup(src) : NULL;
}

int kd_engine_key_update(struct kd_store *s, const char *key_id,
                         const struct kd_key_update *u, struct kd_error *err)
{
    int64_t now = kd_now_ms();
    if (!u)
        return kd_error_set(err, KD_ERR_INVALID, NULL, "nothing to update");
    if (kd_validate_key_update(u, now, err) < 0)
        return -1;
    const struct kd_key *v = &u->values;
    struct kd_key cur;
    int64_t rid;
    struct kd_strlist role_ids = KD_STRLIST_INIT, perm_ids = KD_STRLIST_INIT;
    if (kd_store_begin(s, err) < 0)
        return -1;
    if (kd_keyrow_find(s, key_id, false, &cur, &rid, err) < 0)
        return kd_keyrow_fail(s, -1);
    int ret = -1;
    if (((u->fields & KD_KF_ROLES) && kd_keyrow_role_ids(s, &v->roles, &role_ids, err) < 0) ||
        ((u->fields & KD_KF_PERMISSIONS) &&
         kd_keyrow_perm_ids(s, &v->permissions, &perm_ids, err) < 0))
        goto out;

    if (u->fields & KD_KF_NAME)
        replace_str(&cur.name, v->name);
    if (u->fields & KD_KF_EXTERNAL_ID)
        replace_str(&cur.external_id, v->external_id);
    if (u->fields & KD_KF_META)
        replace_str(&cur.meta_json, v->meta_json);
    if (u->fields & KD_KF_ENVIRONMENT)
        replace_str(&cur.environment, v->environment);
    if (u->fields & KD_KF_ENABLED)
        cur.enabled = v->enabled;
    if (u->fields & KD_KF_EXPIRES)
        cur.expires = v->expires;
    if (u->fields & KD_KF_CREDITS) {
        cur.credits = v->credits;
        /* A new refill schedule counts from now. */
        cur.credits.last_refill_at = now;
    }
    if (kd_keyrow_write_settings(s, rid, &cur, now, err) < 0)
        goto out;
    if ((u->fields & KD_KF_CREDITS) && kd_keyrow_write_credits(s, rid, &cur.credits, err) < 0)
        goto out;
    if ((u->fields & KD_KF_RATELIMITS) &&
        replace_ratelimits(s, rid, v->ratelimits, v->n_ratelimits, now, err) < 0)
        goto out;
    if ((u->fields & KD_KF_ROLES) && kd_keyrow_set_role_ids(s, rid, &role_ids, true, err) < 0)
        goto out;
    if ((u->fields & KD_KF_PERMISSIONS) &&
        kd_keyrow_set_perm_ids(s, rid, &perm_ids, true, err) < 0)
        goto out;
    json_t *o = json_object();
    put_fields(o, v, u->fields);
    if (kd_keyrow_audit(s, "key.update", cur.id, o, err) < 0)
        goto out;
    ret = 0;
out:
    kd_strlist_clear(&role_ids);
    kd_strlist_clear(&perm_ids);
    kd_key_free(&cur);
    if (ret < 0)
        return kd_keyrow_fail(s, -1);
    return kd_store_commit(s, err);
}

/* ---- delete ---- */

int kd_engine_key_delete(struct kd_store *s, const char *key_id, bool permanent,
                         struct kd_error *err)
{
    int64_t now = kd_now_ms(), rid;
    struct kd_key cur;
    if (kd_store_begin(s, err) < 0)
        return -1;
    /* A soft-deleted key can still be removed for good. */
    if (kd_keyrow_find(s, key_id, permanent, &cur, &rid, err) < 0)
        return kd_keyrow_fail(s, -1);
    int rc = permanent
                 ? kd_keyrow_exec(s, "DELETE FROM keys WHERE rid = ?1", rid, 0, 0, err)
                 : kd_keyrow_exec(s, "UPDATE keys SET deleted_at = ?2, updated_at = ?2 WHERE rid = ?1",
                            rid, now, 0, err);
    if (rc == 0)
        rc = kd_keyrow_audit(s, "key.delete", cur.id, json_pack("{s:b}", "permanent", permanent), err);
    kd_key_free(&cur);
    if (rc < 0)
        return kd_keyrow_fail(s, -1);
    return kd_store_commit(s, err);
}

/* ---- reroll ---- */

int kd_engine_key_reroll(struct kd_store *s, const char *key_id, int64_t grace_ms,
                         struct kd_key_secret *out, struct kd_error *err)
{
    int64_t now = kd_now_ms(), rid;
    memset(out, 0, sizeof *out);
    if (grace_ms < 0)
        return kd_error_set(err, KD_ERR_INVALID, "expiration",
                            "the grace period must not be negative");
    if (grace_ms > KD_EXPIRES_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "expiration", "the grace period is too long");
    struct kd_key old;
    if (kd_store_begin(s, err) < 0)
        return -1;
    if (kd_keyrow_find(s, key_id, false, &old, &rid, err) < 0)
        return kd_keyrow_fail(s, -1);
    struct kd_credits stored = old.credits;
    struct kd_key spec;
    memset(&spec, 0, sizeof spec);
    int ret = -1;
    if (kd_keyrow_load_children(s, &old, &rid, 1, false, now, err) < 0)
        goto out;
    kd_key_copy(&spec, &old);
    spec.credits = stored; /* the stored credits, not a refill previewed in memory */
    spec.credits.last_refill_at = 0;
    if (!spec.prefix)
        spec.prefix = kd_xstrdup(""); /* keep "no prefix" rather than the API default */
    int64_t new_rid;
    if (create_locked(s, &spec, NULL, "key.create", now, &out->key_id, &out->plaintext, &new_rid,
                      err) < 0 ||
        kd_search_add(s, new_rid, err) < 0)
        goto out;
    if (grace_ms == 0) {
        if (kd_keyrow_exec(s, "UPDATE keys SET deleted_at = ?2, updated_at = ?2 WHERE rid = ?1", rid,
                     now, 0, err) < 0)
            goto out;
    } else {
        int64_t until = now + grace_ms;
        if (!(old.expires && old.expires < until) &&
            kd_keyrow_exec(s, "UPDATE keys SET expires = ?2, updated_at = ?3 WHERE rid = ?1", rid,
                     until, now, err) < 0)
            goto out;
    }
    if (kd_keyrow_audit(s, "key.reroll", old.id,
              json_pack("{s:s, s:I}", "newKeyId", out->key_id, "graceMs", (json_int_t)grace_ms),
              err) < 0)
        goto out;
    ret = 0;
out:
    kd_key_free(&spec);
    kd_key_free(&old);
    if (ret < 0) {
        kd_key_secret_free(out);
        return kd_keyrow_fail(s, -1);
    }
    if (kd_store_commit(s, err) < 0) {
        kd_key_secret_free(out);
        return -1;
    }
    return 0;
}
