/*
 * unkey_impl.h — what the two halves of the remote backend share (unkey.c:
 * lifecycle, APIs, roles, permissions; unkey_keys.c: keys and verification).
 * Internal to src/backend.
 */
#ifndef KD_BACKEND_UNKEY_IMPL_H
#define KD_BACKEND_UNKEY_IMPL_H

#include <jansson.h>
#include <stdbool.h>

#include "backend/backend.h"
#include "net/http.h"
#include "util/strlist.h"
#include "wire/unkey.h"

struct unkey_backend {
    struct kd_http *http;
    char *kind;             /* "unkey" or "keydeckd" */
    char *description;      /* "unkey https://api.unkey.com" */
    struct kd_strlist apis; /* the profile's API ids; empty: ask the server (keydeckd) */
};

static inline struct unkey_backend *unkey_of(struct kd_backend *b)
{
    return b->impl;
}

/*
 * POST body (stolen) to /v2/<endpoint> and decode the envelope.  On success
 * *root holds the document (json_decref it) and *data borrows its "data";
 * page may be NULL.  idempotent: the request may be retried after a transport
 * failure (reads only).
 */
int unkey_call(struct unkey_backend *u, const char *endpoint, json_t *body, bool idempotent,
               json_t **root, json_t **data, struct kd_wire_page *page, struct kd_error *err);

/* The same for calls whose answer carries nothing the caller needs. */
int unkey_call_void(struct unkey_backend *u, const char *endpoint, json_t *body,
                    struct kd_error *err);

/* Whether text matches a list filter (case-insensitive substring); NULL/"" matches. */
bool unkey_filter_match(const char *filter, const char *text);

/* The key operations (unkey_keys.c), put into the ops table by unkey.c. */
#define UNKEY_KEY_OPS(X)                                                                     \
    X(key_list) X(key_get) X(key_create) X(key_create_many) X(key_update) X(key_delete) X(key_reroll)          \
    X(key_reveal) X(key_credits) X(key_set_roles) X(key_set_permissions) X(key_import)      \
    X(verify)

int unkey_key_list(struct kd_backend *b, const struct kd_key_query *q, struct kd_key_page *out,
                   struct kd_error *err);
int unkey_key_get(struct kd_backend *b, const char *key_id, struct kd_key *out,
                  struct kd_error *err);
int unkey_key_create(struct kd_backend *b, const struct kd_key *spec,
                     struct kd_key_secret *out, struct kd_error *err);
int unkey_key_create_many(struct kd_backend *b, const struct kd_key *spec, int64_t count,
                          kd_key_sink sink, void *ctx, int64_t *made, struct kd_error *err);
int unkey_key_update(struct kd_backend *b, const char *key_id, const struct kd_key_update *u,
                     struct kd_error *err);
int unkey_key_delete(struct kd_backend *b, const char *key_id, bool permanent,
                     struct kd_error *err);
int unkey_key_reroll(struct kd_backend *b, const char *key_id, int64_t old_key_grace_ms,
                     struct kd_key_secret *out, struct kd_error *err);
int unkey_key_reveal(struct kd_backend *b, const char *key_id, struct kd_key_secret *out,
                     struct kd_error *err);
int unkey_key_credits(struct kd_backend *b, const char *key_id, enum kd_credit_op op,
                      bool unlimited, int64_t value, struct kd_credits *out,
                      struct kd_error *err);
int unkey_key_set_roles(struct kd_backend *b, const char *key_id, enum kd_set_op op,
                        const struct kd_strlist *names, struct kd_error *err);
int unkey_key_set_permissions(struct kd_backend *b, const char *key_id, enum kd_set_op op,
                              const struct kd_strlist *slugs, struct kd_error *err);
int unkey_key_import(struct kd_backend *b, const struct kd_key *spec, const char *digest_encoded,
                     char **out_key_id, struct kd_error *err);
int unkey_verify(struct kd_backend *b, const struct kd_verify_request *req,
                 struct kd_verify_result *out, struct kd_error *err);

#endif
