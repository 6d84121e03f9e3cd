/*
 * test_store.c — the keystore: opening, migrations, statement cache,
 * transactions, APIs, roles and permissions, the audit chain, change tokens.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/audit_log.h"
#include "core/engine.h"
#include "core/store.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/strlist.h"
#include "util/xalloc.h"

#include "test.h"

#define T_NOW 1735689600000LL /* 2025-01-01T00:00:00Z */

static char t_path[512];

static struct kd_store *t_open_at(const char *path, bool create, struct kd_error *err)
{
    struct kd_store_options opt;
    memset(&opt, 0, sizeof opt);
    opt.path = path;
    opt.create_if_missing = create;
    opt.actor = "tester";
    kd_error_clear(err);
    return kd_store_open(&opt, err);
}

/* A fresh keystore in a new temp dir, clock pinned. */
static struct kd_store *t_open(void)
{
    kd_clock_pin(T_NOW);
    snprintf(t_path, sizeof t_path, "%s/ks.db", kd_test_tmpdir());
    struct kd_error err;
    struct kd_store *s = t_open_at(t_path, true, &err);
    ck_assert_msg(s != NULL, "open %s: %s", t_path, err.message);
    return s;
}

static void t_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
    sqlite3_free(msg);
}

static int64_t t_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "no row: %s", sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static char *t_text(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    ck_assert_msg(sqlite3_step(st) == SQLITE_ROW, "no row: %s", sql);
    char *v = kd_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
}

static int mode_of(const char *path)
{
    struct stat sb;
    ck_assert_msg(stat(path, &sb) == 0, "stat %s", path);
    return (int)(sb.st_mode & 0777);
}

static void t_api(struct kd_store *s, const char *name, struct kd_api *out)
{
    struct kd_api spec = {0};
    spec.name = (char *)name;
    struct kd_error err;
    kd_error_clear(&err);
    ck_assert_msg(kd_engine_api_create(s, &spec, out, &err) == 0, "%s", err.message);
}

static void t_perm(struct kd_store *s, const char *slug)
{
    struct kd_permission spec = {0};
    spec.slug = (char *)slug;
    struct kd_error err;
    kd_error_clear(&err);
    ck_assert_msg(kd_engine_permission_create(s, &spec, NULL, &err) == 0, "%s", err.message);
}

/* Create role name holding the comma-separated slugs. */
static int t_role(struct kd_store *s, const char *name, const char *csv, struct kd_error *err)
{
    struct kd_role spec = {0};
    spec.name = (char *)name;
    kd_strlist_split(&spec.permissions, csv);
    kd_error_clear(err);
    int rc = kd_engine_role_create(s, &spec, NULL, err);
    kd_strlist_clear(&spec.permissions);
    return rc;
}

static char *t_role_perms(struct kd_store *s, const char *name)
{
    struct kd_role r;
    struct kd_error err;
    ck_assert_msg(kd_engine_role_get(s, name, &r, &err) == 0, "%s", err.message);
    char *joined = kd_strlist_join(&r.permissions, ",");
    kd_role_free(&r);
    return joined;
}

static int64_t audit_count(struct kd_store *s)
{
    return t_int(s->db, "SELECT count(*) FROM audit_log");
}

/* ---- opening ---- */

START_TEST(t_new_keystore)
{
    struct kd_store *s = t_open();
    ck_assert_int_eq(mode_of(t_path), 0600);
    char *mode = t_text(s->db, "PRAGMA journal_mode");
    ck_assert_str_eq(mode, "wal");
    free(mode);
    ck_assert_int_eq(t_int(s->db, "PRAGMA user_version"), KD_SCHEMA_VERSION);
    ck_assert_int_eq(t_int(s->db, "PRAGMA foreign_keys"), 1);
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", t_path);
    struct stat sb;
    if (stat(wal, &sb) == 0)
        ck_assert_int_eq(sb.st_mode & 0777, 0600);

    struct kd_error err;
    char *id = NULL, *created = NULL;
    ck_assert_int_eq(kd_store_meta_get(s, "keystore_id", &id, &err), 0);
    ck_assert_uint_eq(strlen(id), 32);
    ck_assert_int_eq(kd_store_meta_get(s, "created_at", &created, &err), 0);
    ck_assert_str_eq(created, "1735689600000");
    free(created);
    ck_assert_int_eq(kd_store_meta_get(s, "nonexistent", &created, &err), -1);
    ck_assert_ptr_null(created);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_str_eq(s->actor, "tester");
    ck_assert_ptr_nonnull(s->host);
    free(id);
    kd_store_close(s);
}
END_TEST

