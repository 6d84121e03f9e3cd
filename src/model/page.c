#include "model/page.h"

#include <stdlib.h>
#include <string.h>

int kd_page_limit(const struct kd_list_query *q)
{
    if (!q || q->limit <= 0)
        return KD_PAGE_LIMIT_DEFAULT;
    return q->limit > KD_PAGE_LIMIT_MAX ? KD_PAGE_LIMIT_MAX : q->limit;
}

/* One definition per page type: free each item, then the array and cursor. */
#define KD_PAGE_FREE(fn, page_type, item_free)          \
    void fn(struct page_type *p)                        \
    {                                                   \
        if (!p)                                         \
            return;                                     \
        for (size_t i = 0; i < p->len; i++)             \
            item_free(&p->items[i]);                    \
        free(p->items);                                 \
        free(p->next_cursor);                           \
        memset(p, 0, sizeof *p);                        \
    }

KD_PAGE_FREE(kd_api_page_free, kd_api_page, kd_api_free)
KD_PAGE_FREE(kd_key_page_free, kd_key_page, kd_key_free)
KD_PAGE_FREE(kd_role_page_free, kd_role_page, kd_role_free)
KD_PAGE_FREE(kd_permission_page_free, kd_permission_page, kd_permission_free)
KD_PAGE_FREE(kd_audit_page_free, kd_audit_page, kd_audit_entry_free)
