/*
 * multiproc.c — several processes on one keystore: no credit is spent twice, no
 * rate-limit slot is handed out twice, no update is lost.
 *
 * Usage: multiproc DIR [PROCS]   (DIR: an empty scratch directory)
 * Prints TAP.  Every child opens its own backend on the same file after the fork
 * (a SQLite connection must never cross a fork), works, and writes one line of
 * counts to a pipe; the parent adds the lines up.  Any failed call in a child
 * (SQLITE_BUSY past the busy timeout included) is counted and reported, never
 * retried, so lock trouble shows up as a failure here.
 */
#include "backend/backend.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/key.h"
#include "model/verify.h"
#include "util/clock.h"
#include "util/error.h"

#define CREDITS 500
#define RL_LIMIT 50
#define RL_WINDOW_MS 60000
#define WRITES_PER_PROC 40
#define STOP_AFTER 3 /* refusals a child must see before it stops */

static int g_test;
static int g_failed;
static int g_procs = 8;
static char g_path[4096];
static int g_go = -1; /* read end of the start barrier (children) */

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
    struct kd_local_options o = {.keystore_path = g_path, .actor = "multiproc",
                                 .create_if_missing = true};
    return kd_backend_local_open(&o, err);
}

/* What one child reports. */
struct tally {
    long valid;
    long refused;  /* the refusal the case waits for */
    long other;    /* any other verification code */
    long failures; /* calls that returned -1 */
    char first_error[300];
};

static void tally_fail(struct tally *t, const char *what, const struct kd_error *err)
{
    if (t->failures++ == 0)
        snprintf(t->first_error, sizeof t->first_error, "%s: %.200s (%s)", what, err->message,
                 kd_errcode_name(err->code));
}

/* ---- the child bodies ---- */

/* Block until the parent has forked every child (it closes the write end), so
 * the processes really run at the same time rather than one after another. */
static void wait_for_go(void)
{
    char c;
    while (read(g_go, &c, 1) < 0 && errno == EINTR)
        ;
}

/* Verify key until `stop` has been seen STOP_AFTER times (or max_loops). */
static void child_verify(const char *key, enum kd_verify_code stop, long max_loops,
                         struct tally *t)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_backend *b = open_backend(&err);
    if (!b) {
        tally_fail(t, "open", &err);
        return;
    }
    wait_for_go();
    for (long i = 0; i < max_loops && t->refused < STOP_AFTER; i++) {
        struct kd_verify_request req = {.key = key, .credit_cost = KD_COST_DEFAULT};
        struct kd_verify_result res;
        memset(&res, 0, sizeof res);
        if (kd_backend_verify(b, &req, &res, &err) != 0) {
            tally_fail(t, "verify", &err);
            /* keep going: a lost call must not hide a double spend elsewhere */
        } else if (res.code == KD_VERIFY_VALID) {
            t->valid++;
        } else if (res.code == stop) {
            t->refused++;
        } else {
            if (t->other++ == 0)
                snprintf(t->first_error, sizeof t->first_error, "unexpected code %s",
                         kd_verify_code_name(res.code));
        }
        kd_verify_result_free(&res);
    }
    kd_backend_close(b);
}

/* Child number idx: WRITES_PER_PROC rounds of (credits += idx+1, rename). */
static void child_write(const char *key_id, int idx, struct tally *t)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_backend *b = open_backend(&err);
    if (!b) {
        tally_fail(t, "open", &err);
        return;
    }
    wait_for_go();
    for (int i = 0; i < WRITES_PER_PROC; i++) {
        struct kd_credits after;
        if (kd_backend_key_credits(b, key_id, KD_CREDITS_INCREMENT, false, idx + 1, &after,
                                   &err) != 0)
            tally_fail(t, "key_credits increment", &err);
        else
            t->valid++;

        char name[64];
        snprintf(name, sizeof name, "writer-%d-%d", idx, i);
        struct kd_key_update u;
        memset(&u, 0, sizeof u);
        kd_key_init(&u.values);
        u.fields = KD_KF_NAME;
        u.values.name = name;
        if (kd_backend_key_update(b, key_id, &u, &err) != 0)
            tally_fail(t, "key_update name", &err);
        else
            t->refused++; /* here: successful updates */
    }
    kd_backend_close(b);
}

