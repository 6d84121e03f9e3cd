/*
 * cmd_keys.c — `keydeck keys …`: list, get, delete, reroll, reveal, credits,
 * roles, perms here; create, update and import in cmd_keys_write.c.
 */
#include "cli/cmd_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/key_fields.h"
#include "cli/output.h"
#include "util/clock.h"
#include "util/timefmt.h"
#include "util/xalloc.h"

/* ---- shared printing ---- */

void kd_keys_print_secret(struct kd_cli *c, const struct kd_key_secret *s, const char *what)
{
    if (c->json) {
        /* Printed directly, not through jansson, so no unwiped copy of the key is
         * left on the heap.  Ids and keys are [A-Za-z0-9_]: nothing to escape. */
        printf("{\n  \"keyId\": \"%s\",\n  \"key\": \"%s\"\n}\n", s->key_id, s->plaintext);
        return;
    }
    printf("%s key %s\n", what, s->key_id);
    printf("%s\n", s->plaintext);
    printf("This key will not be shown again: store it now.\n");
}

static void print_field(const char *label, const char *value)
{
    printf("%-13s %s\n", label, value && *value ? value : "-");
}

static void key_print(const struct kd_key *k, int64_t now)
{
    char buf[512], rel[64], iso[48];
    print_field("id:", k->id);
    print_field("api:", k->api_id);
    print_field("name:", k->name);
    print_field("start:", k->start);
    print_field("state:", kd_key_state_word(kd_key_state(k, now)));
    print_field("owner:", k->external_id);
    print_field("environment:", k->environment);
    print_field("enabled:", k->enabled ? "yes" : "no");
    print_field("recoverable:", k->recoverable ? "yes" : "no");
    if (k->expires) {
        kd_time_format_iso(k->expires, iso, sizeof iso);
        kd_time_format_relative(k->expires, now, rel, sizeof rel);
        snprintf(buf, sizeof buf, "%s (%s)", iso, rel);
        print_field("expires:", buf);
    } else {
        print_field("expires:", "never");
    }
    kd_fmt_credits(&k->credits, buf, sizeof buf);
    if (k->credits.last_refill_at) {
        size_t n = strlen(buf);
        kd_time_format_relative(k->credits.last_refill_at, now, rel, sizeof rel);
        snprintf(buf + n, sizeof buf - n, " (refilled %s)", rel);
    }
    print_field("credits:", buf);
    buf[0] = '\0';
    for (size_t i = 0; i < k->n_ratelimits; i++) {
        char one[200];
        kd_fmt_ratelimit(&k->ratelimits[i], one, sizeof one);
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s%s", i ? ", " : "", one);
    }
    print_field("ratelimits:", buf);
    char *roles = kd_strlist_join(&k->roles, ", ");
    char *perms = kd_strlist_join(&k->permissions, ", ");
    print_field("roles:", roles);
    print_field("permissions:", perms);
    free(roles);
    free(perms);
    for (size_t i = 0; i < k->n_grants; i++) {
        snprintf(buf, sizeof buf, "%s (%s%s)", k->grants[i].slug,
                 k->grants[i].via_role ? "via " : "direct",
                 k->grants[i].via_role ? k->grants[i].via_role : "");
        print_field(i == 0 ? "grants:" : "", buf);
    }
    print_field("meta:", k->meta_json);
    snprintf(buf, sizeof buf, "%lld", (long long)k->request_count);
    print_field("requests:", buf);
    kd_fmt_when(k->last_used_at, now, "never", rel, sizeof rel);
    print_field("last used:", rel);
    kd_time_format_iso(k->created_at, iso, sizeof iso);
    print_field("created:", iso);
    if (k->updated_at) {
        kd_time_format_iso(k->updated_at, iso, sizeof iso);
        print_field("updated:", iso);
    }
}

int kd_keys_show(struct kd_cli *c, const char *key_id, struct kd_error *err)
{
    struct kd_key k;
    kd_key_init(&k);
    if (kd_backend_key_get(c->backend, key_id, &k, err) < 0)
        return -1;
    if (c->json)
        kd_json_print(kd_json_key(&k, kd_now_ms()));
    else
        key_print(&k, kd_now_ms());
    kd_key_free(&k);
    return 0;
}

/* ---- list ---- */

