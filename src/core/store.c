/*
 * store.c — opening a keystore, the statement cache, transactions.
 *
 * Durability: WAL, and two kinds of write transaction.
 *   Admin changes (everything that writes an audit entry: keys, APIs, credits
 *   set by hand, roles, permissions, migrations) begin with kd_store_begin and
 *   commit with synchronous=FULL: the WAL is fsynced before COMMIT returns, so a
 *   change that was reported done survives a power loss or kernel crash.
 *   Verification counters (credits and rate-limit windows charged by a
 *   verification, and the verification log flush) begin with
 *   kd_store_begin_counters and commit with synchronous=NORMAL: the commit is in
 *   the WAL before COMMIT returns, so a crash of any process loses nothing, but a
 *   power loss may forget the last moments of counters (in the key holder's
 *   favour: a charge or a window slot is forgotten, never invented).
 * The database itself stays consistent either way.  PRAGMA synchronous cannot
 * change inside a transaction, so the setting is switched before BEGIN, and only
 * when it differs from the connection's current one.
 */
#include "core/store.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/keycache.h"
#include "core/migrations.h"
#include "core/search.h"
#include "core/vault.h"
#include "core/verifylog.h"
#include "util/xalloc.h"

#ifndef HOST_NAME_MAX
#define HOST_NAME_MAX 255
#endif

#define KD_STORE_BUSY_DEFAULT_MS 5000
/* quick_check reads every page: fine for normal keystores, but seconds per CLI
 * command for huge ones.  Above this size we skip it; damaged pages still
 * surface as SQLITE_CORRUPT (KD_ERR_CORRUPT) from any statement that reads them. */
#define KD_STORE_QUICK_CHECK_MAX (64LL * 1024 * 1024)

struct kd_store_stmt {
    const char *key; /* the caller's pointer, for the fast path */
    char *sql;       /* our copy: a heap pointer may be reused for other text */
    sqlite3_stmt *st;
    struct kd_store_stmt *next;
};

/* What the public struct does not need to show. */
struct store_impl {
    struct kd_store pub;
    uint64_t own_commits;   /* bumped on each of our commits (change token) */
    uint64_t admin_commits; /* ... except counters-only commits (key token) */
    int sync;               /* the connection's PRAGMA synchronous (SYNC_*) */
    bool counters;          /* the open transaction is counters-only */
};

#define SYNC_NORMAL 1
#define SYNC_FULL 2

static struct store_impl *impl(struct kd_store *s)
{
    return (struct store_impl *)s;
}

static int exec(struct kd_store *s, const char *sql, struct kd_error *err, const char *what)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return kd_store_fail(s, err, what);
    return 0;
}

int kd_store_fail(struct kd_store *s, struct kd_error *err, const char *what)
{
    int rc = s && s->db ? sqlite3_errcode(s->db) & 0xff : SQLITE_ERROR;
    const char *msg = s && s->db ? sqlite3_errmsg(s->db) : "no database";
    const char *path = s && s->path ? s->path : "?";
    switch (rc) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return kd_error_set(err, KD_ERR_BUSY, NULL,
                            "%s: keystore %s is locked by another process (%s)", what, path,
                            msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return kd_error_set(err, KD_ERR_CORRUPT, NULL, "%s: keystore %s is damaged (%s)", what,
                            path, msg);
    default:
        return kd_error_set(err, KD_ERR_STORE, NULL, "%s: keystore %s: %s", what, path, msg);
    }
}

/* ---- statement cache ---- */

sqlite3_stmt *kd_store_stmt(struct kd_store *s, const char *sql, struct kd_error *err)
{
    struct kd_store_stmt *hit = NULL;
    for (struct kd_store_stmt *n = s->stmts; n && !hit; n = n->next)
        if (n->key == sql && strcmp(n->sql, sql) == 0)
            hit = n;
    for (struct kd_store_stmt *n = s->stmts; n && !hit; n = n->next)
        if (strcmp(n->sql, sql) == 0) {
            hit = n;
            hit->key = sql;
        }
    if (hit) {
        sqlite3_reset(hit->st);
        sqlite3_clear_bindings(hit->st);
        return hit->st;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        kd_store_fail(s, err, "preparing a statement");
        return NULL;
    }
    struct kd_store_stmt *n = kd_xmalloc(sizeof *n);
    n->key = sql;
    n->sql = kd_xstrdup(sql);
    n->st = st;
    n->next = s->stmts;
    s->stmts = n;
    return st;
}

/* A stepped-but-unreset SELECT keeps a read snapshot open; drop them all. */
static void reset_all(struct kd_store *s)
{
    for (struct kd_store_stmt *n = s->stmts; n; n = n->next)
        sqlite3_reset(n->st);
}

/* ---- transactions ---- */

