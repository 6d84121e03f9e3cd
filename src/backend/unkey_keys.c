/*
 * unkey_keys.c — keys and verification on a v2 server (see unkey.c for what the
 * remote backend does where v2 has no call).
 */
#include "backend/unkey_impl.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "model/validate.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define UNKEY_LIST_LIMIT_MAX 100 /* apis.listKeys' bound */

static bool key_matches(const char *filter, const struct kd_key *k)
{
    return unkey_filter_match(filter, k->name) || unkey_filter_match(filter, k->start) ||
           unkey_filter_match(filter, k->id) || unkey_filter_match(filter, k->external_id) ||
           unkey_filter_match(filter, k->meta_json);
}

/* ---- grants: what a key may do, directly and through its roles ----
 * v2 answers a key's direct permissions and its role names; what the roles
 * grant takes a getRole each, asked once per role per call. */

struct role_memo {
    struct kd_role *roles;
    size_t n;
};

static const struct kd_role *role_of(struct kd_backend *b, struct role_memo *m,
                                     const char *name, struct kd_error *err)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->roles[i].name, name) == 0)
            return &m->roles[i];
    struct kd_role r;
    if (kd_backend_role_get(b, name, &r, err) < 0) {
        if (err->code != KD_ERR_FORBIDDEN && err->code != KD_ERR_NOT_FOUND)
            return NULL;
        /* A root key may read keys but not roles (rbac.*.read_role): the key is
         * still worth showing, with its direct grants; asked once per call. */
        kd_error_clear(err);
        memset(&r, 0, sizeof r);
        r.name = kd_xstrdup(name);
    }
    m->roles = kd_xrealloc(m->roles, (m->n + 1) * sizeof *m->roles);
    m->roles[m->n] = r;
    return &m->roles[m->n++];
}

static void push_grant(struct kd_key *k, const char *slug, const char *via)
{
    k->grants = kd_xrealloc(k->grants, (k->n_grants + 1) * sizeof *k->grants);
    k->grants[k->n_grants].slug = kd_xstrdup(slug);
    k->grants[k->n_grants].via_role = kd_xstrdup(via);
    k->n_grants++;
}

static int fill_grants(struct kd_backend *b, struct kd_key *keys, size_t n,
                       struct kd_error *err)
{
    struct role_memo memo = {0};
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        struct kd_key *k = &keys[i];
        for (size_t j = 0; j < k->permissions.len; j++)
            push_grant(k, k->permissions.items[j], NULL);
        for (size_t j = 0; j < k->roles.len && rc == 0; j++) {
            const struct kd_role *r = role_of(b, &memo, k->roles.items[j], err);
            if (!r) {
                rc = -1;
                break;
            }
            for (size_t p = 0; p < r->permissions.len; p++)
                push_grant(k, r->permissions.items[p], r->name);
        }
    }
    for (size_t i = 0; i < memo.n; i++)
        kd_role_free(&memo.roles[i]);
    free(memo.roles);
    return rc;
}

int unkey_key_list(struct kd_backend *b, const struct kd_key_query *q, struct kd_key_page *out,
                   struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    out->total = -1;
    if (q->sort != KD_SORT_CREATED || q->descending)
        return kd_error_set(err, KD_ERR_UNSUPPORTED, "sort",
                            "a v2 server lists keys in creation order only");
    struct kd_key_query wq = *q;
    int limit = kd_page_limit(&q->page);
    wq.page.limit = limit > UNKEY_LIST_LIMIT_MAX ? UNKEY_LIST_LIMIT_MAX : limit;
    struct kd_wire_page page = {0};
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "apis.listKeys", kd_wire_list_keys_req(&wq), true, &root, &data,
                   &page, err) < 0)
        return -1;
    int rc = kd_wire_list_keys_res_decode(data, q->api_id, out, err);
    json_decref(root);
    if (rc == 0) {
        out->next_cursor = page.has_more && page.cursor ? kd_xstrdup(page.cursor) : NULL;
        out->total = -1;
        /* The filter is ours: keep the matching rows of this page. */
        size_t kept = 0;
        for (size_t i = 0; i < out->len; i++) {
            if (key_matches(q->page.filter, &out->items[i]))
                out->items[kept++] = out->items[i];
            else
                kd_key_free(&out->items[i]);
        }
        out->len = kept;
        if (q->include_grants && fill_grants(b, out->items, out->len, err) < 0) {
            kd_key_page_free(out);
            rc = -1;
        }
    }
    kd_wire_page_free(&page);
    return rc;
}

