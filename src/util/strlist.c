#include "util/strlist.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

void kd_strlist_push(struct kd_strlist *l, const char *s)
{
    l->items = kd_xgrow(l->items, &l->cap, l->len + 1, sizeof *l->items);
    l->items[l->len++] = kd_xstrdup(s);
}

bool kd_strlist_contains(const struct kd_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i], s) == 0)
            return true;
    return false;
}

bool kd_strlist_add_unique(struct kd_strlist *l, const char *s)
{
    if (kd_strlist_contains(l, s))
        return false;
    kd_strlist_push(l, s);
    return true;
}

size_t kd_strlist_remove(struct kd_strlist *l, const char *s)
{
    size_t out = 0, removed = 0;
    for (size_t i = 0; i < l->len; i++) {
        if (strcmp(l->items[i], s) == 0) {
            free(l->items[i]);
            removed++;
        } else {
            l->items[out++] = l->items[i];
        }
    }
    l->len = out;
    return removed;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void kd_strlist_sort(struct kd_strlist *l)
{
    if (l->len > 1)
        qsort(l->items, l->len, sizeof *l->items, cmp_str);
}

void kd_strlist_copy(struct kd_strlist *dst, const struct kd_strlist *src)
{
    for (size_t i = 0; i < src->len; i++)
        kd_strlist_push(dst, src->items[i]);
}

void kd_strlist_clear(struct kd_strlist *l)
{
    for (size_t i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = l->cap = 0;
}

void kd_strlist_split(struct kd_strlist *l, const char *csv)
{
    const char *p = csv;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        const char *b = p, *e = end;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        if (e > b) {
            char *item = kd_xstrndup(b, (size_t)(e - b));
            kd_strlist_push(l, item);
            free(item);
        }
        p = comma ? comma + 1 : NULL;
    }
}

char *kd_strlist_join(const struct kd_strlist *l, const char *sep)
{
    size_t n = 1, seplen = strlen(sep);
    for (size_t i = 0; i < l->len; i++)
        n += strlen(l->items[i]) + (i ? seplen : 0);
    char *out = kd_xmalloc(n), *w = out;
    for (size_t i = 0; i < l->len; i++) {
        if (i) {
            memcpy(w, sep, seplen);
            w += seplen;
        }
        size_t k = strlen(l->items[i]);
        memcpy(w, l->items[i], k);
        w += k;
    }
    *w = '\0';
    return out;
}