START_TEST(t_reopen_applies_nothing)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    char *id1 = NULL;
    ck_assert_int_eq(kd_store_meta_get(s, "keystore_id", &id1, &err), 0);
    t_api(s, "billing", NULL);
    kd_store_close(s);

    chmod(t_path, 0644); /* loosened by someone: fixed on open, since we own it */
    kd_clock_pin(T_NOW + 5000);
    s = t_open_at(t_path, false, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    ck_assert_int_eq(mode_of(t_path), 0600);
    ck_assert_int_eq(t_int(s->db, "PRAGMA user_version"), KD_SCHEMA_VERSION);
    char *id2 = NULL, *created = NULL;
    ck_assert_int_eq(kd_store_meta_get(s, "keystore_id", &id2, &err), 0);
    ck_assert_str_eq(id1, id2);
    ck_assert_int_eq(kd_store_meta_get(s, "created_at", &created, &err), 0);
    ck_assert_str_eq(created, "1735689600000");
    ck_assert_int_eq(t_int(s->db, "SELECT count(*) FROM apis"), 1);
    ck_assert_int_eq(t_int(s->db, "SELECT count(*) FROM meta"), 2);
    free(id1);
    free(id2);
    free(created);
    kd_store_close(s);
}
END_TEST

START_TEST(t_newer_version_refused)
{
    struct kd_store *s = t_open();
    t_exec(s->db, "PRAGMA user_version = 99");
    kd_store_close(s);
    struct kd_error err;
    s = t_open_at(t_path, true, &err);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, KD_ERR_VERSION);
    ck_assert_msg(strstr(err.message, "version 99"), "%s", err.message);
    char up_to[32];
    snprintf(up_to, sizeof up_to, "up to %d", KD_SCHEMA_VERSION);
    ck_assert_msg(strstr(err.message, up_to), "%s", err.message);
    ck_assert_msg(strstr(err.message, t_path), "%s", err.message);
}
END_TEST

START_TEST(t_garbage_is_corrupt)
{
    kd_clock_pin(T_NOW);
    snprintf(t_path, sizeof t_path, "%s/notes.txt", kd_test_tmpdir());
    FILE *f = fopen(t_path, "w");
    ck_assert_ptr_nonnull(f);
    for (int i = 0; i < 64; i++)
        fprintf(f, "%-63s\n", "this is a shopping list, not a keystore at all, sorry");
    fclose(f);
    chmod(t_path, 0644);
    struct kd_error err;
    struct kd_store *s = t_open_at(t_path, true, &err);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, KD_ERR_CORRUPT);
    ck_assert_msg(strstr(err.message, t_path), "%s", err.message);
    ck_assert_int_eq(mode_of(t_path), 0644); /* not ours: left alone */
}
END_TEST

START_TEST(t_foreign_sqlite_refused)
{
    kd_clock_pin(T_NOW);
    snprintf(t_path, sizeof t_path, "%s/other.db", kd_test_tmpdir());
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(t_path, &db), SQLITE_OK);
    t_exec(db, "CREATE TABLE recipes(name TEXT)");
    sqlite3_close(db);
    struct kd_error err;
    ck_assert_ptr_null(t_open_at(t_path, true, &err));
    ck_assert_int_eq(err.code, KD_ERR_CORRUPT);
    ck_assert_msg(strstr(err.message, "not a keydeck keystore"), "%s", err.message);
}
END_TEST

START_TEST(t_missing_not_created)
{
    snprintf(t_path, sizeof t_path, "%s/absent.db", kd_test_tmpdir());
    struct kd_error err;
    ck_assert_ptr_null(t_open_at(t_path, false, &err));
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_msg(strstr(err.message, t_path), "%s", err.message);
    struct stat sb;
    ck_assert_int_ne(stat(t_path, &sb), 0);
}
END_TEST

START_TEST(t_creates_parent_dirs)
{
    kd_clock_pin(T_NOW);
    snprintf(t_path, sizeof t_path, "%s/a/b/ks.db", kd_test_tmpdir());
    struct kd_error err;
    struct kd_store *s = t_open_at(t_path, true, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    ck_assert_int_eq(mode_of(t_path), 0600);
    kd_store_close(s);
}
END_TEST

/* ---- statements and transactions ---- */

START_TEST(t_stmt_cache)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    static const char sql[] = "SELECT ?1";
    sqlite3_stmt *a = kd_store_stmt(s, sql, &err);
    ck_assert_ptr_nonnull(a);
    sqlite3_bind_int(a, 1, 42);
    ck_assert_int_eq(sqlite3_step(a), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(a, 0), 42);

    sqlite3_stmt *b = kd_store_stmt(s, sql, &err);
    ck_assert_ptr_eq(a, b);
    /* reset with bindings cleared */
    ck_assert_int_eq(sqlite3_step(b), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_type(b, 0), SQLITE_NULL);

    char *copy = kd_xstrdup(sql); /* same text, other pointer */
    ck_assert_ptr_eq(kd_store_stmt(s, copy, &err), a);
    strcpy(copy, "SELECT 7"); /* same pointer, other text: must not hit */
    sqlite3_stmt *c = kd_store_stmt(s, copy, &err);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_ne(c, a);
    ck_assert_int_eq(sqlite3_step(c), SQLITE_ROW);
    ck_assert_int_eq(sqlite3_column_int(c, 0), 7);
    free(copy);

    ck_assert_ptr_null(kd_store_stmt(s, "SELEKT nonsense", &err));
    ck_assert_int_eq(err.code, KD_ERR_STORE);
    kd_store_close(s);
}
END_TEST

