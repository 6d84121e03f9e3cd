/*
 * router.c — the one table of keydeckd's endpoints (path, method, handler, the
 * root-key permission it needs, the statuses its spec documents) and the
 * steps every request takes before its handler: route, authenticate, parse.
 * Answers are shaped here too, so no handler can send a status its endpoint
 * does not document.
 */
#include "server/server.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* What the spec documents, by group (shared/specs/unkey/openapi-v2.yaml). */
#define S_BASE (KD_SRV_S400 | KD_SRV_S401 | KD_SRV_S403 | KD_SRV_S429 | KD_SRV_S500)
#define S_404 (S_BASE | KD_SRV_S404)
#define S_409 (S_BASE | KD_SRV_S409)
#define S_LIVE (KD_SRV_S412 | KD_SRV_S500)

static const struct kd_srv_route routes[] = {
    {"/v2/liveness", "GET", kd_srv_liveness, NULL, NULL, S_LIVE},

    {"/v2/apis.createApi", "POST", kd_srv_apis_create, "api", "create_api", S_BASE},
    {"/v2/apis.getApi", "POST", kd_srv_apis_get, "api", "read_api", S_404},
    {"/v2/apis.deleteApi", "POST", kd_srv_apis_delete, "api", "delete_api",
     S_404 | KD_SRV_S412},
    {"/v2/apis.listApis", "POST", kd_srv_apis_list, "api", "read_api", S_BASE},
    {"/v2/apis.listKeys", "POST", kd_srv_apis_list_keys, "api", "read_key", S_404},

    {"/v2/keys.createKey", "POST", kd_srv_keys_create, "api", "create_key", S_404},
    {"/v2/keys.getKey", "POST", kd_srv_keys_get, "api", "read_key", S_404},
    {"/v2/keys.updateKey", "POST", kd_srv_keys_update, "api", "update_key", S_404},
    {"/v2/keys.deleteKey", "POST", kd_srv_keys_delete, "api", "delete_key", S_404},
    {"/v2/keys.rerollKey", "POST", kd_srv_keys_reroll, "api", "create_key", S_404},
    {"/v2/keys.updateCredits", "POST", kd_srv_keys_update_credits, "api", "update_key", S_404},
    {"/v2/keys.whoami", "POST", kd_srv_keys_whoami, "api", "read_key", S_404},
    {"/v2/keys.verifyKey", "POST", kd_srv_keys_verify, "api", "verify_key", S_404},
    {"/v2/keys.addPermissions", "POST", kd_srv_keys_add_permissions, "api", "update_key", S_404},
    {"/v2/keys.removePermissions", "POST", kd_srv_keys_remove_permissions, "api", "update_key",
     S_404},
    {"/v2/keys.setPermissions", "POST", kd_srv_keys_set_permissions, "api", "update_key", S_404},
    {"/v2/keys.addRoles", "POST", kd_srv_keys_add_roles, "api", "update_key", S_404},
    {"/v2/keys.removeRoles", "POST", kd_srv_keys_remove_roles, "api", "update_key", S_404},
    {"/v2/keys.setRoles", "POST", kd_srv_keys_set_roles, "api", "update_key", S_404},
    {"/v2/keys.migrateKeys", "POST", kd_srv_keys_migrate, "api", "create_key", S_404},

    {"/v2/permissions.createPermission", "POST", kd_srv_perms_create, "rbac", "create_permission",
     S_409},
    {"/v2/permissions.getPermission", "POST", kd_srv_perms_get, "rbac", "read_permission", S_404},
    {"/v2/permissions.listPermissions", "POST", kd_srv_perms_list, "rbac", "read_permission",
     S_BASE},
    {"/v2/permissions.deletePermission", "POST", kd_srv_perms_delete, "rbac", "delete_permission",
     S_404},
    {"/v2/permissions.createRole", "POST", kd_srv_roles_create, "rbac", "create_role", S_409},
    {"/v2/permissions.getRole", "POST", kd_srv_roles_get, "rbac", "read_role", S_404},
    {"/v2/permissions.listRoles", "POST", kd_srv_roles_list, "rbac", "read_role", S_404},
    {"/v2/permissions.deleteRole", "POST", kd_srv_roles_delete, "rbac", "delete_role", S_BASE},
    {"/v2/permissions.setRolePermissions", "POST", kd_srv_roles_set_permissions, "rbac",
     "add_permission_to_role", S_404},
    {NULL, NULL, NULL, NULL, NULL, 0},
};

const struct kd_srv_route *kd_srv_route_find(const char *path)
{
    for (const struct kd_srv_route *rt = routes; rt->path; rt++)
        if (strcmp(rt->path, path) == 0)
            return rt;
    return NULL;
}

/* ---- answering ---- */

static void set_response(struct kd_srv_request *r, int status, json_t *envelope)
{
    json_decref(r->response);
    r->response = envelope;
    r->status = status;
    /* The spec gives 429 its own media type. */
    r->content_type = status == 429 ? "application/problem+json" : "application/json";
}

void kd_srv_ok(struct kd_srv_request *r, json_t *data, const struct kd_wire_page *page)
{
    set_response(r, 200, kd_wire_envelope(data, r->request_id, page));
}