/* ---- fork, collect ---- */

enum job { JOB_VERIFY_CREDITS, JOB_VERIFY_RATELIMIT, JOB_WRITE };

struct job_args {
    enum job job;
    const char *key;    /* plaintext, for the verify jobs */
    const char *key_id; /* for the write job */
};

static void run_child(const struct job_args *a, int idx, int fd)
{
    struct tally t;
    memset(&t, 0, sizeof t);
    switch (a->job) {
    case JOB_VERIFY_CREDITS:
        child_verify(a->key, KD_VERIFY_USAGE_EXCEEDED, 4L * CREDITS + 100, &t);
        break;
    case JOB_VERIFY_RATELIMIT:
        child_verify(a->key, KD_VERIFY_RATE_LIMITED, 4L * RL_LIMIT + 100, &t);
        break;
    case JOB_WRITE:
        child_write(a->key_id, idx, &t);
        break;
    }
    /* newlines would break the one-line protocol */
    for (char *p = t.first_error; *p; p++)
        if (*p == '\n')
            *p = ' ';
    char line[512];
    int n = snprintf(line, sizeof line, "%ld %ld %ld %ld %s\n", t.valid, t.refused, t.other,
                     t.failures, t.first_error);
    if (n > (int)sizeof line - 1)
        n = (int)sizeof line - 1;
    ssize_t w = write(fd, line, (size_t)n);
    close(fd);
    _exit(w == n ? 0 : 1);
}

/* Run g_procs children of job a and sum their tallies.  Returns -1 when a child
 * could not be started or did not exit cleanly. */
static int run_children(const struct job_args *a, struct tally *sum)
{
    memset(sum, 0, sizeof *sum);
    pid_t pids[64];
    FILE *pipes[64];
    int started = 0, bad = 0;
    int go[2];
    if (pipe(go) != 0)
        return -1;
    fflush(stdout);
    for (int i = 0; i < g_procs; i++) {
        int fds[2];
        if (pipe(fds) != 0) {
            bad = 1;
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            close(fds[0]);
            close(fds[1]);
            bad = 1;
            break;
        }
        if (pid == 0) {
            close(fds[0]);
            close(go[1]);
            g_go = go[0];
            for (int j = 0; j < started; j++)
                fclose(pipes[j]);
            run_child(a, i, fds[1]);
        }
        close(fds[1]);
        pids[started] = pid;
        pipes[started] = fdopen(fds[0], "r");
        started++;
    }
    close(go[0]);
    close(go[1]); /* go */
    for (int i = 0; i < started; i++) {
        char line[512] = "";
        if (!pipes[i] || !fgets(line, sizeof line, pipes[i])) {
            printf("# child %d sent no tally\n", i);
            bad = 1;
        } else {
            struct tally t;
            memset(&t, 0, sizeof t);
            int off = 0;
            if (sscanf(line, "%ld %ld %ld %ld %n", &t.valid, &t.refused, &t.other, &t.failures,
                       &off) < 4) {
                printf("# child %d sent a bad tally: %s", i, line);
                bad = 1;
            }
            sum->valid += t.valid;
            sum->refused += t.refused;
            sum->other += t.other;
            sum->failures += t.failures;
            line[strcspn(line, "\n")] = '\0';
            if ((t.failures || t.other) && off > 0)
                printf("# child %d: %ld failed calls, %ld unexpected codes; first: %s\n", i,
                       t.failures, t.other, line + off);
        }
        if (pipes[i])
            fclose(pipes[i]);
        int status = 0;
        if (waitpid(pids[i], &status, 0) < 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            printf("# child %d did not exit cleanly (status %d)\n", i, status);
            bad = 1;
        }
    }
    return bad || started != g_procs ? -1 : 0;
}

