/*
 * handlers_rbac.c — permissions.*: the roles and permissions end-user keys
 * hold.  They are keystore-wide, so root keys reach them with rbac.*.<action>.
 */
#include "server/server.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Permission objects for slugs, fetched one by one (a role holds few). */
static int fetch_permissions(struct kd_srv_request *r, const struct kd_strlist *slugs,
                             struct kd_permission **out, size_t *n, struct kd_error *err)
{
    *out = kd_xcalloc(slugs->len ? slugs->len : 1, sizeof **out);
    *n = 0;
    for (size_t i = 0; i < slugs->len; i++) {
        if (kd_backend_permission_get(r->b, slugs->items[i], &(*out)[*n], err) < 0)
            return -1;
        (*n)++;
    }
    return 0;
}

static void free_permissions(struct kd_permission *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        kd_permission_free(&p[i]);
    free(p);
}

json_t *kd_srv_permissions_json(struct kd_srv_request *r, const struct kd_strlist *slugs,
                                struct kd_error *err)
{
    struct kd_permission *perms;
    size_t n;
    json_t *j = NULL;
    if (fetch_permissions(r, slugs, &perms, &n, err) == 0)
        j = kd_wire_permissions_res(perms, n);
    free_permissions(perms, n);
    return j;
}

json_t *kd_srv_role_json(struct kd_srv_request *r, const struct kd_role *role,
                         struct kd_error *err)
{
    struct kd_permission *perms;
    size_t n;
    json_t *j = NULL;
    if (fetch_permissions(r, &role->permissions, &perms, &n, err) == 0)
        j = kd_wire_role_res(role, perms, n);
    free_permissions(perms, n);
    return j;
}

static bool allowed(struct kd_srv_request *r, const char *action)
{
    if (kd_srv_may(r, NULL, action))
        return true;
    kd_srv_failf(r, KD_ERR_FORBIDDEN, NULL, "the root key lacks the permission rbac.*.%s",
                 action ? action : r->route->action);
    return false;
}

/* ---- permissions ---- */

