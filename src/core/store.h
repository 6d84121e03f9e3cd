/*
 * store.h — the open keystore: one SQLite connection plus what goes with it.
 *
 * A keystore is a SQLite file (WAL, foreign keys on, 0600) and a vault file beside
 * it (<keystore>.vault, 0600, 32 random bytes) from which the vault and audit-chain
 * keys are derived.  Opening applies any pending migrations and refuses a keystore
 * written by a newer keydeck.  Several processes may open one keystore at once:
 * writes take an IMMEDIATE transaction and wait up to busy_timeout for the lock.
 */
#ifndef KD_CORE_STORE_H
#define KD_CORE_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

#define KD_SCHEMA_VERSION 5 /* the newest version this build knows */

struct kd_vault; /* vault.h */

struct kd_store_options {
    const char *path;
    bool create_if_missing;
    const char *actor;  /* audit "who"; NULL: the OS user */
    int busy_timeout_ms; /* 0: 5000 */
};

struct kd_store {
    sqlite3 *db;
    char *path;
    char *vault_path;
    char *actor;
    char *host;
    struct kd_vault *vault;  /* opened on first need (reveal, recoverable create, audit) */
    struct kd_store_stmt *stmts; /* prepared-statement cache, see kd_store_stmt */
    int txn_depth;
    struct kd_verifylog *verifylog; /* buffered verification records (verifylog.h) */
    struct kd_keycache *keycache;   /* verification's key rows (keycache.h) */
};

/** Open (and migrate) a keystore. */
struct kd_store *kd_store_open(const struct kd_store_options *opt, struct kd_error *err);
/** Flush buffered verification records and close.  NULL is allowed. */
void kd_store_close(struct kd_store *s);

/**
 * A cached prepared statement for sql (compared by pointer first, so pass string
 * literals).  It comes back reset with bindings cleared.  NULL with err set when
 * the SQL does not compile (a bug).
 */
sqlite3_stmt *kd_store_stmt(struct kd_store *s, const char *sql, struct kd_error *err);

/**
 * BEGIN IMMEDIATE for an admin change, committed durably (synchronous=FULL: it
 * survives a power loss).  Nested calls only count depth.
 */
int kd_store_begin(struct kd_store *s, struct kd_error *err);
/**
 * BEGIN IMMEDIATE for verification counters only (credits and rate-limit windows
 * charged by a verification, the verification log): synchronous=NORMAL, so a
 * process crash loses nothing but a power loss may forget the last moments of
 * counters.  Nested inside any transaction it just counts depth; an admin
 * kd_store_begin nested inside a counters transaction is refused (KD_ERR_INTERNAL).
 * Commits of counters transactions do not move kd_store_key_token.
 */
int kd_store_begin_counters(struct kd_store *s, struct kd_error *err);
/** COMMIT at depth 0.  On failure the transaction is rolled back. */
int kd_store_commit(struct kd_store *s, struct kd_error *err);
/** ROLLBACK at depth 0 (at any depth, the whole transaction is abandoned). */
void kd_store_rollback(struct kd_store *s);

/** Fill err from the connection's last SQLite error; returns -1. */
int kd_store_fail(struct kd_store *s, struct kd_error *err, const char *what);

/** The vault, opened (and created 0600 when missing) on first use. */
struct kd_vault *kd_store_vault(struct kd_store *s, struct kd_error *err);

/** A number that changes whenever any process commits to the keystore. */
int kd_store_change_token(struct kd_store *s, uint64_t *token, struct kd_error *err);
/**
 * Like kd_store_change_token, but this connection's counters transactions do not
 * move it (another connection's commits of any kind do): while it is unchanged,
 * no key setting, key, API, rate limit or role was changed by anyone.
 */
int kd_store_key_token(struct kd_store *s, uint64_t *token, struct kd_error *err);

/** Read and write the meta table. */
int kd_store_meta_get(struct kd_store *s, const char *name, char **value, struct kd_error *err);
int kd_store_meta_set(struct kd_store *s, const char *name, const char *value,
                      struct kd_error *err);

#endif
