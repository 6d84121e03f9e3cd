/* test_tui_form.c — the form widget's logic: editing by character (UTF-8),
 * moving, validation, refused submit, discard confirmation, the picker; and
 * the create-key form's credits and refill rules, field by field. */
#include "tui/form.h"

#include <curses.h>
#include <string.h>

#include "test.h"
#include "tui/keyname.h"
#include "tui/mutate.h" /* the create-key form; kd_rbac_load_names: the pickers' options */

static void type(struct kd_form *f, const char *s)
{
    for (; *s; s++)
        kd_form_key(f, (unsigned char)*s);
}

/* Field 1 must be "ok"; anything else is invalid. */
static int only_ok(void *ctx, struct kd_form *f, size_t i, char *msg, size_t len)
{
    (void)ctx;
    if (i == 1 && strcmp(kd_form_text(f, i), "ok") != 0) {
        snprintf(msg, len, "must be ok");
        return -1;
    }
    return 0;
}

START_TEST(test_wide_edit)
{
    struct kd_form f;
    kd_form_init(&f, "t", NULL, NULL, NULL);
    kd_form_add_text(&f, "name", KD_FIELD_TEXT, false, "");
    kd_form_key(&f, 0x65e5); /* 日 */
    kd_form_key(&f, 'a');
    kd_form_key(&f, 0xe9);   /* é */
    ck_assert_str_eq(kd_form_text(&f, 0), "\xe6\x97\xa5" "a\xc3\xa9");
    kd_form_key(&f, KD_KEY_FN(KEY_LEFT));
    kd_form_key(&f, KD_KEY_FN(KEY_LEFT));
    kd_form_key(&f, KD_KEY_FN(KEY_BACKSPACE)); /* erases the whole wide character */
    ck_assert_str_eq(kd_form_text(&f, 0), "a\xc3\xa9");
    kd_form_key(&f, KD_KEY_FN(KEY_END));
    kd_form_key(&f, KD_KEY_FN(KEY_BACKSPACE));
    ck_assert_str_eq(kd_form_text(&f, 0), "a");
    ck_assert(f.dirty);
    kd_form_free(&f);
}
END_TEST

START_TEST(test_number_rejects_letters_beyond_ascii)
{
    struct kd_form f;
    kd_form_init(&f, "t", NULL, NULL, NULL);
    kd_form_add_text(&f, "n", KD_FIELD_NUMBER, true, "");
    kd_form_key(&f, 0x65e5);
    type(&f, "12");
    ck_assert_str_eq(kd_form_text(&f, 0), "12");
    kd_form_free(&f);
}
END_TEST

START_TEST(test_navigation_skips_hidden)
{
    struct kd_form f;
    kd_form_init(&f, "t", NULL, NULL, NULL);
    kd_form_add_text(&f, "a", KD_FIELD_TEXT, false, "");
    size_t b = kd_form_add_text(&f, "b", KD_FIELD_TEXT, false, "");
    kd_form_add_toggle(&f, "c", false);
    f.fields[b].hidden = true;
    ck_assert_int_eq(kd_form_key(&f, KD_KEY_TAB), KD_FORM_CHANGED);
    ck_assert_uint_eq(f.focus, 2);
    kd_form_key(&f, ' ');
    ck_assert(f.fields[2].on);
    kd_form_key(&f, KD_KEY_FN(KEY_BTAB));
    ck_assert_uint_eq(f.focus, 0);
    kd_form_key(&f, KD_KEY_FN(KEY_UP)); /* wraps */
    ck_assert_uint_eq(f.focus, 2);
    kd_form_free(&f);
}
END_TEST

START_TEST(test_submit_refused_then_ok)
{
    struct kd_form f;
    kd_form_init(&f, "t", only_ok, NULL, NULL);
    kd_form_add_text(&f, "req", KD_FIELD_TEXT, true, "");
    kd_form_add_text(&f, "ok?", KD_FIELD_TEXT, false, "no");
    kd_form_key(&f, KD_KEY_TAB);
    /* Enter on the last field submits: refused, focus on the first invalid. */
    ck_assert_int_eq(kd_form_key(&f, KD_KEY_ENTER_CR), KD_FORM_REFUSED);
    ck_assert_uint_eq(f.focus, 0);
    ck_assert(f.fields[0].invalid && f.fields[0].touched);
    ck_assert_str_eq(f.fields[0].msg, "required");
    ck_assert_str_eq(f.fields[1].msg, "must be ok");
    type(&f, "x");
    ck_assert(!f.fields[0].invalid);
    ck_assert_int_eq(kd_form_key(&f, 19 /* Ctrl-S */), KD_FORM_REFUSED);
    ck_assert_uint_eq(f.focus, 1);
    kd_form_key(&f, 21 /* Ctrl-U */);
    type(&f, "ok");
    ck_assert(!f.fields[1].invalid);
    ck_assert_int_eq(kd_form_key(&f, 19), KD_FORM_SUBMIT);
    kd_form_free(&f);
}
END_TEST