static int parse_sort(const char *v, enum kd_key_sort *out, struct kd_error *err)
{
    static const struct {
        const char *name;
        enum kd_key_sort sort;
    } sorts[] = {{"created", KD_SORT_CREATED}, {"name", KD_SORT_NAME},
                 {"expires", KD_SORT_EXPIRES}, {"credits", KD_SORT_CREDITS},
                 {"last-used", KD_SORT_LAST_USED}};
    for (size_t i = 0; i < sizeof sorts / sizeof sorts[0]; i++)
        if (strcmp(v, sorts[i].name) == 0) {
            *out = sorts[i].sort;
            return 0;
        }
    return kd_error_set(err, KD_ERR_INVALID, "--sort",
                        "'%s' is not one of created, name, expires, credits, last-used", v);
}

static void key_row(struct kd_table *t, const struct kd_key *k, int64_t now)
{
    char expires[32], credits[64], used[32];
    kd_fmt_when(k->expires, now, "never", expires, sizeof expires);
    kd_fmt_credits(&k->credits, credits, sizeof credits);
    kd_fmt_when(k->last_used_at, now, "never", used, sizeof used);
    const char *cells[] = {k->id,   k->name, k->start, kd_key_state_word(kd_key_state(k, now)),
                           expires, credits, used,     k->external_id};
    kd_table_add(t, cells);
}

static int keys_list(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "keys list", argc, argv);
    struct kd_key_query q = {.page.want_total = true};
    bool all = false;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        int r = kd_argp_list_option(&p, &q.page, &all, &err);
        if (r != 0) {
            rc = r < 0 ? -1 : 0;
        } else if (strcmp(o, "--api") == 0) {
            rc = kd_argp_value(&p, &q.api_id, &err);
        } else if (strcmp(o, "--owner") == 0) {
            rc = kd_argp_value(&p, &q.external_id, &err);
        } else if (strcmp(o, "--sort") == 0) {
            const char *v;
            rc = kd_argp_value(&p, &v, &err);
            if (rc == 0)
                rc = parse_sort(v, &q.sort, &err);
        } else if (strcmp(o, "--desc") == 0) {
            rc = kd_argp_flag(&p, &err);
            q.descending = true;
        } else {
            rc = kd_argp_other(&p, &err);
        }
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 0, 0, NULL, &err);
    if (rc == 0 && !q.api_id)
        rc = kd_error_set(&err, KD_ERR_INVALID, "--api", "keys list needs --api ID");
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);

    static const char *const headers[] = {"ID",      "NAME",    "START",     "STATE",
                                          "EXPIRES", "CREDITS", "LAST USED", "OWNER"};
    return kd_keys_print_list(c, &q, all, kd_table_new(8, headers), key_row, "no keys");
}

int kd_keys_print_list(struct kd_cli *c, struct kd_key_query *q, bool all, struct kd_table *t,
                       kd_key_row_fn row, const char *empty)
{
    struct kd_error err;
    kd_error_clear(&err);
    int64_t now = kd_now_ms();
    json_t *items = json_array();
    char *cursor = kd_xstrdup(q->page.cursor);
    int64_t total = -1;
    for (;;) {
        struct kd_key_page page = {0};
        q->page.cursor = cursor;
        if (kd_backend_key_list(c->backend, q, &page, &err) < 0) {
            free(cursor);
            kd_table_free(t);
            json_decref(items);
            return kd_cli_fail(&err);
        }
        for (size_t i = 0; i < page.len; i++) {
            if (c->json)
                json_array_append_new(items, kd_json_key(&page.items[i], now));
            else
                row(t, &page.items[i], now);
        }
        free(cursor);
        cursor = kd_xstrdup(page.next_cursor);
        total = page.total;
        kd_key_page_free(&page);
        if (!all || !cursor)
            break;
    }
    kd_list_finish(c->json, items, t, cursor, total, empty);
    return KD_EXIT_OK;
}

/* ---- verbs on one key ---- */

/* Parse "ID" plus no options (the common shape). */
static int one_id(struct kd_cli *c, const char *where, int argc, char **argv, int npos,
                  struct kd_argp *p, struct kd_error *err)
{
    kd_argp_init(p, c, where, argc, argv);
    int rc = 0;
    while (rc == 0 && kd_argp_next(p))
        rc = kd_argp_other(p, err);
    if (rc == 0)
        rc = kd_argp_positionals(p, npos, npos, npos == 1 ? "ID" : "ID and arguments", err);
    return rc;
}