/* Step a cached statement that returns no rows (BEGIN, COMMIT, PRAGMA x=y):
 * cheaper than sqlite3_exec, which compiles the SQL on every call. */
static int run_cached(struct kd_store *s, const char *sql, struct kd_error *err,
                      const char *what)
{
    sqlite3_stmt *st = kd_store_stmt(s, sql, err);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) /* PRAGMA synchronous=... returns nothing, but be safe */
        rc = SQLITE_DONE;
    if (rc != SQLITE_DONE) {
        kd_store_fail(s, err, what); /* before the reset, which may clear the error */
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);
    return 0;
}

static int set_sync(struct kd_store *s, int want, struct kd_error *err)
{
    if (impl(s)->sync == want)
        return 0;
    if (run_cached(s, want == SYNC_FULL ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
                   err, "setting synchronous") < 0)
        return -1;
    impl(s)->sync = want;
    return 0;
}

static int begin(struct kd_store *s, bool counters, struct kd_error *err)
{
    if (s->txn_depth > 0) {
        /* An inner rollback already abandoned the transaction: refuse to go on
         * writing in autocommit mode. */
        if (sqlite3_get_autocommit(s->db))
            return kd_error_set(err, KD_ERR_STORE, NULL,
                                "keystore %s: the enclosing transaction was rolled back",
                                s->path);
        /* Its commit would not be durable. */
        if (impl(s)->counters && !counters)
            return kd_error_set(err, KD_ERR_INTERNAL, NULL,
                                "an admin change inside a counters-only transaction");
        s->txn_depth++;
        return 0;
    }
    if (set_sync(s, counters ? SYNC_NORMAL : SYNC_FULL, err) < 0)
        return -1;
    /* busy_timeout makes BEGIN IMMEDIATE wait for another writer. */
    if (run_cached(s, "BEGIN IMMEDIATE", err, "starting a transaction") < 0)
        return -1;
    s->txn_depth = 1;
    impl(s)->counters = counters;
    return 0;
}

int kd_store_begin(struct kd_store *s, struct kd_error *err)
{
    return begin(s, false, err);
}

int kd_store_begin_counters(struct kd_store *s, struct kd_error *err)
{
    return begin(s, true, err);
}

int kd_store_commit(struct kd_store *s, struct kd_error *err)
{
    if (s->txn_depth <= 0)
        return kd_error_set(err, KD_ERR_INTERNAL, NULL, "commit without a transaction");
    if (--s->txn_depth > 0)
        return 0;
    if (sqlite3_get_autocommit(s->db))
        return kd_error_set(err, KD_ERR_STORE, NULL,
                            "keystore %s: the transaction was rolled back before commit",
                            s->path);
    if (run_cached(s, "COMMIT", err, "committing") < 0) {
        if (!sqlite3_get_autocommit(s->db)) {
            reset_all(s);
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        }
        return -1;
    }
    impl(s)->own_commits++;
    if (!impl(s)->counters)
        impl(s)->admin_commits++;
    return 0;
}

void kd_store_rollback(struct kd_store *s)
{
    if (!s)
        return;
    if (s->txn_depth > 0)
        s->txn_depth--;
    if (!sqlite3_get_autocommit(s->db)) {
        reset_all(s);
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
}

/* ---- meta ---- */

int kd_store_meta_get(struct kd_store *s, const char *name, char **value,
                      struct kd_error *err)
{
    *value = NULL;
    sqlite3_stmt *st = kd_store_stmt(s, "SELECT value FROM meta WHERE name = ?1", err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *value = kd_xstrdup((const char *)sqlite3_column_text(st, 0));
        sqlite3_reset(st);
        return 0;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_DONE)
        return kd_error_set(err, KD_ERR_NOT_FOUND, NULL, "keystore %s has no meta value %s",
                            s->path, name);
    return kd_store_fail(s, err, "reading keystore meta data");
}

int kd_store_meta_set(struct kd_store *s, const char *name, const char *value,
                      struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(
        s, "INSERT INTO meta(name, value) VALUES (?1, ?2) "
           "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
        err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, "writing keystore meta data");
}

/* ---- change token ---- */

static int data_version(struct kd_store *s, uint64_t *dv, struct kd_error *err)
{
    /* A stepped-but-unreset SELECT would pin an old snapshot (and version).
     * Only busy ones need it; this runs on every verification, so it walks our
     * cache (every statement outside it is finalized where it is made) rather
     * than sqlite3_next_stmt, which takes the connection's mutex per step. */
    for (struct kd_store_stmt *n = s->stmts; n; n = n->next)
        if (sqlite3_stmt_busy(n->st))
            sqlite3_reset(n->st);
    sqlite3_stmt *st = kd_store_stmt(s, "PRAGMA data_version", err);
    if (!st)
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW) {
        kd_store_fail(s, err, "reading the data version");
        sqlite3_reset(st);
        return -1;
    }
    *dv = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

int kd_store_change_token(struct kd_store *s, uint64_t *token, struct kd_error *err)
{
    /* data_version moves only for OTHER connections' commits; ours are counted
     * separately.  Both only grow, so their sum changes whenever either does. */
    uint64_t dv;
    if (data_version(s, &dv, err) < 0)
        return -1;
    *token = dv + impl(s)->own_commits;
    return 0;
}

int kd_store_key_token(struct kd_store *s, uint64_t *token, struct kd_error *err)
{
    uint64_t dv;
    if (data_version(s, &dv, err) < 0)
        return -1;
    *token = dv + impl(s)->admin_commits;
    return 0;
}

/* ---- vault ---- */

struct kd_vault *kd_store_vault(struct kd_store *s, struct kd_error *err)
{
    if (s->vault)
        return s->vault;
    struct stat sb;
    if (stat(s->vault_path, &sb) < 0 && errno == ENOENT) {
        /* A fresh vault is right for a fresh keystore, but silently replacing a
         * lost one would make every audit entry look forged and every sealed key
         * unreadable: say what happened instead. */
        sqlite3_stmt *st = kd_store_stmt(s,
                                         "SELECT EXISTS(SELECT 1 FROM audit_log) "
                                         "OR EXISTS(SELECT 1 FROM sealed_keys)",
                                         err);
        if (!st)
            return NULL;
        int rc = sqlite3_step(st);
        int used = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW) {
            kd_store_fail(s, err, "checking for the vault");
            return NULL;
        }
        if (used) {
            kd_error_set(err, KD_ERR_NOT_FOUND, NULL,
                         "vault file %s is missing, but keystore %s already has data sealed "
                         "or signed with it: restore the vault file from a backup",
                         s->vault_path, s->path);
            return NULL;
        }
    }
    s->vault = kd_vault_open(s->vault_path, true, err);
    return s->vault;
}

