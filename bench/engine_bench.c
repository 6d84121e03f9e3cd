/*
 * engine_bench.c — how fast the keystore engine is, next to what SQLite and
 * libsodium can do bare on the same machine in the same run.
 *
 * Usage: engine_bench DIR   (DIR: scratch space; needs a few hundred MB at 1M keys)
 * Environment: BENCH_KEYS (default 1000000) keys in the big keystore;
 * BENCH_SECONDS (default 2) per rate measurement; BENCH_CREATE_SECONDS (default 4)
 * per engine-create measurement.
 *
 * Every figure is printed next to its reference and the ratio; the targets from
 * the issue get PASS/MISS but never change the exit status (machines differ).
 */
#include "core/engine.h"

#include <inttypes.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/keycache.h"
#include "core/keygen.h"
#include "core/store.h"
#include "util/xalloc.h"

#define BUILD_BATCH 50000  /* rows per transaction when building the big keystore */
#define SAMPLE 4096        /* keys of each kind spread over the keystore */
#define BEYOND_CACHE 4     /* the uncached set holds this many times the key cache */
#define ONE_MILLION 1000000.0

static double g_seconds = 2.0;
static double g_create_seconds = 4.0;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double env_num(const char *name, double dflt)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return dflt;
    char *end;
    double d = strtod(v, &end);
    return *end || d <= 0 ? dflt : d;
}

static void die(const char *what, const struct kd_error *err)
{
    fprintf(stderr, "engine_bench: %s: %s\n", what, err ? err->message : "failed");
    exit(1);
}

static void die_sql(sqlite3 *db, const char *what)
{
    fprintf(stderr, "engine_bench: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static void sql_exec(sqlite3 *db, const char *sql)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        die_sql(db, sql);
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

static const char *verdict(int pass)
{
    return pass ? "PASS" : "MISS";
}

static void rate_line(const char *what, double rate, const char *ref_what, double ref)
{
    printf("  %-44s %12.0f /s   %-34s %12.0f /s   ratio %5.2f\n", what, rate, ref_what, ref,
           ref > 0 ? rate / ref : 0.0);
}

/* ---- engine figures ---- */

static struct kd_store *open_store(const char *path, struct kd_error *err)
{
    struct kd_store_options o = {.path = path, .create_if_missing = true, .actor = "bench"};
    return kd_store_open(&o, err);
}

/* Create keys one transaction each for about `seconds`; returns keys/s. */
static double create_rate(struct kd_store *s, const char *api_id, double seconds, long *made)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.api_id = (char *)api_id;
    long n = 0;
    double t0 = now_s(), t = t0;
    while (t - t0 < seconds) {
        for (int i = 0; i < 50; i++) {
            struct kd_key_secret sec;
            memset(&sec, 0, sizeof sec);
            if (kd_engine_key_create(s, &spec, &sec, &err) != 0)
                die("kd_engine_key_create", &err);
            kd_key_secret_free(&sec);
            n++;
        }
        t = now_s();
    }
    *made = n;
    return (double)n / (t - t0);
}

/* Verify keys[0..n) in turn for about g_seconds; returns verifications/s. */
static double verify_rate(struct kd_store *s, char *const *keys, int n_keys)
{
    struct kd_error err;
    kd_error_clear(&err);
    long n = 0;
    double t0 = now_s(), t = t0;
    while (t - t0 < g_seconds) {
        for (int i = 0; i < 200; i++) {
            struct kd_verify_request req = {.key = keys[n % n_keys],
                                            .credit_cost = KD_COST_DEFAULT};
            struct kd_verify_result res;
            memset(&res, 0, sizeof res);
            if (kd_engine_verify(s, &req, &res, &err) != 0)
                die("kd_engine_verify", &err);
            if (res.code != KD_VERIFY_VALID) {
                fprintf(stderr, "engine_bench: verification gave %s, not VALID\n",
                        kd_verify_code_name(res.code));
                exit(1);
            }
            kd_verify_result_free(&res);
            n++;
        }
        t = now_s();
    }
    return (double)n / (t - t0);
}

static char *make_key(struct kd_store *s, const char *api_id, int kind)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.api_id = (char *)api_id;
    if (kind == 1) {
        spec.credits.limited = true;
        spec.credits.remaining = 1000000000000LL;
    } else if (kind == 2) {
        kd_key_add_ratelimit(&spec, "default", 1000000000000LL, 60000, true);
    }
    struct kd_key_secret sec;
    memset(&sec, 0, sizeof sec);
    if (kd_engine_key_create(s, &spec, &sec, &err) != 0)
        die("kd_engine_key_create", &err);
    spec.api_id = NULL;
    kd_key_free(&spec);
    char *plain = kd_xstrdup(sec.plaintext);
    kd_key_secret_free(&sec);
    return plain;
}

