/*
 * crash.c — a writer killed with SIGKILL at a random moment loses nothing it was
 * told had succeeded, and leaves a keystore that is whole.
 *
 * Usage: crash DIR [ROUNDS]   (DIR: an empty scratch directory; CRASH_SEED=n
 * repeats a run).  Prints TAP.
 *
 * Each round forks a writer that loops: create a key, then take one credit from a
 * shared key, then verify the new key.  After each call returns success it
 * appends a line to an "acknowledged" file and fsyncs it ("K <key id>",
 * "C <remaining after>").  The parent waits for the first acknowledgement, sleeps
 * 50–300 ms, kills the writer and checks the keystore: integrity_check, every
 * acknowledged key present, the key count and the credits moved by exactly what
 * was acknowledged (plus at most the one call in flight), the audit chain whole.
 * SQLite is used directly only for integrity_check and counting rows.
 */
#include "backend/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "model/key.h"
#include "model/verify.h"
#include "util/error.h"

#define START_CREDITS 1000000
#define MAX_OPS 200000 /* bound on the writer's loop should the kill never come */
#define TESTS_PER_ROUND 6

static int g_test;
static int g_failed;
static char g_path[4096];
static char g_acks[4096];

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %d - ", cond ? "ok" : "not ok", ++g_test);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    if (!cond)
        g_failed = 1;
}

static struct kd_backend *open_backend(struct kd_error *err)
{
    struct kd_local_options o = {.keystore_path = g_path, .actor = "crash",
                                 .create_if_missing = true};
    return kd_backend_local_open(&o, err);
}

/* ---- the writer (child) ---- */

static void ack(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ack(int fd, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= (int)sizeof line || write(fd, line, (size_t)n) != n || fsync(fd) != 0)
        _exit(4);
}

static void writer(const char *api_id, const char *credit_key_id, int round)
{
    int fd = open(g_acks, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (fd < 0)
        _exit(2);
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_backend *b = open_backend(&err);
    if (!b) {
        ack(fd, "E open: %.200s\n", err.message);
        _exit(3);
    }
    for (int i = 0; i < MAX_OPS; i++) {
        char name[64];
        snprintf(name, sizeof name, "crash-%d-%d", round, i);
        struct kd_key spec;
        kd_key_init(&spec);
        spec.api_id = (char *)api_id;
        spec.name = name;
        struct kd_key_secret sec;
        memset(&sec, 0, sizeof sec);
        if (kd_backend_key_create(b, &spec, &sec, &err) != 0) {
            ack(fd, "E key_create: %.200s\n", err.message);
            _exit(3);
        }
        ack(fd, "K %s\n", sec.key_id);

        struct kd_credits after;
        if (kd_backend_key_credits(b, credit_key_id, KD_CREDITS_DECREMENT, false, 1, &after,
                                   &err) != 0) {
            ack(fd, "E key_credits: %.200s\n", err.message);
            _exit(3);
        }
        ack(fd, "C %" PRId64 "\n", after.remaining);

        /* exercises the buffered verification log; its rows may be lost on a kill */
        struct kd_verify_request req = {.key = sec.plaintext, .credit_cost = KD_COST_DEFAULT};
        struct kd_verify_result res;
        memset(&res, 0, sizeof res);
        if (kd_backend_verify(b, &req, &res, &err) != 0 || res.code != KD_VERIFY_VALID) {
            ack(fd, "E verify: %.200s\n", err.message);
            _exit(3);
        }
        kd_verify_result_free(&res);
        kd_key_secret_free(&sec);
    }
    kd_backend_close(b);
    _exit(0);
}

/* ---- the parent's checks ---- */

struct acks {
    char **ids;
    size_t n_ids;
    int64_t last_credits; /* -1: no C line */
    char error[300];
};

static void acks_free(struct acks *a)
{
    for (size_t i = 0; i < a->n_ids; i++)
        free(a->ids[i]);
    free(a->ids);
    memset(a, 0, sizeof *a);
}

/* Read the complete lines of the acknowledged file. */
static int acks_read(struct acks *a)
{
    memset(a, 0, sizeof *a);
    a->last_credits = -1;
    FILE *f = fopen(g_acks, "r");
    if (!f)
        return -1;
    char line[512];
    size_t cap = 0;
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n')
            break; /* a torn last line was never acknowledged */
        line[len - 1] = '\0';
        if (line[0] == 'K' && line[1] == ' ') {
            if (a->n_ids == cap) {
                cap = cap ? cap * 2 : 64;
                char **p = realloc(a->ids, cap * sizeof *p);
                if (!p)
                    abort();
                a->ids = p;
            }
            a->ids[a->n_ids++] = strdup(line + 2);
        } else if (line[0] == 'C' && line[1] == ' ') {
            a->last_credits = strtoll(line + 2, NULL, 10);
        } else if (line[0] == 'E') {
            snprintf(a->error, sizeof a->error, "%.290s", line);
        }
    }
    fclose(f);
    return 0;
}

