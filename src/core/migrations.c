/*
 * migrations.c — versioned schema upgrades.
 *
 * Migration N takes a keystore from user_version N-1 to N.  Each runs in its
 * own IMMEDIATE transaction and re-reads the version inside it, so two
 * processes opening a new keystore at once do not both apply it.
 */
#include "core/migrations.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/clock.h"
#include "util/xalloc.h"

static const char schema_v1[] =
#include "core/schema_v1.inc"
    ;
static const char schema_v2[] =
#include "core/schema_v2.inc"
    ;
static const char schema_v3[] =
#include "core/schema_v3.inc"
    ;
static const char schema_v4[] =
#include "core/schema_v4.inc"
    ;
static const char schema_v5[] =
#include "core/schema_v5.inc"
    ;

struct migration {
    int version;
    const char *sql;
    int (*after)(struct kd_store *s, struct kd_error *err); /* extra steps, may be NULL */
};

/* The keystore's identity: a random id and its birth time. */
static int seed_meta(struct kd_store *s, struct kd_error *err)
{
    unsigned char id[16];
    char hex[sizeof id * 2 + 1];
    randombytes_buf(id, sizeof id);
    sodium_bin2hex(hex, sizeof hex, id, sizeof id);
    char created[32];
    snprintf(created, sizeof created, "%lld", (long long)kd_now_ms());
    char sql[160];
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d", KD_STORE_APPLICATION_ID);
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return kd_store_fail(s, err, "marking the keystore");
    if (kd_store_meta_set(s, "keystore_id", hex, err) < 0 ||
        kd_store_meta_set(s, "created_at", created, err) < 0)
        return -1;
    return 0;
}

static const struct migration migrations[] = {
    {1, schema_v1, seed_meta},
    {2, schema_v2, NULL}, /* key_usage table, keys.auto_limits */
    {3, schema_v3, NULL}, /* apis.live_keys, kept by triggers */
    {4, schema_v4, NULL}, /* key_search, the filter's index */
    {5, schema_v5, NULL}, /* key_credits, apart from the key rows */
};

static int pragma_int(struct kd_store *s, const char *sql, int *out, struct kd_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return kd_store_fail(s, err, "reading the schema version");
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc == SQLITE_ROW ? 0 : kd_store_fail(s, err, "reading the schema version");
}

/* Version and identity checks that need no lock. */
static int check_compatible(struct kd_store *s, int version, struct kd_error *err)
{
    int app = 0;
    if (pragma_int(s, "PRAGMA application_id", &app, err) < 0)
        return -1;
    if (app != 0 && app != KD_STORE_APPLICATION_ID)
        return kd_error_set(err, KD_ERR_CORRUPT, "path",
                            "%s is another program's SQLite database, not a keydeck keystore",
                            s->path);
    if (version > KD_SCHEMA_VERSION)
        return kd_error_set(err, KD_ERR_VERSION, "path",
                            "keystore %s has schema version %d, but this keydeck understands "
                            "up to %d: upgrade keydeck",
                            s->path, version, KD_SCHEMA_VERSION);
    if (version < 0)
        return kd_error_set(err, KD_ERR_CORRUPT, "path",
                            "keystore %s has an impossible schema version %d", s->path,
                            version);
    return 0;
}

static int apply(struct kd_store *s, const struct migration *m, struct kd_error *err)
{
    if (kd_store_begin(s, err) < 0)
        return -1;
    int version = 0;
    if (pragma_int(s, "PRAGMA user_version", &version, err) < 0 ||
        check_compatible(s, version, err) < 0)
        goto fail;
    if (version >= m->version) /* another process got here first */
        return kd_store_commit(s, err);
    if (version == 0) {
        int objects = 0;
        if (pragma_int(s, "SELECT count(*) FROM sqlite_master", &objects, err) < 0)
            goto fail;
        if (objects > 0) {
            kd_error_set(err, KD_ERR_CORRUPT, "path",
                         "%s is a SQLite database but not a keydeck keystore", s->path);
            goto fail;
        }
    }
    if (sqlite3_exec(s->db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
        char what[64];
        snprintf(what, sizeof what, "applying schema migration %d", m->version);
        kd_store_fail(s, err, what);
        goto fail;
    }
    if (m->after && m->after(s, err) < 0)
        goto fail;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", m->version);
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        kd_store_fail(s, err, "recording the schema version");
        goto fail;
    }
    return kd_store_commit(s, err);
fail:
    kd_store_rollback(s);
    return -1;
}

int kd_migrate(struct kd_store *s, struct kd_error *err)
{
    int version = 0;
    if (pragma_int(s, "PRAGMA user_version", &version, err) < 0 ||
        check_compatible(s, version, err) < 0)
        return -1;
    for (size_t i = 0; i < sizeof migrations / sizeof migrations[0]; i++) {
        if (migrations[i].version <= version)
            continue;
        if (apply(s, &migrations[i], err) < 0)
            return -1;
    }
    return 0;
}
