/*
 * api.h — a key space ("API" in Unkey's words): a named bag of keys with defaults
 * for the keys created in it.
 */
#ifndef KD_MODEL_API_H
#define KD_MODEL_API_H

#include <stdint.h>

struct kd_api {
    char *id;             /* "api_…" */
    char *name;           /* 3–256 characters */
    char *default_prefix; /* NULL: keys get no prefix unless asked */
    int default_byte_length; /* 16–255; 0 in a create spec means 16 */
    int64_t created_at;   /* Unix ms */
    int64_t key_count;    /* live (not deleted) keys; -1 when the backend cannot tell */
};

void kd_api_free(struct kd_api *api); /* frees members, not api itself */
void kd_api_copy(struct kd_api *dst, const struct kd_api *src);

#endif