/* ---- open and close ---- */

static char *os_user(void)
{
    struct passwd *pw = getpwuid(geteuid());
    if (pw && pw->pw_name && *pw->pw_name)
        return kd_xstrdup(pw->pw_name);
    return kd_xasprintf("uid:%lu", (unsigned long)geteuid());
}

static char *host_name(void)
{
    char buf[HOST_NAME_MAX + 1];
    if (gethostname(buf, sizeof buf) < 0)
        return kd_xstrdup("unknown");
    buf[sizeof buf - 1] = '\0';
    return kd_xstrdup(buf);
}

/* Tighten a file we own to 0600 (the keystore and its -wal/-shm). */
static void make_private(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid() &&
        (sb.st_mode & 0777) != 0600)
        (void)chmod(path, 0600);
}

/* mkdir -p for the keystore's directory; new directories are 0700. */
static void make_parent_dirs(const char *path)
{
    char *dir = kd_xstrdup(path);
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        (void)mkdir(dir, 0700);
        *p = '/';
    }
    free(dir);
}

/* Make sure the file exists (created 0600 before SQLite sees it) or refuse. */
static int ensure_file(const struct kd_store_options *opt, struct kd_error *err)
{
    struct stat sb;
    if (stat(opt->path, &sb) == 0) {
        if (!S_ISREG(sb.st_mode))
            return kd_error_set(err, KD_ERR_INVALID, "path",
                                "keystore %s is not a regular file", opt->path);
        return 0;
    }
    if (errno != ENOENT)
        return kd_error_set(err, KD_ERR_IO, "path", "cannot open keystore %s: %s", opt->path,
                            strerror(errno));
    if (!opt->create_if_missing)
        return kd_error_set(err, KD_ERR_NOT_FOUND, "path", "keystore %s does not exist",
                            opt->path);
    make_parent_dirs(opt->path);
    int fd = open(opt->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == EEXIST) /* another process won the race: use theirs */
            return 0;
        return kd_error_set(err, KD_ERR_IO, "path", "cannot create keystore %s: %s",
                            opt->path, strerror(errno));
    }
    (void)fchmod(fd, 0600); /* in case the umask took more than group/other bits */
    close(fd);
    return 0;
}