/* ---- setup helpers (parent; the backend is closed before any fork) ---- */

static int make_api(struct kd_backend *b, char **api_id, struct kd_error *err)
{
    struct kd_api spec = {.name = (char *)"multiproc"}, out;
    memset(&out, 0, sizeof out);
    if (kd_backend_api_create(b, &spec, &out, err) != 0)
        return -1;
    *api_id = out.id;
    out.id = NULL;
    kd_api_free(&out);
    return 0;
}

static int make_key(struct kd_backend *b, struct kd_key *spec, struct kd_key_secret *out,
                    struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    return kd_backend_key_create(b, spec, out, err);
}

static int get_credits(const char *key_id, struct kd_credits *out, struct kd_error *err)
{
    struct kd_backend *b = open_backend(err);
    if (!b)
        return -1;
    struct kd_key k;
    memset(&k, 0, sizeof k);
    int rc = kd_backend_key_get(b, key_id, &k, err);
    if (rc == 0)
        *out = k.credits;
    kd_key_free(&k);
    kd_backend_close(b);
    return rc;
}

static int64_t audit_entries(struct kd_error *err)
{
    struct kd_backend *b = open_backend(err);
    if (!b)
        return -1;
    struct kd_audit_check c;
    memset(&c, 0, sizeof c);
    int rc = kd_backend_audit_verify(b, &c, err);
    kd_backend_close(b);
    if (rc != 0)
        return -1;
    if (!c.ok) {
        printf("# audit chain broken: %s\n", c.message);
        return -1;
    }
    return c.entries;
}

static void report_failures(const char *name, const struct tally *sum)
{
    ok(sum->failures == 0, "%s: no call failed in any process (%ld failed; BUSY counts)", name,
       sum->failures);
    ok(sum->other == 0, "%s: no unexpected verification code (%ld seen)", name, sum->other);
}

/* ---- the cases ---- */

static void case_credits(const char *api_id)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_backend *b = open_backend(&err);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.api_id = (char *)api_id;
    spec.credits.limited = true;
    spec.credits.remaining = CREDITS;
    struct kd_key_secret sec;
    int rc = b ? make_key(b, &spec, &sec, &err) : -1;
    kd_backend_close(b);
    ok(rc == 0, "credits: create a key with %d credits%s%s", CREDITS, rc ? ": " : "",
       rc ? err.message : "");
    if (rc != 0)
        return;

    struct job_args a = {.job = JOB_VERIFY_CREDITS, .key = sec.plaintext};
    struct tally sum;
    int crc = run_children(&a, &sum);
    ok(crc == 0, "credits: %d processes ran and reported", g_procs);
    report_failures("credits", &sum);
    ok(sum.valid == CREDITS, "credits: total VALID over %d processes is %d (got %ld)", g_procs,
       CREDITS, sum.valid);
    ok(sum.refused >= STOP_AFTER, "credits: USAGE_EXCEEDED seen once spent (%ld times)",
       sum.refused);

    struct kd_credits c;
    memset(&c, 0, sizeof c);
    rc = get_credits(sec.key_id, &c, &err);
    ok(rc == 0 && c.limited && c.remaining == 0, "credits: remaining is 0 afterwards (%s%" PRId64 ")",
       rc ? err.message : "", c.remaining);
    kd_key_secret_free(&sec);
}

