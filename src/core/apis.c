/*
 * apis.c — key spaces: list, get, create, soft delete.
 */
#include "core/engine.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit_log.h"
#include "core/paging.h"
#include "core/keygen.h"
#include "model/validate.h"
#include "util/clock.h"
#include "util/xalloc.h"

#define API_COLUMNS                                                                  \
    "SELECT a.id, a.name, a.default_prefix, a.default_byte_length, a.created_at, "   \
    "a.live_keys " /* kept by triggers (schema_v3.sql) */                           \
    "FROM apis a WHERE a.deleted_at IS NULL"

static void read_api(sqlite3_stmt *st, struct kd_api *a)
{
    memset(a, 0, sizeof *a);
    a->id = kd_xstrdup((const char *)sqlite3_column_text(st, 0));
    a->name = kd_xstrdup((const char *)sqlite3_column_text(st, 1));
    a->default_prefix = kd_xstrdup((const char *)sqlite3_column_text(st, 2));
    a->default_byte_length = sqlite3_column_int(st, 3);
    a->created_at = sqlite3_column_int64(st, 4);
    a->key_count = sqlite3_column_int64(st, 5);
}


/* Names match anywhere, ignoring case; ids only from their start (a pasted id
 * still finds its API), because a short pattern would otherwise match random
 * letters inside ids. */
#define API_FILTER                                                    \
    " AND (instr(lower(a.name), lower(:filter)) > 0"                  \
    " OR substr(a.id, 1, length(:filter)) = :filter)"

static void read_api_row(sqlite3_stmt *st, void *item)
{
    read_api(st, item);
}

int kd_engine_api_list(struct kd_store *s, const struct kd_list_query *q,
                       struct kd_api_page *out, struct kd_error *err)
{
    static const struct kd_id_paging paging = {
        .select = API_COLUMNS,
        .filter = API_FILTER,
        .count = "SELECT count(*) FROM apis a WHERE a.deleted_at IS NULL",
        .id_column = "a.id",
        .item_size = sizeof(struct kd_api),
        .read_row = read_api_row,
        .what = "listing APIs",
    };
    memset(out, 0, sizeof *out);
    out->total = -1;
    if (kd_page_by_id(s, &paging, q, (void **)&out->items, &out->len, &out->next_cursor,
                      &out->total, err) < 0) {
        kd_api_page_free(out);
        return -1;
    }
    return 0;
}

int kd_engine_api_get(struct kd_store *s, const char *api_id, struct kd_api *out,
                      struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    if (!api_id || !*api_id)
        return kd_error_set(err, KD_ERR_INVALID, "apiId", "an API id is required");
    sqlite3_stmt *st = kd_store_stmt(s, API_COLUMNS " AND a.id = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        read_api(st, out);
    sqlite3_reset(st);
    if (rc == SQLITE_ROW)
        return 0;
    if (rc == SQLITE_DONE)
        return kd_error_set(err, KD_ERR_NOT_FOUND, "apiId", "API %s not found", api_id);
    return kd_store_fail(s, err, "reading the API");
}

static int insert_api(struct kd_store *s, const struct kd_api *a, struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(
        s,
        "INSERT INTO apis(id, name, default_prefix, default_byte_length, created_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5)",
        err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, a->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, a->name, -1, SQLITE_STATIC);
    if (a->default_prefix)
        sqlite3_bind_text(st, 3, a->default_prefix, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, a->default_byte_length);
    sqlite3_bind_int64(st, 5, a->created_at);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return kd_store_fail(s, err, "saving the API");

    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(a->name));
    json_object_set_new(o, "defaultPrefix",
                        a->default_prefix ? json_string(a->default_prefix) : json_null());
    json_object_set_new(o, "defaultByteLength", json_integer(a->default_byte_length));
    return kd_audit_append_json(s, "api.create", a->id, o, err);
}

int kd_engine_api_create(struct kd_store *s, const struct kd_api *spec, struct kd_api *out,
                         struct kd_error *err)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!spec)
        return kd_error_set(err, KD_ERR_INVALID, NULL, "an API spec is required");
    int bytes = spec->default_byte_length ? spec->default_byte_length : KD_BYTE_LENGTH_DEFAULT;
    if (kd_validate_api_name(spec->name, err) < 0 ||
        kd_validate_prefix(spec->default_prefix, err) < 0 ||
        kd_validate_byte_length(bytes, err) < 0)
        return -1;

    struct kd_api a = {0};
    a.created_at = kd_now_ms();
    a.id = kd_id_new("api", a.created_at);
    a.name = kd_xstrdup(spec->name);
    a.default_prefix =
        spec->default_prefix && *spec->default_prefix ? kd_xstrdup(spec->default_prefix) : NULL;
    a.default_byte_length = bytes;
    a.key_count = 0;

    if (kd_store_begin(s, err) < 0) {
        kd_api_free(&a);
        return -1;
    }
    if (insert_api(s, &a, err) < 0) {
        kd_store_rollback(s);
        kd_api_free(&a);
        return -1;
    }
    if (kd_store_commit(s, err) < 0) {
        kd_api_free(&a);
        return -1;
    }
    if (out)
        *out = a;
    else
        kd_api_free(&a);
    return 0;
}

int kd_engine_api_delete(struct kd_store *s, const char *api_id, struct kd_error *err)
{
    if (!api_id || !*api_id)
        return kd_error_set(err, KD_ERR_INVALID, "apiId", "an API id is required");
    if (kd_store_begin(s, err) < 0)
        return -1;
    sqlite3_stmt *st = kd_store_stmt(
        s, "UPDATE apis SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL", err);
    if (!st)
        goto fail;
    sqlite3_bind_text(st, 1, api_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, kd_now_ms());
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        kd_store_fail(s, err, "deleting the API");
        goto fail;
    }
    if (sqlite3_changes(s->db) == 0) {
        kd_error_set(err, KD_ERR_NOT_FOUND, "apiId", "API %s not found", api_id);
        goto fail;
    }
    if (kd_audit_append_json(s, "api.delete", api_id, json_object(), err) < 0)
        goto fail;
    return kd_store_commit(s, err);
fail:
    kd_store_rollback(s);
    return -1;
}
