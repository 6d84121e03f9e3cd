/* test_tui_action.c — the action and binding tables, and doc/keys.md. */
#include "tui/action.h"

#include <curses.h>
#include <locale.h>

#include "test.h"
#include "tui/keyname.h"

START_TEST(test_every_binding_parses)
{
    for (const struct kd_binding *b = kd_action_bindings(); b->keys; b++) {
        size_t used = 0;
        int k = kd_key_parse(b->keys, &used);
        ck_assert_msg(k != KD_KEY_NONE && b->keys[used] == '\0', "bad key \"%s\"", b->keys);
        ck_assert_msg((int)b->action >= 0 && b->action < KD_ACT_COUNT, "bad action");
    }
}
END_TEST

/* One key, one meaning per context — and a context key may not shadow a
 * global one by accident (only by design: the modal help screen, and the
 * monitor's r, which refreshes the monitor rather than reloading the lists). */
START_TEST(test_no_conflicting_bindings)
{
    const struct kd_binding *all = kd_action_bindings();
    for (const struct kd_binding *a = all; a->keys; a++) {
        for (const struct kd_binding *b = a + 1; b->keys; b++) {
            if (strcmp(a->keys, b->keys) != 0)
                continue;
            ck_assert_msg(a->ctx != b->ctx, "\"%s\" bound twice in %s", a->keys,
                          kd_context_name(a->ctx));
            bool by_design = b->ctx == KD_CTX_HELP ||
                             (b->ctx == KD_CTX_MONITOR && strcmp(b->keys, "r") == 0 &&
                              b->action == KD_ACT_REFRESH_NOW);
            if (a->ctx == KD_CTX_GLOBAL && !by_design)
                ck_assert_msg(0, "\"%s\" in %s shadows a global key", b->keys,
                              kd_context_name(b->ctx));
        }
    }
}
END_TEST

START_TEST(test_every_keyed_action_is_bound)
{
    for (int a = 0; a < KD_ACT_COUNT; a++) {
        if (kd_action_flags((enum kd_action)a) & ACT_NOKEY)
            continue;
        bool found = false;
        for (const struct kd_binding *b = kd_action_bindings(); b->keys; b++)
            if ((int)b->action == a)
                found = true;
        ck_assert_msg(found, "action %s has no key", kd_action_name((enum kd_action)a));
    }
}
END_TEST

START_TEST(test_lookup)
{
    ck_assert_int_eq(kd_action_for_key(KD_CTX_KEYS, 'j'), KD_ACT_DOWN);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_KEYS, KD_KEY_FN(KEY_DOWN)), KD_ACT_DOWN);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_KEYS, 's'), KD_ACT_SORT);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_APIS, 's'), KD_ACT_NONE);
    /* global keys reach every pane, but not the modal help screen */
    ck_assert_int_eq(kd_action_for_key(KD_CTX_APIS, 'q'), KD_ACT_QUIT);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_HELP, 'q'), KD_ACT_BACK);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_HELP, KD_KEY_TAB), KD_ACT_NONE);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_DETAIL, 12), KD_ACT_REPAINT);
    /* LF and CR are both Enter */
    ck_assert_int_eq(kd_action_for_key(KD_CTX_APIS, '\n'), KD_ACT_OPEN);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_APIS, '\r'), KD_ACT_OPEN);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_KEYS, 'Z'), KD_ACT_NONE);
    /* the monitor: its own keys first, then the global ones */
    ck_assert_int_eq(kd_action_for_key(KD_CTX_MONITOR, 'p'), KD_ACT_PAUSE);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_MONITOR, 'r'), KD_ACT_REFRESH_NOW);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_KEYS, 'r'), KD_ACT_REFRESH);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_MONITOR, 'q'), KD_ACT_QUIT);
    ck_assert_int_eq(kd_action_for_key(KD_CTX_APIS, 'p'), KD_ACT_NONE);
    ck_assert_int_eq(kd_action_from_name("monitor"), KD_ACT_VIEW_MONITOR);
}
END_TEST

