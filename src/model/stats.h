/*
 * stats.h — verification statistics for the monitoring view.
 */
#ifndef KD_MODEL_STATS_H
#define KD_MODEL_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "model/verify.h"

#define KD_STATS_BUCKETS 60 /* one-per-bucket counts for sparklines */

struct kd_stats_query {
    const char *api_id;  /* NULL: all APIs */
    const char *key_id;  /* NULL: all keys */
    int64_t since;       /* Unix ms; window start */
    int64_t until;       /* Unix ms; window end (now) */
    int top_n;           /* how many busiest keys / close-to-empty / expiring to return */
};

struct kd_stats_key {
    char *key_id;
    char *api_id;
    char *name;
    int64_t value;    /* requests, remaining credits or expiry time, by list */
    const char *code; /* failures only: the outcome's wire name (static) */
};

struct kd_stats {
    int64_t total;
    int64_t by_code[KD_VERIFY_CODE_COUNT];
    int64_t buckets[KD_STATS_BUCKETS]; /* evenly split [since, until) */
    struct kd_stats_key *busiest;  size_t n_busiest;  /* value = requests in window */
    struct kd_stats_key *low_credits; size_t n_low_credits; /* value = remaining */
    struct kd_stats_key *expiring; size_t n_expiring; /* value = expires (ms) */
    struct kd_stats_key *failures; size_t n_failures; /* most recent non-VALID; value = at */
};

void kd_stats_free(struct kd_stats *s);

#endif