/* Plaintexts of keys spread over the big keystore, by kind (0 plain, 1 credits,
 * 2 rate limit), so verification can be measured over many keys, not one; and
 * plain keys, more than the engine's key cache holds (keycache.h), so the
 * uncached path is measured too. */
struct spread {
    char *keys[3][SAMPLE];
    int n[3];
    char **beyond;
    int n_beyond, want_beyond;
};

/* Fill the keys table straight through SQL up to n rows, in big transactions,
 * with real ids, digests and starts.  Bench-only: no audit entries.  Every
 * stride-th row is kept in sp, with credits or a rate limit by its kind. */
static void bulk_fill(struct kd_store *s, const char *api_id, long have, long n,
                      struct spread *sp)
{
    long stride = (n - have) / (3 * SAMPLE);
    if (stride < 1)
        stride = 1;
    long beyond_stride = (n - have) / (sp->want_beyond > 0 ? sp->want_beyond : 1);
    if (beyond_stride < 2)
        beyond_stride = 2;
    sp->beyond = kd_xcalloc((size_t)sp->want_beyond + 1, sizeof *sp->beyond);
    int slot = 0;
    sqlite3_stmt *rl;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO ratelimits(id, key_rid, name, lim, duration_ms, "
                           "auto_apply) VALUES(?1, ?2, 'default', 1000000000000, 60000, 1)",
                           -1, &rl, NULL) != SQLITE_OK)
        die_sql(s->db, "prepare ratelimit insert");
    sqlite3_stmt *cr;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO key_credits(key_rid, remaining) VALUES(?1, 1000000000000)",
                           -1, &cr, NULL) != SQLITE_OK)
        die_sql(s->db, "prepare credits insert");
    sqlite3 *db = s->db;
    sql_exec(db, "PRAGMA cache_size=-262144"); /* 256 MB for the build only */
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO keys(id, api_id, hash, start, byte_length, created_at) "
                           "VALUES(?1, ?2, ?3, ?4, 16, ?5)",
                           -1, &ins, NULL) != SQLITE_OK)
        die_sql(db, "prepare insert");
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t at = (int64_t)ts.tv_sec * 1000 - n; /* older than the engine's keys */
    struct kd_error err;
    kd_error_clear(&err);
    for (long i = have; i < n;) {
        sql_exec(db, "BEGIN IMMEDIATE");
        for (long j = 0; j < BUILD_BATCH && i < n; j++, i++) {
            struct kd_new_key k;
            memset(&k, 0, sizeof k);
            if (kd_keygen_new(NULL, 16, &k, &err) != 0)
                die("kd_keygen_new", &err);
            char *id = kd_id_new("key", at + i);
            sqlite3_bind_text(ins, 1, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 2, api_id, -1, SQLITE_STATIC);
            sqlite3_bind_blob(ins, 3, k.digest, KD_DIGEST_LEN, SQLITE_TRANSIENT);
            sqlite3_bind_text(ins, 4, k.start, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 5, at + i);
            int kind = -1;
            if ((i - have) % stride == 0 && slot < 3 * SAMPLE) {
                kind = slot % 3;
                sp->keys[kind][sp->n[kind]++] = kd_xstrdup(k.plaintext);
                slot++;
            } else if ((i - have) % beyond_stride == 1 && sp->n_beyond < sp->want_beyond) {
                sp->beyond[sp->n_beyond++] = kd_xstrdup(k.plaintext); /* plain */
            }
            if (sqlite3_step(ins) != SQLITE_DONE)
                die_sql(db, "insert key");
            sqlite3_reset(ins);
            if (kind == 1) {
                sqlite3_bind_int64(cr, 1, sqlite3_last_insert_rowid(db));
                if (sqlite3_step(cr) != SQLITE_DONE)
                    die_sql(db, "insert credits");
                sqlite3_reset(cr);
            }
            if (kind == 2) {
                char *rl_id = kd_id_new("rl", at + i);
                sqlite3_bind_text(rl, 1, rl_id, -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(rl, 2, sqlite3_last_insert_rowid(db));
                if (sqlite3_step(rl) != SQLITE_DONE)
                    die_sql(db, "insert rate limit");
                sqlite3_reset(rl);
                free(rl_id);
            }
            free(id);
            kd_new_key_wipe(&k);
        }
        sql_exec(db, "COMMIT");
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(rl);
    sqlite3_finalize(cr);
    sql_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
}

/* ---- references ---- */

static double sha_rate(void)
{
    unsigned char msg[40], out[crypto_hash_sha256_BYTES];
    randombytes_buf(msg, sizeof msg);
    long n = 0;
    double t0 = now_s(), t = t0;
    while (t - t0 < g_seconds) {
        for (int i = 0; i < 10000; i++) {
            crypto_hash_sha256(out, msg, sizeof msg);
            msg[i % sizeof msg] ^= out[0]; /* keep the compiler from hoisting it */
            n++;
        }
        t = now_s();
    }
    return (double)n / (t - t0);
}

struct ref_db {
    sqlite3 *db;
    uint8_t (*sample)[32]; /* n_sample existing hashes spread over the table */
    int64_t *sample_rid;
    int n_sample;
};

static void ref_build(struct ref_db *r, const char *path, long n, int n_sample,
                      int synchronous)
{
    r->n_sample = n_sample;
    unlink(path);
    if (sqlite3_open(path, &r->db) != SQLITE_OK)
        die_sql(r->db, "open reference db");
    sql_exec(r->db, "PRAGMA journal_mode=WAL");
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA synchronous=%d", synchronous);
    sql_exec(r->db, sql);
    sql_exec(r->db, "PRAGMA cache_size=-262144");
    sql_exec(r->db, "CREATE TABLE t(rid INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE, "
                    "n INTEGER NOT NULL)");
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(r->db, "INSERT INTO t(rid, hash, n) VALUES(?1, ?2, 1000000000)", -1,
                           &ins, NULL) != SQLITE_OK)
        die_sql(r->db, "prepare");
    r->sample = kd_xcalloc((size_t)n_sample, sizeof *r->sample);
    r->sample_rid = kd_xcalloc((size_t)n_sample, sizeof *r->sample_rid);
    long every = n / n_sample > 0 ? n / n_sample : 1;
    int took = 0;
    for (long i = 0; i < n;) {
        sql_exec(r->db, "BEGIN IMMEDIATE");
        for (long j = 0; j < BUILD_BATCH && i < n; j++, i++) {
            uint8_t h[32];
            randombytes_buf(h, sizeof h);
            if (i % every == 0 && took < n_sample) {
                memcpy(r->sample[took], h, 32);
                r->sample_rid[took++] = i + 1;
            }
            sqlite3_bind_int64(ins, 1, i + 1);
            sqlite3_bind_blob(ins, 2, h, 32, SQLITE_TRANSIENT);
            if (sqlite3_step(ins) != SQLITE_DONE)
                die_sql(r->db, "insert");
            sqlite3_reset(ins);
        }
        sql_exec(r->db, "COMMIT");
    }
    for (int i = took; i < n_sample; i++) { /* tiny n: repeat the ones we have */
        memcpy(r->sample[i], r->sample[i % (took ? took : 1)], 32);
        r->sample_rid[i] = r->sample_rid[i % (took ? took : 1)];
    }
    sqlite3_finalize(ins);
    sql_exec(r->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    sql_exec(r->db, "PRAGMA cache_size=-2000"); /* back to SQLite's default, as the store */
}

/* The i-th of `spread` rows out of n, themselves spread over all n. */
static int spread_pick(int n, long i, int spread)
{
    return (int)(i % spread) * (n / spread);
}

/* Lookups by sql (one blob parameter, a row for each) for g_seconds: lookups/s.
 * spread of the n_digest digests are used in turn (spread_pick); spread 1 is
 * the same row every time, as verifying one key. */
static double blob_lookup_rate(sqlite3 *db, const char *sql, uint8_t (*digest)[32], int n_digest,
                               int spread)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die_sql(db, "prepare lookup");
    long n = 0;
    double t0 = now_s(), t = t0;
    while (t - t0 < g_seconds) {
        for (int i = 0; i < 1000; i++, n++) {
            sqlite3_bind_blob(st, 1, digest[spread_pick(n_digest, n, spread)], 32,
                              SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_ROW)
                die_sql(db, "lookup found nothing");
            sqlite3_reset(st);
        }
        t = now_s();
    }
    sqlite3_finalize(st);
    return (double)n / (t - t0);
}

