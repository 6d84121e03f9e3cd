/*
 * strlist.h — an owned, growable list of strings (role names, permission slugs).
 */
#ifndef KD_UTIL_STRLIST_H
#define KD_UTIL_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct kd_strlist {
    char **items;
    size_t len;
    size_t cap;
};

#define KD_STRLIST_INIT {NULL, 0, 0}

void kd_strlist_push(struct kd_strlist *l, const char *s);
/** Push only when not already present; returns true when added. */
bool kd_strlist_add_unique(struct kd_strlist *l, const char *s);
bool kd_strlist_contains(const struct kd_strlist *l, const char *s);
/** Remove all equal entries; returns how many were removed. */
size_t kd_strlist_remove(struct kd_strlist *l, const char *s);
void kd_strlist_sort(struct kd_strlist *l);
void kd_strlist_copy(struct kd_strlist *dst, const struct kd_strlist *src);
void kd_strlist_clear(struct kd_strlist *l);
/** Split "a,b, c" on commas, trimming blanks and dropping empty parts. */
void kd_strlist_split(struct kd_strlist *l, const char *csv);
/** Join with sep into a new string ("" for an empty list). */
char *kd_strlist_join(const struct kd_strlist *l, const char *sep);

#endif
