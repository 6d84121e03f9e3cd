/*
 * key_access.c — reveal, credits, and adding/removing a key's roles and
 * permissions.  Like every mutation: one IMMEDIATE transaction with its audit
 * entry, rolled back on any error.
 */
#include "core/engine.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/keyrow.h"
#include "core/refill.h"
#include "core/vault.h"
#include "util/clock.h"
#include "util/xalloc.h"

/* ---- reveal ---- */

int kd_engine_key_reveal(struct kd_store *s, const char *key_id, struct kd_key_secret *out,
                         struct kd_error *err)
{
    int64_t rid;
    struct kd_key k;
    memset(out, 0, sizeof *out);
    if (kd_store_begin(s, err) < 0)
        return -1;
    if (kd_keyrow_find(s, key_id, false, &k, &rid, err) < 0)
        return kd_keyrow_fail(s, -1);
    char *plain = NULL;
    int ret = -1;
    if (!k.recoverable) {
        kd_error_set(err, KD_ERR_UNSUPPORTED, "keyId",
                     "%s is not recoverable: its plaintext was never stored", k.id);
        goto out;
    }
    sqlite3_stmt *st = kd_store_stmt(
        s, "SELECT nonce, ciphertext FROM sealed_keys WHERE key_rid = ?1", err);
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, rid);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        if (rc == SQLITE_DONE)
            kd_error_set(err, KD_ERR_CORRUPT, "keyId",
                         "%s is recoverable but its sealed copy is missing", k.id);
        else
            kd_store_fail(s, err, "reading the sealed key");
        goto out;
    }
    if (sqlite3_column_bytes(st, 0) != KD_VAULT_NONCE_LEN) {
        sqlite3_reset(st);
        kd_error_set(err, KD_ERR_CORRUPT, "keyId", "the sealed copy of %s is damaged", k.id);
        goto out;
    }
    struct kd_vault *v = kd_store_vault(s, err);
    rc = v ? kd_vault_unseal(v, k.id, sqlite3_column_blob(st, 0), sqlite3_column_blob(st, 1),
                             (size_t)sqlite3_column_bytes(st, 1), &plain, err)
           : -1;
    sqlite3_reset(st);
    if (rc < 0)
        goto out;
    if (kd_keyrow_audit(s, "key.reveal", k.id, json_object(), err) < 0)
        goto out;
    ret = 0;
out:
    if (ret < 0) {
        kd_secret_free(plain);
        kd_key_free(&k);
        return kd_keyrow_fail(s, -1);
    }
    if (kd_store_commit(s, err) < 0) {
        kd_secret_free(plain);
        kd_key_free(&k);
        return -1;
    }
    out->key_id = k.id;
    k.id = NULL;
    out->plaintext = plain;
    kd_key_free(&k);
    return 0;
}

/* ---- credits ---- */

static const char *credit_op_name(enum kd_engine_credit_op op)
{
    switch (op) {
    case KD_ENGINE_CREDITS_SET:
        return "set";
    case KD_ENGINE_CREDITS_INCREMENT:
        return "increment";
    case KD_ENGINE_CREDITS_DECREMENT:
        return "decrement";
    }
    return "?";
}

int kd_engine_key_credits(struct kd_store *s, const char *key_id,
                          enum kd_engine_credit_op op, bool unlimited, int64_t value,
                          struct kd_credits *out, struct kd_error *err)
{
    int64_t now = kd_now_ms(), rid;
    if (op != KD_ENGINE_CREDITS_SET && op != KD_ENGINE_CREDITS_INCREMENT &&
        op != KD_ENGINE_CREDITS_DECREMENT)
        return kd_error_set(err, KD_ERR_INVALID, "operation", "unknown credits operation");
    if (!(op == KD_ENGINE_CREDITS_SET && unlimited) && value < 0)
        return kd_error_set(err, KD_ERR_INVALID, "value", "the credits value must be >= 0");
    struct kd_key k;
    if (kd_store_begin(s, err) < 0)
        return -1;
    if (kd_keyrow_find(s, key_id, false, &k, &rid, err) < 0)
        return kd_keyrow_fail(s, -1);
    struct kd_credits *c = &k.credits;
    int ret = -1;
    if (op == KD_ENGINE_CREDITS_SET) {
        if (unlimited) {
            memset(c, 0, sizeof *c);
        } else {
            /* A refill already due is used up first, or the next read would apply
             * it over the value just set (a list showing 100 after "set 42"). */
            if (c->limited)
                kd_refill_apply(c, k.created_at, now);
            c->limited = true;
            c->remaining = value;
        }
    } else {
        if (!c->limited) {
            kd_error_set(err, KD_ERR_INVALID, "operation",
                         "cannot %s unlimited credits; set a number first", credit_op_name(op));
            goto out;
        }
        /* A refill that fell due since the last verification happens first. */
        kd_refill_apply(c, k.created_at, now);
        if (op == KD_ENGINE_CREDITS_INCREMENT) {
            if (c->remaining > INT64_MAX - value) {
                kd_error_set(err, KD_ERR_INVALID, "value", "the credits would overflow");
                goto out;
            }
            c->remaining += value;
        } else {
            c->remaining = c->remaining > value ? c->remaining - value : 0;
        }
    }
    if (kd_keyrow_write_settings(s, rid, &k, now, err) < 0 ||
        kd_keyrow_write_credits(s, rid, c, err) < 0)
        goto out;
    json_t *o = json_object();
    json_object_set_new(o, "op", json_string(credit_op_name(op)));
    json_object_set_new(o, "value", unlimited && op == KD_ENGINE_CREDITS_SET ? json_null()
                                                                             : json_integer(value));
    json_object_set_new(o, "credits", kd_keyrow_credits_json(c));
    if (kd_keyrow_audit(s, "key.credits", k.id, o, err) < 0)
        goto out;
    if (out)
        *out = *c;
    ret = 0;
out:
    kd_key_free(&k);
    if (ret < 0)
        return kd_keyrow_fail(s, -1);
    return kd_store_commit(s, err);
}