static int keys_get(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    int rc = one_id(c, "keys get", argc, argv, 1, &p, &err);
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    if (rc == 0)
        rc = kd_keys_show(c, p.pos[0], &err);
    kd_argp_free(&p);
    return rc < 0 ? kd_cli_fail(&err) : KD_EXIT_OK;
}

static int keys_delete(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "keys delete", argc, argv);
    bool permanent = false;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        if (strcmp(o, "--permanent") == 0) {
            rc = kd_argp_flag(&p, &err);
            permanent = true;
        } else {
            rc = kd_argp_other(&p, &err);
        }
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 1, 1, "ID", &err);
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    if (rc == 0)
        rc = kd_backend_key_delete(c->backend, p.pos[0], permanent, &err);
    if (rc < 0) {
        kd_argp_free(&p);
        return kd_cli_fail(&err);
    }
    if (c->json) {
        json_t *j = json_object();
        json_object_set_new(j, "deleted", json_string(p.pos[0]));
        json_object_set_new(j, "permanent", json_boolean(permanent));
        kd_json_print(j);
    } else {
        printf("deleted key %s%s\n", p.pos[0], permanent ? " permanently" : "");
    }
    kd_argp_free(&p);
    return KD_EXIT_OK;
}

static int keys_reroll(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    kd_argp_init(&p, c, "keys reroll", argc, argv);
    int64_t grace = 0;
    int rc = 0;
    const char *o;
    while (rc == 0 && (o = kd_argp_next(&p))) {
        if (strcmp(o, "--grace") == 0) {
            const char *v;
            struct kd_error e;
            kd_error_clear(&e);
            rc = kd_argp_value(&p, &v, &err);
            if (rc == 0 && kd_duration_parse(v, &grace, &e) < 0)
                rc = kd_error_set(&err, KD_ERR_INVALID, "--grace", "%s", e.message);
        } else {
            rc = kd_argp_other(&p, &err);
        }
    }
    if (rc == 0)
        rc = kd_argp_positionals(&p, 1, 1, "ID", &err);
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    struct kd_key_secret s = {0};
    if (rc == 0)
        rc = kd_backend_key_reroll(c->backend, p.pos[0], grace, &s, &err);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);
    kd_keys_print_secret(c, &s, "rerolled: new");
    kd_key_secret_free(&s);
    return KD_EXIT_OK;
}

static int keys_reveal(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    int rc = one_id(c, "keys reveal", argc, argv, 1, &p, &err);
    if (rc == 0)
        rc = kd_cli_open(c, false, &err);
    struct kd_key_secret s = {0};
    if (rc == 0)
        rc = kd_backend_key_reveal(c->backend, p.pos[0], &s, &err);
    kd_argp_free(&p);
    if (rc < 0)
        return kd_cli_fail(&err);
    if (c->json) {
        kd_keys_print_secret(c, &s, "revealed");
    } else {
        printf("%s\n", s.plaintext);
    }
    kd_key_secret_free(&s);
    return KD_EXIT_OK;
}

static int keys_credits(struct kd_cli *c, int argc, char **argv)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    int rc = one_id(c, "keys credits", argc, argv, 3, &p, &err);
    enum kd_credit_op op = KD_CREDITS_SET;
    bool unlimited = false;
    int64_t value = 0;
    if (rc == 0) {
        const char *verb = p.pos[1], *v = p.pos[2];
        if (strcmp(verb, "set") == 0)
            op = KD_CREDITS_SET;
        else if (strcmp(verb, "add") == 0)
            op = KD_CREDITS_INCREMENT;
        else if (strcmp(verb, "sub") == 0)
            op = KD_CREDITS_DECREMENT;
        else
            rc = kd_error_set(&err, KD_ERR_INVALID, "operation",
                              "'%s' is not set, add or sub", verb);
        if (rc == 0 && op == KD_CREDITS_SET && strcmp(v, "unlimited") == 0)
            unlimited = true;
        else if (rc == 0)
            rc = kd_parse_int("credits", v, 0, INT64_MAX, &value, &err);
    }
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    struct kd_credits out;
    memset(&out, 0, sizeof out);
    if (rc == 0)
        rc = kd_backend_key_credits(c->backend, p.pos[0], op, unlimited, value, &out, &err);
    if (rc < 0) {
        kd_argp_free(&p);
        return kd_cli_fail(&err);
    }
    if (c->json) {
        json_t *j = json_object();
        json_object_set_new(j, "keyId", json_string(p.pos[0]));
        json_object_set_new(j, "credits", kd_json_credits(&out));
        kd_json_print(j);
    } else {
        char buf[64];
        kd_fmt_credits(&out, buf, sizeof buf);
        printf("key %s credits: %s\n", p.pos[0], buf);
    }
    kd_argp_free(&p);
    return KD_EXIT_OK;
}