static int get_key(struct kd_backend *b, const char *key_id, bool decrypt, struct kd_key *out,
                   char **plaintext, struct kd_error *err)
{
    kd_key_init(out);
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "keys.getKey", kd_wire_get_key_req(key_id, decrypt), true, &root,
                   &data, NULL, err) < 0)
        return -1;
    int rc = kd_wire_key_res_decode(data, "data", out, plaintext, err);
    json_decref(root);
    return rc;
}

int unkey_key_get(struct kd_backend *b, const char *key_id, struct kd_key *out,
                  struct kd_error *err)
{
    if (get_key(b, key_id, false, out, NULL, err) < 0)
        return -1;
    if (fill_grants(b, out, 1, err) < 0) { /* as the local backend's get does */
        kd_key_free(out);
        kd_key_init(out);
        return -1;
    }
    return 0;
}

static int secret_call(struct kd_backend *b, const char *endpoint, json_t *body,
                       struct kd_key_secret *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *root, *data;
    if (unkey_call(unkey_of(b), endpoint, body, false, &root, &data, NULL, err) < 0)
        return -1;
    int rc = kd_wire_key_secret_res_decode(data, out, err);
    json_decref(root); /* jansson does not wipe: the plaintext lived in it briefly */
    return rc;
}

/* Bad input is refused here, with the engine's own rules and words, before
 * anything is sent: the server would refuse it too, less helpfully. */
int unkey_key_create(struct kd_backend *b, const struct kd_key *spec,
                     struct kd_key_secret *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    if (!spec->api_id || !*spec->api_id)
        return kd_error_set(err, KD_ERR_INVALID, "apiId", "apiId is required");
    if (kd_validate_key_spec(spec, kd_now_ms(), err) < 0)
        return -1;
    return secret_call(b, "keys.createKey", kd_wire_create_key_req(spec, err), out, err);
}

/* v2 creates one key per call: each is handed out as soon as it exists. */
int unkey_key_create_many(struct kd_backend *b, const struct kd_key *spec, int64_t count,
                          kd_key_sink sink, void *ctx, int64_t *made, struct kd_error *err)
{
    *made = 0;
    while (*made < count) {
        struct kd_key_secret s;
        if (unkey_key_create(b, spec, &s, err) < 0)
            return -1;
        int rc = sink(&s, ctx);
        kd_key_secret_free(&s);
        if (rc < 0)
            return kd_error_set(err, KD_ERR_IO, NULL, "the created keys could not be handed out");
        (*made)++;
    }
    return 0;
}

int unkey_key_update(struct kd_backend *b, const char *key_id, const struct kd_key_update *u,
                     struct kd_error *err)
{
    if (kd_validate_key_update(u, kd_now_ms(), err) < 0)
        return -1;
    return unkey_call_void(unkey_of(b), "keys.updateKey", kd_wire_update_key_req(key_id, u, err),
                           err);
}

int unkey_key_delete(struct kd_backend *b, const char *key_id, bool permanent,
                     struct kd_error *err)
{
    return unkey_call_void(unkey_of(b), "keys.deleteKey",
                           kd_wire_delete_key_req(key_id, permanent), err);
}

int unkey_key_reroll(struct kd_backend *b, const char *key_id, int64_t old_key_grace_ms,
                     struct kd_key_secret *out, struct kd_error *err)
{
    return secret_call(b, "keys.rerollKey", kd_wire_reroll_key_req(key_id, old_key_grace_ms), out,
                       err);
}

int unkey_key_reveal(struct kd_backend *b, const char *key_id, struct kd_key_secret *out,
                     struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    struct kd_key k;
    char *plaintext = NULL;
    if (get_key(b, key_id, true, &k, &plaintext, err) < 0)
        return -1;
    kd_key_free(&k);
    if (!plaintext)
        return kd_error_set(err, KD_ERR_UNSUPPORTED, NULL,
                            "%s is not recoverable: the server keeps no plaintext of it", key_id);
    out->key_id = kd_xstrdup(key_id);
    out->plaintext = plaintext;
    return 0;
}

int unkey_key_credits(struct kd_backend *b, const char *key_id, enum kd_credit_op op,
                      bool unlimited, int64_t value, struct kd_credits *out,
                      struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    if (unlimited && op != KD_CREDITS_SET)
        return kd_error_set(err, KD_ERR_INVALID, "credits",
                            "only set can make credits unlimited");
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "keys.updateCredits",
                   kd_wire_update_credits_req(key_id, (int)op, unlimited, value), false, &root,
                   &data, NULL, err) < 0)
        return -1;
    int rc = kd_wire_credits_res_decode(data, "data", out, err);
    json_decref(root);
    return rc;
}