START_TEST(test_cancel_asks_when_dirty)
{
    struct kd_form f;
    kd_form_init(&f, "t", NULL, NULL, NULL);
    kd_form_add_text(&f, "a", KD_FIELD_TEXT, false, "");
    ck_assert_int_eq(kd_form_key(&f, KD_KEY_ESC), KD_FORM_CANCEL); /* clean: at once */
    type(&f, "z");
    ck_assert_int_eq(kd_form_key(&f, KD_KEY_ESC), KD_FORM_CHANGED);
    ck_assert(f.confirm_discard);
    ck_assert_int_eq(kd_form_key(&f, 'n'), KD_FORM_CHANGED);
    ck_assert(!f.confirm_discard);
    ck_assert_str_eq(kd_form_text(&f, 0), "z");
    kd_form_key(&f, KD_KEY_ESC);
    ck_assert_int_eq(kd_form_key(&f, 'y'), KD_FORM_CANCEL);
    kd_form_free(&f);
}
END_TEST

START_TEST(test_picker_filters_and_ticks)
{
    struct kd_strlist opts = {0}, pre = {0}, out = {0};
    kd_strlist_split(&opts, "admin,reader,keys.write");
    kd_strlist_push(&pre, "reader");
    struct kd_form f;
    kd_form_init(&f, "t", NULL, NULL, NULL);
    kd_form_add_pick(&f, "roles", &opts, &pre);
    kd_form_add_toggle(&f, "last", false);
    kd_form_key(&f, KD_KEY_ENTER_CR); /* opens (not the last field) */
    ck_assert(f.picking);
    type(&f, "WRI"); /* case-insensitive */
    kd_form_key(&f, ' ');
    kd_form_key(&f, KD_KEY_ENTER_CR);
    ck_assert(!f.picking);
    kd_form_picked(&f, 0, &out);
    ck_assert_uint_eq(out.len, 2);
    ck_assert_str_eq(out.items[0], "reader");
    ck_assert_str_eq(out.items[1], "keys.write");
    kd_strlist_clear(&opts);
    kd_strlist_clear(&pre);
    kd_strlist_clear(&out);
    kd_form_free(&f);
}
END_TEST

/* The owner offers texts without a '!' and records what it was asked to create. */
static char created[64];

static bool offer_no_bang(void *ctx, const struct kd_form *f, size_t i, const char *text,
                          char *label, size_t len)
{
    (void)ctx;
    (void)f;
    (void)i;
    if (strchr(text, '!'))
        return false;
    snprintf(label, len, "create '%s'", text);
    return true;
}

static int record_create(void *ctx, struct kd_form *f, size_t i, const char *text)
{
    (void)ctx;
    (void)f;
    (void)i;
    snprintf(created, sizeof created, "%s", text);
    return 0;
}

START_TEST(test_picker_offers_to_create)
{
    struct kd_strlist opts = {0}, out = {0};
    kd_strlist_split(&opts, "keys.read,keys.write");
    struct kd_form f;
    kd_form_init(&f, "t", NULL, NULL, NULL);
    f.offer = offer_no_bang;
    f.create = record_create;
    kd_form_add_pick(&f, "permissions", &opts, NULL);
    kd_form_add_toggle(&f, "last", false);
    char label[64];
    kd_form_key(&f, ' ');
    type(&f, "keys");
    ck_assert(!kd_form_pick_offer(&f, label, sizeof label)); /* something matches */
    kd_form_key(&f, KD_KEY_FN(KEY_BACKSPACE));
    kd_form_key(&f, KD_KEY_FN(KEY_BACKSPACE));
    kd_form_key(&f, KD_KEY_FN(KEY_BACKSPACE));
    kd_form_key(&f, KD_KEY_FN(KEY_BACKSPACE));
    type(&f, "x!");
    ck_assert(!kd_form_pick_offer(&f, label, sizeof label)); /* the owner declines */
    kd_form_key(&f, KD_KEY_FN(KEY_BACKSPACE));
    type(&f, "y");
    ck_assert(kd_form_pick_offer(&f, label, sizeof label));
    ck_assert_str_eq(label, "create 'xy'");
    kd_form_key(&f, KD_KEY_ENTER_CR); /* creates, ticks and closes */
    ck_assert_str_eq(created, "xy");
    ck_assert(!f.picking);
    kd_form_picked(&f, 0, &out);
    ck_assert_uint_eq(out.len, 1);
    ck_assert_str_eq(out.items[0], "xy");
    kd_strlist_clear(&opts);
    kd_strlist_clear(&out);
    kd_form_free(&f);
}
END_TEST

