/*
 * audit.h — one entry of the tamper-evident mutation log.
 *
 * Entries are chained: hash = BLAKE2b-256 keyed with the keystore's audit key,
 * over the previous hash and this entry's fields, so editing or deleting an
 * entry breaks the chain at that point.
 */
#ifndef KD_MODEL_AUDIT_H
#define KD_MODEL_AUDIT_H

#include <stdint.h>

struct kd_audit_entry {
    int64_t seq;       /* 1, 2, 3, … */
    int64_t at;        /* Unix ms */
    char *actor;       /* OS user, or "rootkey:<id>" for keydeckd */
    char *host;
    char *action;      /* "key.create", "key.update", "api.delete", … */
    char *target;      /* the id acted on */
    char *changes_json; /* {"field": new value, …}; never a secret */
    char hash_hex[65];
};

/* Result of walking the chain. */
struct kd_audit_check {
    int ok;               /* 1: every entry verified */
    int64_t entries;      /* how many were checked */
    int64_t first_bad_seq; /* 0 when ok */
    char head_hex[65];    /* hash of the last entry: anchor it elsewhere to detect truncation */
    char message[256];    /* "entry 17 was altered", "entry 18 is missing", … */
};

void kd_audit_entry_free(struct kd_audit_entry *e);

#endif