static const char *set_endpoint(enum kd_set_op op, bool roles)
{
    switch (op) {
    case KD_SET_ADD:
        return roles ? "keys.addRoles" : "keys.addPermissions";
    case KD_SET_REMOVE:
        return roles ? "keys.removeRoles" : "keys.removePermissions";
    case KD_SET_REPLACE:
        break;
    }
    return roles ? "keys.setRoles" : "keys.setPermissions";
}

static int set_list(struct kd_backend *b, const char *key_id, enum kd_set_op op, bool roles,
                    const struct kd_strlist *items, struct kd_error *err)
{
    const char *field = roles ? "roles" : "permissions";
    if (op != KD_SET_REPLACE && items->len == 0)
        return kd_error_set(err, KD_ERR_INVALID, field, "name at least one");
    return unkey_call_void(unkey_of(b), set_endpoint(op, roles),
                           kd_wire_key_list_req(key_id, field, items), err);
}

int unkey_key_set_roles(struct kd_backend *b, const char *key_id, enum kd_set_op op,
                        const struct kd_strlist *names, struct kd_error *err)
{
    return set_list(b, key_id, op, true, names, err);
}

int unkey_key_set_permissions(struct kd_backend *b, const char *key_id, enum kd_set_op op,
                              const struct kd_strlist *slugs, struct kd_error *err)
{
    return set_list(b, key_id, op, false, slugs, err);
}

/*
 * A 32-byte SHA-256 digest given as Unkey's base64, better-auth's base64url or
 * hex, re-encoded as the standard padded base64 that keys.migrateKeys takes.
 */
static char *digest_as_base64(const char *encoded, struct kd_error *err)
{
    unsigned char bin[32];
    size_t len = 0;
    size_t n = strlen(encoded);
    static const int variants[] = {sodium_base64_VARIANT_ORIGINAL,
                                   sodium_base64_VARIANT_URLSAFE_NO_PADDING,
                                   sodium_base64_VARIANT_URLSAFE,
                                   sodium_base64_VARIANT_ORIGINAL_NO_PADDING};
    bool ok = n == 64 && sodium_hex2bin(bin, sizeof bin, encoded, n, NULL, &len, NULL) == 0 &&
              len == sizeof bin;
    for (size_t i = 0; !ok && i < sizeof variants / sizeof variants[0]; i++)
        ok = sodium_base642bin(bin, sizeof bin, encoded, n, NULL, &len, NULL, variants[i]) == 0 &&
             len == sizeof bin;
    if (!ok) {
        kd_error_set(err, KD_ERR_INVALID, "hash",
                     "not a SHA-256 digest: give 32 bytes as base64, base64url or hex");
        return NULL;
    }
    char out[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(out, sizeof out, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
    return kd_xstrdup(out);
}

int unkey_key_import(struct kd_backend *b, const struct kd_key *spec, const char *digest_encoded,
                     char **out_key_id, struct kd_error *err)
{
    *out_key_id = NULL;
    if (kd_validate_key_spec(spec, kd_now_ms(), err) < 0)
        return -1;
    char *hash = digest_as_base64(digest_encoded, err);
    if (!hash)
        return -1;
    json_t *root, *data;
    int rc = unkey_call(unkey_of(b), "keys.migrateKeys",
                        kd_wire_migrate_key_req("keydeck-import", spec, hash, err), false, &root,
                        &data, NULL, err);
    free(hash);
    if (rc < 0)
        return -1;
    rc = kd_wire_migrate_keys_res_decode(data, out_key_id, err);
    json_decref(root);
    return rc;
}

int unkey_verify(struct kd_backend *b, const struct kd_verify_request *req,
                 struct kd_verify_result *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    kd_key_init(&out->key);
    /* v2 scopes verification by the root key's permissions, not by a field. */
    if (req->api_id)
        return kd_error_set(err, KD_ERR_UNSUPPORTED, "api",
                            "a v2 server verifies against the APIs its root key may verify "
                            "(api.<id>.verify_key); it takes no API id");
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "keys.verifyKey", kd_wire_verify_req(req), false, &root, &data,
                   NULL, err) < 0)
        return -1;
    int rc = kd_wire_verify_res_decode(data, out, err);
    json_decref(root);
    return rc;
}