START_TEST(t_nested_transactions)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    ck_assert_int_eq(kd_store_begin(s, &err), 0);
    ck_assert_int_eq(kd_store_begin(s, &err), 0);
    ck_assert_int_eq(s->txn_depth, 2);
    ck_assert_int_eq(kd_store_meta_set(s, "a", "1", &err), 0);
    ck_assert_int_eq(kd_store_commit(s, &err), 0);
    ck_assert_int_eq(sqlite3_get_autocommit(s->db), 0); /* still open */
    ck_assert_int_eq(kd_store_commit(s, &err), 0);
    ck_assert_int_eq(sqlite3_get_autocommit(s->db), 1);
    ck_assert_int_eq(s->txn_depth, 0);

    /* an inner rollback abandons everything; the outer commit reports it */
    ck_assert_int_eq(kd_store_begin(s, &err), 0);
    ck_assert_int_eq(kd_store_meta_set(s, "b", "2", &err), 0);
    ck_assert_int_eq(kd_store_begin(s, &err), 0);
    ck_assert_int_eq(kd_store_meta_set(s, "c", "3", &err), 0);
    kd_store_rollback(s);
    ck_assert_int_eq(kd_store_begin(s, &err), -1); /* no writing on in autocommit */
    ck_assert_int_eq(kd_store_commit(s, &err), -1);
    ck_assert_int_eq(s->txn_depth, 0);
    ck_assert_int_eq(t_int(s->db, "SELECT count(*) FROM meta WHERE name IN ('b','c')"), 0);
    ck_assert_int_eq(t_int(s->db, "SELECT count(*) FROM meta WHERE name = 'a'"), 1);

    ck_assert_int_eq(kd_store_commit(s, &err), -1); /* without begin */
    kd_store_close(s);
}
END_TEST