/* ---- roles and permissions: add / remove / replace ---- */

static const char *set_op_name(enum kd_engine_set_op op)
{
    return op == KD_ENGINE_SET_ADD ? "add" : op == KD_ENGINE_SET_REMOVE ? "remove" : "replace";
}

static int set_links(struct kd_store *s, const char *key_id, enum kd_engine_set_op op,
                     const struct kd_strlist *names, bool roles, struct kd_error *err)
{
    int64_t now = kd_now_ms(), rid;
    if (op != KD_ENGINE_SET_ADD && op != KD_ENGINE_SET_REMOVE && op != KD_ENGINE_SET_REPLACE)
        return kd_error_set(err, KD_ERR_INVALID, "operation", "unknown set operation");
    struct kd_strlist empty = KD_STRLIST_INIT, ids = KD_STRLIST_INIT;
    if (!names)
        names = &empty;
    struct kd_key k;
    if (kd_store_begin(s, err) < 0)
        return -1;
    if (kd_keyrow_find(s, key_id, false, &k, &rid, err) < 0)
        return kd_keyrow_fail(s, -1);
    int ret = -1;
    if ((roles ? kd_keyrow_role_ids(s, names, &ids, err)
               : kd_keyrow_perm_ids(s, names, &ids, err)) < 0)
        goto out;
    if (op == KD_ENGINE_SET_REMOVE) {
        for (size_t i = 0; i < ids.len; i++) {
            sqlite3_stmt *st = kd_store_stmt(
                s,
                roles ? "DELETE FROM key_roles WHERE key_rid = ?1 AND role_id = ?2"
                      : "DELETE FROM key_permissions WHERE key_rid = ?1 AND perm_id = ?2",
                err);
            if (!st)
                goto out;
            sqlite3_bind_int64(st, 1, rid);
            sqlite3_bind_text(st, 2, ids.items[i], -1, SQLITE_STATIC);
            int rc = sqlite3_step(st);
            sqlite3_reset(st);
            if (rc != SQLITE_DONE) {
                kd_store_fail(s, err, "unlinking");
                goto out;
            }
        }
    } else {
        bool replace = op == KD_ENGINE_SET_REPLACE;
        if ((roles ? kd_keyrow_set_role_ids(s, rid, &ids, replace, err)
                   : kd_keyrow_set_perm_ids(s, rid, &ids, replace, err)) < 0)
            goto out;
    }
    if (kd_keyrow_exec(s, "UPDATE keys SET updated_at = ?2 WHERE rid = ?1", rid, now, 0, err) < 0)
        goto out;
    json_t *o = json_object();
    json_object_set_new(o, "op", json_string(set_op_name(op)));
    json_object_set_new(o, roles ? "roles" : "permissions", kd_keyrow_strlist_json(names));
    if (kd_keyrow_audit(s, roles ? "key.set_roles" : "key.set_permissions", k.id, o, err) < 0)
        goto out;
    ret = 0;
out:
    kd_strlist_clear(&ids);
    kd_key_free(&k);
    if (ret < 0)
        return kd_keyrow_fail(s, -1);
    return kd_store_commit(s, err);
}

int kd_engine_key_set_roles(struct kd_store *s, const char *key_id, enum kd_engine_set_op op,
                            const struct kd_strlist *names, struct kd_error *err)
{
    return set_links(s, key_id, op, names, true, err);
}

int kd_engine_key_set_permissions(struct kd_store *s, const char *key_id,
                                  enum kd_engine_set_op op, const struct kd_strlist *slugs,
                                  struct kd_error *err)
{
    return set_links(s, key_id, op, slugs, false, err);
}
