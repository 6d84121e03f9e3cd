/*
 * unkey_rbac.c — permissions.*: create/get/delete/list permissions and roles,
 * and setRolePermissions.
 */
#include "wire/unkey.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"
#include "wire/json.h"

static const struct kd_jstr_rule slug_rule = {1, 128, KD_CS_SLUG};
static const struct kd_jstr_rule role_name_rule = {1, 128, KD_CS_ANY};
static const struct kd_jstr_rule description_rule = {0, 512, KD_CS_ANY};
#define LIST_LIMIT_MAX 100

/* ---- create ------------------------------------------------------------------------- */

json_t *kd_wire_create_permission_req(const struct kd_permission *spec)
{
    json_t *o = json_object();
    /* The display name defaults to the slug, as in the model. */
    kd_jset_str(o, "name", spec->name && *spec->name ? spec->name : spec->slug);
    kd_jset_str(o, "slug", spec->slug);
    if (spec->description && *spec->description)
        kd_jset_str(o, "description", spec->description);
    return o;
}

int kd_wire_create_permission_req_decode(const json_t *body, struct kd_permission *spec,
                                         struct kd_error *err)
{
    static const char *const allowed[] = {"name", "slug", "description", NULL};
    static const struct kd_jstr_rule name_rule = {1, 512, KD_CS_ANY};
    memset(spec, 0, sizeof *spec);
    spec->key_count = -1;
    spec->role_count = -1;
    struct kd_jobj o;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_strdup(&o, "name", true, &name_rule, &spec->name, NULL) < 0 ||
        kd_jget_strdup(&o, "slug", true, &slug_rule, &spec->slug, NULL) < 0 ||
        kd_jget_strdup(&o, "description", false, &description_rule, &spec->description, NULL) <
            0) {
        kd_permission_free(spec);
        return -1;
    }
    return 0;
}

json_t *kd_wire_create_role_req(const struct kd_role *spec)
{
    json_t *o = json_object();
    kd_jset_str(o, "name", spec->name);
    if (spec->description && *spec->description)
        kd_jset_str(o, "description", spec->description);
    if (spec->permissions.len)
        json_object_set_new(o, "permissions", kd_jstrlist(&spec->permissions));
    return o;
}

int kd_wire_create_role_req_decode(const json_t *body, struct kd_role *spec,
                                   struct kd_error *err)
{
    static const char *const allowed[] = {"name", "description", "permissions", NULL};
    memset(spec, 0, sizeof *spec);
    spec->key_count = -1;
    struct kd_jobj o;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_strdup(&o, "name", true, &role_name_rule, &spec->name, NULL) < 0 ||
        kd_jget_strdup(&o, "description", false, &description_rule, &spec->description, NULL) <
            0 ||
        kd_jget_strlist(&o, "permissions", false, 0, 0, &slug_rule, &spec->permissions) < 0) {
        kd_role_free(spec);
        return -1;
    }
    return 0;
}

json_t *kd_wire_id_res(const char *field, const char *id)
{
    json_t *o = json_object();
    kd_jset_str(o, field, id);
    return o;
}

int kd_wire_id_res_decode(const json_t *data, const char *field, char **id,
                          struct kd_error *err)
{
    *id = NULL;
    struct kd_jobj o;
    if (kd_jobj_open(&o, data, "data", KD_JRESPONSE, err) < 0 ||
        kd_jget_strdup(&o, field, true, NULL, id, NULL) < 0)
        return -1;
    return 0;
}

/* ---- one-string requests ------------------------------------------------------------- */

json_t *kd_wire_name_req(const char *field, const char *value)
{
    json_t *o = json_object();
    kd_jset_str(o, field, value);
    return o;
}

int kd_wire_name_req_decode(const json_t *body, const char *field, char **value,
                            struct kd_error *err)
{
    /* {permission}: a slug; {role}: a name or id; anything else: an id. */
    static const struct kd_jstr_rule other_rule = {1, 255, KD_CS_ANY};
    const struct kd_jstr_rule *rule = strcmp(field, "permission") == 0 ? &slug_rule
                                      : strcmp(field, "role") == 0     ? &role_name_rule
                                                                       : &other_rule;
    const char *const allowed[] = {field, NULL};
    *value = NULL;
    struct kd_jobj o;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_strdup(&o, field, true, rule, value, NULL) < 0)
        return -1;
    return 0;
}

/* ---- lists ---------------------------------------------------------------------------- */