/* The pickers' options come from every page, not only the first hundred. */
START_TEST(test_picker_options_load_every_page)
{
    char path[512];
    snprintf(path, sizeof path, "%s/picker.db", kd_test_tmpdir());
    struct kd_local_options lo = {.keystore_path = path, .actor = "tester",
                                  .create_if_missing = true};
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_backend *b = kd_backend_local_open(&lo, &err);
    ck_assert_msg(b != NULL, "open: %s", err.message);
    for (int i = 0; i < 250; i++) {
        char slug[32];
        snprintf(slug, sizeof slug, "perm.%03d", i);
        struct kd_permission spec, out;
        memset(&spec, 0, sizeof spec);
        memset(&out, 0, sizeof out);
        spec.slug = slug;
        ck_assert_msg(kd_backend_permission_create(b, &spec, &out, &err) == 0, "%s", err.message);
        kd_permission_free(&out);
    }
    struct kd_app app;
    memset(&app, 0, sizeof app);
    app.b = b;
    struct kd_strlist perms = {0};
    kd_rbac_load_names(&app, NULL, &perms);
    ck_assert_uint_eq(perms.len, 250);
    ck_assert(kd_strlist_contains(&perms, "perm.000"));
    ck_assert(kd_strlist_contains(&perms, "perm.249"));
    ck_assert_str_eq(app.message, ""); /* no load error reported */
    kd_strlist_clear(&perms);
    kd_backend_close(b);
}
END_TEST

/* ---- the create-key form (mutate.c) on a local keystore ---- */

struct key_form_env {
    struct kd_backend *b;
    struct kd_app app;
    struct kd_api api;
};

static void key_form_open(struct key_form_env *e)
{
    char path[512];
    snprintf(path, sizeof path, "%s/form.db", kd_test_tmpdir());
    struct kd_local_options lo = {.keystore_path = path, .actor = "tester",
                                  .create_if_missing = true};
    struct kd_error err;
    kd_error_clear(&err);
    memset(e, 0, sizeof *e);
    e->b = kd_backend_local_open(&lo, &err);
    ck_assert_msg(e->b != NULL, "open: %s", err.message);
    struct kd_api spec;
    memset(&spec, 0, sizeof spec);
    spec.name = "payments";
    ck_assert_msg(kd_backend_api_create(e->b, &spec, &e->api, &err) == 0, "%s", err.message);
    e->app.b = e->b;
    e->app.view = KD_VIEW_MAIN;
    e->app.keys_api_id = e->api.id;
    kd_mutate_start(&e->app, KD_ACT_NEW_KEY);
    ck_assert_ptr_nonnull(kd_mutate_form(&e->app));
}

static void key_form_close(struct key_form_env *e)
{
    kd_mutate_free(&e->app);
    kd_api_free(&e->api);
    kd_backend_close(e->b);
}

static size_t field_named(struct kd_form *f, const char *label)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->fields[i].label, label) == 0)
            return i;
    ck_abort_msg("no field %s", label);
    return 0;
}

static void press(struct key_form_env *e, int key)
{
    kd_mutate_key(&e->app, key);
}

/* Tab to the field, as a user would (hidden fields are skipped on the way). */
static struct kd_form_field *go_to(struct key_form_env *e, const char *label)
{
    struct kd_form *f = kd_mutate_form(&e->app);
    size_t want = field_named(f, label);
    for (size_t n = 0; f->focus != want && n < f->n; n++)
        press(e, KD_KEY_TAB);
    ck_assert_msg(f->focus == want, "cannot reach %s", label);
    return &f->fields[want];
}

static void fill(struct key_form_env *e, const char *label, const char *text)
{
    go_to(e, label);
    press(e, 21 /* Ctrl-U */);
    for (const char *c = text; *c; c++)
        press(e, (unsigned char)*c);
}

static void choose(struct key_form_env *e, const char *label, const char *choice)
{
    struct kd_form_field *fl = go_to(e, label);
    for (int n = 0; strcmp(fl->choices[fl->choice], choice) != 0 && n < fl->n_choices; n++)
        press(e, ' ');
    ck_assert_str_eq(fl->choices[fl->choice], choice);
}

static struct kd_form_field *field(struct key_form_env *e, const char *label)
{
    struct kd_form *f = kd_mutate_form(&e->app);
    return &f->fields[field_named(f, label)];
}

/* Each of credits, refill every and refill amount has its own message, and a
 * refused submit lands on the topmost invalid one, not on one below it. */
