/*
 * rbac.c — roles and permissions: list, get, create, delete, and a role's
 * permission set.  Deleting either cascades (foreign keys) to the keys and
 * roles that held it.
 */
#include "core/engine.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_log.h"
#include "core/keygen.h"
#include "core/paging.h"
#include "model/validate.h"
#include "util/clock.h"
#include "util/xalloc.h"

/* ---- shared ---- */



static char *col_dup(sqlite3_stmt *st, int i)
{
    return kd_xstrdup((const char *)sqlite3_column_text(st, i));
}

static json_t *json_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *strlist_json(const struct kd_strlist *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->len; i++)
        json_array_append_new(a, json_string(l->items[i]));
    return a;
}

/* Run a statement that must finish without rows. */
static int step_done(struct kd_store *s, sqlite3_stmt *st, struct kd_error *err,
                     const char *what)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, what);
}

/* A single text value from a one-parameter query; 1 found, 0 not, -1 error. */
static int lookup_text(struct kd_store *s, const char *sql, const char *arg, char **out,
                       struct kd_error *err, const char *what)
{
    if (out)
        *out = NULL;
    sqlite3_stmt *st = kd_store_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && out)
        *out = col_dup(st, 0);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 1;
    if (rc == SQLITE_DONE)
        return 0;
    return kd_store_fail(s, err, what);
}

/*
 * Check slugs and map them to permission ids (in the same order, duplicates
 * dropped).  The first unknown slug is NOT_FOUND; nothing is written.
 */
static int resolve_slugs(struct kd_store *s, const struct kd_strlist *slugs,
                         struct kd_strlist *unique, struct kd_strlist *ids,
                         struct kd_error *err)
{
    if (!slugs)
        return 0;
    if (slugs->len > KD_PERMISSIONS_MAX)
        return kd_error_set(err, KD_ERR_INVALID, "permissions",
                            "too many permissions (%zu): at most %d", slugs->len,
                            KD_PERMISSIONS_MAX);
    for (size_t i = 0; i < slugs->len; i++) {
        const char *slug = slugs->items[i];
        if (kd_validate_slug(slug, err) < 0) {
            if (err)
                snprintf(err->field, sizeof err->field, "permissions[%zu]", i);
            return -1;
        }
        if (kd_strlist_contains(unique, slug))
            continue;
        char *id = NULL;
        int found = lookup_text(s, "SELECT id FROM permissions WHERE slug = ?1", slug, &id, err,
                                "looking up a permission");
        if (found < 0)
            return -1;
        if (!found)
            return kd_error_set(err, KD_ERR_NOT_FOUND, "permissions",
                                "permission \"%s\" not found", slug);
        kd_strlist_push(unique, slug);
        kd_strlist_push(ids, id);
        free(id);
    }
    return 0;
}

/* ---- permissions ---- */

/* key_count: distinct live keys holding it directly or through a role. */
#define PERM_COLUMNS                                                                       \
    "SELECT p.id, p.slug, p.name, p.description, p.created_at, "                           \
    "(SELECT count(*) FROM keys k WHERE k.deleted_at IS NULL AND k.rid IN ("              \
    "SELECT kp.key_rid FROM key_permissions kp WHERE kp.perm_id = p.id UNION "            \
    "SELECT kr.key_rid FROM role_permissions rp JOIN key_roles kr ON kr.role_id = rp.role_id " \
    "WHERE rp.perm_id = p.id)), "                                                          \
    "(SELECT count(*) FROM role_permissions rp WHERE rp.perm_id = p.id) "                  \
    "FROM permissions p WHERE 1"

#define PERM_FILTER                                                      \
    " AND (instr(lower(p.slug), lower(:filter)) > 0"                     \
    " OR instr(lower(p.name), lower(:filter)) > 0"                       \
    " OR instr(lower(coalesce(p.description, '')), lower(:filter)) > 0"  \
    " OR substr(p.id, 1, length(:filter)) = :filter)"

static void read_perm(sqlite3_stmt *st, struct kd_permission *p)
{
    memset(p, 0, sizeof *p);
    p->id = col_dup(st, 0);
    p->slug = col_dup(st, 1);
    p->name = col_dup(st, 2);
    p->description = col_dup(st, 3);
    p->created_at = sqlite3_column_int64(st, 4);
    p->key_count = sqlite3_column_int64(st, 5);
    p->role_count = sqlite3_column_int64(st, 6);
}


