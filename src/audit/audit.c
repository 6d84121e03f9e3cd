/*
 * audit.c — run the rules over a keystore through the backend, and keep the
 * list of accepted findings (a file next to the config, never the keystore).
 */
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/xalloc.h"

/* ---- findings --------------------------------------------------------- */

static struct kd_audit_finding *add_finding(struct kd_audit_report *r, enum kd_audit_rule rule,
                                            const char *target, const char *type,
                                            const char *name, const char *api_id,
                                            char *message /* taken */)
{
    r->findings = kd_xgrow(r->findings, &r->cap, r->len + 1, sizeof *r->findings);
    struct kd_audit_finding *f = &r->findings[r->len++];
    f->rule = rule;
    f->target = kd_xstrdup(target);
    f->target_type = type;
    f->target_name = kd_xstrdup(name);
    f->api_id = (char *)api_id; /* interned in r->api_ids */
    f->message = message;
    f->accepted = NULL;
    return f;
}

void kd_audit_report_free(struct kd_audit_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->len; i++) {
        free(r->findings[i].target);
        free(r->findings[i].target_name);
        free(r->findings[i].message);
    }
    free(r->findings);
    kd_strlist_clear(&r->api_ids);
    memset(r, 0, sizeof *r);
}

size_t kd_audit_report_open(const struct kd_audit_report *r, enum kd_audit_severity min)
{
    size_t n = 0;
    for (int s = (int)min; s < KD_SEV_COUNT; s++)
        n += r->open_by_severity[s];
    return n;
}

static int finding_cmp(const void *a, const void *b)
{
    const struct kd_audit_finding *x = a, *y = b;
    enum kd_audit_severity sx = kd_audit_rule_info(x->rule)->severity;
    enum kd_audit_severity sy = kd_audit_rule_info(y->rule)->severity;
    if (sx != sy)
        return sx > sy ? -1 : 1;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    int c = strcmp(x->api_id ? x->api_id : "", y->api_id ? y->api_id : "");
    return c ? c : strcmp(x->target, y->target);
}

/* ---- keystore-wide rules: names and owners ---------------------------- */

struct pair {
    char *a; /* name or external id */
    char *b; /* key id */
};

/* The strings of the pairs live in blocks that are never moved, so a million
 * keys cost a few hundred allocations instead of two million (the allocator
 * was a third of a 1M-key audit). */
#define POOL_BLOCK (64 * 1024)

struct pool_block {
    struct pool_block *next;
    size_t used, cap;
    char data[];
};

struct pairs {
    struct pair *items;
    size_t len, cap;
    struct pool_block *blocks;
};

static char *pool_dup(struct pairs *p, const char *s)
{
    size_t n = strlen(s) + 1;
    struct pool_block *b = p->blocks;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > POOL_BLOCK ? n : POOL_BLOCK;
        b = kd_xmalloc(sizeof *b + cap);
        b->next = p->blocks;
        b->used = 0;
        b->cap = cap;
        p->blocks = b;
    }
    char *out = b->data + b->used;
    memcpy(out, s, n);
    b->used += n;
    return out;
}

static void pairs_push(struct pairs *p, const char *a, const char *b)
{
    p->items = kd_xgrow(p->items, &p->cap, p->len + 1, sizeof *p->items);
    p->items[p->len].a = pool_dup(p, a);
    p->items[p->len].b = pool_dup(p, b);
    p->len++;
}

static void pairs_clear(struct pairs *p)
{
    while (p->blocks) {
        struct pool_block *next = p->blocks->next;
        free(p->blocks);
        p->blocks = next;
    }
    free(p->items);
    memset(p, 0, sizeof *p);
}

static int pair_cmp(const void *x, const void *y)
{
    const struct pair *a = x, *b = y;
    int c = strcmp(a->a, b->a);
    return c ? c : strcmp(a->b, b->b);
}

static void duplicate_names(struct kd_audit_report *r, struct pairs *names, const char *api_id)
{
    if (names->len > 1) /* an empty list has no array, and qsort wants one */
        qsort(names->items, names->len, sizeof *names->items, pair_cmp);
    for (size_t i = 0; i < names->len;) {
        size_t j = i + 1;
        while (j < names->len && strcmp(names->items[j].a, names->items[i].a) == 0)
            j++;
        if (j - i > 1)
            for (size_t k = i; k < j; k++)
                add_finding(r, KD_RULE_DUPLICATE_NAME, names->items[k].b, "key",
                            names->items[k].a, api_id,
                            kd_xasprintf("name \"%.100s\" is shared by %zu keys of this API",
                                         names->items[k].a, j - i));
        i = j;
    }
}