static void case_ratelimit(const char *api_id)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_backend *b = open_backend(&err);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.api_id = (char *)api_id;
    kd_key_add_ratelimit(&spec, "default", RL_LIMIT, RL_WINDOW_MS, true);
    struct kd_key_secret sec;
    int rc = b ? make_key(b, &spec, &sec, &err) : -1;
    kd_backend_close(b);
    spec.api_id = NULL;
    kd_key_free(&spec);
    ok(rc == 0, "ratelimit: create a key limited to %d per %d ms%s%s", RL_LIMIT, RL_WINDOW_MS,
       rc ? ": " : "", rc ? err.message : "");
    if (rc != 0)
        return;

    struct job_args a = {.job = JOB_VERIFY_RATELIMIT, .key = sec.plaintext};
    struct tally sum;
    int crc = run_children(&a, &sum);
    ok(crc == 0, "ratelimit: %d processes ran and reported", g_procs);
    report_failures("ratelimit", &sum);
    ok(sum.valid == RL_LIMIT, "ratelimit: total VALID over %d processes is %d (got %ld)",
       g_procs, RL_LIMIT, sum.valid);
    ok(sum.refused >= STOP_AFTER, "ratelimit: RATE_LIMITED seen once full (%ld times)",
       sum.refused);
    kd_key_secret_free(&sec);
}

static void case_writers(const char *api_id)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_backend *b = open_backend(&err);
    struct kd_key spec;
    kd_key_init(&spec);
    spec.api_id = (char *)api_id;
    spec.credits.limited = true;
    spec.credits.remaining = 0;
    struct kd_key_secret sec;
    int rc = b ? make_key(b, &spec, &sec, &err) : -1;
    kd_backend_close(b);
    ok(rc == 0, "writers: create a key with 0 credits%s%s", rc ? ": " : "",
       rc ? err.message : "");
    if (rc != 0)
        return;

    int64_t before = audit_entries(&err);
    ok(before > 0, "writers: audit chain verifies before (%" PRId64 " entries)", before);

    struct job_args a = {.job = JOB_WRITE, .key_id = sec.key_id};
    struct tally sum;
    int crc = run_children(&a, &sum);
    ok(crc == 0, "writers: %d processes ran and reported", g_procs);
    report_failures("writers", &sum);

    /* child i adds (i+1) WRITES_PER_PROC times */
    int64_t expect = (int64_t)WRITES_PER_PROC * g_procs * (g_procs + 1) / 2;
    struct kd_credits c;
    memset(&c, 0, sizeof c);
    rc = get_credits(sec.key_id, &c, &err);
    ok(rc == 0 && c.remaining == expect,
       "writers: credits are the sum of all increments, %" PRId64 " (got %" PRId64 "%s%s)",
       expect, c.remaining, rc ? ", " : "", rc ? err.message : "");

    int64_t after = audit_entries(&err);
    int64_t writes = sum.valid + sum.refused;
    ok(after > 0 && before > 0 && after - before == writes,
       "writers: audit chain verifies after, one entry per write (%" PRId64
       " new entries, %" PRId64 " successful writes)",
       after - before, writes);
    kd_key_secret_free(&sec);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: multiproc DIR [PROCS]\n");
        return 2;
    }
    if (argc > 2)
        g_procs = atoi(argv[2]);
    if (g_procs < 2 || g_procs > 64)
        g_procs = 8;
    snprintf(g_path, sizeof g_path, "%s/keystore.db", argv[1]);

    /* Pin one "now" for every process (children inherit the environment and the
     * pinned clock), so all rate-limit windows line up. */
    if (!getenv("KEYDECK_NOW"))
        setenv("KEYDECK_NOW", "2025-01-01T00:00:00Z", 1);
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_clock_init_from_env(&err) != 0) {
        printf("Bail out! KEYDECK_NOW: %s\n", err.message);
        return 1;
    }

    printf("1..20\n");
    struct kd_backend *b = open_backend(&err);
    char *api_id = NULL;
    int rc = b ? make_api(b, &api_id, &err) : -1;
    kd_backend_close(b);
    if (rc != 0) {
        printf("Bail out! cannot create the keystore %s: %s\n", g_path, err.message);
        return 1;
    }
    case_credits(api_id);
    case_ratelimit(api_id);
    case_writers(api_id);
    free(api_id);
    if (g_test != 20)
        printf("# ran %d tests (a setup step failed)\n", g_test);
    return g_failed;
}