/* The bare reference: the (narrow) reference table by its blob index. */
static double ref_lookup_rate(struct ref_db *r, int spread)
{
    return blob_lookup_rate(r->db, "SELECT rid, n FROM t WHERE hash = ?1", r->sample, r->n_sample,
                            spread);
}

/* The same on the keystore's own keys table, the columns of the key row
 * verification reads, by the digests of keys: what SQLite alone takes for the
 * rows of an uncached verification. */
static double own_lookup_rate(struct kd_store *s, char *const *keys, int n_keys)
{
    uint8_t(*digest)[32] = kd_xcalloc((size_t)n_keys, sizeof *digest);
    for (int i = 0; i < n_keys; i++)
        kd_key_digest(keys[i], digest[i]);
    double rate = blob_lookup_rate(s->db,
                                   "SELECT rid, id, api_id, name, meta, expires, enabled, "
                                   "external_id FROM keys WHERE hash = ?1",
                                   digest, n_keys, n_keys);
    free(digest);
    return rate;
}

static double ref_update_rate(struct ref_db *r, int spread)
{
    sqlite3_stmt *b, *u, *c;
    if (sqlite3_prepare_v2(r->db, "BEGIN IMMEDIATE", -1, &b, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(r->db, "UPDATE t SET n = n - 1 WHERE rid = ?1", -1, &u, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(r->db, "COMMIT", -1, &c, NULL) != SQLITE_OK)
        die_sql(r->db, "prepare update");
    long n = 0;
    double t0 = now_s(), t = t0;
    while (t - t0 < g_seconds) {
        for (int i = 0; i < 100; i++) {
            sqlite3_bind_int64(u, 1, r->sample_rid[spread_pick(r->n_sample, n, spread)]);
            if (sqlite3_step(b) != SQLITE_DONE || sqlite3_step(u) != SQLITE_DONE ||
                sqlite3_step(c) != SQLITE_DONE)
                die_sql(r->db, "update transaction");
            sqlite3_reset(b);
            sqlite3_reset(u);
            sqlite3_reset(c);
            n++;
        }
        t = now_s();
    }
    sqlite3_finalize(b);
    sqlite3_finalize(u);
    sqlite3_finalize(c);
    return (double)n / (t - t0);
}

static int pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* Open + first page of 100 keys: ms for each of `runs` cold-connection runs. */
static void open_first_page(const char *path, const char *api_id, int runs, double *open_ms,
                            double *page_ms)
{
    for (int i = 0; i < runs; i++) {
        struct kd_error err;
        kd_error_clear(&err);
        double t0 = now_s();
        struct kd_store *s = open_store(path, &err);
        if (!s)
            die("kd_store_open", &err);
        double t1 = now_s();
        struct kd_key_query q;
        memset(&q, 0, sizeof q);
        q.api_id = api_id;
        q.page.limit = 100;
        struct kd_key_page page;
        memset(&page, 0, sizeof page);
        if (kd_engine_key_list(s, &q, &page, &err) != 0)
            die("kd_engine_key_list", &err);
        double t2 = now_s();
        if (page.len != 100 && i == 0)
            fprintf(stderr, "engine_bench: first page has %zu keys, not 100\n", page.len);
        kd_key_page_free(&page);
        kd_store_close(s);
        open_ms[i] = (t1 - t0) * 1e3;
        page_ms[i] = (t2 - t1) * 1e3;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    double c[16];
    memcpy(c, v, (size_t)n * sizeof *c);
    qsort(c, (size_t)n, sizeof *c, cmp_double);
    return c[n / 2];
}

static int discard_key(const struct kd_key_secret *sec, void *ctx)
{
    (void)sec;
    (*(long *)ctx)++;
    return 0;
}

/* n keys (an auto rate limit and credits each, like a real fleet) through the
 * engine's bulk path into a fresh keystore at path; returns the seconds taken. */
static double create_many_seconds(const char *path, long n)
{
    unlink(path);
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_store *s = open_store(path, &err);
    if (!s)
        die("kd_store_open", &err);
    struct kd_api aspec = {.name = (char *)"bulk"}, api;
    memset(&api, 0, sizeof api);
    if (kd_engine_api_create(s, &aspec, &api, &err) != 0)
        die("kd_engine_api_create", &err);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.api_id = kd_xstrdup(api.id);
    spec.credits.limited = true;
    spec.credits.remaining = 1000;
    kd_key_add_ratelimit(&spec, "requests", 100, 60000, true);
    long handed = 0;
    int64_t made = 0;
    double t0 = now_s();
    if (kd_engine_key_create_many(s, &spec, n, discard_key, &handed, &made, &err) != 0)
        die("kd_engine_key_create_many", &err);
    double secs = now_s() - t0;
    kd_key_free(&spec);
    kd_api_free(&api);
    kd_store_close(s);
    unlink(path);
    return secs;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: engine_bench DIR\n");
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    long n_keys = (long)env_num("BENCH_KEYS", ONE_MILLION);
    g_seconds = env_num("BENCH_SECONDS", 2.0);
    g_create_seconds = env_num("BENCH_CREATE_SECONDS", 4.0);
    char *path = kd_xasprintf("%s/bench.db", argv[1]);
    char *ref_path = kd_xasprintf("%s/reference.db", argv[1]);
    unlink(path);

    struct kd_error err;
    kd_error_clear(&err);
    struct kd_store *s = open_store(path, &err);
    if (!s)
        die("kd_store_open", &err);
    int sync = pragma_int(s->db, "PRAGMA synchronous");
    printf("keydeck engine bench: %ld keys, %.1f s per rate, SQLite %s, store synchronous=%d "
           "(admin changes; verification counters commit with 1 = NORMAL)\n",
           n_keys, g_seconds, sqlite3_libversion(), sync);

    struct kd_api aspec = {.name = (char *)"bench"}, api;
    memset(&api, 0, sizeof api);
    if (kd_engine_api_create(s, &aspec, &api, &err) != 0)
        die("kd_engine_api_create", &err);

    /* 1. creating keys through the engine, one transaction each, empty keystore */
    long made0 = 0, made1 = 0;
    double r_create0 = create_rate(s, api.id, g_create_seconds, &made0);

    /* 2. the big keystore, built straight through SQL */
    static struct spread sp;
    sp.want_beyond = (int)(BEYOND_CACHE * kd_keycache_capacity());
    if (sp.want_beyond > (n_keys - made0) / 4) /* a small keystore: what fits */
        sp.want_beyond = (int)((n_keys - made0) / 4);
    double t0 = now_s();
    bulk_fill(s, api.id, made0, n_keys, &sp);
    double build_s = now_s() - t0;
    kd_store_close(s);

    /* 3. open + first page on a fresh connection (page cache of the OS warm) */
    double open_ms[5], page_ms[5], total_ms[5];
    open_first_page(path, api.id, 5, open_ms, page_ms);
    for (int i = 0; i < 5; i++)
        total_ms[i] = open_ms[i] + page_ms[i];

    /* 4. creating keys through the engine at full size; one key of each kind */
    s = open_store(path, &err);
    if (!s)
        die("kd_store_open", &err);
    double r_create1 = create_rate(s, api.id, g_create_seconds, &made1);
    char *hot[3];
    for (int kind = 0; kind < 3; kind++)
        hot[kind] = make_key(s, api.id, kind);

    /* 5. verification rates: one key over and over, then keys spread over the file */
    double v_hot[3], v_spread[3] = {0, 0, 0}, v_beyond = 0, own_beyond = 0;
    for (int kind = 0; kind < 3; kind++)
        v_hot[kind] = verify_rate(s, &hot[kind], 1);
    for (int kind = 0; kind < 3; kind++)
        if (sp.n[kind] > 0)
            v_spread[kind] = verify_rate(s, sp.keys[kind], sp.n[kind]);
    /* In turn, so a least-recently-used cache of fewer entries never hits. */
    if (sp.n_beyond > 0)
        v_beyond = verify_rate(s, sp.beyond, sp.n_beyond);
    if (sp.n_beyond > 0)
        own_beyond = own_lookup_rate(s, sp.beyond, sp.n_beyond);
    for (int kind = 0; kind < 3; kind++) {
        kd_secret_free(hot[kind]);
        for (int i = 0; i < sp.n[kind]; i++)
            kd_secret_free(sp.keys[kind][i]);
    }
    for (int i = 0; i < sp.n_beyond; i++)
        kd_secret_free(sp.beyond[i]);
    free(sp.beyond);
    kd_store_close(s);
    long long db_bytes = file_size(path);
    char *wal = kd_xasprintf("%s-wal", path);
    long long wal_bytes = file_size(wal);
    free(wal);

    /* 6. the same number of keys again, through the engine's bulk path */
    char *bulk_path = kd_xasprintf("%s/bulk.db", argv[1]);
    double many_s = create_many_seconds(bulk_path, n_keys);
    free(bulk_path);

    /* 7. references, same run */
    double sha = sha_rate();
    struct ref_db r;
    memset(&r, 0, sizeof r);
    t0 = now_s();
    /* NORMAL, as the verification counters it is compared with (store.c). */
    int n_ref_sample = sp.n_beyond > SAMPLE ? sp.n_beyond : SAMPLE;
    ref_build(&r, ref_path, n_keys, n_ref_sample, 1);
    double ref_build_s = now_s() - t0;
    double lookup_hot = ref_lookup_rate(&r, 1), lookup_spread = ref_lookup_rate(&r, SAMPLE);
    double lookup_beyond = sp.n_beyond > 0 ? ref_lookup_rate(&r, sp.n_beyond) : 0;
    double update_hot = ref_update_rate(&r, 1), update_spread = ref_update_rate(&r, SAMPLE);
    sqlite3_close(r.db);
    free(r.sample);
    free(r.sample_rid);
    unlink(ref_path);

    /* ---- report ---- */
    printf("\nverification, in-process (kd_engine_verify), keystore of %ld keys, key cache of "
           "%zu rows\n",
           n_keys, kd_keycache_capacity());
    printf(" one key, verified over and over:\n");
    rate_line("plain key", v_hot[0], "bare blob lookup, one row", lookup_hot);
    rate_line("key with credits", v_hot[1], "bare 1-row UPDATE txn, one row", update_hot);
    rate_line("key with a rate limit", v_hot[2], "bare 1-row UPDATE txn, one row", update_hot);
    printf(" %d keys of each kind spread over the keystore, in turn:\n", SAMPLE);
    rate_line("plain keys", v_spread[0], "bare blob lookup, spread", lookup_spread);
    rate_line("keys with credits", v_spread[1], "bare 1-row UPDATE txn, spread",
              update_spread);
    rate_line("keys with a rate limit", v_spread[2], "bare 1-row UPDATE txn, spread",
              update_spread);
    printf(" %d plain keys spread over the keystore, in turn (more than the key cache "
           "holds: every lookup misses it):\n",
           sp.n_beyond);
    rate_line("plain keys, uncached", v_beyond, "bare blob lookup, same spread", lookup_beyond);
    rate_line("  SQL alone, same rows of the keys table", own_beyond,
              "bare blob lookup, same spread", lookup_beyond);
    printf(" for scale:\n");
    rate_line("plain key", v_hot[0], "bare SHA-256 of 40 bytes", sha);

    printf("\nkey creation through kd_engine_key_create (one transaction each)\n");
    rate_line("empty keystore", r_create0, "bare 1-row UPDATE txn", update_hot);
    rate_line("at full size", r_create1, "bare 1-row UPDATE txn", update_hot);
    double per_key = (1.0 / r_create0 + 1.0 / r_create1) / 2.0;
    double est_1m = per_key * ONE_MILLION;
    printf("  1M keys one at a time, EXTRAPOLATED from %ld + %ld creates: %.1f s\n", made0,
           made1, est_1m);
    double many_1m = many_s * ONE_MILLION / (double)n_keys;
    printf("  BULK build, direct SQL INSERTs in %d-row transactions (bench only, not an "
           "engine path): %ld keys in %.1f s (%.0f /s)\n",
           BUILD_BATCH, n_keys - made0, build_s, (double)(n_keys - made0) / build_s);
    printf("  reference: bare table of %ld 32-byte blobs built in %.1f s (%.0f /s)\n", n_keys,
           ref_build_s, (double)n_keys / ref_build_s);
    printf("\nkey creation through kd_engine_key_create_many (%d keys a transaction, audited, "
           "credits and a rate limit each)\n",
           KD_ENGINE_CREATE_BATCH);
    printf("  %ld keys, MEASURED                             %7.1f s   %8.0f /s   "
           "bare blob table %8.0f /s   ratio %5.2f\n",
           n_keys, many_s, (double)n_keys / many_s, (double)n_keys / ref_build_s,
           ref_build_s / many_s);

    long total_keys = n_keys + made1 + 3;
    printf("\nkeystore of %ld keys\n", total_keys);
    printf("  open (kd_store_open)           first %.2f ms, median of 5 %.2f ms\n", open_ms[0],
           median(open_ms, 5));
    printf("  first page of 100 (key_list)   first %.2f ms, median of 5 %.2f ms\n", page_ms[0],
           median(page_ms, 5));
    printf("  file size                      %.1f MB (+ WAL %.1f MB), %.0f bytes/key\n",
           (double)db_bytes / 1e6, (double)wal_bytes / 1e6,
           (double)db_bytes / (double)total_keys);

    double open_page = median(total_ms, 5);
    printf("\ntargets (from the issue)\n");
    printf("  plain verify >= 80%% of bare lookup, one key     %6.1f%%          %s\n",
           100.0 * v_hot[0] / lookup_hot, verdict(v_hot[0] >= 0.8 * lookup_hot));
    printf("  plain verify >= 80%% of bare lookup, spread      %6.1f%%          %s\n",
           100.0 * v_spread[0] / lookup_spread, verdict(v_spread[0] >= 0.8 * lookup_spread));
    printf("  plain verify >= 80%% of bare lookup, uncached    %6.1f%%          %s"
           "  (SQL alone on the keys table: %.1f%%)\n",
           100.0 * v_beyond / (lookup_beyond > 0 ? lookup_beyond : 1),
           verdict(v_beyond >= 0.8 * lookup_beyond),
           100.0 * own_beyond / (lookup_beyond > 0 ? lookup_beyond : 1));
    printf("  credit verify >= 80%% of bare update, one key    %6.1f%%          %s\n",
           100.0 * v_hot[1] / update_hot, verdict(v_hot[1] >= 0.8 * update_hot));
    printf("  credit verify >= 80%% of bare update, spread     %6.1f%%          %s\n",
           100.0 * v_spread[1] / update_spread, verdict(v_spread[1] >= 0.8 * update_spread));
    printf("  1M keys created < 60 s (create_many, measured)  %7.1f s         %s%s\n", many_1m,
           verdict(many_1m < 60.0),
           n_keys == (long)ONE_MILLION ? "" : "  (scaled from BENCH_KEYS)");
    printf("  open + first page < 50 ms (median of 5)         %7.2f ms        %s%s\n", open_page,
           verdict(open_page < 50.0),
           n_keys == (long)ONE_MILLION ? "" : "  (not at 1M keys: BENCH_KEYS differs)");
    unlink(path);
    free(path);
    free(ref_path);
    kd_api_free(&api);
    return 0;
}
