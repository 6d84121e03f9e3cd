#include "model/audit.h"

#include <stdlib.h>
#include <string.h>

void kd_audit_entry_free(struct kd_audit_entry *e)
{
    if (!e)
        return;
    free(e->actor);
    free(e->host);
    free(e->action);
    free(e->target);
    free(e->changes_json);
    memset(e, 0, sizeof *e);
}