static void read_perm_row(sqlite3_stmt *st, void *item)
{
    read_perm(st, item);
}

int kd_engine_permission_list(struct kd_store *s, const struct kd_list_query *q,
                       struct kd_permission_page *out, struct kd_error *err)
{
    static const struct kd_id_paging paging = {
        .select = PERM_COLUMNS,
        .filter = PERM_FILTER,
        .count = "SELECT count(*) FROM permissions p WHERE 1",
        .id_column = "p.id",
        .item_size = sizeof(struct kd_permission),
        .read_row = read_perm_row,
        .what = "listing permissions",
    };
    memset(out, 0, sizeof *out);
    out->total = -1;
    if (kd_page_by_id(s, &paging, q, (void **)&out->items, &out->len, &out->next_cursor,
                      &out->total, err) < 0) {
        kd_permission_page_free(out);
        return -1;
    }
    return 0;
}

int kd_engine_permission_get(struct kd_store *s, const char *id_or_slug,
                             struct kd_permission *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    if (!id_or_slug || !*id_or_slug)
        return kd_error_set(err, KD_ERR_INVALID, "permission",
                            "a permission id or slug is required");
    sqlite3_stmt *st = kd_store_stmt(
        s, PERM_COLUMNS " AND (p.id = ?1 OR p.slug = ?1) ORDER BY p.id = ?1 DESC LIMIT 1",
        err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id_or_slug, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_perm(st, out);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return kd_error_set(err, KD_ERR_NOT_FOUND, "permission", "permission %s not found",
                            id_or_slug);
    return kd_store_fail(s, err, "reading the permission");
}

static int validate_perm_spec(const struct kd_permission *spec, struct kd_error *err)
{
    if (!spec)
        return kd_error_set(err, KD_ERR_INVALID, NULL, "a permission spec is required");
    if (kd_validate_slug(spec->slug, err) < 0)
        return -1;
    if (spec->name) {
        if (!*spec->name)
            return kd_error_set(err, KD_ERR_INVALID, "name",
                                "name may not be empty (leave it out to use the slug)");
        if (kd_validate_key_name(spec->name, err) < 0)
            return -1;
    }
    return kd_validate_description(spec->description, err);
}

static int insert_perm(struct kd_store *s, const struct kd_permission *p, struct kd_error *err)
{
    int dup = lookup_text(s, "SELECT id FROM permissions WHERE slug = ?1", p->slug, NULL, err,
                          "looking up a permission");
    if (dup < 0)
        return -1;
    if (dup)
        return kd_error_set(err, KD_ERR_CONFLICT, "slug", "permission \"%s\" already exists",
                            p->slug);
    sqlite3_stmt *st = kd_store_stmt(s,
                                     "INSERT INTO permissions(id, slug, name, description, "
                                     "created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                                     err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, p->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p->slug, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, p->name, -1, SQLITE_STATIC);
    if (p->description)
        sqlite3_bind_text(st, 4, p->description, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, p->created_at);
    if (step_done(s, st, err, "saving the permission") < 0)
        return -1;
    json_t *o = json_object();
    json_object_set_new(o, "slug", json_string(p->slug));
    json_object_set_new(o, "name", json_string(p->name));
    json_object_set_new(o, "description", json_str_or_null(p->description));
    return kd_audit_append_json(s, "permission.create", p->id, o, err);
}

int kd_engine_permission_create(struct kd_store *s, const struct kd_permission *spec,
                                struct kd_permission *out, struct kd_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (validate_perm_spec(spec, err) < 0)
        return -1;
    struct kd_permission p = {0};
    p.created_at = kd_now_ms();
    p.id = kd_id_new("perm", p.created_at);
    p.slug = kd_xstrdup(spec->slug);
    p.name = kd_xstrdup(spec->name ? spec->name : spec->slug);
    p.description = kd_xstrdup(spec->description);
    int rc = kd_store_begin(s, err);
    if (rc == 0 && (rc = insert_perm(s, &p, err)) < 0)
        kd_store_rollback(s);
    if (rc == 0)
        rc = kd_store_commit(s, err);
    if (rc == 0 && out)
        *out = p;
    else
        kd_permission_free(&p);
    return rc;
}

int kd_engine_permission_delete(struct kd_store *s, const char *id_or_slug,
                                struct kd_error *err)
{
    if (!id_or_slug || !*id_or_slug)
        return kd_error_set(err, KD_ERR_INVALID, "permission",
                            "a permission id or slug is required");
    if (kd_store_begin(s, err) < 0)
        return -1;
    char *id = NULL, *slug = NULL;
    sqlite3_stmt *st = kd_store_stmt(s,
                                     "SELECT id, slug FROM permissions WHERE id = ?1 OR "
                                     "slug = ?1 ORDER BY id = ?1 DESC LIMIT 1",
                                     err);
    if (!st)
        goto fail;
    sqlite3_bind_text(st, 1, id_or_slug, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        id = col_dup(st, 0);
        slug = col_dup(st, 1);
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        kd_error_set(err, KD_ERR_NOT_FOUND, "permission", "permission %s not found",
                     id_or_slug);
    else if (rc != SQLITE_ROW)
        kd_store_fail(s, err, "reading the permission");
    if (rc != SQLITE_ROW)
        goto fail;
    if (!(st = kd_store_stmt(s, "DELETE FROM permissions WHERE id = ?1", err)))
        goto fail;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (step_done(s, st, err, "deleting the permission") < 0 ||
        kd_audit_append_json(s, "permission.delete", id, json_pack("{s:s}", "slug", slug),
                             err) < 0)
        goto fail;
    free(id);
    free(slug);
    return kd_store_commit(s, err);
fail:
    free(id);
    free(slug);
    kd_store_rollback(s);
    return -1;
}

/* ---- roles ---- */

#define ROLE_COLUMNS                                                                 \
    "SELECT r.id, r.name, r.description, r.created_at, "                             \
    "(SELECT count(*) FROM key_roles kr JOIN keys k ON k.rid = kr.key_rid "          \
    "WHERE kr.role_id = r.id AND k.deleted_at IS NULL) "                             \
    "FROM roles r WHERE 1"

#define ROLE_FILTER                                                      \
    " AND (instr(lower(r.name), lower(:filter)) > 0"                     \
    " OR instr(lower(coalesce(r.description, '')), lower(:filter)) > 0"  \
    " OR substr(r.id, 1, length(:filter)) = :filter)"

static int role_slugs(struct kd_store *s, const char *role_id, struct kd_strlist *out,
                      struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(s,
                                     "SELECT p.slug FROM role_permissions rp JOIN permissions p "
                                     "ON p.id = rp.perm_id WHERE rp.role_id = ?1 ORDER BY p.slug",
                                     err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, role_id, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        kd_strlist_push(out, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, "reading a role's permissions");
}

static void read_role(sqlite3_stmt *st, struct kd_role *r)
{
    memset(r, 0, sizeof *r);
    r->id = col_dup(st, 0);
    r->name = col_dup(st, 1);
    r->description = col_dup(st, 2);
    r->created_at = sqlite3_column_int64(st, 3);
    r->key_count = sqlite3_column_int64(st, 4);
}

static void read_role_row(sqlite3_stmt *st, void *item)
{
    read_role(st, item);
}

int kd_engine_role_list(struct kd_store *s, const struct kd_list_query *q,
                       struct kd_role_page *out, struct kd_error *err)
{
    static const struct kd_id_paging paging = {
        .select = ROLE_COLUMNS,
        .filter = ROLE_FILTER,
        .count = "SELECT count(*) FROM roles r WHERE 1",
        .id_column = "r.id",
        .item_size = sizeof(struct kd_role),
        .read_row = read_role_row,
        .what = "listing roles",
    };
    memset(out, 0, sizeof *out);
    out->total = -1;
    if (kd_page_by_id(s, &paging, q, (void **)&out->items, &out->len, &out->next_cursor,
                      &out->total, err) < 0) {
        kd_role_page_free(out);
        return -1;
    }
    for (size_t i = 0; i < out->len; i++)
        if (role_slugs(s, out->items[i].id, &out->items[i].permissions, err) < 0) {
            kd_role_page_free(out);
            return -1;
        }
    return 0;
}

/* Find a role by id (preferred) or name; 1 found, 0 not, -1 error. */
static int find_role(struct kd_store *s, const char *id_or_name, struct kd_role *out,
                     struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(
        s, ROLE_COLUMNS " AND (r.id = ?1 OR r.name = ?1) ORDER BY r.id = ?1 DESC LIMIT 1",
        err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, id_or_name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_role(st, out);
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW)
        return kd_store_fail(s, err, "reading the role");
    if (role_slugs(s, out->id, &out->permissions, err) < 0) {
        kd_role_free(out);
        return -1;
    }
    return 1;
}

static int role_not_found(struct kd_error *err, const char *id_or_name)
{
    return kd_error_set(err, KD_ERR_NOT_FOUND, "role", "role %s not found", id_or_name);
}

int kd_engine_role_get(struct kd_store *s, const char *id_or_name, struct kd_role *out,
                       struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    if (!id_or_name || !*id_or_name)
        return kd_error_set(err, KD_ERR_INVALID, "role", "a role id or name is required");
    int found = find_role(s, id_or_name, out, err);
    if (found < 0)
        return -1;
    return found ? 0 : role_not_found(err, id_or_name);
}

static int link_perms(struct kd_store *s, const char *role_id, const struct kd_strlist *ids,
                      struct kd_error *err)
{
    for (size_t i = 0; i < ids->len; i++) {
        sqlite3_stmt *st = kd_store_stmt(
            s, "INSERT OR IGNORE INTO role_permissions(role_id, perm_id) VALUES (?1, ?2)", err);
        if (!st)
            return -1;
        sqlite3_bind_text(st, 1, role_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, ids->items[i], -1, SQLITE_STATIC);
        if (step_done(s, st, err, "granting a permission to the role") < 0)
            return -1;
    }
    return 0;
}

static int insert_role(struct kd_store *s, const struct kd_role *spec, struct kd_role *r,
                       struct kd_error *err)
{
    int dup = lookup_text(s, "SELECT id FROM roles WHERE name = ?1", r->name, NULL, err,
                          "looking up a role");
    if (dup < 0)
        return -1;
    if (dup)
        return kd_error_set(err, KD_ERR_CONFLICT, "name", "role \"%s\" already exists",
                            r->name);
    struct kd_strlist ids = KD_STRLIST_INIT;
    int ret = -1;
    if (resolve_slugs(s, &spec->permissions, &r->permissions, &ids, err) < 0)
        goto done;
    sqlite3_stmt *st = kd_store_stmt(
        s, "INSERT INTO roles(id, name, description, created_at) VALUES (?1, ?2, ?3, ?4)", err);
    if (!st)
        goto done;
    sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, r->name, -1, SQLITE_STATIC);
    if (r->description)
        sqlite3_bind_text(st, 3, r->description, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, r->created_at);
    if (step_done(s, st, err, "saving the role") < 0 || link_perms(s, r->id, &ids, err) < 0)
        goto done;
    kd_strlist_sort(&r->permissions);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(r->name));
    json_object_set_new(o, "description", json_str_or_null(r->description));
    json_object_set_new(o, "permissions", strlist_json(&r->permissions));
    ret = kd_audit_append_json(s, "role.create", r->id, o, err);
done:
    kd_strlist_clear(&ids);
    return ret;
}

int kd_engine_role_create(struct kd_store *s, const struct kd_role *spec, struct kd_role *out,
                          struct kd_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!spec)
        return kd_error_set(err, KD_ERR_INVALID, NULL, "a role spec is required");
    if (kd_validate_role_name(spec->name, err) < 0 ||
        kd_validate_description(spec->description, err) < 0)
        return -1;
    struct kd_role r = {0};
    r.created_at = kd_now_ms();
    r.id = kd_id_new("role", r.created_at);
    r.name = kd_xstrdup(spec->name);
    r.description = kd_xstrdup(spec->description);
    int rc = kd_store_begin(s, err);
    if (rc == 0 && (rc = insert_role(s, spec, &r, err)) < 0)
        kd_store_rollback(s);
    if (rc == 0)
        rc = kd_store_commit(s, err);
    if (rc == 0 && out)
        *out = r;
    else
        kd_role_free(&r);
    return rc;
}

int kd_engine_role_delete(struct kd_store *s, const char *id_or_name, struct kd_error *err)
{
    if (!id_or_name || !*id_or_name)
        return kd_error_set(err, KD_ERR_INVALID, "role", "a role id or name is required");
    if (kd_store_begin(s, err) < 0)
        return -1;
    struct kd_role r = {0};
    int found = find_role(s, id_or_name, &r, err);
    if (found == 0)
        role_not_found(err, id_or_name);
    if (found <= 0)
        goto fail;
    sqlite3_stmt *st = kd_store_stmt(s, "DELETE FROM roles WHERE id = ?1", err);
    if (!st)
        goto fail;
    sqlite3_bind_text(st, 1, r.id, -1, SQLITE_STATIC);
    if (step_done(s, st, err, "deleting the role") < 0 ||
        kd_audit_append_json(s, "role.delete", r.id, json_pack("{s:s}", "name", r.name), err) <
            0)
        goto fail;
    kd_role_free(&r);
    return kd_store_commit(s, err);
fail:
    kd_role_free(&r);
    kd_store_rollback(s);
    return -1;
}

static const char *op_name(enum kd_engine_set_op op)
{
    switch (op) {
    case KD_ENGINE_SET_ADD:
        return "add";
    case KD_ENGINE_SET_REMOVE:
        return "remove";
    case KD_ENGINE_SET_REPLACE:
        return "replace";
    }
    return NULL;
}

static int change_perms(struct kd_store *s, const struct kd_role *r, enum kd_engine_set_op op,
                        const struct kd_strlist *ids, struct kd_error *err)
{
    sqlite3_stmt *st;
    if (op == KD_ENGINE_SET_REPLACE) {
        if (!(st = kd_store_stmt(s, "DELETE FROM role_permissions WHERE role_id = ?1", err)))
            return -1;
        sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
        if (step_done(s, st, err, "replacing the role's permissions") < 0)
            return -1;
    }
    if (op != KD_ENGINE_SET_REMOVE)
        return link_perms(s, r->id, ids, err);
    for (size_t i = 0; i < ids->len; i++) {
        if (!(st = kd_store_stmt(
                  s, "DELETE FROM role_permissions WHERE role_id = ?1 AND perm_id = ?2", err)))
            return -1;
        sqlite3_bind_text(st, 1, r->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, ids->items[i], -1, SQLITE_STATIC);
        if (step_done(s, st, err, "removing a permission from the role") < 0)
            return -1;
    }
    return 0;
}

int kd_engine_role_set_permissions(struct kd_store *s, const char *id_or_name,
                                   enum kd_engine_set_op op, const struct kd_strlist *slugs,
                                   struct kd_error *err)
{
    const char *opname = op_name(op);
    if (!opname)
        return kd_error_set(err, KD_ERR_INVALID, "op", "unknown permission set operation %d",
                            (int)op);
    if (!id_or_name || !*id_or_name)
        return kd_error_set(err, KD_ERR_INVALID, "role", "a role id or name is required");
    static const struct kd_strlist empty = KD_STRLIST_INIT;
    if (!slugs)
        slugs = &empty;
    if (kd_store_begin(s, err) < 0)
        return -1;
    struct kd_role r = {0};
    struct kd_strlist unique = KD_STRLIST_INIT, ids = KD_STRLIST_INIT;
    int found = find_role(s, id_or_name, &r, err);
    if (found == 0)
        role_not_found(err, id_or_name);
    if (found <= 0 || resolve_slugs(s, slugs, &unique, &ids, err) < 0 ||
        change_perms(s, &r, op, &ids, err) < 0)
        goto fail;
    kd_strlist_clear(&r.permissions);
    if (role_slugs(s, r.id, &r.permissions, err) < 0)
        goto fail;
    json_t *o = json_object();
    json_object_set_new(o, "op", json_string(opname));
    json_object_set_new(o, "permissions", strlist_json(&r.permissions));
    if (kd_audit_append_json(s, "role.set_permissions", r.id, o, err) < 0)
        goto fail;
    kd_role_free(&r);
    kd_strlist_clear(&unique);
    kd_strlist_clear(&ids);
    return kd_store_commit(s, err);
fail:
    kd_role_free(&r);
    kd_strlist_clear(&unique);
    kd_strlist_clear(&ids);
    kd_store_rollback(s);
    return -1;
}