static unsigned status_bit(int status)
{
    switch (status) {
    case 400: return KD_SRV_S400;
    case 401: return KD_SRV_S401;
    case 403: return KD_SRV_S403;
    case 404: return KD_SRV_S404;
    case 409: return KD_SRV_S409;
    case 412: return KD_SRV_S412;
    case 429: return KD_SRV_S429;
    case 500: return KD_SRV_S500;
    default: return 0;
    }
}

static const char *status_title(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 500: return "Internal Server Error";
    default: return "Error";
    }
}

void kd_srv_fail(struct kd_srv_request *r, const struct kd_error *e)
{
    int status = 500;
    json_t *env = kd_wire_error_envelope(e, r->request_id, &status);
    json_t *error = json_object_get(env, "error");
    /* A status the endpoint does not document (createApi has no 409, deleteRole
     * no 404, …) becomes the nearest documented one: a client error stays a
     * client error, anything else is a 500. */
    if (r->route && !(r->route->statuses & status_bit(status))) {
        int to = status >= 400 && status < 500 && (r->route->statuses & KD_SRV_S400) ? 400 : 500;
        status = to;
        json_object_set_new(error, "status", json_integer(status));
        json_object_set_new(error, "title", json_string(status_title(status)));
    }
    /* A 400 always lists what was wrong (BadRequestErrorDetails requires it). */
    if (status == 400 && !json_is_array(json_object_get(error, "errors"))) {
        json_t *item = json_object();
        json_object_set_new(item, "location", json_string(e->field[0] ? e->field : "body"));
        json_object_set_new(item, "message", json_string(e->message));
        json_t *list = json_array();
        json_array_append_new(list, item);
        json_object_set_new(error, "errors", list);
    }
    set_response(r, status, env);
}

void kd_srv_failf(struct kd_srv_request *r, enum kd_errcode code, const char *field,
                  const char *fmt, ...)
{
    struct kd_error e;
    va_list ap;
    va_start(ap, fmt);
    kd_error_vset(&e, code, field, fmt, ap);
    va_end(ap);
    kd_srv_fail(r, &e);
}

/* 404 and 405 are answered before any route applies: plain error envelopes. */
static void fail_plain(struct kd_srv_request *r, int status, const char *detail)
{
    const char *type = status == 404 ? "https://unkey.com/docs/errors/unkey/resource/not_found"
                                     : "https://unkey.com/docs/errors/unkey/application/"
                                       "method_not_allowed";
    json_t *env = json_pack("{s:{s:s}, s:{s:s, s:s, s:i, s:s}}", "meta", "requestId",
                            r->request_id, "error", "title", status_title(status), "detail",
                            detail, "status", status, "type", type);
    set_response(r, status, env);
}

/* ---- the steps before a handler ---- */

static json_t *parse_body(struct kd_srv_request *r, const char *body, size_t len)
{
    if (!body || len == 0) {
        kd_srv_failf(r, KD_ERR_INVALID, "body", "the request body is empty; send a JSON object");
        return NULL;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc) {
        kd_srv_failf(r, KD_ERR_INVALID, "body", "the request body is not valid JSON: %s (line %d)",
                     jerr.text, jerr.line);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        kd_srv_failf(r, KD_ERR_INVALID, "body", "the request body must be a JSON object");
        return NULL;
    }
    return doc;
}

void kd_srv_dispatch(struct kd_srv_request *r, const char *authorization, const char *body,
                     size_t len, bool too_large)
{
    r->route = kd_srv_route_find(r->path);
    if (!r->route) {
        fail_plain(r, 404, "no such endpoint (see keydeckd(8) for the list)");
        return;
    }
    if (strcmp(r->method, r->route->method) != 0) {
        r->allow = r->route->method;
        char detail[96];
        snprintf(detail, sizeof detail, "%s takes %s", r->route->path, r->route->method);
        const struct kd_srv_route *rt = r->route;
        r->route = NULL; /* 405 is outside every route's documented statuses */
        fail_plain(r, 405, detail);
        r->route = rt;
        return;
    }
    if (!r->route->resource) {
        r->route->handler(r);
        return;
    }
    /* Authenticate first: an unknown caller's body is not even parsed. */
    if (!kd_srv_authenticate(r, authorization))
        return;
    if (too_large) {
        kd_srv_failf(r, KD_ERR_INVALID, "body", "the request body is larger than %d bytes",
                     KD_SRV_MAX_BODY);
        return;
    }
    r->body = parse_body(r, body, len);
    if (!r->body)
        return;
    r->route->handler(r);
    if (!r->response)
        kd_srv_failf(r, KD_ERR_INTERNAL, NULL, "the handler gave no answer");
}

void kd_srv_request_clear(struct kd_srv_request *r)
{
    json_decref(r->body);
    json_decref(r->response);
    r->body = NULL;
    r->response = NULL;
    free(r->root_key_id);
    free(r->root_space);
    r->root_key_id = NULL;
    r->root_space = NULL;
    kd_strlist_clear(&r->root_perms);
}