int kd_parse_set_op(const char *s, enum kd_set_op *op, struct kd_error *err)
{
    if (strcmp(s, "add") == 0)
        *op = KD_SET_ADD;
    else if (strcmp(s, "remove") == 0)
        *op = KD_SET_REMOVE;
    else if (strcmp(s, "set") == 0)
        *op = KD_SET_REPLACE;
    else
        return kd_error_set(err, KD_ERR_INVALID, "operation", "'%s' is not add, remove or set",
                            s);
    return 0;
}

static int keys_set(struct kd_cli *c, int argc, char **argv, bool roles)
{
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_argp p;
    int rc = one_id(c, roles ? "keys roles" : "keys perms", argc, argv, 3, &p, &err);
    enum kd_set_op op = KD_SET_ADD;
    struct kd_strlist list = KD_STRLIST_INIT;
    if (rc == 0)
        rc = kd_parse_set_op(p.pos[1], &op, &err);
    if (rc == 0)
        kd_strlist_split(&list, p.pos[2]);
    if (rc == 0)
        rc = kd_cli_open(c, true, &err);
    if (rc == 0)
        rc = roles ? kd_backend_key_set_roles(c->backend, p.pos[0], op, &list, &err)
                   : kd_backend_key_set_permissions(c->backend, p.pos[0], op, &list, &err);
    kd_strlist_clear(&list);
    /* Show the key as it is now: what it holds is the point of the command. */
    if (rc == 0)
        rc = kd_keys_show(c, p.pos[0], &err);
    kd_argp_free(&p);
    return rc < 0 ? kd_cli_fail(&err) : KD_EXIT_OK;
}

static int keys_roles(struct kd_cli *c, int argc, char **argv)
{
    return keys_set(c, argc, argv, true);
}

static int keys_perms(struct kd_cli *c, int argc, char **argv)
{
    return keys_set(c, argc, argv, false);
}

static const struct kd_verb verbs[] = {
    {"list", keys_list,
     "keys list --api ID [--filter S] [--owner EXTID] [--sort created|name|expires|credits|"
     "last-used] [--desc] [--limit N] [--cursor C] [--all]",
     "The filter matches name, start, owner and meta text, or the start of the id, ignoring\n"
     "the case of ASCII letters.  A filter too common for the keystore's search index is\n"
     "scanned; in an API of more than 20,000 keys its total is then left open (null).\n"},
    {"get", keys_get, "keys get ID",
     "Every field, with the permissions the key holds directly and through roles.\n"},
    {"create", kd_keys_create, "keys create --api ID [--count N] [field options]",
     kd_key_fields_help},
    {"update", kd_keys_update,
     "keys update ID [field options] [--enable|--disable] [--expires never] "
     "[--credits unlimited] [--refill none] [--no-ratelimits]",
     "Changes only the fields given (not --prefix, --byte-length, --recoverable).\n"},
    {"delete", keys_delete, "keys delete ID [--permanent]", NULL},
    {"reroll", keys_reroll, "keys reroll ID [--grace DURATION]",
     "A new key with the same settings, printed once; the old key keeps working for the\n"
     "grace period (default: none).\n"},
    {"reveal", keys_reveal, "keys reveal ID",
     "Print the plaintext of a recoverable key (audited; refused when read-only).\n"},
    {"credits", keys_credits, "keys credits ID set N|unlimited | add N | sub N", NULL},
    {"roles", keys_roles, "keys roles ID add|remove|set a,b", NULL},
    {"perms", keys_perms, "keys perms ID add|remove|set x,y", NULL},
    {"import", kd_keys_import, "keys import --api ID --hash HASH [field options]",
     "Import a key by its SHA-256 digest: Unkey's standard Base64, better-auth's\n"
     "Base64url, or 64 hex digits.  Its holders' keys keep verifying.\n"},
    {NULL, NULL, NULL, NULL},
};

int kd_cmd_keys(struct kd_cli *c, int argc, char **argv)
{
    return kd_cli_dispatch(c, "keys", "API keys", verbs, argc, argv);
}
