/*
 * backend.h — the seam: the one interface every front end (TUI, CLI, keydeckd)
 * uses to reach a keystore, local or remote.
 *
 * Each backend fills a table of operations.  KD_BACKEND_OPS lists them once, with
 * a flag saying whether an operation changes anything; from that list come the
 * ops table, the kd_backend_<op>() wrappers, the read-only wrapper's refusals and
 * the op-name table tests enumerate.  Every operation returns 0 on success or -1
 * with err filled.  Outputs are owned by the caller and freed with the model's
 * free functions.
 *
 * Nothing here assumes the data is in memory: lists come in pages with cursors,
 * and every call can fail with a message (a remote call may time out).
 */
#ifndef KD_BACKEND_BACKEND_H
#define KD_BACKEND_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "model/api.h"
#include "model/audit.h"
#include "model/key.h"
#include "model/page.h"
#include "model/rbac.h"
#include "model/stats.h"
#include "model/verify.h"
#include "util/error.h"

struct kd_backend;

enum kd_credit_op { KD_CREDITS_SET, KD_CREDITS_INCREMENT, KD_CREDITS_DECREMENT };
enum kd_set_op { KD_SET_ADD, KD_SET_REMOVE, KD_SET_REPLACE };

/* What a backend can do beyond the common core (bits). */
enum kd_capability {
    KD_CAP_LIST_APIS = 1u << 0,   /* Unkey has no listApis: the profile names the APIs */
    KD_CAP_TOTALS = 1u << 1,      /* list queries can count matches */
    KD_CAP_SORT = 1u << 2,        /* key lists sort by columns other than creation */
    KD_CAP_FILTER = 1u << 3,      /* server-side text filter */
    KD_CAP_STATS = 1u << 4,       /* verification statistics */
    KD_CAP_AUDIT_LOG = 1u << 5,   /* the mutation log */
    KD_CAP_REVEAL = 1u << 6,      /* recoverable keys can be revealed */
    KD_CAP_CHANGE_TOKEN = 1u << 7, /* cheap "did anything change" probe */
    KD_CAP_READONLY = 1u << 8,    /* every mutation is refused */
    /* Keys come back with every field: recoverable, environment, byte length,
     * usage counts.  A v2 server reports none of these (they read as unset). */
    KD_CAP_FULL_KEYS = 1u << 9,
};

#define KD_MUTATES 1
#define KD_READS 0

/*
 * X(name, KD_MUTATES|KD_READS, (parameters), (arguments))
 * The first parameter is always `struct kd_backend *b`, the last `struct kd_error *err`.
 */
