#include "model/stats.h"

#include <stdlib.h>
#include <string.h>

static void free_list(struct kd_stats_key *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].key_id);
        free(list[i].api_id);
        free(list[i].name);
    }
    free(list);
}

void kd_stats_free(struct kd_stats *s)
{
    if (!s)
        return;
    free_list(s->busiest, s->n_busiest);
    free_list(s->low_credits, s->n_low_credits);
    free_list(s->expiring, s->n_expiring);
    free_list(s->failures, s->n_failures);
    memset(s, 0, sizeof *s);
}
