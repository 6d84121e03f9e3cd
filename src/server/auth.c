/*
 * auth.c — who is asking and what they may do.  A root key is an ordinary key
 * of the reserved key space (backend/rootkeys.h), so authenticating is a
 * verification against that space; what it may do is its permission slugs.
 * The reserved space itself is invisible to every root key: asking about it
 * answers 404, exactly as for an id that does not exist.
 */
#include "server/server.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "backend/rootkeys.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define MAX_TOKEN_LEN 512 /* Unkey's bound for a key */

/* The root key space's id, remembered per thread (r->space_cache): looking it
 * up is a list query, and it only changes if someone deletes and re-creates it. */
static int root_space(struct kd_srv_request *r, bool refresh, char **out, struct kd_error *err)
{
    char **cache = &r->memo->root_space;
    if (refresh || !*cache) {
        char *id = NULL;
        int found = kd_rootkeys_space(r->b, false, &id, err);
        if (found < 0)
            return -1;
        free(*cache);
        *cache = id;
    }
    *out = kd_xstrdup(*cache);
    return *cache ? 1 : 0;
}

/* "Bearer <token>" -> token (borrowed from the header), or NULL. */
static const char *bearer_token(const char *authorization)
{
    if (!authorization)
        return NULL;
    while (*authorization == ' ')
        authorization++;
    if (strncasecmp(authorization, "Bearer ", 7) != 0)
        return NULL;
    const char *t = authorization + 7;
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n > 0 && t[n - 1] == ' ')
        n--;
    if (n == 0 || n > MAX_TOKEN_LEN || t[n] != '\0')
        return NULL;
    return t;
}

static bool unauthorized(struct kd_srv_request *r, const char *detail)
{
    json_decref(r->response);
    r->response = kd_wire_unauthorized(detail, r->request_id);
    r->status = 401;
    r->content_type = "application/json";
    return false;
}

/* Verify token in the root space; 1 valid (out filled), 0 not, -1 error. */
static int verify_root(struct kd_backend *b, const char *space, const char *token,
                       struct kd_verify_result *out, struct kd_error *err)
{
    struct kd_verify_request req = {.key = token, .api_id = space, .credit_cost = KD_COST_DEFAULT};
    if (kd_backend_verify(b, &req, out, err) < 0)
        return -1;
    return out->valid ? 1 : 0;
}

/* ---- the memo ---- */

void kd_srv_auth_memo_free(struct kd_srv_auth_memo *m)
{
    free(m->root_space);
    m->root_space = NULL;
    for (unsigned i = 0; i < KD_SRV_AUTH_SLOTS; i++) {
        free(m->slots[i].key_id);
        kd_strlist_clear(&m->slots[i].perms);
        memset(&m->slots[i], 0, sizeof m->slots[i]);
    }
}

/* A digest keyed per process, so the memo holds nothing that verifies anywhere. */
static unsigned char digest_key[crypto_generichash_KEYBYTES];
static pthread_once_t digest_key_once = PTHREAD_ONCE_INIT;

static void make_digest_key(void)
{
    randombytes_buf(digest_key, sizeof digest_key);
}

static void token_digest(const char *token, unsigned char out[KD_SRV_AUTH_DIGEST])
{
    pthread_once(&digest_key_once, make_digest_key);
    crypto_generichash(out, KD_SRV_AUTH_DIGEST, (const unsigned char *)token, strlen(token),
                       digest_key, sizeof digest_key);
}

static struct kd_srv_auth_slot *memo_find(struct kd_srv_auth_memo *m,
                                          const unsigned char digest[KD_SRV_AUTH_DIGEST])
{
    for (unsigned i = 0; i < KD_SRV_AUTH_SLOTS; i++)
        if (m->slots[i].used && sodium_memcmp(m->slots[i].digest, digest, KD_SRV_AUTH_DIGEST) == 0)
            return &m->slots[i];
    return NULL;
}

static void memo_put(struct kd_srv_auth_memo *m, const unsigned char digest[KD_SRV_AUTH_DIGEST],
                     uint64_t token, const struct kd_srv_request *r, int64_t expires)
{
    struct kd_srv_auth_slot *slot = memo_find(m, digest);
    if (!slot) {
        slot = &m->slots[m->next];
        m->next = (m->next + 1) % KD_SRV_AUTH_SLOTS;
    }
    free(slot->key_id);
    kd_strlist_clear(&slot->perms);
    slot->used = true;
    memcpy(slot->digest, digest, KD_SRV_AUTH_DIGEST);
    slot->token = token;
    slot->expires = expires;
    slot->key_id = kd_xstrdup(r->root_key_id);
    kd_strlist_copy(&slot->perms, &r->root_perms);
}

/* Fill r from a slot still valid under token; false when there is none. */
static bool memo_use(struct kd_srv_request *r, const unsigned char digest[KD_SRV_AUTH_DIGEST],
                     uint64_t token)
{
    struct kd_srv_auth_slot *slot = memo_find(r->memo, digest);
    if (!slot || slot->token != token || !r->memo->root_space)
        return false;
    if (slot->expires && kd_now_ms() >= slot->expires)
        return false;
    r->root_space = kd_xstrdup(r->memo->root_space);
    r->root_key_id = kd_xstrdup(slot->key_id);
    kd_strlist_copy(&r->root_perms, &slot->perms);
    return true;
}

/* ---- authentication ---- */

