#include "model/verify.h"

#include <stdlib.h>
#include <string.h>

static const char *const code_names[] = {
#define KD_X(e, s) s,
    KD_VERIFY_CODES(KD_X)
#undef KD_X
};

const char *kd_verify_code_name(enum kd_verify_code c)
{
    if ((int)c < 0 || c >= KD_VERIFY_CODE_COUNT)
        return "UNKNOWN";
    return code_names[c];
}

int kd_verify_code_parse(const char *s, enum kd_verify_code *out)
{
    for (int i = 0; i < KD_VERIFY_CODE_COUNT; i++) {
        if (strcmp(s, code_names[i]) == 0) {
            *out = (enum kd_verify_code)i;
            return 0;
        }
    }
    return -1;
}

void kd_verify_result_free(struct kd_verify_result *r)
{
    if (!r)
        return;
    kd_key_free(&r->key);
    for (size_t i = 0; i < r->n_ratelimits; i++) {
        free(r->ratelimits[i].id);
        free(r->ratelimits[i].name);
    }
    free(r->ratelimits);
    free(r->message);
    memset(r, 0, sizeof *r);
}
