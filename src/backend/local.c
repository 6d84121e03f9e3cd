/*
 * local.c — the embedded keystore behind the backend seam: every op is a thin
 * call into the engine (core/engine.h) on one open store.
 */
#include "backend/backend.h"

#include <stdlib.h>

#include "core/engine.h"
#include "core/keygen.h"
#include "core/store.h"
#include "util/xalloc.h"

static struct kd_store *local_store(struct kd_backend *b)
{
    return b->impl;
}

static enum kd_engine_credit_op local_credit_op(enum kd_credit_op op)
{
    switch (op) {
    case KD_CREDITS_SET:
        return KD_ENGINE_CREDITS_SET;
    case KD_CREDITS_INCREMENT:
        return KD_ENGINE_CREDITS_INCREMENT;
    case KD_CREDITS_DECREMENT:
        return KD_ENGINE_CREDITS_DECREMENT;
    }
    return KD_ENGINE_CREDITS_SET;
}

static enum kd_engine_set_op local_set_op(enum kd_set_op op)
{
    switch (op) {
    case KD_SET_ADD:
        return KD_ENGINE_SET_ADD;
    case KD_SET_REMOVE:
        return KD_ENGINE_SET_REMOVE;
    case KD_SET_REPLACE:
        return KD_ENGINE_SET_REPLACE;
    }
    return KD_ENGINE_SET_ADD;
}

static int local_api_list(struct kd_backend *b, const struct kd_list_query *q,
                          struct kd_api_page *out, struct kd_error *err)
{
    return kd_engine_api_list(local_store(b), q, out, err);
}

static int local_api_get(struct kd_backend *b, const char *api_id, struct kd_api *out,
                         struct kd_error *err)
{
    return kd_engine_api_get(local_store(b), api_id, out, err);
}

static int local_api_create(struct kd_backend *b, const struct kd_api *spec,
                            struct kd_api *out, struct kd_error *err)
{
    return kd_engine_api_create(local_store(b), spec, out, err);
}

static int local_api_delete(struct kd_backend *b, const char *api_id, struct kd_error *err)
{
    return kd_engine_api_delete(local_store(b), api_id, err);
}

static int local_key_list(struct kd_backend *b, const struct kd_key_query *q,
                          struct kd_key_page *out, struct kd_error *err)
{
    return kd_engine_key_list(local_store(b), q, out, err);
}

static int local_key_get(struct kd_backend *b, const char *key_id, struct kd_key *out,
                         struct kd_error *err)
{
    return kd_engine_key_get(local_store(b), key_id, out, err);
}

static int local_key_create(struct kd_backend *b, const struct kd_key *spec,
                            struct kd_key_secret *out, struct kd_error *err)
{
    return kd_engine_key_create(local_store(b), spec, out, err);
}

static int local_key_update(struct kd_backend *b, const char *key_id,
                            const struct kd_key_update *u, struct kd_error *err)
{
    return kd_engine_key_update(local_store(b), key_id, u, err);
}

static int local_key_delete(struct kd_backend *b, const char *key_id, bool permanent,
                            struct kd_error *err)
{
    return kd_engine_key_delete(local_store(b), key_id, permanent, err);
}

static int local_key_create_many(struct kd_backend *b, const struct kd_key *spec, int64_t count,
                                 kd_key_sink sink, void *ctx, int64_t *made,
                                 struct kd_error *err)
{
    return kd_engine_key_create_many(local_store(b), spec, count, sink, ctx, made, err);
}

static int local_key_reroll(struct kd_backend *b, const char *key_id, int64_t old_key_grace_ms,
                            struct kd_key_secret *out, struct kd_error *err)
{
    return kd_engine_key_reroll(local_store(b), key_id, old_key_grace_ms, out, err);
}

static int local_key_reveal(struct kd_backend *b, const char *key_id,
                            struct kd_key_secret *out, struct kd_error *err)
{
    return kd_engine_key_reveal(local_store(b), key_id, out, err);
}

static int local_key_credits(struct kd_backend *b, const char *key_id, enum kd_credit_op op,
                             bool unlimited, int64_t value, struct kd_credits *out,
                             struct kd_error *err)
{
    return kd_engine_key_credits(local_store(b), key_id, local_credit_op(op), unlimited, value,
                                 out, err);
}

static int local_key_set_roles(struct kd_backend *b, const char *key_id, enum kd_set_op op,
                               const struct kd_strlist *names, struct kd_error *err)
{
    return kd_engine_key_set_roles(local_store(b), key_id, local_set_op(op), names, err);
}

static int local_key_set_permissions(struct kd_backend *b, const char *key_id,
                                     enum kd_set_op op, const struct kd_strlist *slugs,
                                     struct kd_error *err)
{
    return kd_engine_key_set_permissions(local_store(b), key_id, local_set_op(op), slugs, err);
}