static void busy_owners(struct kd_audit_report *r, struct pairs *owners, int max_keys)
{
    if (max_keys <= 0)
        return;
    if (owners->len > 1)
        qsort(owners->items, owners->len, sizeof *owners->items, pair_cmp);
    for (size_t i = 0; i < owners->len;) {
        size_t j = i + 1;
        while (j < owners->len && strcmp(owners->items[j].a, owners->items[i].a) == 0)
            j++;
        if (j - i > (size_t)max_keys)
            add_finding(r, KD_RULE_OWNER_MANY_KEYS, owners->items[i].a, "owner", NULL, NULL,
                        kd_xasprintf("owns %zu keys (more than %d)", j - i, max_keys));
        i = j;
    }
}

/* ---- the scan --------------------------------------------------------- */

static int collect_apis(struct kd_backend *b, const struct kd_audit_options *opt,
                        struct kd_strlist *ids, struct kd_error *err)
{
    if (opt->api_id) {
        struct kd_api api = {0};
        if (kd_backend_api_get(b, opt->api_id, &api, err) < 0)
            return -1;
        kd_strlist_push(ids, api.id);
        kd_api_free(&api);
        return 0;
    }
    if (!(kd_backend_capabilities(b) & KD_CAP_LIST_APIS) && opt->apis) {
        for (size_t i = 0; i < opt->apis->len; i++)
            kd_strlist_push(ids, opt->apis->items[i]);
        return 0;
    }
    struct kd_list_query q = {.limit = KD_PAGE_LIMIT_MAX};
    char *cursor = NULL;
    do {
        struct kd_api_page page = {0};
        q.cursor = cursor;
        int rc = kd_backend_api_list(b, &q, &page, err);
        free(cursor);
        cursor = NULL;
        if (rc < 0)
            return -1;
        for (size_t i = 0; i < page.len; i++)
            kd_strlist_push(ids, page.items[i].id);
        cursor = kd_xstrdup(page.next_cursor);
        kd_api_page_free(&page);
    } while (cursor);
    return 0;
}

static int scan_keys(struct kd_backend *b, const struct kd_audit_options *opt,
                     const char *api_id, struct kd_audit_report *r, struct pairs *owners,
                     struct kd_error *err)
{
    struct kd_key_query q = {.api_id = api_id, .include_grants = true};
    q.page.limit = KD_PAGE_LIMIT_MAX;
    struct pairs names = {0};
    struct kd_audit_hit hits[KD_RULE_COUNT];
    char *cursor = NULL;
    int rc = 0;
    do {
        struct kd_key_page page = {0};
        q.page.cursor = cursor;
        rc = kd_backend_key_list(b, &q, &page, err);
        free(cursor);
        cursor = NULL;
        if (rc < 0)
            break;
        for (size_t i = 0; i < page.len; i++) {
            const struct kd_key *k = &page.items[i];
            r->keys++;
            size_t n = kd_audit_check_key(k, opt->thresholds, opt->now_ms, hits);
            for (size_t h = 0; h < n; h++)
                if (!r->skipped[hits[h].rule])
                    add_finding(r, hits[h].rule, k->id, "key", k->name, api_id,
                                kd_xstrdup(hits[h].message));
            if (k->name && *k->name)
                pairs_push(&names, k->name, k->id);
            if (k->external_id && *k->external_id)
                pairs_push(owners, k->external_id, k->id);
        }
        cursor = kd_xstrdup(page.next_cursor);
        kd_key_page_free(&page);
    } while (cursor);
    if (rc == 0)
        duplicate_names(r, &names, api_id);
    pairs_clear(&names);
    return rc;
}