START_TEST(test_key_form_credits_fields_each_checked)
{
    struct key_form_env e;
    key_form_open(&e);
    fill(&e, "credits", "500");
    choose(&e, "refill", "every");
    fill(&e, "refill every", "90x");
    press(&e, 19 /* Ctrl-S */);
    struct kd_form *f = kd_mutate_form(&e.app);
    ck_assert_ptr_nonnull(f); /* refused: still the form */
    ck_assert_uint_eq(f->focus, field_named(f, "refill every"));
    ck_assert(field(&e, "refill every")->invalid);
    ck_assert_str_eq(field(&e, "refill amount")->msg, "required");
    ck_assert(!field(&e, "credits")->invalid && !field(&e, "refill")->invalid);
    ck_assert_msg(strncmp(e.app.message, "refill every: ", 14) == 0, "%s", e.app.message);

    /* Bad credits: the credits field says so, the refill every keeps its own
     * message, and the refill choice does not blame itself. */
    fill(&e, "credits", "abc");
    ck_assert_str_eq(field(&e, "credits")->msg, "a whole number, or \"unlimited\"");
    ck_assert(field(&e, "refill every")->invalid);
    ck_assert(!field(&e, "refill")->invalid);
    press(&e, 19);
    ck_assert_uint_eq(f->focus, field_named(f, "credits"));

    /* Fixed one by one, each message goes with its own field. */
    fill(&e, "credits", "500");
    fill(&e, "refill every", "500ms"); /* parses, but shorter than a refill may be */
    ck_assert_msg(strstr(field(&e, "refill every")->msg, "too short") != NULL, "%s",
                  field(&e, "refill every")->msg);
    fill(&e, "refill every", "1h");
    ck_assert(!field(&e, "refill every")->invalid);
    fill(&e, "refill amount", "0");
    ck_assert_msg(strstr(field(&e, "refill amount")->msg, "at least 1") != NULL, "%s",
                  field(&e, "refill amount")->msg);
    fill(&e, "refill amount", "1x");
    ck_assert_str_eq(field(&e, "refill amount")->msg, "a whole number >= 1");
    fill(&e, "refill amount", "100");
    press(&e, 19);
    ck_assert_ptr_null(kd_mutate_form(&e.app)); /* on to the summary */
    key_form_close(&e);
}
END_TEST

/* The cross-field rules stay: a refill needs limited credits, a monthly one a
 * day from 1 to 31, and credits may not be negative. */
START_TEST(test_key_form_credits_cross_rules)
{
    struct key_form_env e;
    key_form_open(&e);
    struct kd_form *f = kd_mutate_form(&e.app);
    choose(&e, "refill", "monthly");
    fill(&e, "refill day", "32");
    fill(&e, "refill amount", "10");
    ck_assert_msg(strstr(field(&e, "refill")->msg, "requires limited credits") != NULL, "%s",
                  field(&e, "refill")->msg);
    ck_assert_msg(strstr(field(&e, "refill day")->msg, "1 to 31") != NULL, "%s",
                  field(&e, "refill day")->msg);
    ck_assert(!field(&e, "credits")->invalid && !field(&e, "refill amount")->invalid);
    press(&e, 19);
    ck_assert_uint_eq(f->focus, field_named(f, "refill"));

    fill(&e, "credits", "unlimited"); /* still not limited */
    ck_assert(field(&e, "refill")->invalid);
    fill(&e, "credits", "-5");
    ck_assert_msg(strstr(field(&e, "credits")->msg, "negative") != NULL, "%s",
                  field(&e, "credits")->msg);
    fill(&e, "credits", "0");
    ck_assert(!field(&e, "credits")->invalid && !field(&e, "refill")->invalid);
    press(&e, 19);
    ck_assert_uint_eq(f->focus, field_named(f, "refill day"));
    fill(&e, "refill day", "31");
    /* No refill: the refill fields are hidden and no longer checked. */
    fill(&e, "refill day", "x");
    choose(&e, "refill", "none");
    press(&e, 19);
    ck_assert_ptr_null(kd_mutate_form(&e.app));
    key_form_close(&e);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, test_wide_edit);
    tcase_add_test(tc, test_number_rejects_letters_beyond_ascii);
    tcase_add_test(tc, test_navigation_skips_hidden);
    tcase_add_test(tc, test_submit_refused_then_ok);
    tcase_add_test(tc, test_cancel_asks_when_dirty);
    tcase_add_test(tc, test_picker_filters_and_ticks);
    tcase_add_test(tc, test_picker_offers_to_create);
    tcase_add_test(tc, test_picker_options_load_every_page);
    tcase_add_test(tc, test_key_form_credits_fields_each_checked);
    tcase_add_test(tc, test_key_form_credits_cross_rules);
}

KD_TEST_MAIN(add_cases)
