/*
 * audit_log.h — appending to the hash-chained mutation log.
 *
 * Called by every engine mutation inside its transaction, so the change and its
 * log entry commit together.  hash_n = BLAKE2b-256(key = vault audit key,
 * hash_{n-1} || seq || at || actor || host || action || target || changes), with
 * each field length-prefixed; hash_0 is 32 zero bytes.  Without the vault file an
 * edited entry cannot be re-hashed, so `keydeck log verify` finds it.
 */
#ifndef KD_CORE_AUDIT_LOG_H
#define KD_CORE_AUDIT_LOG_H

#include "core/store.h"
#include "util/error.h"

/**
 * Append an entry (the caller holds the write transaction).  changes_json is a
 * JSON object text; it must never hold a secret.
 */
int kd_audit_append(struct kd_store *s, const char *action, const char *target,
                    const char *changes_json, struct kd_error *err);

struct json_t; /* jansson */
/**
 * Append with changes given as a JSON object (dumped compact with sorted keys);
 * takes ownership of changes (decref'd even on failure).
 */
int kd_audit_append_json(struct kd_store *s, const char *action, const char *target,
                         struct json_t *changes, struct kd_error *err);

#endif