bool kd_srv_authenticate(struct kd_srv_request *r, const char *authorization)
{
    const char *token = bearer_token(authorization);
    if (!token)
        return unauthorized(r, authorization ? "the Authorization header must be 'Bearer <root key>'"
                                             : "this endpoint needs a root key: send "
                                               "'Authorization: Bearer <root key>'");
    struct kd_error err;
    kd_error_clear(&err);
    /* The token is read before the check, so a commit made during it makes the
     * memo's entry stale at once rather than hiding behind it. */
    unsigned char digest[KD_SRV_AUTH_DIGEST];
    token_digest(token, digest);
    uint64_t change = 0;
    bool have_change = kd_backend_change_token(r->b, &change, &err) == 0;
    if (have_change && memo_use(r, digest, change))
        return true;
    kd_error_clear(&err);
    char *space = NULL;
    int found = root_space(r, false, &space, &err);
    struct kd_verify_result res = {0};
    int valid = found > 0 ? verify_root(r->b, space, token, &res, &err) : found;
    if (valid == 0 && found >= 0) {
        /* The space may have been made (or re-made) since it was cached. */
        char *again = NULL;
        int found2 = root_space(r, true, &again, &err);
        if (found2 > 0 && (!space || strcmp(space, again) != 0)) {
            kd_verify_result_free(&res);
            free(space);
            space = again;
            again = NULL;
            valid = verify_root(r->b, space, token, &res, &err);
        }
        free(again);
        if (found2 < 0)
            valid = -1;
    }
    if (valid < 0) {
        free(space);
        kd_srv_fail(r, &err);
        return false;
    }
    if (valid == 0) {
        const char *why = res.code == KD_VERIFY_NOT_FOUND ? "the root key is unknown"
                          : res.code == KD_VERIFY_DISABLED ? "the root key is disabled"
                          : res.code == KD_VERIFY_EXPIRED  ? "the root key has expired"
                                                            : "the root key was refused";
        kd_verify_result_free(&res);
        free(space);
        return unauthorized(r, why);
    }
    /* Verification loads permissions only for a permission query; the key's
     * record has them all (direct and through roles). */
    struct kd_key rk;
    kd_key_init(&rk);
    if (kd_backend_key_get(r->b, res.key.id, &rk, &err) < 0) {
        kd_key_free(&rk);
        kd_verify_result_free(&res);
        free(space);
        kd_srv_fail(r, &err);
        return false;
    }
    r->root_space = space;
    r->root_key_id = kd_xstrdup(res.key.id);
    kd_strlist_copy(&r->root_perms, &rk.permissions);
    for (size_t i = 0; i < rk.n_grants; i++)
        kd_strlist_add_unique(&r->root_perms, rk.grants[i].slug);
    if (have_change)
        memo_put(r->memo, digest, change, r, rk.expires);
    kd_key_free(&rk);
    kd_verify_result_free(&res);
    return true;
}

bool kd_srv_may(const struct kd_srv_request *r, const char *scope, const char *action)
{
    return kd_rootkey_allows(&r->root_perms, r->route->resource, scope,
                             action ? action : r->route->action);
}

size_t kd_srv_scopes(const struct kd_srv_request *r, const char *action, struct kd_strlist *out)
{
    size_t n = 0, alen = strlen(action);
    for (size_t i = 0; i < r->root_perms.len; i++) {
        const char *p = r->root_perms.items[i];
        size_t len = strlen(p);
        if (strncmp(p, "api.", 4) != 0 || len < 4 + 1 + 1 + alen || p[len - alen - 1] != '.' ||
            strcmp(p + len - alen, action) != 0)
            continue;
        char *scope = kd_xstrndup(p + 4, len - alen - 1 - 4);
        if (strcmp(scope, "*") != 0 && !strchr(scope, '.') && !kd_srv_is_root_space(r, scope) &&
            kd_strlist_add_unique(out, scope))
            n++;
        free(scope);
    }
    return n;
}

bool kd_srv_is_root_space(const struct kd_srv_request *r, const char *api_id)
{
    return api_id && r->root_space && strcmp(api_id, r->root_space) == 0;
}

static bool forbidden(struct kd_srv_request *r, const char *scope, const char *action)
{
    kd_srv_failf(r, KD_ERR_FORBIDDEN, NULL, "the root key lacks the permission %s.%s.%s",
                 r->route->resource, scope ? scope : "*", action ? action : r->route->action);
    return false;
}

bool kd_srv_api_access(struct kd_srv_request *r, const char *api_id, const char *action)
{
    if (kd_srv_is_root_space(r, api_id)) {
        kd_srv_failf(r, KD_ERR_NOT_FOUND, "apiId", "API %s does not exist", api_id);
        return false;
    }
    if (!kd_srv_may(r, api_id, action))
        return forbidden(r, api_id, action);
    return true;
}

bool kd_srv_key_access(struct kd_srv_request *r, const char *key_id, const char *action,
                       struct kd_key *out)
{
    struct kd_error err;
    if (kd_backend_key_get(r->b, key_id, out, &err) < 0) {
        kd_srv_fail(r, &err);
        return false;
    }
    if (kd_srv_is_root_space(r, out->api_id)) {
        kd_srv_failf(r, KD_ERR_NOT_FOUND, "keyId", "key %s does not exist", key_id);
        return false;
    }
    if (!kd_srv_may(r, out->api_id, action))
        return forbidden(r, out->api_id, action);
    return true;
}