START_TEST(t_busy_is_reported)
{
    struct kd_store *s = t_open();
    struct kd_store_options opt = {.path = t_path, .busy_timeout_ms = 50};
    struct kd_error err;
    struct kd_store *s2 = kd_store_open(&opt, &err);
    ck_assert_msg(s2 != NULL, "%s", err.message);
    ck_assert_int_eq(kd_store_begin(s, &err), 0);
    ck_assert_int_eq(kd_store_begin(s2, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_BUSY);
    ck_assert_int_eq(s2->txn_depth, 0);
    ck_assert_int_eq(kd_store_commit(s, &err), 0);
    ck_assert_int_eq(kd_store_begin(s2, &err), 0);
    ck_assert_int_eq(kd_store_commit(s2, &err), 0);
    kd_store_close(s2);
    kd_store_close(s);
}
END_TEST

/* ---- APIs ---- */

START_TEST(t_api_crud_and_paging)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    struct kd_api first;
    t_api(s, "api-000", &first);
    ck_assert_msg(strncmp(first.id, "api_", 4) == 0, "%s", first.id);
    ck_assert_int_eq(first.default_byte_length, 16);
    ck_assert_int_eq(first.created_at, T_NOW);
    ck_assert_ptr_null(first.default_prefix);
    for (int i = 1; i < 250; i++) {
        char name[32];
        snprintf(name, sizeof name, "api-%03d", i);
        t_api(s, name, NULL);
    }

    struct kd_api got;
    ck_assert_int_eq(kd_engine_api_get(s, first.id, &got, &err), 0);
    ck_assert_str_eq(got.name, "api-000");
    ck_assert_int_eq(got.key_count, 0);
    kd_api_free(&got);

    /* pages of 100: 100, 100, 50, every id once, in order */
    struct kd_list_query q = {.limit = 100, .want_total = true};
    size_t sizes[4] = {0};
    int pages = 0;
    char *cursor = NULL;
    char *prev = kd_xstrdup("");
    size_t seen = 0;
    do {
        q.cursor = cursor;
        struct kd_api_page p;
        ck_assert_msg(kd_engine_api_list(s, &q, &p, &err) == 0, "%s", err.message);
        ck_assert_int_lt(pages, 4);
        sizes[pages++] = p.len;
        ck_assert_int_eq(p.total, 250);
        for (size_t i = 0; i < p.len; i++) {
            ck_assert_msg(strcmp(prev, p.items[i].id) < 0, "order %s %s", prev, p.items[i].id);
            free(prev);
            prev = kd_xstrdup(p.items[i].id);
            seen++;
        }
        free(cursor);
        cursor = p.next_cursor ? kd_xstrdup(p.next_cursor) : NULL;
        if (cursor)
            ck_assert_str_eq(cursor, p.items[p.len - 1].id);
        kd_api_page_free(&p);
    } while (cursor);
    free(prev);
    ck_assert_int_eq(pages, 3);
    ck_assert_uint_eq(sizes[0], 100);
    ck_assert_uint_eq(sizes[1], 100);
    ck_assert_uint_eq(sizes[2], 50);
    ck_assert_uint_eq(seen, 250);

    /* filter: case-insensitive substring of the name */
    struct kd_list_query f = {.filter = "API-01", .want_total = true};
    struct kd_api_page p;
    ck_assert_int_eq(kd_engine_api_list(s, &f, &p, &err), 0);
    ck_assert_uint_eq(p.len, 10);
    ck_assert_int_eq(p.total, 10);
    ck_assert_ptr_null(p.next_cursor);
    kd_api_page_free(&p);
    f.filter = first.id; /* a whole pasted id */
    ck_assert_int_eq(kd_engine_api_list(s, &f, &p, &err), 0);
    ck_assert_uint_eq(p.len, 1);
    ck_assert_str_eq(p.items[0].id, first.id);
    kd_api_page_free(&p);
    /* ids match only from their start: letters inside an id are random */
    f.filter = first.id + 8;
    ck_assert_int_eq(kd_engine_api_list(s, &f, &p, &err), 0);
    ck_assert_uint_eq(p.len, 0);
    kd_api_page_free(&p);
    ck_assert_int_eq(kd_engine_api_list(s, NULL, &p, &err), 0);
    ck_assert_uint_eq(p.len, 100);
    ck_assert_int_eq(p.total, -1);
    kd_api_page_free(&p);

    /* key_count counts live keys only */
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO keys(id, api_id, hash, start, byte_length, created_at, deleted_at) "
             "VALUES ('key_a', '%s', x'01', 'abcd', 16, 0, NULL), "
             "('key_b', '%s', x'02', 'abce', 16, 0, 5)",
             first.id, first.id);
    t_exec(s->db, sql);
    ck_assert_int_eq(kd_engine_api_get(s, first.id, &got, &err), 0);
    ck_assert_int_eq(got.key_count, 1);
    kd_api_free(&got);

    /* soft delete */
    int64_t before = audit_count(s);
    ck_assert_int_eq(kd_engine_api_delete(s, first.id, &err), 0);
    ck_assert_int_eq(audit_count(s), before + 1);
    ck_assert_int_eq(kd_engine_api_get(s, first.id, &got, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_int_eq(kd_engine_api_delete(s, first.id, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_int_eq(audit_count(s), before + 1);
    struct kd_list_query all = {.want_total = true, .limit = 1};
    ck_assert_int_eq(kd_engine_api_list(s, &all, &p, &err), 0);
    ck_assert_int_eq(p.total, 249);
    kd_api_page_free(&p);
    snprintf(sql, sizeof sql, "SELECT deleted_at FROM apis WHERE id = '%s'", first.id);
    ck_assert_int_eq(t_int(s->db, sql), T_NOW);
    kd_api_free(&first);
    kd_store_close(s);
}
END_TEST

START_TEST(t_api_validation_writes_nothing)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    struct kd_api spec = {0};
    spec.name = "ab";
    ck_assert_int_eq(kd_engine_api_create(s, &spec, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "name");
    spec.name = "good name";
    spec.default_prefix = "sk-live";
    ck_assert_int_eq(kd_engine_api_create(s, &spec, NULL, &err), -1);
    ck_assert_str_eq(err.field, "prefix");
    spec.default_prefix = "sk";
    spec.default_byte_length = 8;
    ck_assert_int_eq(kd_engine_api_create(s, &spec, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_int_eq(t_int(s->db, "SELECT count(*) FROM apis"), 0);
    ck_assert_int_eq(audit_count(s), 0);

    spec.default_byte_length = 32;
    struct kd_api out;
    ck_assert_int_eq(kd_engine_api_create(s, &spec, &out, &err), 0);
    ck_assert_str_eq(out.default_prefix, "sk");
    ck_assert_int_eq(out.default_byte_length, 32);
    kd_api_free(&out);
    ck_assert_int_eq(audit_count(s), 1);
    kd_store_close(s);
}
END_TEST

/* ---- permissions and roles ---- */

START_TEST(t_permissions)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    struct kd_permission spec = {0}, out, got;
    spec.slug = "documents.read";
    spec.description = "Read documents";
    ck_assert_int_eq(kd_engine_permission_create(s, &spec, &out, &err), 0);
    ck_assert_str_eq(out.name, "documents.read"); /* name defaults to the slug */
    ck_assert_msg(strncmp(out.id, "perm_", 5) == 0, "%s", out.id);

    ck_assert_int_eq(kd_engine_permission_get(s, "documents.read", &got, &err), 0);
    ck_assert_str_eq(got.id, out.id);
    ck_assert_str_eq(got.description, "Read documents");
    ck_assert_int_eq(got.role_count, 0);
    kd_permission_free(&got);
    ck_assert_int_eq(kd_engine_permission_get(s, out.id, &got, &err), 0);
    ck_assert_str_eq(got.slug, "documents.read");
    kd_permission_free(&got);

    int64_t before = audit_count(s);
    ck_assert_int_eq(kd_engine_permission_create(s, &spec, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_CONFLICT);
    ck_assert_msg(strstr(err.message, "documents.read"), "%s", err.message);
    spec.slug = "bad slug!";
    ck_assert_int_eq(kd_engine_permission_create(s, &spec, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "slug");
    ck_assert_int_eq(audit_count(s), before);

    spec.slug = "documents.write";
    spec.name = "Write docs";
    spec.description = NULL;
    ck_assert_int_eq(kd_engine_permission_create(s, &spec, NULL, &err), 0);
    t_perm(s, "billing:read");

    struct kd_list_query q = {.filter = "DOC", .want_total = true};
    struct kd_permission_page p;
    ck_assert_int_eq(kd_engine_permission_list(s, &q, &p, &err), 0);
    ck_assert_uint_eq(p.len, 2);
    ck_assert_int_eq(p.total, 2);
    kd_permission_page_free(&p);
    q.filter = "write DOCS"; /* matches the name */
    ck_assert_int_eq(kd_engine_permission_list(s, &q, &p, &err), 0);
    ck_assert_uint_eq(p.len, 1);
    ck_assert_str_eq(p.items[0].slug, "documents.write");
    kd_permission_page_free(&p);
    struct kd_list_query pg = {.limit = 2};
    ck_assert_int_eq(kd_engine_permission_list(s, &pg, &p, &err), 0);
    ck_assert_uint_eq(p.len, 2);
    ck_assert_ptr_nonnull(p.next_cursor);
    pg.cursor = p.next_cursor;
    struct kd_permission_page p2;
    ck_assert_int_eq(kd_engine_permission_list(s, &pg, &p2, &err), 0);
    ck_assert_uint_eq(p2.len, 1);
    ck_assert_ptr_null(p2.next_cursor);
    kd_permission_page_free(&p2);
    kd_permission_page_free(&p);

    /* counts: a key holding it directly and another via a role, one key twice */
    ck_assert_int_eq(t_role(s, "reader", "documents.read", &err), 0);
    t_exec(s->db,
           "INSERT INTO apis(id, name, created_at) VALUES ('api_x', 'x api', 0);"
           "INSERT INTO keys(rid, id, api_id, hash, start, byte_length, created_at) VALUES "
           "(1, 'key_1', 'api_x', x'01', 's', 16, 0), (2, 'key_2', 'api_x', x'02', 's', 16, 0);");
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO key_permissions(key_rid, perm_id) VALUES (1, '%s');"
             "INSERT INTO key_roles(key_rid, role_id) SELECT 1, id FROM roles;"
             "INSERT INTO key_roles(key_rid, role_id) SELECT 2, id FROM roles;",
             out.id);
    t_exec(s->db, sql);
    ck_assert_int_eq(kd_engine_permission_get(s, "documents.read", &got, &err), 0);
    ck_assert_int_eq(got.key_count, 2);
    ck_assert_int_eq(got.role_count, 1);
    kd_permission_free(&got);

    /* delete cascades to roles and keys */
    ck_assert_int_eq(kd_engine_permission_delete(s, "documents.read", &err), 0);
    ck_assert_int_eq(kd_engine_permission_get(s, out.id, &got, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_int_eq(t_int(s->db, "SELECT count(*) FROM role_permissions"), 0);
    ck_assert_int_eq(t_int(s->db, "SELECT count(*) FROM key_permissions"), 0);
    ck_assert_int_eq(kd_engine_permission_delete(s, "documents.read", &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    char *last = t_text(s->db, "SELECT action FROM audit_log ORDER BY seq DESC LIMIT 1");
    ck_assert_str_eq(last, "permission.delete");
    free(last);
    kd_permission_free(&out);
    kd_store_close(s);
}
END_TEST

START_TEST(t_roles)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    t_perm(s, "docs.read");
    t_perm(s, "docs.write");

    struct kd_role spec = {0}, out;
    spec.name = "editor";
    spec.description = "Edits docs";
    kd_strlist_split(&spec.permissions, "docs.write,docs.read,docs.write");
    ck_assert_int_eq(kd_engine_role_create(s, &spec, &out, &err), 0);
    kd_strlist_clear(&spec.permissions);
    ck_assert_msg(strncmp(out.id, "role_", 5) == 0, "%s", out.id);
    ck_assert_uint_eq(out.permissions.len, 2);
    char *perms = t_role_perms(s, "editor");
    ck_assert_str_eq(perms, "docs.read,docs.write");
    free(perms);

    struct kd_role got;
    ck_assert_int_eq(kd_engine_role_get(s, out.id, &got, &err), 0);
    ck_assert_str_eq(got.name, "editor");
    ck_assert_str_eq(got.description, "Edits docs");
    kd_role_free(&got);

    /* duplicates and missing permissions change nothing */
    int64_t before = audit_count(s);
    ck_assert_int_eq(t_role(s, "editor", "", &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_CONFLICT);
    ck_assert_msg(strstr(err.message, "editor"), "%s", err.message);
    ck_assert_int_eq(t_role(s, "ghost", "docs.read,nope.nothing,also.missing", &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_msg(strstr(err.message, "nope.nothing"), "%s", err.message);
    ck_assert_int_eq(t_role(s, "", "", &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_int_eq(t_role(s, "badslug", "no spaces", &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_int_eq(kd_engine_role_get(s, "ghost", &got, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_int_eq(t_int(s->db, "SELECT count(*) FROM roles"), 1);
    ck_assert_int_eq(t_int(s->db, "SELECT count(*) FROM role_permissions"), 2);
    ck_assert_int_eq(audit_count(s), before);

    ck_assert_int_eq(t_role(s, "viewer", "docs.read", &err), 0);
    ck_assert_int_eq(t_role(s, "nobody", "", &err), 0);
    struct kd_list_query q = {.filter = "EDIT", .want_total = true};
    struct kd_role_page p;
    ck_assert_int_eq(kd_engine_role_list(s, &q, &p, &err), 0);
    ck_assert_uint_eq(p.len, 1);
    ck_assert_int_eq(p.total, 1);
    ck_assert_str_eq(p.items[0].name, "editor");
    ck_assert_uint_eq(p.items[0].permissions.len, 2);
    kd_role_page_free(&p);
    struct kd_list_query pg = {.limit = 2, .want_total = true};
    ck_assert_int_eq(kd_engine_role_list(s, &pg, &p, &err), 0);
    ck_assert_uint_eq(p.len, 2);
    ck_assert_int_eq(p.total, 3);
    ck_assert_ptr_nonnull(p.next_cursor);
    kd_role_page_free(&p);

    /* key_count, then delete cascades */
    t_exec(s->db,
           "INSERT INTO apis(id, name, created_at) VALUES ('api_x', 'x api', 0);"
           "INSERT INTO keys(rid, id, api_id, hash, start, byte_length, created_at) VALUES "
           "(1, 'key_1', 'api_x', x'01', 's', 16, 0);"
           "INSERT INTO key_roles(key_rid, role_id) SELECT 1, id FROM roles WHERE name = "
           "'editor';");
    ck_assert_int_eq(kd_engine_role_get(s, "editor", &got, &err), 0);
    ck_assert_int_eq(got.key_count, 1);
    kd_role_free(&got);
    ck_assert_int_eq(kd_engine_role_delete(s, "editor", &err), 0);
    ck_assert_int_eq(kd_engine_role_get(s, out.id, &got, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_int_eq(t_int(s->db, "SELECT count(*) FROM key_roles"), 0);
    ck_assert_int_eq(t_int(s->db, "SELECT count(*) FROM role_permissions"), 1);
    ck_assert_int_eq(kd_engine_role_delete(s, "editor", &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    kd_role_free(&out);
    kd_store_close(s);
}
END_TEST

static int t_set(struct kd_store *s, const char *role, enum kd_engine_set_op op, const char *csv,
                 struct kd_error *err)
{
    struct kd_strlist l = KD_STRLIST_INIT;
    kd_strlist_split(&l, csv);
    int rc = kd_engine_role_set_permissions(s, role, op, &l, err);
    kd_strlist_clear(&l);
    return rc;
}

START_TEST(t_role_set_permissions)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    t_perm(s, "a");
    t_perm(s, "b");
    t_perm(s, "c");
    ck_assert_int_eq(t_role(s, "r", "a", &err), 0);

    ck_assert_int_eq(t_set(s, "r", KD_ENGINE_SET_ADD, "c,b,a", &err), 0);
    char *p = t_role_perms(s, "r");
    ck_assert_str_eq(p, "a,b,c");
    free(p);
    char *changes = t_text(s->db, "SELECT changes FROM audit_log ORDER BY seq DESC LIMIT 1");
    ck_assert_str_eq(changes, "{\"op\":\"add\",\"permissions\":[\"a\",\"b\",\"c\"]}");
    free(changes);

    ck_assert_int_eq(t_set(s, "r", KD_ENGINE_SET_REMOVE, "b", &err), 0);
    p = t_role_perms(s, "r");
    ck_assert_str_eq(p, "a,c");
    free(p);

    ck_assert_int_eq(t_set(s, "r", KD_ENGINE_SET_REPLACE, "b", &err), 0);
    p = t_role_perms(s, "r");
    ck_assert_str_eq(p, "b");
    free(p);
    changes = t_text(s->db, "SELECT changes FROM audit_log ORDER BY seq DESC LIMIT 1");
    ck_assert_str_eq(changes, "{\"op\":\"replace\",\"permissions\":[\"b\"]}");
    free(changes);

    int64_t before = audit_count(s);
    ck_assert_int_eq(t_set(s, "r", KD_ENGINE_SET_REPLACE, "a,zzz", &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_msg(strstr(err.message, "zzz"), "%s", err.message);
    ck_assert_int_eq(t_set(s, "r", KD_ENGINE_SET_REMOVE, "zzz", &err), -1);
    ck_assert_int_eq(t_set(s, "nope", KD_ENGINE_SET_ADD, "a", &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    p = t_role_perms(s, "r");
    ck_assert_str_eq(p, "b");
    free(p);
    ck_assert_int_eq(audit_count(s), before);

    ck_assert_int_eq(t_set(s, "r", KD_ENGINE_SET_REPLACE, "", &err), 0);
    p = t_role_perms(s, "r");
    ck_assert_str_eq(p, "");
    free(p);
    kd_store_close(s);
}
END_TEST

/* ---- audit log ---- */

/* Six mutations: 3 APIs, 2 permissions, 1 role. */
static void t_six_mutations(struct kd_store *s)
{
    t_api(s, "one api", NULL);
    kd_clock_advance(1000);
    t_api(s, "two api", NULL);
    kd_clock_advance(1000);
    t_api(s, "three api", NULL);
    t_perm(s, "x.read");
    t_perm(s, "x.write");
    struct kd_error err;
    ck_assert_int_eq(t_role(s, "xr", "x.read", &err), 0);
}

START_TEST(t_audit_chain_ok_and_list)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    struct kd_audit_check c;
    ck_assert_int_eq(kd_engine_audit_verify(s, &c, &err), 0);
    ck_assert_int_eq(c.ok, 1);
    ck_assert_int_eq(c.entries, 0);

    t_six_mutations(s);
    ck_assert_int_eq(kd_engine_audit_verify(s, &c, &err), 0);
    ck_assert_msg(c.ok == 1, "%s", c.message);
    ck_assert_int_eq(c.entries, 6);
    ck_assert_int_eq(c.first_bad_seq, 0);

    /* newest first, in pages of 4 */
    struct kd_audit_query q = {.page = {.limit = 4, .want_total = true}};
    struct kd_audit_page p;
    ck_assert_int_eq(kd_engine_audit_list(s, &q, &p, &err), 0);
    ck_assert_uint_eq(p.len, 4);
    ck_assert_int_eq(p.total, 6);
    ck_assert_int_eq(p.items[0].seq, 6);
    ck_assert_str_eq(p.items[0].action, "role.create");
    ck_assert_str_eq(p.items[0].actor, "tester");
    ck_assert_str_eq(p.items[0].hash_hex, c.head_hex);
    ck_assert_uint_eq(strlen(p.items[0].hash_hex), 64);
    ck_assert_str_eq(p.next_cursor, "3");
    q.page.cursor = p.next_cursor;
    struct kd_audit_page p2;
    ck_assert_int_eq(kd_engine_audit_list(s, &q, &p2, &err), 0);
    ck_assert_uint_eq(p2.len, 2);
    ck_assert_int_eq(p2.items[0].seq, 2);
    ck_assert_int_eq(p2.items[1].seq, 1);
    ck_assert_int_eq(p2.items[1].at, T_NOW);
    ck_assert_int_eq(p2.items[0].at, T_NOW + 1000);
    ck_assert_str_eq(p2.items[1].changes_json,
                     "{\"defaultByteLength\":16,\"defaultPrefix\":null,\"name\":\"one api\"}");
    ck_assert_ptr_null(p2.next_cursor);
    char *api_id = kd_xstrdup(p2.items[1].target);
    kd_audit_page_free(&p2);
    kd_audit_page_free(&p);

    struct kd_audit_query byact = {.action = "api.create", .page = {.want_total = true}};
    ck_assert_int_eq(kd_engine_audit_list(s, &byact, &p, &err), 0);
    ck_assert_uint_eq(p.len, 3);
    ck_assert_int_eq(p.total, 3);
    kd_audit_page_free(&p);
    struct kd_audit_query bytarget = {.target = api_id};
    ck_assert_int_eq(kd_engine_audit_list(s, &bytarget, &p, &err), 0);
    ck_assert_uint_eq(p.len, 1);
    ck_assert_int_eq(p.items[0].seq, 1);
    kd_audit_page_free(&p);
    struct kd_audit_query byfilter = {.page = {.filter = "X.WRITE"}};
    ck_assert_int_eq(kd_engine_audit_list(s, &byfilter, &p, &err), 0);
    ck_assert_uint_eq(p.len, 1);
    ck_assert_str_eq(p.items[0].action, "permission.create");
    kd_audit_page_free(&p);
    struct kd_audit_query bad = {.page = {.cursor = "abc"}};
    ck_assert_int_eq(kd_engine_audit_list(s, &bad, &p, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "cursor");
    free(api_id);

    /* the chain still verifies from another connection (same vault) */
    kd_store_close(s);
    s = t_open_at(t_path, false, &err);
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(kd_engine_audit_verify(s, &c, &err), 0);
    ck_assert_int_eq(c.ok, 1);
    ck_assert_int_eq(c.entries, 6);
    kd_store_close(s);
}
END_TEST

START_TEST(t_audit_altered_detected)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    t_six_mutations(s);
    t_exec(s->db, "UPDATE audit_log SET changes = '{\"name\":\"evil\"}' WHERE seq = 4");
    struct kd_audit_check c;
    ck_assert_int_eq(kd_engine_audit_verify(s, &c, &err), 0);
    ck_assert_int_eq(c.ok, 0);
    ck_assert_int_eq(c.first_bad_seq, 4);
    ck_assert_int_eq(c.entries, 3);
    ck_assert_str_eq(c.message, "entry 4 was altered");
    kd_store_close(s);

    /* a changed actor, too */
    s = t_open();
    t_six_mutations(s);
    t_exec(s->db, "UPDATE audit_log SET actor = 'someone' WHERE seq = 1");
    ck_assert_int_eq(kd_engine_audit_verify(s, &c, &err), 0);
    ck_assert_int_eq(c.first_bad_seq, 1);
    kd_store_close(s);
}
END_TEST

START_TEST(t_audit_deleted_detected)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    t_six_mutations(s);
    t_exec(s->db, "DELETE FROM audit_log WHERE seq = 3");
    struct kd_audit_check c;
    ck_assert_int_eq(kd_engine_audit_verify(s, &c, &err), 0);
    ck_assert_int_eq(c.ok, 0);
    ck_assert_int_eq(c.first_bad_seq, 3);
    ck_assert_str_eq(c.message, "entry 3 is missing");
    t_exec(s->db, "DELETE FROM audit_log WHERE seq IN (1, 2)");
    ck_assert_int_eq(kd_engine_audit_verify(s, &c, &err), 0);
    ck_assert_int_eq(c.first_bad_seq, 1);
    ck_assert_str_eq(c.message, "entries 1 to 3 are missing");
    kd_store_close(s);
}
END_TEST

START_TEST(t_lost_vault_not_replaced)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    t_api(s, "some api", NULL);
    kd_store_close(s);
    char vault[600];
    snprintf(vault, sizeof vault, "%s.vault", t_path);
    ck_assert_int_eq(mode_of(vault), 0600);
    ck_assert_int_eq(unlink(vault), 0);
    s = t_open_at(t_path, false, &err);
    ck_assert_ptr_nonnull(s);
    struct kd_audit_check c;
    ck_assert_int_eq(kd_engine_audit_verify(s, &c, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_msg(strstr(err.message, vault), "%s", err.message);
    struct stat sb;
    ck_assert_int_ne(stat(vault, &sb), 0);
    kd_store_close(s);
}
END_TEST

/* ---- change detection ---- */

START_TEST(t_change_token)
{
    struct kd_store *s = t_open();
    struct kd_error err;
    struct kd_store *s2 = t_open_at(t_path, false, &err);
    ck_assert_msg(s2 != NULL, "%s", err.message);
    uint64_t t0, t1, t2, t3;
    ck_assert_int_eq(kd_store_change_token(s, &t0, &err), 0);
    ck_assert_int_eq(kd_store_change_token(s, &t1, &err), 0);
    ck_assert_uint_eq(t0, t1); /* nothing happened */

    t_api(s2, "from elsewhere", NULL);
    ck_assert_int_eq(kd_store_change_token(s, &t2, &err), 0);
    ck_assert_uint_ne(t1, t2);

    t_api(s, "from here", NULL);
    ck_assert_int_eq(kd_store_change_token(s, &t3, &err), 0);
    ck_assert_uint_ne(t2, t3);

    /* a failed mutation commits nothing and changes nothing */
    struct kd_api bad = {0};
    bad.name = "x";
    ck_assert_int_eq(kd_engine_api_create(s, &bad, NULL, &err), -1);
    ck_assert_int_eq(kd_store_change_token(s, &t1, &err), 0);
    ck_assert_uint_eq(t1, t3);
    kd_store_close(s2);
    kd_store_close(s);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, t_new_keystore);
    tcase_add_test(tc, t_reopen_applies_nothing);
    tcase_add_test(tc, t_newer_version_refused);
    tcase_add_test(tc, t_garbage_is_corrupt);
    tcase_add_test(tc, t_foreign_sqlite_refused);
    tcase_add_test(tc, t_missing_not_created);
    tcase_add_test(tc, t_creates_parent_dirs);
    tcase_add_test(tc, t_stmt_cache);
    tcase_add_test(tc, t_nested_transactions);
    tcase_add_test(tc, t_busy_is_reported);
    tcase_add_test(tc, t_api_crud_and_paging);
    tcase_add_test(tc, t_api_validation_writes_nothing);
    tcase_add_test(tc, t_permissions);
    tcase_add_test(tc, t_roles);
    tcase_add_test(tc, t_role_set_permissions);
    tcase_add_test(tc, t_audit_chain_ok_and_list);
    tcase_add_test(tc, t_audit_altered_detected);
    tcase_add_test(tc, t_audit_deleted_detected);
    tcase_add_test(tc, t_lost_vault_not_replaced);
    tcase_add_test(tc, t_change_token);
}

KD_TEST_MAIN(add_cases)
