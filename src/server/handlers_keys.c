/*
 * handlers_keys.c — keys.*: every endpoint that names a key by id learns the
 * key's API first (kd_srv_key_access), because root-key permissions are per
 * API.  verifyKey and whoami name a key by its plaintext instead.
 */
#include "server/server.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void kd_srv_keys_create(struct kd_srv_request *r)
{
    struct kd_error err;
    struct kd_key spec;
    kd_key_init(&spec);
    struct kd_key_secret s = {0};
    if (kd_wire_create_key_req_decode(r->body, &spec, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!kd_srv_api_access(r, spec.api_id, NULL))
        ;
    else if (kd_backend_key_create(r->b, &spec, &s, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, kd_wire_key_secret_res(&s), NULL);
    kd_key_secret_free(&s);
    kd_key_free(&spec);
}

void kd_srv_keys_get(struct kd_srv_request *r)
{
    struct kd_error err;
    char *key_id = NULL;
    bool decrypt = false;
    struct kd_key k;
    kd_key_init(&k);
    struct kd_key_secret s = {0};
    if (kd_wire_get_key_req_decode(r->body, &key_id, &decrypt, &err) < 0) {
        kd_srv_fail(r, &err);
    } else if (!kd_srv_key_access(r, key_id, NULL, &k) ||
               (decrypt && !kd_srv_api_access(r, k.api_id, "decrypt_key"))) {
        ;
    } else if (decrypt && k.recoverable && kd_backend_key_reveal(r->b, key_id, &s, &err) < 0 &&
               err.code != KD_ERR_UNSUPPORTED) {
        kd_srv_fail(r, &err);
    } else {
        kd_srv_ok(r, kd_wire_key_res(&k, s.plaintext), NULL);
    }
    kd_key_secret_free(&s);
    kd_key_free(&k);
    free(key_id);
}

void kd_srv_keys_update(struct kd_srv_request *r)
{
    struct kd_error err;
    char *key_id = NULL;
    struct kd_key_update u;
    memset(&u, 0, sizeof u);
    kd_key_init(&u.values);
    struct kd_key k;
    kd_key_init(&k);
    if (kd_wire_update_key_req_decode(r->body, &key_id, &u, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!kd_srv_key_access(r, key_id, NULL, &k))
        ;
    else if (kd_backend_key_update(r->b, key_id, &u, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, json_object(), NULL);
    kd_key_free(&k);
    kd_key_free(&u.values);
    free(key_id);
}

void kd_srv_keys_delete(struct kd_srv_request *r)
{
    struct kd_error err;
    char *key_id = NULL;
    bool permanent = false;
    struct kd_key k;
    kd_key_init(&k);
    if (kd_wire_delete_key_req_decode(r->body, &key_id, &permanent, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!kd_srv_key_access(r, key_id, NULL, &k))
        ;
    else if (kd_backend_key_delete(r->b, key_id, permanent, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, json_object(), NULL);
    kd_key_free(&k);
    free(key_id);
}

void kd_srv_keys_reroll(struct kd_srv_request *r)
{
    struct kd_error err;
    char *key_id = NULL;
    int64_t grace_ms = 0;
    struct kd_key k;
    kd_key_init(&k);
    struct kd_key_secret s = {0};
    if (kd_wire_reroll_key_req_decode(r->body, &key_id, &grace_ms, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!kd_srv_key_access(r, key_id, NULL, &k))
        ;
    else if (kd_backend_key_reroll(r->b, key_id, grace_ms, &s, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, kd_wire_key_secret_res(&s), NULL);
    kd_key_secret_free(&s);
    kd_key_free(&k);
    free(key_id);
}

void kd_srv_keys_update_credits(struct kd_srv_request *r)
{
    struct kd_error err;
    char *key_id = NULL;
    int op = KD_CREDITS_SET;
    bool unlimited = false;
    int64_t value = 0;
    struct kd_key k;
    kd_key_init(&k);
    struct kd_credits credits = {0};
    if (kd_wire_update_credits_req_decode(r->body, &key_id, &op, &unlimited, &value, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!kd_srv_key_access(r, key_id, NULL, &k))
        ;
    else if (kd_backend_key_credits(r->b, key_id, (enum kd_credit_op)op, unlimited, value,
                                    &credits, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, kd_wire_credits_res(&credits), NULL);
    kd_key_free(&k);
    free(key_id);
}

/*
 * whoami names the key by its plaintext.  backend.h finds a key by plaintext
 * only through verify, so this is a verification that spends no credits (it is
 * recorded, and an auto-apply rate limit counts it).
 */
void kd_srv_keys_whoami(struct kd_srv_request *r)
{
    struct kd_error err;
    char *key = NULL;
    struct kd_verify_result res = {0};
    struct kd_key k;
    kd_key_init(&k);
    if (kd_wire_whoami_req_decode(r->body, &key, &err) < 0) {
        kd_srv_fail(r, &err);
    } else {
        struct kd_verify_request req = {.key = key, .credit_cost = 0};
        if (kd_backend_verify(r->b, &req, &res, &err) < 0)
            kd_srv_fail(r, &err);
        else if (res.code == KD_VERIFY_NOT_FOUND || !res.key.id)
            kd_srv_failf(r, KD_ERR_NOT_FOUND, "key", "no such key");
        else if (kd_srv_key_access(r, res.key.id, NULL, &k))
            kd_srv_ok(r, kd_wire_key_res(&k, NULL), NULL);
    }
    kd_verify_result_free(&res);
    kd_key_free(&k);
    kd_secret_free(key);
}

/* ---- verifyKey ---- */

/* What a root key without access to the key's API sees (Unkey hides existence). */
static void answer_not_found(struct kd_srv_request *r)
{
    struct kd_verify_result none = {0};
    none.valid = false;
    none.code = KD_VERIFY_NOT_FOUND;
    kd_srv_ok(r, kd_wire_verify_res(&none), NULL);
}

/*
 * api.*.verify_key verifies anywhere but the root space.  api.<id>.verify_key
 * grants restrict the verification to those APIs: the engine checks the API
 * before it charges anything, so each allowed API is tried in turn and only the
 * key's own API spends credits.
 */
void kd_srv_keys_verify(struct kd_srv_request *r)
{
    struct kd_error err;
    struct kd_wire_verify_req w;
    memset(&w, 0, sizeof w);
    if (kd_wire_verify_req_decode(r->body, &w, &err) < 0) {
        kd_srv_fail(r, &err);
        kd_wire_verify_req_free(&w);
        return;
    }
    struct kd_strlist scopes = KD_STRLIST_INIT;
    bool anywhere = kd_srv_may(r, NULL, NULL);
    if (!anywhere && kd_srv_scopes(r, "verify_key", &scopes) == 0) {
        kd_srv_failf(r, KD_ERR_FORBIDDEN, NULL,
                     "the root key lacks the permission api.*.verify_key");
        kd_wire_verify_req_free(&w);
        return;
    }
    struct kd_verify_result res = {0};
    int rc = 0;
    if (anywhere) {
        w.req.api_id = NULL;
        rc = kd_backend_verify(r->b, &w.req, &res, &err);
    } else {
        for (size_t i = 0; i < scopes.len && rc == 0; i++) {
            kd_verify_result_free(&res);
            memset(&res, 0, sizeof res);
            w.req.api_id = scopes.items[i];
            rc = kd_backend_verify(r->b, &w.req, &res, &err);
            if (rc == 0 && res.code != KD_VERIFY_NOT_FOUND)
                break;
        }
    }
    if (rc < 0)
        kd_srv_fail(r, &err);
    else if (res.code != KD_VERIFY_NOT_FOUND && kd_srv_is_root_space(r, res.key.api_id))
        answer_not_found(r);
    else
        kd_srv_ok(r, kd_wire_verify_res(&res), NULL);
    kd_verify_result_free(&res);
    kd_strlist_clear(&scopes);
    kd_wire_verify_req_free(&w);
}

/* ---- permissions and roles on a key ---- */

/* add/remove/set on the key's direct permissions or roles, answered with what
 * the key holds directly afterwards ([Permission] or [Role]). */
static void key_set_op(struct kd_srv_request *r, const char *field, enum kd_set_op op)
{
    struct kd_error err;
    char *key_id = NULL;
    struct kd_strlist items = KD_STRLIST_INIT;
    struct kd_key k, after;
    kd_key_init(&k);
    kd_key_init(&after);
    bool perms = strcmp(field, "permissions") == 0;
    int rc = kd_wire_key_list_req_decode(r->body, field, op == KD_SET_REPLACE, &key_id, &items,
                                         &err);
    if (rc < 0) {
        kd_srv_fail(r, &err);
    } else if (kd_srv_key_access(r, key_id, NULL, &k)) {
        rc = perms ? kd_backend_key_set_permissions(r->b, key_id, op, &items, &err)
                   : kd_backend_key_set_roles(r->b, key_id, op, &items, &err);
        if (rc == 0)
            rc = kd_backend_key_get(r->b, key_id, &after, &err);
        json_t *data = NULL;
        if (rc == 0 && perms) {
            data = kd_srv_permissions_json(r, &after.permissions, &err);
        } else if (rc == 0) {
            data = json_array();
            for (size_t i = 0; i < after.roles.len && data; i++) {
                struct kd_role role = {0};
                json_t *one = NULL;
                if (kd_backend_role_get(r->b, after.roles.items[i], &role, &err) == 0)
                    one = kd_srv_role_json(r, &role, &err);
                kd_role_free(&role);
                if (one) {
                    json_array_append_new(data, one);
                } else {
                    json_decref(data);
                    data = NULL;
                }
            }
        }
        if (data)
            kd_srv_ok(r, data, NULL);
        else
            kd_srv_fail(r, &err);
    }
    kd_key_free(&after);
    kd_key_free(&k);
    kd_strlist_clear(&items);
    free(key_id);
}

void kd_srv_keys_add_permissions(struct kd_srv_request *r)
{
    key_set_op(r, "permissions", KD_SET_ADD);
}

void kd_srv_keys_remove_permissions(struct kd_srv_request *r)
{
    key_set_op(r, "permissions", KD_SET_REMOVE);
}

void kd_srv_keys_set_permissions(struct kd_srv_request *r)
{
    key_set_op(r, "permissions", KD_SET_REPLACE);
}

void kd_srv_keys_add_roles(struct kd_srv_request *r)
{
    key_set_op(r, "roles", KD_SET_ADD);
}

void kd_srv_keys_remove_roles(struct kd_srv_request *r)
{
    key_set_op(r, "roles", KD_SET_REMOVE);
}

void kd_srv_keys_set_roles(struct kd_srv_request *r)
{
    key_set_op(r, "roles", KD_SET_REPLACE);
}

/* ---- migrateKeys ---- */

/* Keys come in by hash (kd_backend_key_import).  A key the keystore refuses
 * (a duplicate hash, an invalid field) is reported in failed[]; a keystore
 * error stops the request. */
void kd_srv_keys_migrate(struct kd_srv_request *r)
{
    struct kd_error err;
    size_t n = 0;
    char *migration_id = NULL, *hash = NULL;
    struct kd_key spec;
    kd_key_init(&spec);
    if (kd_wire_migrate_keys_req_decode(r->body, 0, &migration_id, &spec, &hash, &n, &err) < 0) {
        kd_srv_fail(r, &err);
        goto done;
    }
    struct kd_api api = {0};
    if (!kd_srv_api_access(r, spec.api_id, NULL))
        goto done;
    if (kd_backend_api_get(r->b, spec.api_id, &api, &err) < 0) {
        kd_srv_fail(r, &err);
        goto done;
    }
    kd_api_free(&api);
    char **hashes = kd_xcalloc(n ? n : 1, sizeof *hashes);
    char **ids = kd_xcalloc(n ? n : 1, sizeof *ids);
    bool stopped = false;
    for (size_t i = 0; i < n && !stopped; i++) {
        if (i > 0) {
            kd_key_free(&spec);
            kd_key_init(&spec);
            free(migration_id);
            migration_id = NULL;
            free(hash);
            hash = NULL;
            if (kd_wire_migrate_keys_req_decode(r->body, i, &migration_id, &spec, &hash, &n,
                                                &err) < 0) {
                kd_srv_fail(r, &err);
                stopped = true;
                break;
            }
        }
        hashes[i] = kd_xstrdup(hash);
        if (kd_backend_key_import(r->b, &spec, hash, &ids[i], &err) < 0) {
            ids[i] = NULL;
            if (err.code != KD_ERR_CONFLICT && err.code != KD_ERR_INVALID) {
                kd_srv_fail(r, &err);
                stopped = true;
            }
        }
    }
    if (!stopped)
        kd_srv_ok(r, kd_wire_migrate_keys_res(hashes, ids, n), NULL);
    for (size_t i = 0; i < n; i++) {
        free(hashes[i]);
        free(ids[i]);
    }
    free(hashes);
    free(ids);
done:
    kd_key_free(&spec);
    free(migration_id);
    free(hash);
}
