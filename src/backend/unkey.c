/*
 * unkey.c — the remote backend: a server speaking Unkey's v2 API (api.unkey.com,
 * or keydeckd) behind the seam.  This half holds the lifecycle, the one call
 * path every operation takes (encode -> POST -> envelope -> decode), key spaces,
 * roles and permissions; unkey_keys.c holds keys and verification.
 *
 * What v2 lacks, and what this backend does instead:
 *   - no call lists APIs: the profile names them (`apis = …`); keydeckd offers
 *     apis.listApis, used when the profile names none;
 *   - no totals, no sort but creation order, no server-side filter on keys:
 *     filters are applied to each page as it arrives (so a filtered page may be
 *     short; the cursor still moves on);
 *   - no statistics, change token or audit log: those ops stay NULL, and the
 *     seam answers KD_ERR_UNSUPPORTED naming them.
 */
#include "backend/unkey_impl.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/validate.h"
#include "util/xalloc.h"

/* ---- the call path ------------------------------------------------------------ */

int unkey_call(struct unkey_backend *u, const char *endpoint, json_t *body, bool idempotent,
               json_t **root, json_t **data, struct kd_wire_page *page, struct kd_error *err)
{
    *root = NULL;
    *data = NULL;
    if (!body)
        return -1; /* the encoder said why */
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!text)
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "%s: cannot encode the request",
                            endpoint);
    char path[128];
    snprintf(path, sizeof path, "/v2/%s", endpoint);
    struct kd_http_response res;
    memset(&res, 0, sizeof res);
    /* Bodies of createKey answers and verifyKey requests hold secrets: wipe both. */
    int rc = kd_http_post(u->http, path, text, strlen(text), idempotent, &res, err);
    kd_secret_free(text);
    if (rc < 0)
        return -1;
    rc = kd_wire_parse_response(endpoint, res.status, res.body, res.len, root, data, page, err);
    kd_http_response_free(&res);
    return rc;
}

int unkey_call_void(struct unkey_backend *u, const char *endpoint, json_t *body,
                    struct kd_error *err)
{
    json_t *root, *data;
    int rc = unkey_call(u, endpoint, body, false, &root, &data, NULL, err);
    json_decref(root);
    return rc;
}

bool unkey_filter_match(const char *filter, const char *text)
{
    if (!filter || !*filter)
        return true;
    if (!text)
        return false;
    size_t n = strlen(filter);
    for (const char *p = text; *p; p++)
        if (strncasecmp(p, filter, n) == 0)
            return true;
    return false;
}

/* ---- key spaces ----------------------------------------------------------------- */

static int unkey_api_get(struct kd_backend *b, const char *api_id, struct kd_api *out,
                         struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "apis.getApi", kd_wire_api_id_req(api_id), true, &root, &data,
                   NULL, err) < 0)
        return -1;
    int rc = kd_wire_api_res_decode(data, "data", out, err);
    json_decref(root);
    if (rc == 0)
        out->key_count = -1; /* v2 does not count */
    return rc;
}

/* The profile's API ids, one getApi each; the cursor is the index to go on from. */
static int list_profile_apis(struct kd_backend *b, const struct kd_list_query *q,
                             struct kd_api_page *out, struct kd_error *err)
{
    struct unkey_backend *u = unkey_of(b);
    size_t from = q->cursor ? strtoul(q->cursor, NULL, 10) : 0;
    size_t limit = (size_t)kd_page_limit(q);
    out->items = kd_xcalloc(limit ? limit : 1, sizeof *out->items);
    size_t i = from;
    for (; i < u->apis.len && out->len < limit; i++) {
        struct kd_api api;
        if (unkey_api_get(b, u->apis.items[i], &api, err) < 0) {
            char why[sizeof err->message];
            snprintf(why, sizeof why, "%s", err->message);
            kd_error_set(err, err->code, "apis", "API %s (from the profile's apis): %s",
                         u->apis.items[i], why);
            kd_api_page_free(out);
            return -1;
        }
        if (unkey_filter_match(q->filter, api.name) || unkey_filter_match(q->filter, api.id))
            out->items[out->len++] = api;
        else
            kd_api_free(&api);
    }
    out->next_cursor = i < u->apis.len ? kd_xasprintf("%zu", i) : NULL;
    out->total = q->filter && *q->filter ? -1 : (int64_t)u->apis.len;
    return 0;
}

static int unkey_api_list(struct kd_backend *b, const struct kd_list_query *q,
                          struct kd_api_page *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    out->total = -1;
    struct unkey_backend *u = unkey_of(b);
    if (u->apis.len > 0 || strcmp(u->kind, "keydeckd") != 0) {
        if (u->apis.len == 0)
            return kd_error_set(err, KD_ERR_UNSUPPORTED, "apis",
                                "Unkey's v2 API cannot list APIs: name them in the profile "
                                "(apis = api_…, api_…; see keydeck.conf(5))");
        return list_profile_apis(b, q, out, err);
    }
    struct kd_wire_page page = {0};
    json_t *root, *data;
    if (unkey_call(u, "apis.listApis", kd_wire_list_apis_req(q), true, &root, &data, &page,
                   err) < 0)
        return -1;
    int rc = kd_wire_list_apis_res_decode(data, out, err);
    json_decref(root);
    if (rc == 0) {
        out->next_cursor = page.has_more && page.cursor ? kd_xstrdup(page.cursor) : NULL;
        out->total = -1;
    }
    kd_wire_page_free(&page);
    return rc;
}