START_TEST(test_readonly_refuses_mutations)
{
    char why[128];
    ck_assert(kd_action_allowed(KD_ACT_TOGGLE_ENABLED, false, why, sizeof why));
    ck_assert(!kd_action_allowed(KD_ACT_TOGGLE_ENABLED, true, why, sizeof why));
    ck_assert_str_eq(why, "read-only: toggle-enabled disabled");
    ck_assert(kd_action_allowed(KD_ACT_REFRESH, true, why, sizeof why));
    ck_assert_str_eq(why, "");
    ck_assert(!kd_action_allowed(KD_ACT_NONE, false, why, sizeof why));
}
END_TEST

START_TEST(test_names_and_completion)
{
    ck_assert_int_eq(kd_action_from_name("roles"), KD_ACT_VIEW_ROLES);
    ck_assert_int_eq(kd_action_from_name("q"), KD_ACT_QUIT);
    ck_assert_int_eq(kd_action_from_name("nope"), KD_ACT_NONE);
    const char *out[8];
    size_t n = kd_action_complete("th", out, 8);
    ck_assert_int_eq(n, 1);
    ck_assert_str_eq(out[0], "theme");
    n = kd_action_complete("focus-", out, 8);
    ck_assert_int_eq(n, 5);
    ck_assert_int_eq(kd_action_complete("", NULL, 0), KD_ACT_COUNT + 1);
    char label[64];
    kd_action_keys_label(KD_CTX_KEYS, KD_ACT_DOWN, label, sizeof label);
    ck_assert_str_eq(label, "j/Down");
}
END_TEST

START_TEST(test_keynames_round_trip)
{
    int keys[] = {'j', '?', KD_KEY_TAB, KD_KEY_FN(KEY_BTAB), KD_KEY_ESC, 12,
                  KD_KEY_FN(KEY_NPAGE), KD_KEY_FN(KEY_END), ' ', '<', KD_KEY_ENTER_CR};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        char name[32];
        kd_key_name(keys[i], name, sizeof name);
        size_t used = 0;
        int back = kd_key_parse(name, &used);
        ck_assert_msg(back == keys[i], "%s parsed back as %d, not %d", name, back, keys[i]);
        ck_assert_uint_eq(used, strlen(name));
    }
    size_t used;
    ck_assert_int_eq(kd_key_parse("<C-L>", &used), 12);
    ck_assert_int_eq(kd_key_parse("<bogus>", &used), '<');
    ck_assert_uint_eq(used, 1);
    ck_assert_int_eq(kd_key_parse("", &used), KD_KEY_NONE);
}
END_TEST

/* doc/keys.md is generated: it must equal what the tables print now. */
START_TEST(test_keys_md_is_current)
{
    const char *src = getenv("KD_SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/doc/keys.md", src && *src ? src : KD_TOP_SRCDIR);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *want = NULL;
    size_t want_len = 0;
    FILE *mem = open_memstream(&want, &want_len);
    kd_action_print_keys_md(mem);
    fclose(mem);
    char *have = calloc(1, want_len + 2);
    size_t got = fread(have, 1, want_len + 1, f);
    fclose(f);
    ck_assert_msg(got == want_len && memcmp(have, want, want_len) == 0,
                  "%s is out of date: regenerate it with kd_action_print_keys_md "
                  "(make update-keys-md)",
                  path);
    free(have);
    free(want);
}
END_TEST

static void add_cases(TCase *tc)
{
    setlocale(LC_ALL, "C.UTF-8");
    tcase_add_test(tc, test_every_binding_parses);
    tcase_add_test(tc, test_no_conflicting_bindings);
    tcase_add_test(tc, test_every_keyed_action_is_bound);
    tcase_add_test(tc, test_lookup);
    tcase_add_test(tc, test_readonly_refuses_mutations);
    tcase_add_test(tc, test_names_and_completion);
    tcase_add_test(tc, test_keynames_round_trip);
    tcase_add_test(tc, test_keys_md_is_current);
}

KD_TEST_MAIN(add_cases)