#define KD_BACKEND_OPS(X)                                                                   \
    /* key spaces */                                                                        \
    X(api_list, KD_READS,                                                                   \
      (struct kd_backend * b, const struct kd_list_query *q, struct kd_api_page *out,       \
       struct kd_error *err),                                                               \
      (b, q, out, err))                                                                     \
    X(api_get, KD_READS,                                                                    \
      (struct kd_backend * b, const char *api_id, struct kd_api *out, struct kd_error *err), \
      (b, api_id, out, err))                                                                \
    X(api_create, KD_MUTATES,                                                               \
      (struct kd_backend * b, const struct kd_api *spec, struct kd_api *out,                \
       struct kd_error *err),                                                               \
      (b, spec, out, err))                                                                  \
    X(api_delete, KD_MUTATES,                                                               \
      (struct kd_backend * b, const char *api_id, struct kd_error *err), (b, api_id, err))  \
    /* keys */                                                                              \
    X(key_list, KD_READS,                                                                   \
      (struct kd_backend * b, const struct kd_key_query *q, struct kd_key_page *out,        \
       struct kd_error *err),                                                               \
      (b, q, out, err))                                                                     \
    X(key_get, KD_READS,                                                                    \
      (struct kd_backend * b, const char *key_id, struct kd_key *out, struct kd_error *err), \
      (b, key_id, out, err))                                                                \
    X(key_create, KD_MUTATES,                                                               \
      (struct kd_backend * b, const struct kd_key *spec, struct kd_key_secret *out,         \
       struct kd_error *err),                                                               \
      (b, spec, out, err))                                                                  \
    X(key_create_many, KD_MUTATES, /* count alike keys, handed to sink as they commit */ \
      (struct kd_backend * b, const struct kd_key *spec, int64_t count, kd_key_sink sink,   \
       void *ctx, int64_t *made, struct kd_error *err),                                     \
      (b, spec, count, sink, ctx, made, err))                                               \
    X(key_update, KD_MUTATES,                                                               \
      (struct kd_backend * b, const char *key_id, const struct kd_key_update *u,            \
       struct kd_error *err),                                                               \
      (b, key_id, u, err))                                                                  \
    X(key_delete, KD_MUTATES,                                                               \
      (struct kd_backend * b, const char *key_id, bool permanent, struct kd_error *err),    \
      (b, key_id, permanent, err))                                                          \
    X(key_reroll, KD_MUTATES,                                                               \
      (struct kd_backend * b, const char *key_id, int64_t old_key_grace_ms,                 \
       struct kd_key_secret *out, struct kd_error *err),                                    \
      (b, key_id, old_key_grace_ms, out, err))                                              \
    X(key_reveal, KD_MUTATES, /* not a write, but a secret leaves: never when read-only */  \
      (struct kd_backend * b, const char *key_id, struct kd_key_secret *out,                \
       struct kd_error *err),                                                               \
      (b, key_id, out, err))                                                                \
    X(key_credits, KD_MUTATES,                                                              \
      (struct kd_backend * b, const char *key_id, enum kd_credit_op op, bool unlimited,     \
       int64_t value, struct kd_credits *out, struct kd_error *err),                        \
      (b, key_id, op, unlimited, value, out, err))                                          \
    X(key_set_roles, KD_MUTATES,                                                            \
      (struct kd_backend * b, const char *key_id, enum kd_set_op op,                        \
       const struct kd_strlist *names, struct kd_error *err),                               \
      (b, key_id, op, names, err))                                                          \
    X(key_set_permissions, KD_MUTATES,                                                      \
      (struct kd_backend * b, const char *key_id, enum kd_set_op op,                        \
       const struct kd_strlist *slugs, struct kd_error *err),                               \
      (b, key_id, op, slugs, err))                                                          \
    X(key_import, KD_MUTATES, /* by digest: Unkey base64, better-auth base64url or hex */  \
      (struct kd_backend * b, const struct kd_key *spec, const char *digest_encoded,        \
       char **out_key_id, struct kd_error *err),                                            \
      (b, spec, digest_encoded, out_key_id, err))                                           \
    X(verify, KD_MUTATES, /* charges credits and rate limits */                             \
      (struct kd_backend * b, const struct kd_verify_request *req,                          \
       struct kd_verify_result *out, struct kd_error *err),                                 \
      (b, req, out, err))                                                                   \
    /* roles */                                                                             \
    X(role_list, KD_READS,                                                                  \
      (struct kd_backend * b, const struct kd_list_query *q, struct kd_role_page *out,      \
       struct kd_error *err),                                                               \
      (b, q, out, err))                                                                     \
    X(role_get, KD_READS,                                                                   \
      (struct kd_backend * b, const char *id_or_name, struct kd_role *out,                  \
       struct kd_error *err),                                                               \
      (b, id_or_name, out, err))                                                            \
    X(role_create, KD_MUTATES,                                                              \
      (struct kd_backend * b, const struct kd_role *spec, struct kd_role *out,              \
       struct kd_error *err),                                                               \
      (b, spec, out, err))                                                                  \
    X(role_delete, KD_MUTATES,                                                              \
      (struct kd_backend * b, const char *id_or_name, struct kd_error *err),                \
      (b, id_or_name, err))                                                                 \
    X(role_set_permissions, KD_MUTATES,                                                     \
      (struct kd_backend * b, const char *id_or_name, enum kd_set_op op,                    \
       const struct kd_strlist *slugs, struct kd_error *err),                               \
      (b, id_or_name, op, slugs, err))                                                      \
    /* permissions */                                                                       \
    X(permission_list, KD_READS,                                                            \
      (struct kd_backend * b, const struct kd_list_query *q,                                \
       struct kd_permission_page *out, struct kd_error *err),                               \
      (b, q, out, err))                                                                     \
    X(permission_get, KD_READS,                                                             \
      (struct kd_backend * b, const char *id_or_slug, struct kd_permission *out,            \
       struct kd_error *err),                                                               \
      (b, id_or_slug, out, err))                                                            \
    X(permission_create, KD_MUTATES,                                                        \
      (struct kd_backend * b, const struct kd_permission *spec, struct kd_permission *out,  \
       struct kd_error *err),                                                               \
      (b, spec, out, err))                                                                  \
    X(permission_delete, KD_MUTATES,                                                        \
      (struct kd_backend * b, const char *id_or_slug, struct kd_error *err),                \
      (b, id_or_slug, err))                                                                 \
    /* monitoring and audit */                                                              \
    X(stats, KD_READS,                                                                      \
      (struct kd_backend * b, const struct kd_stats_query *q, struct kd_stats *out,         \
       struct kd_error *err),                                                               \
      (b, q, out, err))                                                                     \
    X(change_token, KD_READS,                                                               \
      (struct kd_backend * b, uint64_t *token, struct kd_error *err), (b, token, err))      \
    X(audit_list, KD_READS,                                                                 \
      (struct kd_backend * b, const struct kd_audit_query *q, struct kd_audit_page *out,    \
       struct kd_error *err),                                                               \
      (b, q, out, err))                                                                     \
    X(audit_verify, KD_READS,                                                               \
      (struct kd_backend * b, struct kd_audit_check *out, struct kd_error *err),            \
      (b, out, err))

