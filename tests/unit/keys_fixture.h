/*
 * keys_fixture.h — a temporary keystore with APIs, roles and permissions, for the
 * key and verification tests.  Rows other than keys are inserted with SQL so the
 * tests depend only on the engine functions they exercise.
 */
#ifndef KD_TESTS_KEYS_FIXTURE_H
#define KD_TESTS_KEYS_FIXTURE_H

#include <check.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/engine.h"
#include "core/store.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/xalloc.h"

#include "test.h"

#define FX_NOW 1735689600000LL /* 2025-01-01T00:00:00Z */

static inline struct kd_store *fx_open_path(const char *path, int busy_ms)
{
    struct kd_store_options opt;
    memset(&opt, 0, sizeof opt);
    opt.path = path;
    opt.create_if_missing = true;
    opt.actor = "tester";
    opt.busy_timeout_ms = busy_ms;
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_store *s = kd_store_open(&opt, &err);
    ck_assert_msg(s != NULL, "open %s: %s", path, err.message);
    return s;
}

static char fx_path[512];

static inline struct kd_store *fx_open(void)
{
    kd_clock_pin(FX_NOW);
    snprintf(fx_path, sizeof fx_path, "%s/keys.db", kd_test_tmpdir());
    return fx_open_path(fx_path, 0);
}

static inline void fx_exec(struct kd_store *s, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "?");
    sqlite3_free(msg);
}

static inline int64_t fx_int(struct kd_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_prepare_v2(s->db, sql, -1, &st, NULL), SQLITE_OK);
    int rc = sqlite3_step(st);
    ck_assert_msg(rc == SQLITE_ROW, "no row: %s", sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static inline void fx_api(struct kd_store *s, const char *id, const char *prefix, int bytes)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO apis(id, name, default_prefix, default_byte_length, created_at) "
             "VALUES ('%s', 'api %s', %s%s%s, %d, %lld)",
             id, id, prefix ? "'" : "", prefix ? prefix : "NULL", prefix ? "'" : "", bytes,
             (long long)FX_NOW);
    fx_exec(s, sql);
}

static inline void fx_perm(struct kd_store *s, const char *slug)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO permissions(id, slug, name, created_at) "
             "VALUES ('perm_%s', '%s', '%s', %lld)",
             slug, slug, slug, (long long)FX_NOW);
    fx_exec(s, sql);
}

/* A role granting one permission (perm may be NULL). */
static inline void fx_role(struct kd_store *s, const char *name, const char *perm)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO roles(id, name, created_at) VALUES ('role_%s', '%s', %lld)", name, name,
             (long long)FX_NOW);
    fx_exec(s, sql);
    if (perm) {
        snprintf(sql, sizeof sql,
                 "INSERT INTO role_permissions(role_id, perm_id) VALUES ('role_%s', 'perm_%s')",
                 name, perm);
        fx_exec(s, sql);
    }
}

/* The usual world: api_main (prefix "sk"), permissions, role admin -> docs.write. */
static inline void fx_world(struct kd_store *s)
{
    fx_api(s, "api_main", "sk", 16);
    fx_api(s, "api_other", NULL, 16);
    fx_perm(s, "docs.read");
    fx_perm(s, "docs.write");
    fx_perm(s, "billing.read");
    fx_role(s, "admin", "docs.write");
    fx_role(s, "viewer", "docs.read");
}

/* Take the keystore back to schema 4 (credits on the key rows), as a keydeck
 * from before schema_v5.sql left it, for the migration tests. */
static inline void fx_schema_back_to_v4(struct kd_store *s)
{
    fx_exec(s, "UPDATE keys SET "
               "remaining = (SELECT c.remaining FROM key_credits c WHERE c.key_rid = keys.rid), "
               "last_refill_at = "
               "(SELECT c.last_refill_at FROM key_credits c WHERE c.key_rid = keys.rid); "
               "DROP TABLE key_credits; PRAGMA user_version = 4");
}

/* Create a key from spec (api_id defaulting to api_main); aborts the test on error. */
static inline void fx_create(struct kd_store *s, struct kd_key *spec, struct kd_key_secret *out)
{
    struct kd_error err;
    kd_error_clear(&err);
    if (!spec->api_id)
        spec->api_id = kd_xstrdup("api_main");
    int rc = kd_engine_key_create(s, spec, out, &err);
    ck_assert_msg(rc == 0, "create: %s (%s)", err.message, err.field);
}

#endif