static int scan_rbac(struct kd_backend *b, struct kd_audit_report *r, struct kd_error *err)
{
    struct kd_list_query q = {.limit = KD_PAGE_LIMIT_MAX};
    char *cursor = NULL;
    do {
        struct kd_role_page page = {0};
        q.cursor = cursor;
        int rc = kd_backend_role_list(b, &q, &page, err);
        free(cursor);
        cursor = NULL;
        if (rc < 0)
            return -1;
        for (size_t i = 0; i < page.len; i++) {
            r->roles++;
            if (page.items[i].key_count == 0)
                add_finding(r, KD_RULE_UNHELD_ROLE, page.items[i].name, "role", NULL, NULL,
                            kd_xasprintf("role \"%.100s\" (%zu permission(s)) is held by no key",
                                         page.items[i].name, page.items[i].permissions.len));
        }
        cursor = kd_xstrdup(page.next_cursor);
        kd_role_page_free(&page);
    } while (cursor);
    do {
        struct kd_permission_page page = {0};
        q.cursor = cursor;
        int rc = kd_backend_permission_list(b, &q, &page, err);
        free(cursor);
        cursor = NULL;
        if (rc < 0)
            return -1;
        for (size_t i = 0; i < page.len; i++) {
            r->permissions++;
            const struct kd_permission *p = &page.items[i];
            if (p->key_count == 0)
                add_finding(r, KD_RULE_UNHELD_PERMISSION, p->slug, "permission", NULL, NULL,
                            p->role_count > 0
                                ? kd_xasprintf("granted by %lld role(s) but held by no key",
                                               (long long)p->role_count)
                                : kd_xstrdup("held by no key and granted by no role"));
        }
        cursor = kd_xstrdup(page.next_cursor);
        kd_permission_page_free(&page);
    } while (cursor);
    return 0;
}

int kd_audit_run(struct kd_backend *b, const struct kd_audit_options *opt,
                 struct kd_audit_report *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    /* A key that does not say whether it is recoverable would pass KD012
     * silently: the rule is not run at all, and the report says so. */
    if (!(kd_backend_capabilities(b) & KD_CAP_FULL_KEYS))
        out->skipped[KD_RULE_RECOVERABLE] = true;
    struct pairs owners = {0};
    int rc = collect_apis(b, opt, &out->api_ids, err);
    out->apis = out->api_ids.len;
    for (size_t i = 0; rc == 0 && i < out->api_ids.len; i++)
        rc = scan_keys(b, opt, out->api_ids.items[i], out, &owners, err);
    if (rc == 0)
        busy_owners(out, &owners, opt->thresholds->owner_max_keys);
    pairs_clear(&owners);
    /* Roles and permissions belong to the keystore, not to one API. */
    if (rc == 0 && !opt->api_id)
        rc = scan_rbac(b, out, err);
    if (rc < 0) {
        kd_audit_report_free(out);
        return -1;
    }
    if (out->len > 1)
        qsort(out->findings, out->len, sizeof *out->findings, finding_cmp);
    for (size_t i = 0; i < out->len; i++) {
        struct kd_audit_finding *f = &out->findings[i];
        const struct kd_audit_rule_info *ri = kd_audit_rule_info(f->rule);
        f->accepted = opt->accepted ? kd_audit_accept_find(opt->accepted, ri->id, f->target)
                                    : NULL;
        if (f->accepted)
            out->accepted_count++;
        else
            out->open_by_severity[ri->severity]++;
    }
    return 0;
}

/* ---- the accept list -------------------------------------------------- */

char *kd_audit_accept_path(void)
{
    const char *cfg = getenv("KEYDECK_CONFIG");
    char *path = cfg && *cfg ? kd_xstrdup(cfg) : kd_config_default_path();
    if (!path)
        return NULL;
    char *slash = strrchr(path, '/');
    char *out = slash ? kd_xasprintf("%.*s/audit-accepted", (int)(slash - path), path)
                      : kd_xstrdup("audit-accepted");
    free(path);
    return out;
}

const char *kd_audit_whoami(void)
{
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name && *pw->pw_name)
        return pw->pw_name;
    const char *u = getenv("USER");
    return u && *u ? u : "unknown";
}

void kd_audit_accept_free(struct kd_audit_acceptlist *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++) {
        free(l->items[i].rule_id);
        free(l->items[i].target);
        free(l->items[i].who);
        free(l->items[i].reason);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}

const struct kd_audit_acceptance *kd_audit_accept_find(const struct kd_audit_acceptlist *l,
                                                       const char *rule_id, const char *target)
{
    /* The newest acceptance wins, so re-accepting updates the reason. */
    for (size_t i = l->len; i-- > 0;)
        if (strcmp(l->items[i].rule_id, rule_id) == 0 && strcmp(l->items[i].target, target) == 0)
            return &l->items[i];
    return NULL;
}