static int configure_db(struct kd_store *s, int busy_ms, struct kd_error *err)
{
    sqlite3_busy_timeout(s->db, busy_ms > 0 ? busy_ms : KD_STORE_BUSY_DEFAULT_MS);
    /* The first read of the header tells a SQLite file from anything else. */
    if (sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) !=
        SQLITE_OK) {
        int rc = sqlite3_errcode(s->db) & 0xff;
        if (rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT)
            return kd_error_set(err, KD_ERR_CORRUPT, "path",
                                "%s is not a keydeck keystore, or it is damaged (%s)", s->path,
                                sqlite3_errmsg(s->db));
        return kd_store_fail(s, err, "opening");
    }

    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK)
        return kd_store_fail(s, err, "switching to WAL");
    int rc = sqlite3_step(st);
    char mode[16] = "";
    if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
        snprintf(mode, sizeof mode, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW)
        return kd_store_fail(s, err, "switching to WAL");
    if (strcmp(mode, "wal") != 0)
        return kd_error_set(err, KD_ERR_STORE, "path",
                            "keystore %s cannot use write-ahead logging (journal mode is %s); "
                            "is it on a network file system?",
                            s->path, mode);

    /* 16 MiB of page cache rather than SQLite's 2: an indexed filter reads its
     * candidate rows from all over the file, and the next keystroke reads the
     * same ones again. */
    if (exec(s, "PRAGMA foreign_keys=ON", err, "enabling foreign keys") < 0 ||
        exec(s, "PRAGMA synchronous=FULL", err, "setting synchronous") < 0 ||
        exec(s, "PRAGMA cache_size=-16384", err, "sizing the page cache") < 0)
        return -1;
    impl(s)->sync = SYNC_FULL; /* admin changes are the default; see the top */

    struct stat sb;
    if (stat(s->path, &sb) == 0 && sb.st_size <= KD_STORE_QUICK_CHECK_MAX) {
        if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check(1)", -1, &st, NULL) != SQLITE_OK)
            return kd_store_fail(s, err, "checking the keystore");
        rc = sqlite3_step(st);
        char verdict[200] = "";
        if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
            snprintf(verdict, sizeof verdict, "%s", (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        if (rc != SQLITE_ROW)
            return kd_store_fail(s, err, "checking the keystore");
        if (strcmp(verdict, "ok") != 0)
            return kd_error_set(err, KD_ERR_CORRUPT, "path",
                                "keystore %s is damaged: %s", s->path, verdict);
    }
    return 0;
}

/* SQLite's memory statistics take a process-wide mutex on every allocation,
 * which threads with their own connections (keydeckd's workers) then fight
 * over; keydeck never reads them.  Must run before SQLite starts, hence once,
 * at the first open. */
static void configure_sqlite(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

struct kd_store *kd_store_open(const struct kd_store_options *opt, struct kd_error *err)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    pthread_once(&configured, configure_sqlite);
    if (!opt || !opt->path || !*opt->path) {
        kd_error_set(err, KD_ERR_INVALID, "path", "a keystore path is required");
        return NULL;
    }
    if (sodium_init() < 0) {
        kd_error_set(err, KD_ERR_INTERNAL, NULL, "libsodium failed to initialise");
        return NULL;
    }
    if (ensure_file(opt, err) < 0)
        return NULL;

    struct store_impl *si = kd_xcalloc(1, sizeof *si);
    struct kd_store *s = &si->pub;
    s->path = kd_xstrdup(opt->path);
    s->vault_path = kd_xasprintf("%s.vault", opt->path);
    s->actor = opt->actor && *opt->actor ? kd_xstrdup(opt->actor) : os_user();
    s->host = host_name();

    /* One connection per store, never shared between threads: NOMUTEX.  No
     * CREATE: the file exists already with the right mode (ensure_file). */
    int rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        if (s->db)
            kd_store_fail(s, err, "opening");
        else
            kd_error_set(err, KD_ERR_STORE, "path", "cannot open keystore %s", s->path);
        kd_store_close(s);
        return NULL;
    }
    if (kd_search_register(s->db) < 0) {
        kd_error_set(err, KD_ERR_STORE, NULL,
                     "this SQLite library has no FTS5, which the keystore's search index needs");
        kd_store_close(s);
        return NULL;
    }
    if (configure_db(s, opt->busy_timeout_ms, err) < 0 || kd_migrate(s, err) < 0) {
        kd_store_close(s);
        return NULL;
    }
    /* Only now that it is known to be ours do we touch its permissions. */
    make_private(s->path);
    char *side = kd_xasprintf("%s-wal", s->path);
    make_private(side);
    free(side);
    side = kd_xasprintf("%s-shm", s->path);
    make_private(side);
    free(side);
    return s;
}

void kd_store_close(struct kd_store *s)
{
    if (!s)
        return;
    if (s->db) {
        if (s->txn_depth > 0) {
            s->txn_depth = 1;
            kd_store_rollback(s);
        }
        /* Buffered verification records need the statements and connection. */
        kd_verifylog_flush(s, NULL);
        kd_verifylog_free(s);
    }
    kd_keycache_free(s);
    for (struct kd_store_stmt *n = s->stmts, *next; n; n = next) {
        next = n->next;
        sqlite3_finalize(n->st);
        free(n->sql);
        free(n);
    }
    s->stmts = NULL;
    if (s->db)
        sqlite3_close_v2(s->db);
    kd_vault_close(s->vault);
    free(s->path);
    free(s->vault_path);
    free(s->actor);
    free(s->host);
    free(impl(s));
}