typedef bool (*kd_backend_cancel_fn)(void *ctx);

struct kd_backend_ops {
    const char *kind; /* "local", "readonly", "unkey", … */
    unsigned (*capabilities)(struct kd_backend *b);
    /* A one-line description for status bars: the keystore path or the URL. */
    const char *(*describe)(struct kd_backend *b);
    void (*close)(struct kd_backend *b);
    /* Optional (NULL: the backend never waits on anything to cancel). */
    void (*set_cancel)(struct kd_backend *b, kd_backend_cancel_fn fn, void *ctx);
#define KD_X(name, mutates, params, args) int(*name) params;
    KD_BACKEND_OPS(KD_X)
#undef KD_X
};

struct kd_backend {
    const struct kd_backend_ops *ops;
    void *impl;
};

/* The ops, enumerated: name and whether it mutates.  Ends with {NULL, 0}. */
struct kd_backend_op_info {
    const char *name;
    int mutates;
};
extern const struct kd_backend_op_info kd_backend_op_table[];

/* kd_backend_<op>(...) — call an operation; an op a backend leaves NULL is
 * KD_ERR_UNSUPPORTED. */
#define KD_X(name, mutates, params, args) int kd_backend_##name params;
KD_BACKEND_OPS(KD_X)
#undef KD_X

unsigned kd_backend_capabilities(struct kd_backend *b);
const char *kd_backend_kind(struct kd_backend *b);
const char *kd_backend_describe(struct kd_backend *b);
/** Close and free. NULL is allowed. */
void kd_backend_close(struct kd_backend *b);

/* ---- constructors ---- */

struct kd_local_options {
    const char *keystore_path; /* the SQLite file; created (0600) when missing */
    const char *actor;         /* who to record in the audit log; NULL: OS user */
    bool create_if_missing;    /* false: a missing keystore is KD_ERR_NOT_FOUND */
};

/** Open the embedded keystore. */
struct kd_backend *kd_backend_local_open(const struct kd_local_options *opt,
                                         struct kd_error *err);

/* A remote server speaking Unkey's v2 API (src/backend/unkey.c). */
struct kd_remote_options {
    const char *kind;     /* "unkey" (api.unkey.com or compatible) or "keydeckd" */
    const char *url;      /* base URL, "https://api.unkey.com" */
    const char *root_key; /* the bearer token (copied; the caller wipes its copy) */
    const char *ca_file;  /* PEM bundle to trust; NULL: the system's */
    /* The API ids to show.  Unkey has no call that lists APIs; keydeckd has one
     * (apis.listApis), used when this list is empty. */
    const struct kd_strlist *apis;
    long connect_timeout_ms; /* 0: net/http.h's defaults */
    long timeout_ms;
};

/** Open a remote backend (no request is made until the first operation). */
struct kd_backend *kd_backend_unkey_open(const struct kd_remote_options *opt,
                                         struct kd_error *err);

/**
 * Set a callback a remote backend polls while a request is in flight; when it
 * returns true the request stops with KD_ERR_CANCELLED.  No-op for backends
 * that never wait (local) and for wrappers it is passed through.
 */
void kd_backend_set_cancel(struct kd_backend *b, kd_backend_cancel_fn fn, void *ctx);

/**
 * Wrap inner so that every mutating operation is refused with KD_ERR_READONLY
 * (the wrapper owns inner and closes it).
 */
struct kd_backend *kd_backend_readonly_wrap(struct kd_backend *inner);

/** The default keystore path: $XDG_DATA_HOME/keydeck/keystore.db (new string). */
char *kd_default_keystore_path(void);

#endif