static int parse_line(char *line, struct kd_audit_acceptance *a)
{
    char *field[5];
    char *s = line;
    for (int i = 0; i < 5; i++) {
        field[i] = s;
        char *tab = i < 4 ? strchr(s, '\t') : NULL;
        if (i < 4 && !tab)
            return -1;
        if (tab) {
            *tab = '\0';
            s = tab + 1;
        }
    }
    char *end;
    errno = 0;
    long long at = strtoll(field[2], &end, 10);
    if (errno || *end || end == field[2] || at < 0 || kd_audit_rule_find(field[0]) < 0 ||
        !*field[1] || !*field[4])
        return -1;
    a->rule_id = kd_xstrdup(kd_audit_rule_info(kd_audit_rule_find(field[0]))->id);
    a->target = kd_xstrdup(field[1]);
    a->at = at;
    a->who = kd_xstrdup(field[3]);
    a->reason = kd_xstrdup(field[4]);
    return 0;
}

int kd_audit_accept_load(const char *path, struct kd_audit_acceptlist *out,
                         struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    if (!path)
        return 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        return kd_error_set(err, KD_ERR_IO, "audit-accepted", "%s: %s", path, strerror(errno));
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    int lineno = 0, rc = 0;
    while (rc == 0 && (got = getline(&line, &cap, f)) >= 0) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        if (got == 0 || line[0] == '#')
            continue;
        struct kd_audit_acceptance a = {0};
        if (parse_line(line, &a) < 0) {
            rc = kd_error_set(err, KD_ERR_INVALID, "audit-accepted",
                              "%s:%d: expected RULE<tab>TARGET<tab>UNIX-MS<tab>WHO<tab>REASON "
                              "with a known rule and a reason",
                              path, lineno);
            break;
        }
        out->items = kd_xgrow(out->items, &out->cap, out->len + 1, sizeof *out->items);
        out->items[out->len++] = a;
    }
    free(line);
    fclose(f);
    if (rc < 0)
        kd_audit_accept_free(out);
    return rc;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if (*s == '\t' || *s == '\n' || *s == '\r')
            return true;
    return false;
}

int kd_audit_accept_add(const char *path, const char *rule, const char *target,
                        const char *who, const char *reason, int64_t at,
                        struct kd_error *err)
{
    int r = kd_audit_rule_find(rule);
    if (r < 0)
        return kd_error_set(err, KD_ERR_INVALID, "RULE",
                            "\"%s\" is not a rule id or name (see keydeck audit rules)",
                            rule ? rule : "");
    if (!target || !*target || has_control(target))
        return kd_error_set(err, KD_ERR_INVALID, "TARGET",
                            "the target must be non-empty, without tabs or newlines");
    if (!reason || !*reason || has_control(reason))
        return kd_error_set(err, KD_ERR_INVALID, "--reason",
                            "a reason is required, without tabs or newlines");
    if (!who || !*who || has_control(who))
        who = "unknown";
    if (!path)
        return kd_error_set(err, KD_ERR_INVALID, "audit-accepted",
                            "no config directory: set XDG_CONFIG_HOME or HOME");
    /* The config directory may not exist yet: make it (private), not its parents. */
    const char *slash = strrchr(path, '/');
    if (slash && slash != path) {
        char *dir = kd_xstrndup(path, (size_t)(slash - path));
        if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
            int e = errno;
            kd_error_set(err, KD_ERR_IO, "audit-accepted", "%s: %s", dir, strerror(e));
            free(dir);
            return -1;
        }
        free(dir);
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return kd_error_set(err, KD_ERR_IO, "audit-accepted", "%s: %s", path, strerror(errno));
    char *line = kd_xasprintf("%s\t%s\t%lld\t%s\t%s\n", kd_audit_rule_info(r)->id, target,
                              (long long)at, who, reason);
    size_t len = strlen(line), done = 0;
    int rc = 0;
    while (done < len) {
        ssize_t w = write(fd, line + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            rc = kd_error_set(err, KD_ERR_IO, "audit-accepted", "%s: %s", path,
                              strerror(errno));
            break;
        }
        done += (size_t)w;
    }
    free(line);
    if (close(fd) < 0 && rc == 0)
        rc = kd_error_set(err, KD_ERR_IO, "audit-accepted", "%s: %s", path, strerror(errno));
    return rc;
}

/* ---- CSV -------------------------------------------------------------- */

void kd_audit_csv_field(FILE *f, const char *s)
{
    if (!s)
        s = "";
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