static int local_key_import(struct kd_backend *b, const struct kd_key *spec,
                            const char *digest_encoded, char **out_key_id,
                            struct kd_error *err)
{
    uint8_t digest[KD_DIGEST_LEN];
    if (!digest_encoded || !*digest_encoded)
        return kd_error_set(err, KD_ERR_INVALID, "hash", "hash is required to import a key");
    struct kd_error derr;
    kd_error_clear(&derr);
    if (kd_digest_decode(digest_encoded, digest, &derr) < 0)
        return kd_error_set(err, derr.code, derr.field[0] ? derr.field : "hash", "%s",
                            derr.message);
    return kd_engine_key_import(local_store(b), spec, digest, out_key_id, err);
}

static int local_verify(struct kd_backend *b, const struct kd_verify_request *req,
                        struct kd_verify_result *out, struct kd_error *err)
{
    return kd_engine_verify(local_store(b), req, out, err);
}

static int local_role_list(struct kd_backend *b, const struct kd_list_query *q,
                           struct kd_role_page *out, struct kd_error *err)
{
    return kd_engine_role_list(local_store(b), q, out, err);
}

static int local_role_get(struct kd_backend *b, const char *id_or_name, struct kd_role *out,
                          struct kd_error *err)
{
    return kd_engine_role_get(local_store(b), id_or_name, out, err);
}

static int local_role_create(struct kd_backend *b, const struct kd_role *spec,
                             struct kd_role *out, struct kd_error *err)
{
    return kd_engine_role_create(local_store(b), spec, out, err);
}

static int local_role_delete(struct kd_backend *b, const char *id_or_name,
                             struct kd_error *err)
{
    return kd_engine_role_delete(local_store(b), id_or_name, err);
}

static int local_role_set_permissions(struct kd_backend *b, const char *id_or_name,
                                      enum kd_set_op op, const struct kd_strlist *slugs,
                                      struct kd_error *err)
{
    return kd_engine_role_set_permissions(local_store(b), id_or_name, local_set_op(op), slugs,
                                          err);
}

static int local_permission_list(struct kd_backend *b, const struct kd_list_query *q,
                                 struct kd_permission_page *out, struct kd_error *err)
{
    return kd_engine_permission_list(local_store(b), q, out, err);
}

static int local_permission_get(struct kd_backend *b, const char *id_or_slug,
                                struct kd_permission *out, struct kd_error *err)
{
    return kd_engine_permission_get(local_store(b), id_or_slug, out, err);
}

static int local_permission_create(struct kd_backend *b, const struct kd_permission *spec,
                                   struct kd_permission *out, struct kd_error *err)
{
    return kd_engine_permission_create(local_store(b), spec, out, err);
}

static int local_permission_delete(struct kd_backend *b, const char *id_or_slug,
                                   struct kd_error *err)
{
    return kd_engine_permission_delete(local_store(b), id_or_slug, err);
}

static int local_stats(struct kd_backend *b, const struct kd_stats_query *q,
                       struct kd_stats *out, struct kd_error *err)
{
    return kd_engine_stats(local_store(b), q, out, err);
}

static int local_change_token(struct kd_backend *b, uint64_t *token, struct kd_error *err)
{
    return kd_store_change_token(local_store(b), token, err);
}

static int local_audit_list(struct kd_backend *b, const struct kd_audit_query *q,
                            struct kd_audit_page *out, struct kd_error *err)
{
    return kd_engine_audit_list(local_store(b), q, out, err);
}

static int local_audit_verify(struct kd_backend *b, struct kd_audit_check *out,
                              struct kd_error *err)
{
    return kd_engine_audit_verify(local_store(b), out, err);
}

static unsigned local_capabilities(struct kd_backend *b)
{
    (void)b;
    return KD_CAP_LIST_APIS | KD_CAP_TOTALS | KD_CAP_SORT | KD_CAP_FILTER | KD_CAP_STATS |
           KD_CAP_AUDIT_LOG | KD_CAP_REVEAL | KD_CAP_CHANGE_TOKEN | KD_CAP_FULL_KEYS;
}

static const char *local_describe(struct kd_backend *b)
{
    return local_store(b)->path;
}

static void local_close(struct kd_backend *b)
{
    kd_store_close(local_store(b));
    free(b);
}

static const struct kd_backend_ops local_ops = {
    .kind = "local",
    .capabilities = local_capabilities,
    .describe = local_describe,
    .close = local_close,
#define KD_X(name, mutates, params, args) .name = local_##name,
    KD_BACKEND_OPS(KD_X)
#undef KD_X
};

struct kd_backend *kd_backend_local_open(const struct kd_local_options *opt,
                                         struct kd_error *err)
{
    kd_error_clear(err);
    if (!opt || !opt->keystore_path || !*opt->keystore_path)
        return kd_error_set(err, KD_ERR_INVALID, "keystore", "a keystore path is required"),
               NULL;
    struct kd_store_options so = {
        .path = opt->keystore_path,
        .create_if_missing = opt->create_if_missing,
        .actor = opt->actor,
        .busy_timeout_ms = 0,
    };
    struct kd_store *s = kd_store_open(&so, err);
    if (!s)
        return NULL;
    struct kd_backend *b = kd_xcalloc(1, sizeof *b);
    b->ops = &local_ops;
    b->impl = s;
    return b;
}