json_t *kd_wire_list_rbac_req(const struct kd_list_query *q)
{
    json_t *o = json_object();
    if (!q)
        return o;
    if (q->limit) {
        int n = kd_page_limit(q);
        kd_jset_int(o, "limit", n > LIST_LIMIT_MAX ? LIST_LIMIT_MAX : n);
    }
    if (q->cursor && *q->cursor)
        kd_jset_str(o, "cursor", q->cursor);
    if (q->filter && *q->filter)
        kd_jset_str(o, "search", q->filter);
    return o;
}

int kd_wire_list_rbac_req_decode(const json_t *body, struct kd_list_query *q,
                                 struct kd_wire_strings *strings, struct kd_error *err)
{
    static const char *const allowed[] = {"limit", "cursor", "search", NULL};
    static const struct kd_jstr_rule cursor_rule = {0, 1024, KD_CS_ANY};
    static const struct kd_jstr_rule search_rule = {0, 256, KD_CS_ANY};
    memset(q, 0, sizeof *q);
    memset(strings, 0, sizeof *strings);
    struct kd_jobj o;
    int64_t limit = 0;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_int(&o, "limit", false, 1, LIST_LIMIT_MAX, &limit, NULL) < 0 ||
        kd_jget_strdup(&o, "cursor", false, &cursor_rule, &strings->s[0], NULL) < 0 ||
        kd_jget_strdup(&o, "search", false, &search_rule, &strings->s[1], NULL) < 0) {
        kd_wire_strings_free(strings);
        return -1;
    }
    q->limit = (int)limit;
    /* An empty cursor is the first page, an empty search no filter. */
    q->cursor = strings->s[0] && *strings->s[0] ? strings->s[0] : NULL;
    q->filter = strings->s[1] && *strings->s[1] ? strings->s[1] : NULL;
    return 0;
}

json_t *kd_wire_list_permissions_res(const struct kd_permission_page *page)
{
    return kd_wire_permissions_res(page->items, page->len);
}


static int decode_permission(const json_t *item, const char *path, void *out, void *ctx,
                             struct kd_error *err)
{
    (void)ctx;
    return kd_wire_permission_res_decode(item, path, out, err);
}

static void free_permission(void *p)
{
    kd_permission_free(p);
}

int kd_wire_list_permissions_res_decode(const json_t *data, struct kd_permission_page *out,
                                        struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    out->total = -1;
    return kd_jdecode_array(data, "data", sizeof *out->items, decode_permission, NULL,
                            free_permission, (void **)&out->items, &out->len, err);
}

json_t *kd_wire_list_roles_res(const struct kd_role_page *page,
                               const struct kd_permission *const *perms, const size_t *n_perms)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < page->len; i++)
        json_array_append_new(arr, kd_wire_role_res(&page->items[i], perms ? perms[i] : NULL,
                                                    perms && n_perms ? n_perms[i] : 0));
    return arr;
}

static int decode_role(const json_t *item, const char *path, void *out, void *ctx,
                       struct kd_error *err)
{
    (void)ctx;
    return kd_wire_role_res_decode(item, path, out, err);
}

static void free_role(void *r)
{
    kd_role_free(r);
}

int kd_wire_list_roles_res_decode(const json_t *data, struct kd_role_page *out,
                                  struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    out->total = -1;
    return kd_jdecode_array(data, "data", sizeof *out->items, decode_role, NULL, free_role,
                            (void **)&out->items, &out->len, err);
}

/* ---- permissions.setRolePermissions ------------------------------------------------------ */

json_t *kd_wire_set_role_permissions_req(const char *role, const struct kd_strlist *slugs)
{
    json_t *o = json_object();
    kd_jset_str(o, "roleId", role);
    json_object_set_new(o, "permissions", kd_jstrlist(slugs));
    return o;
}

int kd_wire_set_role_permissions_req_decode(const json_t *body, char **role,
                                            struct kd_strlist *slugs, struct kd_error *err)
{
    static const char *const allowed[] = {"roleId", "permissions", NULL};
    /* ResourceIdentifier: a role id or name. */
    static const struct kd_jstr_rule role_id_rule = {3, 255, KD_CS_RESOURCE_ID};
    *role = NULL;
    memset(slugs, 0, sizeof *slugs);
    struct kd_jobj o;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_strdup(&o, "roleId", true, &role_id_rule, role, NULL) < 0 ||
        kd_jget_strlist(&o, "permissions", true, 0, 0, &slug_rule, slugs) < 0) {
        free(*role);
        *role = NULL;
        kd_strlist_clear(slugs);
        return -1;
    }
    return 0;
}
