/*
 * xalloc.h — allocation that never returns NULL.
 *
 * keydeck cannot do anything useful once memory is exhausted, and checking every
 * small allocation buries the logic; these abort with a message instead.
 */
#ifndef KD_UTIL_XALLOC_H
#define KD_UTIL_XALLOC_H

#include <stddef.h>

void *kd_xmalloc(size_t n);
void *kd_xcalloc(size_t count, size_t size);
void *kd_xrealloc(void *p, size_t n);
/** Grow an array of elem_size elements so it holds at least need; updates *cap. */
void *kd_xgrow(void *p, size_t *cap, size_t need, size_t elem_size);
char *kd_xstrdup(const char *s);      /* NULL in, NULL out */
char *kd_xstrndup(const char *s, size_t n);
char *kd_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** Overwrite then free a string that held a secret. NULL is allowed. */
void kd_secret_free(char *s);

#endif
