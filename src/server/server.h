/*
 * server.h — what keydeckd's files share: one request in flight, the route
 * table's row, the helpers handlers answer with, the per-thread backend and
 * the request log.
 *
 * A request goes: main.c (libmicrohttpd: collect the body) -> router.c (find
 * the route, authenticate the root key, parse the JSON) -> a handler
 * (decode with wire/unkey.h, authorise, call the backend, encode) -> back to
 * main.c, which sends the envelope and logs one line.
 */
#ifndef KD_SERVER_SERVER_H
#define KD_SERVER_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/backend.h"
#include "util/error.h"
#include "util/strlist.h"
#include "wire/unkey.h"

#define KD_SRV_MAX_BODY (1024 * 1024) /* request bodies above this are refused */
#define KD_SRV_REQUEST_ID_LEN 28      /* "req_" + 24 base58 characters */

/* The error statuses a route's spec documents (200 is always documented). */
enum kd_srv_status_bit {
    KD_SRV_S400 = 1u << 0,
    KD_SRV_S401 = 1u << 1,
    KD_SRV_S403 = 1u << 2,
    KD_SRV_S404 = 1u << 3,
    KD_SRV_S409 = 1u << 4,
    KD_SRV_S412 = 1u << 5,
    KD_SRV_S429 = 1u << 6,
    KD_SRV_S500 = 1u << 7,
};

struct kd_srv_request;
typedef void (*kd_srv_handler)(struct kd_srv_request *r);

/*
 * What auth.c remembers per worker thread: the root key space's id, and the
 * root keys it authenticated lately, each valid only while the keystore's
 * change token stands (any commit by anyone moves it: a root key disabled,
 * deleted or re-scoped is re-checked on its next request) and until the key
 * expires.  Keys are held by a keyed BLAKE2b digest, never in plaintext.
 */
#define KD_SRV_AUTH_SLOTS 8
#define KD_SRV_AUTH_DIGEST 32
struct kd_srv_auth_slot {
    bool used;
    unsigned char digest[KD_SRV_AUTH_DIGEST];
    uint64_t token;  /* the change token it was verified under */
    int64_t expires; /* Unix ms; 0: never */
    char *key_id;
    struct kd_strlist perms;
};
struct kd_srv_auth_memo {
    char *root_space;
    struct kd_srv_auth_slot slots[KD_SRV_AUTH_SLOTS];
    unsigned next; /* the slot to replace next */
};
void kd_srv_auth_memo_free(struct kd_srv_auth_memo *m);

/* One row of the route table (router.c): every endpoint is listed there. */
struct kd_srv_route {
    const char *path;     /* "/v2/keys.createKey" */
    const char *method;   /* "POST" or "GET" */
    kd_srv_handler handler;
    const char *resource; /* root-key permission resource: "api", "rbac"; NULL: no auth */
    const char *action;   /* "create_key", … */
    unsigned statuses;    /* enum kd_srv_status_bit */
};

struct kd_srv_request {
    char request_id[KD_SRV_REQUEST_ID_LEN + 1];
    const char *method;
    const char *path;
    const struct kd_srv_route *route; /* NULL: unknown path */
    struct kd_backend *b;             /* this thread's keystore connection */
    struct kd_srv_auth_memo *memo;    /* this thread's (auth.c) */
    json_t *body;                     /* the parsed request body (POST) */
    /* The authenticated root key. */
    char *root_key_id;
    char *root_space;                 /* the root key space's API id */
    struct kd_strlist root_perms;     /* its permission slugs (direct and via roles) */
    /* The answer. */
    int status;
    json_t *response;                 /* the whole envelope */
    const char *content_type;
    const char *allow;                /* the Allow header of a 405 */
};

/* ---- router.c ---- */

/** The route for path, or NULL. */
const struct kd_srv_route *kd_srv_route_find(const char *path);
/**
 * Answer one request: route, authenticate, parse body (len bytes, may be
 * NULL), run the handler.  r has request_id, method, path and b set; on return
 * status and response are.  too_large: the body was cut at KD_SRV_MAX_BODY.
 */
void kd_srv_dispatch(struct kd_srv_request *r, const char *authorization, const char *body,
                     size_t len, bool too_large);
/** Release what dispatch and the handler left in r (not r itself). */
void kd_srv_request_clear(struct kd_srv_request *r);

/* ---- answering (router.c) ---- */