static int unkey_api_create(struct kd_backend *b, const struct kd_api *spec, struct kd_api *out,
                            struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    if (kd_validate_api_name(spec->name, err) < 0)
        return -1;
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "apis.createApi", kd_wire_create_api_req(spec, err), false,
                   &root, &data, NULL, err) < 0)
        return -1;
    char *id = NULL;
    int rc = kd_wire_create_api_res_decode(data, &id, err);
    json_decref(root);
    if (rc < 0)
        return -1;
    /* The answer holds only the id; the rest is what was asked for. */
    out->id = id;
    out->name = kd_xstrdup(spec->name);
    out->key_count = 0;
    return 0;
}

static int unkey_api_delete(struct kd_backend *b, const char *api_id, struct kd_error *err)
{
    return unkey_call_void(unkey_of(b), "apis.deleteApi", kd_wire_api_id_req(api_id), err);
}

/* ---- permissions ------------------------------------------------------------------- */

static int unkey_permission_get(struct kd_backend *b, const char *id_or_slug,
                                struct kd_permission *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "permissions.getPermission",
                   kd_wire_name_req("permission", id_or_slug), true, &root, &data, NULL, err) < 0)
        return -1;
    int rc = kd_wire_permission_res_decode(data, "data", out, err);
    json_decref(root);
    if (rc == 0)
        out->key_count = out->role_count = -1;
    return rc;
}

static int unkey_permission_list(struct kd_backend *b, const struct kd_list_query *q,
                                 struct kd_permission_page *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    struct kd_wire_page page = {0};
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "permissions.listPermissions", kd_wire_list_rbac_req(q), true,
                   &root, &data, &page, err) < 0)
        return -1;
    int rc = kd_wire_list_permissions_res_decode(data, out, err);
    json_decref(root);
    if (rc == 0) {
        out->next_cursor = page.has_more && page.cursor ? kd_xstrdup(page.cursor) : NULL;
        out->total = -1;
        for (size_t i = 0; i < out->len; i++)
            out->items[i].key_count = out->items[i].role_count = -1;
    }
    kd_wire_page_free(&page);
    return rc;
}

static int unkey_permission_create(struct kd_backend *b, const struct kd_permission *spec,
                                   struct kd_permission *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    if (kd_validate_slug(spec->slug, err) < 0 ||
        (spec->name && kd_validate_key_name(spec->name, err) < 0) ||
        kd_validate_description(spec->description, err) < 0)
        return -1;
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "permissions.createPermission",
                   kd_wire_create_permission_req(spec), false, &root, &data, NULL, err) < 0)
        return -1;
    char *id = NULL;
    int rc = kd_wire_id_res_decode(data, "permissionId", &id, err);
    json_decref(root);
    if (rc < 0)
        return -1;
    rc = unkey_permission_get(b, id, out, err);
    free(id);
    return rc;
}

static int unkey_permission_delete(struct kd_backend *b, const char *id_or_slug,
                                   struct kd_error *err)
{
    return unkey_call_void(unkey_of(b), "permissions.deletePermission",
                           kd_wire_name_req("permission", id_or_slug), err);
}

/* ---- roles ---------------------------------------------------------------------------- */

static int unkey_role_get(struct kd_backend *b, const char *id_or_name, struct kd_role *out,
                          struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "permissions.getRole", kd_wire_name_req("role", id_or_name),
                   true, &root, &data, NULL, err) < 0)
        return -1;
    int rc = kd_wire_role_res_decode(data, "data", out, err);
    json_decref(root);
    if (rc == 0)
        out->key_count = -1;
    return rc;
}

static int unkey_role_list(struct kd_backend *b, const struct kd_list_query *q,
                           struct kd_role_page *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    struct kd_wire_page page = {0};
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "permissions.listRoles", kd_wire_list_rbac_req(q), true, &root,
                   &data, &page, err) < 0)
        return -1;
    int rc = kd_wire_list_roles_res_decode(data, out, err);
    json_decref(root);
    if (rc == 0) {
        out->next_cursor = page.has_more && page.cursor ? kd_xstrdup(page.cursor) : NULL;
        out->total = -1;
        for (size_t i = 0; i < out->len; i++)
            out->items[i].key_count = -1;
    }
    kd_wire_page_free(&page);
    return rc;
}

static int unkey_role_create(struct kd_backend *b, const struct kd_role *spec,
                             struct kd_role *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    if (kd_validate_role_name(spec->name, err) < 0 ||
        kd_validate_description(spec->description, err) < 0)
        return -1;
    for (size_t i = 0; i < spec->permissions.len; i++)
        if (kd_validate_slug(spec->permissions.items[i], err) < 0)
            return -1;
    json_t *root, *data;
    if (unkey_call(unkey_of(b), "permissions.createRole", kd_wire_create_role_req(spec), false,
                   &root, &data, NULL, err) < 0)
        return -1;
    char *id = NULL;
    int rc = kd_wire_id_res_decode(data, "roleId", &id, err);
    json_decref(root);
    if (rc < 0)
        return -1;
    rc = unkey_role_get(b, id, out, err);
    free(id);
    return rc;
}

