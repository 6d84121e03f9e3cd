/*
 * page.h — how lists are asked for and returned.
 *
 * Every list is paged, because a remote server pages and a local keystore can
 * hold millions of keys.  A query carries an opaque cursor (NULL for the first
 * page) and gets back the cursor of the next page (NULL at the end).
 */
#ifndef KD_MODEL_PAGE_H
#define KD_MODEL_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/api.h"
#include "model/audit.h"
#include "model/key.h"
#include "model/rbac.h"

#define KD_PAGE_LIMIT_DEFAULT 100
#define KD_PAGE_LIMIT_MAX 1000

/* Columns a key list can be sorted by. */
enum kd_key_sort {
    KD_SORT_CREATED = 0, /* creation order (= id order); the only one every backend has */
    KD_SORT_NAME,
    KD_SORT_EXPIRES,
    KD_SORT_CREDITS,
    KD_SORT_LAST_USED,
};

struct kd_list_query {
    const char *cursor; /* NULL: first page */
    int limit;          /* 0: KD_PAGE_LIMIT_DEFAULT; capped at KD_PAGE_LIMIT_MAX */
    const char *filter; /* substring, case-insensitive; NULL or "": none */
    bool want_total;    /* ask for the total match count (may cost a scan) */
};

struct kd_key_query {
    struct kd_list_query page;
    const char *api_id;      /* required */
    const char *external_id; /* optional exact owner */
    enum kd_key_sort sort;
    bool descending;
    bool include_grants;     /* fill struct kd_key.grants for each row */
};

struct kd_audit_query {
    struct kd_list_query page; /* newest first */
    const char *target;        /* optional: entries about this id */
    const char *action;        /* optional: "key.create", … */
};

#define KD_PAGE_FIELDS(T)                                             \
    T *items;                                                         \
    size_t len;                                                       \
    char *next_cursor; /* NULL: this is the last page */              \
    int64_t total      /* matches in all pages; -1 when not counted */

struct kd_api_page { KD_PAGE_FIELDS(struct kd_api); };
struct kd_key_page { KD_PAGE_FIELDS(struct kd_key); };
struct kd_role_page { KD_PAGE_FIELDS(struct kd_role); };
struct kd_permission_page { KD_PAGE_FIELDS(struct kd_permission); };
struct kd_audit_page { KD_PAGE_FIELDS(struct kd_audit_entry); };

void kd_api_page_free(struct kd_api_page *p);
void kd_key_page_free(struct kd_key_page *p);
void kd_role_page_free(struct kd_role_page *p);
void kd_permission_page_free(struct kd_permission_page *p);
void kd_audit_page_free(struct kd_audit_page *p);

/** Effective limit for a query: default when 0, capped at the max. */
int kd_page_limit(const struct kd_list_query *q);

#endif