static int count_lines(void)
{
    FILE *f = fopen(g_acks, "r");
    if (!f)
        return 0;
    int n = 0, c;
    while ((c = fgetc(f)) != EOF)
        if (c == '\n')
            n++;
    fclose(f);
    return n;
}

/* integrity_check and foreign_key_check through a plain connection; fills msg. */
static int sql_check(char *msg, size_t msg_len, int64_t *keys)
{
    sqlite3 *db = NULL;
    int ok_ = 0;
    *keys = -1;
    snprintf(msg, msg_len, "cannot open");
    if (sqlite3_open_v2(g_path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        goto out;
    sqlite3_busy_timeout(db, 5000);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK) {
        snprintf(msg, msg_len, "%s", sqlite3_errmsg(db));
        goto out;
    }
    int rc = sqlite3_step(st);
    const char *r = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    snprintf(msg, msg_len, "%s", r ? r : sqlite3_errmsg(db));
    ok_ = r && strcmp(r, "ok") == 0 && sqlite3_step(st) == SQLITE_DONE;
    sqlite3_finalize(st);
    if (!ok_)
        goto out;
    if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK) {
        ok_ = 0;
        goto out;
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
        snprintf(msg, msg_len, "foreign_key_check found a dangling reference");
        ok_ = 0;
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM keys", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        *keys = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
out:
    sqlite3_close(db);
    return ok_ ? 0 : -1;
}

static int64_t credits_now(struct kd_backend *b, const char *key_id, struct kd_error *err)
{
    struct kd_key k;
    memset(&k, 0, sizeof k);
    int64_t r = -1;
    if (kd_backend_key_get(b, key_id, &k, err) == 0)
        r = k.credits.remaining;
    kd_key_free(&k);
    return r;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* One round; returns -1 when the checks cannot go on. */
static int round_run(int r, const char *api_id, const char *credit_key_id, int64_t *credits,
                     int64_t *keys)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        ok(0, "round %d: fork: %s", r, strerror(errno));
        return -1;
    }
    if (pid == 0)
        writer(api_id, credit_key_id, r);

    /* wait (bounded) until the writer has acknowledged something, then a random
     * moment later kill it */
    for (int i = 0; i < 3000 && count_lines() < 1; i++) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            pid = -1;
            break;
        }
        sleep_ms(10);
    }
    long delay = 50 + rand() % 251;
    int status = 0;
    if (pid > 0) {
        sleep_ms(delay);
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    struct acks a;
    acks_read(&a);
    int killed = pid > 0 && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    ok(killed && !a.error[0], "round %d: writer killed after %ld ms, %zu keys acknowledged%s%s",
       r, delay, a.n_ids, a.error[0] ? "; writer failed: " : "", a.error);

    char msg[256];
    int64_t n_keys = -1;
    int ic = sql_check(msg, sizeof msg, &n_keys);
    ok(ic == 0, "round %d: integrity_check and foreign_key_check: %s", r, msg);
    int64_t delta = n_keys - *keys;
    ok(n_keys >= 0 && (delta == (int64_t)a.n_ids || delta == (int64_t)a.n_ids + 1),
       "round %d: %" PRId64 " keys appeared for %zu acknowledged (at most one more in flight)",
       r, delta, a.n_ids);
    *keys = n_keys;

    struct kd_error err;
    kd_error_clear(&err);
    struct kd_backend *b = open_backend(&err);
    if (!b) {
        ok(0, "round %d: reopen the keystore: %s", r, err.message);
        acks_free(&a);
        return -1;
    }
    size_t missing = 0;
    const char *first_missing = NULL;
    for (size_t i = 0; i < a.n_ids; i++) {
        struct kd_key k;
        memset(&k, 0, sizeof k);
        if (kd_backend_key_get(b, a.ids[i], &k, &err) != 0 || !k.id ||
            strcmp(k.id, a.ids[i]) != 0) {
            if (!missing++)
                first_missing = a.ids[i];
        }
        kd_key_free(&k);
    }
    ok(missing == 0, "round %d: every acknowledged key is there (%zu missing%s%s)", r, missing,
       first_missing ? ", first " : "", first_missing ? first_missing : "");

    int64_t acked = a.last_credits >= 0 ? a.last_credits : *credits;
    int64_t now = credits_now(b, credit_key_id, &err);
    ok(now == acked || now == acked - 1,
       "round %d: credits %" PRId64 " match the last acknowledged %" PRId64
       " (or one less in flight)",
       r, now, acked);
    *credits = now;

    struct kd_audit_check c;
    memset(&c, 0, sizeof c);
    int arc = kd_backend_audit_verify(b, &c, &err);
    ok(arc == 0 && c.ok, "round %d: audit chain verifies (%" PRId64 " entries)%s%s", r,
       c.entries, arc ? ": " : (c.ok ? "" : ": "), arc ? err.message : (c.ok ? "" : c.message));
    kd_backend_close(b);
    acks_free(&a);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: crash DIR [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    if (rounds < 1 || rounds > 100)
        rounds = 5;
    snprintf(g_path, sizeof g_path, "%s/keystore.db", argv[1]);
    snprintf(g_acks, sizeof g_acks, "%s/acknowledged", argv[1]);
    const char *seed_env = getenv("CRASH_SEED");
    unsigned seed = seed_env ? (unsigned)strtoul(seed_env, NULL, 10)
                             : (unsigned)time(NULL) ^ (unsigned)getpid();
    srand(seed);

    printf("1..%d\n", 1 + rounds * TESTS_PER_ROUND);
    printf("# CRASH_SEED=%u\n", seed);

    struct kd_error err;
    kd_error_clear(&err);
    struct kd_backend *b = open_backend(&err);
    struct kd_api aspec = {.name = (char *)"crash"}, api;
    memset(&api, 0, sizeof api);
    struct kd_key_secret sec;
    memset(&sec, 0, sizeof sec);
    int rc = b ? kd_backend_api_create(b, &aspec, &api, &err) : -1;
    if (rc == 0) {
        struct kd_key spec;
        kd_key_init(&spec);
        spec.api_id = api.id;
        spec.credits.limited = true;
        spec.credits.remaining = START_CREDITS;
        rc = kd_backend_key_create(b, &spec, &sec, &err);
    }
    kd_backend_close(b);
    ok(rc == 0, "set up a keystore with an API and a key with %d credits%s%s", START_CREDITS,
       rc ? ": " : "", rc ? err.message : "");
    if (rc != 0) {
        printf("Bail out! no keystore\n");
        return 1;
    }
    char msg[256];
    int64_t keys = 0;
    sql_check(msg, sizeof msg, &keys);

    int64_t credits = START_CREDITS;
    for (int r = 1; r <= rounds; r++)
        if (round_run(r, api.id, sec.key_id, &credits, &keys) != 0) {
            printf("Bail out! round %d could not be checked\n", r);
            break;
        }
    kd_key_secret_free(&sec);
    kd_api_free(&api);
    return g_failed;
}