void kd_srv_perms_create(struct kd_srv_request *r)
{
    struct kd_error err;
    struct kd_permission spec = {0}, made = {0};
    if (kd_wire_create_permission_req_decode(r->body, &spec, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!allowed(r, NULL))
        ;
    else if (kd_backend_permission_create(r->b, &spec, &made, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, kd_wire_id_res("permissionId", made.id), NULL);
    kd_permission_free(&made);
    kd_permission_free(&spec);
}

void kd_srv_perms_get(struct kd_srv_request *r)
{
    struct kd_error err;
    char *which = NULL;
    struct kd_permission p = {0};
    if (kd_wire_name_req_decode(r->body, "permission", &which, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!allowed(r, NULL))
        ;
    else if (kd_backend_permission_get(r->b, which, &p, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, kd_wire_permission_res(&p), NULL);
    kd_permission_free(&p);
    free(which);
}

void kd_srv_perms_list(struct kd_srv_request *r)
{
    struct kd_error err;
    struct kd_list_query q = {0};
    struct kd_wire_strings strings = {{0}};
    struct kd_permission_page page = {0};
    if (kd_wire_list_rbac_req_decode(r->body, &q, &strings, &err) < 0) {
        kd_srv_fail(r, &err);
    } else if (!allowed(r, NULL)) {
        ;
    } else if (kd_backend_permission_list(r->b, &q, &page, &err) < 0) {
        kd_srv_fail(r, &err);
    } else {
        struct kd_wire_page wp = {.cursor = page.next_cursor, .has_more = page.next_cursor != NULL};
        kd_srv_ok(r, kd_wire_list_permissions_res(&page), &wp);
    }
    kd_permission_page_free(&page);
    kd_wire_strings_free(&strings);
}

void kd_srv_perms_delete(struct kd_srv_request *r)
{
    struct kd_error err;
    char *which = NULL;
    if (kd_wire_name_req_decode(r->body, "permission", &which, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!allowed(r, NULL))
        ;
    else if (kd_backend_permission_delete(r->b, which, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, json_object(), NULL);
    free(which);
}

/* ---- roles ---- */

void kd_srv_roles_create(struct kd_srv_request *r)
{
    struct kd_error err;
    struct kd_role spec = {0}, made = {0};
    if (kd_wire_create_role_req_decode(r->body, &spec, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!allowed(r, NULL))
        ;
    /* Granting permissions at birth is adding them to the role. */
    else if (spec.permissions.len > 0 && !allowed(r, "add_permission_to_role"))
        ;
    else if (kd_backend_role_create(r->b, &spec, &made, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, kd_wire_id_res("roleId", made.id), NULL);
    kd_role_free(&made);
    kd_role_free(&spec);
}

void kd_srv_roles_get(struct kd_srv_request *r)
{
    struct kd_error err;
    char *which = NULL;
    struct kd_role role = {0};
    json_t *data = NULL;
    if (kd_wire_name_req_decode(r->body, "role", &which, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!allowed(r, NULL))
        ;
    else if (kd_backend_role_get(r->b, which, &role, &err) < 0 ||
             !(data = kd_srv_role_json(r, &role, &err)))
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, data, NULL);
    kd_role_free(&role);
    free(which);
}

void kd_srv_roles_list(struct kd_srv_request *r)
{
    struct kd_error err;
    struct kd_list_query q = {0};
    struct kd_wire_strings strings = {{0}};
    struct kd_role_page page = {0};
    if (kd_wire_list_rbac_req_decode(r->body, &q, &strings, &err) < 0) {
        kd_srv_fail(r, &err);
    } else if (!allowed(r, NULL)) {
        ;
    } else if (kd_backend_role_list(r->b, &q, &page, &err) < 0) {
        kd_srv_fail(r, &err);
    } else {
        struct kd_permission **perms = kd_xcalloc(page.len ? page.len : 1, sizeof *perms);
        size_t *counts = kd_xcalloc(page.len ? page.len : 1, sizeof *counts);
        int rc = 0;
        size_t done = 0;
        for (; done < page.len && rc == 0; done++)
            rc = fetch_permissions(r, &page.items[done].permissions, &perms[done],
                                   &counts[done], &err);
        if (rc < 0) {
            kd_srv_fail(r, &err);
        } else {
            struct kd_wire_page wp = {.cursor = page.next_cursor,
                                      .has_more = page.next_cursor != NULL};
            kd_srv_ok(r,
                      kd_wire_list_roles_res(&page, (const struct kd_permission *const *)perms,
                                             counts),
                      &wp);
        }
        for (size_t i = 0; i < done; i++)
            free_permissions(perms[i], counts[i]);
        free(perms);
        free(counts);
    }
    kd_role_page_free(&page);
    kd_wire_strings_free(&strings);
}

void kd_srv_roles_delete(struct kd_srv_request *r)
{
    struct kd_error err;
    char *which = NULL;
    if (kd_wire_name_req_decode(r->body, "role", &which, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!allowed(r, NULL))
        ;
    else if (kd_backend_role_delete(r->b, which, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, json_object(), NULL);
    free(which);
}

/* A complete replacement both adds and removes, so it needs both actions. */
void kd_srv_roles_set_permissions(struct kd_srv_request *r)
{
    struct kd_error err;
    char *which = NULL;
    struct kd_strlist slugs = KD_STRLIST_INIT;
    struct kd_role role = {0};
    json_t *data = NULL;
    if (kd_wire_set_role_permissions_req_decode(r->body, &which, &slugs, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!allowed(r, NULL) || !allowed(r, "remove_permission_from_role"))
        ;
    else if (kd_backend_role_set_permissions(r->b, which, KD_SET_REPLACE, &slugs, &err) < 0 ||
             kd_backend_role_get(r->b, which, &role, &err) < 0 ||
             !(data = kd_srv_permissions_json(r, &role.permissions, &err)))
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, data, NULL);
    kd_role_free(&role);
    kd_strlist_clear(&slugs);
    free(which);
}