static int unkey_role_delete(struct kd_backend *b, const char *id_or_name, struct kd_error *err)
{
    return unkey_call_void(unkey_of(b), "permissions.deleteRole",
                           kd_wire_name_req("role", id_or_name), err);
}

/* v2 only replaces a role's permissions: add and remove start from the current set. */
static int unkey_role_set_permissions(struct kd_backend *b, const char *id_or_name,
                                      enum kd_set_op op, const struct kd_strlist *slugs,
                                      struct kd_error *err)
{
    struct kd_strlist want = KD_STRLIST_INIT;
    if (op != KD_SET_REPLACE) {
        struct kd_role role;
        if (unkey_role_get(b, id_or_name, &role, err) < 0)
            return -1;
        kd_strlist_copy(&want, &role.permissions);
        kd_role_free(&role);
    }
    for (size_t i = 0; i < slugs->len; i++) {
        if (op == KD_SET_REMOVE)
            kd_strlist_remove(&want, slugs->items[i]);
        else
            kd_strlist_add_unique(&want, slugs->items[i]);
    }
    int rc = unkey_call_void(unkey_of(b), "permissions.setRolePermissions",
                             kd_wire_set_role_permissions_req(id_or_name, &want), err);
    kd_strlist_clear(&want);
    return rc;
}

/* ---- lifecycle --------------------------------------------------------------------------- */

static unsigned unkey_capabilities(struct kd_backend *b)
{
    /* api_list works from the profile's list or the server's listApis. */
    return KD_CAP_LIST_APIS | KD_CAP_REVEAL;
}

static const char *unkey_describe(struct kd_backend *b)
{
    return unkey_of(b)->description;
}

static void unkey_set_cancel(struct kd_backend *b, kd_backend_cancel_fn fn, void *ctx)
{
    kd_http_set_cancel(unkey_of(b)->http, fn, ctx);
}

static void unkey_close(struct kd_backend *b)
{
    struct unkey_backend *u = unkey_of(b);
    kd_http_free(u->http);
    free(u->kind);
    free(u->description);
    kd_strlist_clear(&u->apis);
    free(u);
    free(b);
}

static const struct kd_backend_ops unkey_ops = {
    .kind = "unkey",
    .capabilities = unkey_capabilities,
    .describe = unkey_describe,
    .close = unkey_close,
    .set_cancel = unkey_set_cancel,
    .api_list = unkey_api_list,
    .api_get = unkey_api_get,
    .api_create = unkey_api_create,
    .api_delete = unkey_api_delete,
    .role_list = unkey_role_list,
    .role_get = unkey_role_get,
    .role_create = unkey_role_create,
    .role_delete = unkey_role_delete,
    .role_set_permissions = unkey_role_set_permissions,
    .permission_list = unkey_permission_list,
    .permission_get = unkey_permission_get,
    .permission_create = unkey_permission_create,
    .permission_delete = unkey_permission_delete,
#define UNKEY_OP(name) .name = unkey_##name,
    UNKEY_KEY_OPS(UNKEY_OP)
#undef UNKEY_OP
};

struct kd_backend *kd_backend_unkey_open(const struct kd_remote_options *opt,
                                         struct kd_error *err)
{
    const char *kind = opt->kind ? opt->kind : "unkey";
    if (strcmp(kind, "unkey") != 0 && strcmp(kind, "keydeckd") != 0) {
        kd_error_set(err, KD_ERR_INVALID, "backend", "unknown remote backend '%s'", kind);
        return NULL;
    }
    if (!opt->url || !*opt->url) {
        kd_error_set(err, KD_ERR_INVALID, "url", "the %s backend needs a url", kind);
        return NULL;
    }
    if (!opt->root_key || !*opt->root_key) {
        kd_error_set(err, KD_ERR_INVALID, "root-key",
                     "the %s backend needs a root key: set UNKEY_ROOT_KEY, or root-key-file "
                     "in the profile",
                     kind);
        return NULL;
    }
    struct kd_http_options http = {
        .base_url = opt->url,
        .bearer = opt->root_key,
        .ca_file = opt->ca_file,
        .connect_timeout_ms = opt->connect_timeout_ms,
        .timeout_ms = opt->timeout_ms,
        .retries = -1,
    };
    struct kd_http *h = kd_http_new(&http, err);
    if (!h)
        return NULL;
    struct unkey_backend *u = kd_xcalloc(1, sizeof *u);
    u->http = h;
    u->kind = kd_xstrdup(kind);
    u->description = kd_xasprintf("%s %s", kind, kd_http_base_url(h));
    if (opt->apis)
        kd_strlist_copy(&u->apis, opt->apis);
    struct kd_backend *b = kd_xcalloc(1, sizeof *b);
    b->ops = &unkey_ops;
    b->impl = u;
    return b;
}
