/*
 * test_backend.c — the seam's shared parts and the read-only wrapper.
 *
 * A recording fake backend (one counter per op, generated from KD_BACKEND_OPS)
 * sits inside the read-only wrapper; every op is called through its
 * kd_backend_<op>() wrapper.  Mutating ops must be refused before they reach the
 * fake, reading ops must reach it exactly once, and the test must call as many
 * ops as kd_backend_op_table lists, so an op added to the seam without a case
 * here fails the test.
 */
#include "backend/backend.h"

#include <stdlib.h>
#include <string.h>

#include "test.h"

enum fake_op {
#define KD_X(name, mutates, params, args) FAKE_##name,
    KD_BACKEND_OPS(KD_X)
#undef KD_X
    FAKE_OP_COUNT
};

static int fake_calls[FAKE_OP_COUNT];
static int fake_closed;

#define KD_X(name, mutates, params, args)  \
    static int fake_##name params          \
    {                                      \
        (void)b;                           \
        kd_error_clear(err);               \
        fake_calls[FAKE_##name]++;         \
        return 0;                          \
    }
KD_BACKEND_OPS(KD_X)
#undef KD_X

static unsigned fake_capabilities(struct kd_backend *b)
{
    (void)b;
    return KD_CAP_LIST_APIS | KD_CAP_REVEAL | KD_CAP_STATS;
}

static const char *fake_describe(struct kd_backend *b)
{
    (void)b;
    return "fake://recorder";
}

static void fake_close(struct kd_backend *b)
{
    fake_closed++;
    free(b);
}

static const struct kd_backend_ops fake_ops = {
    .kind = "fake",
    .capabilities = fake_capabilities,
    .describe = fake_describe,
    .close = fake_close,
#define KD_X(name, mutates, params, args) .name = fake_##name,
    KD_BACKEND_OPS(KD_X)
#undef KD_X
};

static struct kd_backend *fake_open(void)
{
    memset(fake_calls, 0, sizeof fake_calls);
    fake_closed = 0;
    struct kd_backend *b = calloc(1, sizeof *b);
    ck_assert_ptr_nonnull(b);
    b->ops = &fake_ops;
    return b;
}

static size_t op_table_len(void)
{
    size_t n = 0;
    while (kd_backend_op_table[n].name)
        n++;
    return n;
}

static int op_table_index(const char *name)
{
    for (size_t i = 0; kd_backend_op_table[i].name; i++)
        if (strcmp(kd_backend_op_table[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Which ops the read-only test called (by op-table index). */
static bool tested[64];

static void check_readonly_call(const char *name, enum fake_op op, int rc,
                                const struct kd_error *err)
{
    int idx = op_table_index(name);
    ck_assert_msg(idx >= 0, "%s is not in kd_backend_op_table", name);
    ck_assert_msg(!tested[idx], "%s was called twice by the test", name);
    tested[idx] = true;
    if (kd_backend_op_table[idx].mutates) {
        ck_assert_msg(rc == -1, "%s: read-only wrapper let a mutation through", name);
        ck_assert_int_eq(err->code, KD_ERR_READONLY);
        ck_assert_msg(strstr(err->message, name) != NULL, "%s: message '%s' does not name the op",
                      name, err->message);
        ck_assert_msg(strstr(err->message, "read-only") != NULL, "%s: message '%s'", name,
                      err->message);
        ck_assert_msg(fake_calls[op] == 0, "%s reached the inner backend", name);
    } else {
        ck_assert_msg(rc == 0, "%s: read was refused: %s", name, err->message);
        ck_assert_int_eq(err->code, KD_OK);
        ck_assert_msg(fake_calls[op] == 1, "%s reached the inner backend %d times", name,
                      fake_calls[op]);
    }
}

/* Call the op through its public wrapper with a stale error in err, so the
 * wrapper's clearing is exercised too. */
#define RO_CALL(name, ...)                                                             \
    do {                                                                               \
        kd_error_set(&err, KD_ERR_INTERNAL, "stale", "stale error");                   \
        int rc_ = kd_backend_##name(ro, __VA_ARGS__, &err);                            \
        check_readonly_call(#name, FAKE_##name, rc_, &err);                            \
        called++;                                                                      \
    } while (0)

START_TEST(readonly_refuses_every_mutation_and_passes_every_read)
{
    struct kd_backend *inner = fake_open();
    struct kd_backend *ro = kd_backend_readonly_wrap(inner);
    ck_assert_ptr_nonnull(ro);
    struct kd_error err;
    size_t called = 0;
    memset(tested, 0, sizeof tested);
    ck_assert_uint_lt(op_table_len(), sizeof tested / sizeof tested[0]);

    struct kd_list_query lq = {0};
    struct kd_key_query kq = {0};
    struct kd_audit_query aq = {0};
    struct kd_stats_query sq = {0};
    struct kd_api_page api_page = {0};
    struct kd_key_page key_page = {0};
    struct kd_role_page role_page = {0};
    struct kd_permission_page perm_page = {0};
    struct kd_audit_page audit_page = {0};
    struct kd_api api = {0};
    struct kd_key key;
    kd_key_init(&key);
    struct kd_role role = {0};
    struct kd_permission perm = {0};
    struct kd_stats stats;
    memset(&stats, 0, sizeof stats);
    struct kd_audit_check check;
    memset(&check, 0, sizeof check);
    uint64_t token = 0;

    RO_CALL(api_list, &lq, &api_page);
    RO_CALL(api_get, "api_x", &api);
    RO_CALL(api_create, NULL, NULL);
    RO_CALL(api_delete, NULL);
    RO_CALL(key_list, &kq, &key_page);
    RO_CALL(key_get, "key_x", &key);
    RO_CALL(key_create, NULL, NULL);
    RO_CALL(key_create_many, NULL, 2, NULL, NULL, NULL);
    RO_CALL(key_update, NULL, NULL);
    RO_CALL(key_delete, NULL, false);
    RO_CALL(key_reroll, NULL, 0, NULL);
    RO_CALL(key_reveal, NULL, NULL);
    RO_CALL(key_credits, NULL, KD_CREDITS_SET, false, 0, NULL);
    RO_CALL(key_set_roles, NULL, KD_SET_ADD, NULL);
    RO_CALL(key_set_permissions, NULL, KD_SET_ADD, NULL);
    RO_CALL(key_import, NULL, NULL, NULL);
    RO_CALL(verify, NULL, NULL);
    RO_CALL(role_list, &lq, &role_page);
    RO_CALL(role_get, "admin", &role);
    RO_CALL(role_create, NULL, NULL);
    RO_CALL(role_delete, NULL);
    RO_CALL(role_set_permissions, NULL, KD_SET_REPLACE, NULL);
    RO_CALL(permission_list, &lq, &perm_page);
    RO_CALL(permission_get, "a:b", &perm);
    RO_CALL(permission_create, NULL, NULL);
    RO_CALL(permission_delete, NULL);
    RO_CALL(stats, &sq, &stats);
    RO_CALL(change_token, &token);
    RO_CALL(audit_list, &aq, &audit_page);
    RO_CALL(audit_verify, &check);

    /* Every op in the seam must have a case above. */
    ck_assert_uint_eq(called, op_table_len());
    ck_assert_uint_eq(called, (size_t)FAKE_OP_COUNT);
    for (size_t i = 0; i < op_table_len(); i++)
        ck_assert_msg(tested[i], "op %s has no case in this test", kd_backend_op_table[i].name);

    /* Everything the wrapper let through was a read, and only once each. */
    int total = 0;
    for (int i = 0; i < FAKE_OP_COUNT; i++)
        total += fake_calls[i];
    int reads = 0;
    for (size_t i = 0; i < op_table_len(); i++)
        reads += !kd_backend_op_table[i].mutates;
    ck_assert_int_eq(total, reads);

    kd_key_free(&key);
    kd_backend_close(ro);
    ck_assert_int_eq(fake_closed, 1);
}
END_TEST

START_TEST(readonly_capabilities_and_describe)
{
    struct kd_backend *ro = kd_backend_readonly_wrap(fake_open());
    unsigned caps = kd_backend_capabilities(ro);
    ck_assert(caps & KD_CAP_READONLY);
    ck_assert(caps & KD_CAP_LIST_APIS);
    ck_assert(caps & KD_CAP_STATS);
    ck_assert(!(caps & KD_CAP_REVEAL));
    ck_assert_str_eq(kd_backend_describe(ro), "fake://recorder");
    ck_assert_str_eq(kd_backend_kind(ro), "readonly");
    kd_backend_close(ro);
    ck_assert_int_eq(fake_closed, 1);
    ck_assert_ptr_null(kd_backend_readonly_wrap(NULL));
    kd_backend_close(NULL); /* allowed */
}
END_TEST

START_TEST(null_op_is_unsupported)
{
    static const struct kd_backend_ops empty_ops = {.kind = "empty"};
    struct kd_backend b = {.ops = &empty_ops, .impl = NULL};
    struct kd_error err;
    struct kd_api_page page = {0};
    kd_error_clear(&err);
    ck_assert_int_eq(kd_backend_api_list(&b, NULL, &page, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.message, "empty backend does not support api_list");
    ck_assert_int_eq(kd_backend_key_import(&b, NULL, "x", NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.message, "empty backend does not support key_import");
    ck_assert_uint_eq(kd_backend_capabilities(&b), 0);
    ck_assert_str_eq(kd_backend_kind(&b), "empty");
    /* A read through the read-only wrapper keeps the inner backend's answer. */
    struct kd_backend *inner = calloc(1, sizeof *inner);
    inner->ops = &empty_ops;
    struct kd_backend *ro = kd_backend_readonly_wrap(inner);
    ck_assert_int_eq(kd_backend_role_list(ro, NULL, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_UNSUPPORTED);
    ck_assert_int_eq(kd_backend_role_create(ro, NULL, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_READONLY);
    kd_backend_close(ro); /* no close op: the shared close frees inner */
}
END_TEST

START_TEST(op_table_names_unique_and_flags_sane)
{
    size_t n = op_table_len();
    ck_assert_uint_gt(n, 20);
    for (size_t i = 0; i < n; i++) {
        ck_assert(kd_backend_op_table[i].mutates == KD_MUTATES ||
                  kd_backend_op_table[i].mutates == KD_READS);
        for (size_t j = i + 1; j < n; j++)
            ck_assert_msg(strcmp(kd_backend_op_table[i].name, kd_backend_op_table[j].name) != 0,
                          "op %s listed twice", kd_backend_op_table[i].name);
    }
    /* The ones whose flags matter most. */
    ck_assert_int_eq(kd_backend_op_table[op_table_index("key_reveal")].mutates, KD_MUTATES);
    ck_assert_int_eq(kd_backend_op_table[op_table_index("verify")].mutates, KD_MUTATES);
    ck_assert_int_eq(kd_backend_op_table[op_table_index("key_list")].mutates, KD_READS);
}
END_TEST

START_TEST(default_keystore_path)
{
    setenv("XDG_DATA_HOME", "/srv/data", 1);
    setenv("HOME", "/home/ops", 1);
    char *p = kd_default_keystore_path();
    ck_assert_str_eq(p, "/srv/data/keydeck/keystore.db");
    free(p);
    unsetenv("XDG_DATA_HOME");
    p = kd_default_keystore_path();
    ck_assert_str_eq(p, "/home/ops/.local/share/keydeck/keystore.db");
    free(p);
    setenv("XDG_DATA_HOME", "", 1);
    p = kd_default_keystore_path();
    ck_assert_str_eq(p, "/home/ops/.local/share/keydeck/keystore.db");
    free(p);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, readonly_refuses_every_mutation_and_passes_every_read);
    tcase_add_test(tc, readonly_capabilities_and_describe);
    tcase_add_test(tc, null_op_is_unsupported);
    tcase_add_test(tc, op_table_names_unique_and_flags_sane);
    tcase_add_test(tc, default_keystore_path);
}

KD_TEST_MAIN(add_cases)
