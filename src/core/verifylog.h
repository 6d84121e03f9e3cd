/*
 * verifylog.h — recording verifications.
 *
 * Each verification is counted in the verifications table (time, key, API,
 * outcome, n: the VALID verifications of one key and API in one second share a
 * row, stamped with the latest of them; failures are one row each) and bumps the
 * key's request count and last-used time (in key_usage, schema_v2.sql).  Writing
 * that row in its own transaction would make every verification a disk write,
 * so records are buffered in memory and flushed in one transaction when
 * KD_VERIFYLOG_BATCH are waiting, when the oldest is a second old, and on close.
 * A crash can lose at most that buffer (a second of statistics): these are
 * statistics, like Unkey's approximate lastUsedAt.  Credits and rate-limit
 * counters are NOT buffered: they are committed before a verification returns.
 * Retention: rows older than 30 days, or beyond the newest 1,000,000, are pruned on
 * flush.
 */
#ifndef KD_CORE_VERIFYLOG_H
#define KD_CORE_VERIFYLOG_H

#include <stdint.h>

#include "core/store.h"
#include "model/verify.h"

/* Large enough that a second of a busy keystore's verifications is one flush:
 * each row a flush writes costs a random page (verifylog.c), and a key verified
 * many times in that second then costs one. */
#define KD_VERIFYLOG_BATCH 16384
#define KD_VERIFYLOG_MAX_AGE_MS 1000
#define KD_VERIFYLOG_RETAIN_MS (30LL * 24 * 3600 * 1000)
#define KD_VERIFYLOG_RETAIN_ROWS 1000000

/** Buffer one record (key_rid 0 for NOT_FOUND); may flush. */
int kd_verifylog_record(struct kd_store *s, int64_t key_rid, const char *api_id,
                        enum kd_verify_code code, int64_t at, struct kd_error *err);
/** Write everything buffered now. */
int kd_verifylog_flush(struct kd_store *s, struct kd_error *err);
/** Free the buffer (after a flush). */
void kd_verifylog_free(struct kd_store *s);

#endif