/** 200 with data (stolen) and, when page is non-NULL, pagination. */
void kd_srv_ok(struct kd_srv_request *r, json_t *data, const struct kd_wire_page *page);
/** The error envelope for e, its status kept to those the route documents. */
void kd_srv_fail(struct kd_srv_request *r, const struct kd_error *e);
/** Shorthand: fail with a fresh error. */
void kd_srv_failf(struct kd_srv_request *r, enum kd_errcode code, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* ---- authorisation (auth.c) ---- */

/**
 * Authenticate the bearer token in authorization ("Bearer <root key>"): on
 * success r->root_key_id, root_space and root_perms are filled and true is
 * returned; otherwise r holds the 401 and false is returned.
 */
bool kd_srv_authenticate(struct kd_srv_request *r, const char *authorization);
/** Whether the root key holds route's action (or action when non-NULL) in scope. */
bool kd_srv_may(const struct kd_srv_request *r, const char *scope, const char *action);
/**
 * Check the route's action on api_id: the root key space answers 404 (it does
 * not exist for a root key), a missing permission 403.  Returns false with r
 * answered.
 */
bool kd_srv_api_access(struct kd_srv_request *r, const char *api_id, const char *action);
/**
 * Fetch key_id into *out (kd_key_init'ed by the caller) and check action
 * (NULL: the route's) on its API, as kd_srv_api_access.  Returns false with r
 * answered (404 for an unknown key or one in the root key space).
 */
bool kd_srv_key_access(struct kd_srv_request *r, const char *key_id, const char *action,
                       struct kd_key *out);
/**
 * The API ids the root key holds action for one by one (api.<id>.<action>, the
 * root space left out), pushed onto out.  Returns how many.
 */
size_t kd_srv_scopes(const struct kd_srv_request *r, const char *action, struct kd_strlist *out);
/** Whether api_id is the root key space. */
bool kd_srv_is_root_space(const struct kd_srv_request *r, const char *api_id);

/* ---- handlers (handlers_*.c) ---- */

void kd_srv_liveness(struct kd_srv_request *r);

void kd_srv_apis_create(struct kd_srv_request *r);
void kd_srv_apis_get(struct kd_srv_request *r);
void kd_srv_apis_delete(struct kd_srv_request *r);
void kd_srv_apis_list(struct kd_srv_request *r);
void kd_srv_apis_list_keys(struct kd_srv_request *r);

void kd_srv_keys_create(struct kd_srv_request *r);
void kd_srv_keys_get(struct kd_srv_request *r);
void kd_srv_keys_update(struct kd_srv_request *r);
void kd_srv_keys_delete(struct kd_srv_request *r);
void kd_srv_keys_reroll(struct kd_srv_request *r);
void kd_srv_keys_update_credits(struct kd_srv_request *r);
void kd_srv_keys_whoami(struct kd_srv_request *r);
void kd_srv_keys_verify(struct kd_srv_request *r);
void kd_srv_keys_add_permissions(struct kd_srv_request *r);
void kd_srv_keys_remove_permissions(struct kd_srv_request *r);
void kd_srv_keys_set_permissions(struct kd_srv_request *r);
void kd_srv_keys_add_roles(struct kd_srv_request *r);
void kd_srv_keys_remove_roles(struct kd_srv_request *r);
void kd_srv_keys_set_roles(struct kd_srv_request *r);
void kd_srv_keys_migrate(struct kd_srv_request *r);

void kd_srv_perms_create(struct kd_srv_request *r);
void kd_srv_perms_get(struct kd_srv_request *r);
void kd_srv_perms_list(struct kd_srv_request *r);
void kd_srv_perms_delete(struct kd_srv_request *r);
void kd_srv_roles_create(struct kd_srv_request *r);
void kd_srv_roles_get(struct kd_srv_request *r);
void kd_srv_roles_list(struct kd_srv_request *r);
void kd_srv_roles_delete(struct kd_srv_request *r);
void kd_srv_roles_set_permissions(struct kd_srv_request *r);

/* Role objects for the wire: r's permissions as Permission objects.  Used by
 * handlers_keys.c (the [Role] answers) and handlers_rbac.c. */
json_t *kd_srv_role_json(struct kd_srv_request *r, const struct kd_role *role,
                         struct kd_error *err);
/* [Permission] for slugs. */
json_t *kd_srv_permissions_json(struct kd_srv_request *r, const struct kd_strlist *slugs,
                                struct kd_error *err);

/* ---- reqlog.c ---- */

/** Log to path ("-": stderr; NULL: no log).  Returns -1 with err on failure. */
int kd_reqlog_open(const char *path, struct kd_error *err);
/** One line: time, request id, method, path, status, duration, root key id. */
void kd_reqlog_write(const struct kd_srv_request *r, double duration_ms);
void kd_reqlog_close(void);

#endif
