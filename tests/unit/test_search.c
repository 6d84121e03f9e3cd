/*
 * test_search.c — the key search index (core/search.h): a filtered list finds
 * exactly the keys a LIKE scan finds, whichever way it is planned, and the
 * index follows every change to a key's text.
 */
#include <stdlib.h>

#include "core/search.h"
#include "keys_fixture.h"
#include "util/strlist.h"

static struct kd_error err;

static void make_key(struct kd_store *s, const char *api, const char *name, const char *owner,
                     const char *meta, char **id)
{
    struct kd_key spec;
    struct kd_key_secret sec;
    kd_key_init(&spec);
    spec.api_id = kd_xstrdup(api);
    spec.name = name ? kd_xstrdup(name) : NULL;
    spec.external_id = owner ? kd_xstrdup(owner) : NULL;
    spec.meta_json = meta ? kd_xstrdup(meta) : NULL;
    fx_create(s, &spec, &sec);
    if (id)
        *id = kd_xstrdup(sec.key_id);
    kd_key_secret_free(&sec);
    kd_key_free(&spec);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every id the engine lists for filter, all pages of `limit`, sorted, joined by ' '. */
static char *listed(struct kd_store *s, const char *api, const char *filter, enum kd_key_sort sort,
                    int limit)
{
    struct kd_strlist ids = KD_STRLIST_INIT;
    struct kd_key_query q;
    memset(&q, 0, sizeof q);
    q.api_id = api;
    q.sort = sort;
    q.page.filter = filter;
    q.page.limit = limit;
    char *cursor = NULL;
    do {
        q.page.cursor = cursor;
        struct kd_key_page page;
        ck_assert_msg(kd_engine_key_list(s, &q, &page, &err) == 0, "list '%s': %s", filter,
                      err.message);
        for (size_t i = 0; i < page.len; i++)
            kd_strlist_push(&ids, page.items[i].id);
        free(cursor);
        cursor = page.next_cursor ? kd_xstrdup(page.next_cursor) : NULL;
        kd_key_page_free(&page);
    } while (cursor);
    if (ids.len) /* an empty list has no array, and qsort wants one */
        qsort(ids.items, ids.len, sizeof *ids.items, cmp_str);
    char *out = kd_strlist_join(&ids, " ");
    kd_strlist_clear(&ids);
    return out;
}

/* The same, found by the definition: LIKE over the text fields, or an id prefix. */
static char *by_like(struct kd_store *s, const char *api, const char *filter)
{
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(
        sqlite3_prepare_v2(s->db,
                           "SELECT id FROM keys WHERE api_id = ?1 AND deleted_at IS NULL AND ("
                           "instr(lower(name), lower(?2)) OR instr(lower(start), lower(?2)) OR "
                           "instr(lower(external_id), lower(?2)) OR instr(lower(meta), lower(?2)) "
                           "OR substr(id, 1, length(?2)) = ?2) ORDER BY id",
                           -1, &st, NULL),
        SQLITE_OK);
    sqlite3_bind_text(st, 1, api, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, filter, -1, SQLITE_STATIC);
    struct kd_strlist ids = KD_STRLIST_INIT;
    while (sqlite3_step(st) == SQLITE_ROW)
        kd_strlist_push(&ids, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    char *out = kd_strlist_join(&ids, " ");
    kd_strlist_clear(&ids);
    return out;
}

static bool planned_indexed(struct kd_store *s, const char *filter)
{
    struct kd_search_plan plan;
    ck_assert_int_eq(kd_search_plan(s, filter, &plan, &err), 0);
    bool indexed = plan.use_index;
    kd_search_plan_free(&plan);
    return indexed;
}

static int64_t total_of(struct kd_store *s, const char *filter, size_t *len)
{
    struct kd_key_query q;
    memset(&q, 0, sizeof q);
    q.api_id = "api_main";
    q.page.filter = filter;
    q.page.want_total = true;
    struct kd_key_page page;
    ck_assert_int_eq(kd_engine_key_list(s, &q, &page, &err), 0);
    int64_t total = page.total;
    if (len)
        *len = page.len;
    kd_key_page_free(&page);
    return total;
}

static void assert_agrees(struct kd_store *s, const char *filter, int limit)
{
    char *want = by_like(s, "api_main", filter);
    for (int sort = KD_SORT_CREATED; sort <= KD_SORT_LAST_USED; sort++) {
        char *got = listed(s, "api_main", filter, (enum kd_key_sort)sort, limit);
        ck_assert_msg(strcmp(got, want) == 0, "filter '%s', sort %d: listed [%s], LIKE finds [%s]",
                      filter, sort, got, want);
        free(got);
    }
    free(want);
}

/* A small keystore: every filter is planned on the index, and agrees with LIKE. */
START_TEST(search_agrees_with_like)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    char *first = NULL;
    make_key(s, "api_main", "alpha-one", "owner_x", NULL, &first);
    make_key(s, "api_main", "Beta", "Alpha_owner", "{\"team\":\"ALPHAteam\"}", NULL);
    make_key(s, "api_main", "café crème", NULL, "{\"note\":\"say \\\"hi\\\"\"}", NULL);
    make_key(s, "api_main", "CAFÉ ÜBER", "owner.2", "{\"a\":\"100%\"}", NULL);
    make_key(s, "api_main", NULL, NULL, "{\"plan\":\"pro\",\"tier\":2}", NULL);
    /* "b00c" would span two fields: no match (and no random start has a 0) */
    make_key(s, "api_main", "ab0", "0cd", NULL, NULL);
    make_key(s, "api_other", "alpha-elsewhere", NULL, NULL, NULL);
    char *gone = NULL;
    make_key(s, "api_main", "alpha-deleted", NULL, NULL, &gone);
    ck_assert_int_eq(kd_engine_key_delete(s, gone, false, &err), 0);

    char id_prefix[12];
    snprintf(id_prefix, sizeof id_prefix, "%.10s", first);
    const char *filters[] = {"a",     "A",      "é",    "É",       "bc",  "ab",   "alpha",
                             "ALPHA", "ALPHAt", "café", "CAFÉ",    "fé c", "\"",   "\"hi\"",
                             "%",     "100%",   "_",    "sk_",     "pro", "er",   "Über",
                             "ÜBER",  "r.2", "zzz",    "key_", id_prefix, first, "2}",   "{\"plan\":\"pro\""};
    for (size_t i = 0; i < sizeof filters / sizeof *filters; i++) {
        ck_assert_msg(planned_indexed(s, filters[i]), "'%s' not planned on the index", filters[i]);
        assert_agrees(s, filters[i], 3);
    }
    ck_assert(!planned_indexed(s, "caf\xc3")); /* not UTF-8: scanned */
    assert_agrees(s, "b00c", 3);
    char *none = listed(s, "api_main", "b00c", KD_SORT_CREATED, 10);
    ck_assert_str_eq(none, "");
    free(none);
    free(first);
    free(gone);
    kd_store_close(s);
}
END_TEST

START_TEST(search_follows_changes)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    char *id = NULL;
    make_key(s, "api_main", "first-name", "first-owner", "{\"first\":1}", &id);
    ck_assert_int_eq(total_of(s, "first", NULL), 1);

    struct kd_key_update u;
    memset(&u, 0, sizeof u);
    kd_key_init(&u.values);
    u.fields = KD_KF_NAME | KD_KF_EXTERNAL_ID | KD_KF_META;
    u.values.name = kd_xstrdup("second-name");
    u.values.external_id = kd_xstrdup("second-owner");
    u.values.meta_json = kd_xstrdup("{\"second\":2}");
    ck_assert_msg(kd_engine_key_update(s, id, &u, &err) == 0, "%s", err.message);
    kd_key_free(&u.values);
    ck_assert_int_eq(total_of(s, "first", NULL), 0);
    ck_assert_int_eq(total_of(s, "second-name", NULL), 1);
    ck_assert_int_eq(total_of(s, "second-owner", NULL), 1);
    ck_assert_int_eq(total_of(s, "\"second\"", NULL), 1);
    assert_agrees(s, "second", 3);

    /* A rerolled key is a new row with the same text: found, the old one not. */
    struct kd_key_secret fresh;
    ck_assert_int_eq(kd_engine_key_reroll(s, id, 0, &fresh, &err), 0);
    char *got = listed(s, "api_main", "second-n", KD_SORT_CREATED, 10);
    ck_assert_str_eq(got, fresh.key_id);
    free(got);

    /* Permanent deletion takes the entries with it; the index stays consistent
     * for what remains (FTS5's own check). */
    ck_assert_int_eq(kd_engine_key_delete(s, fresh.key_id, true, &err), 0);
    ck_assert_int_eq(kd_engine_key_delete(s, id, true, &err), 0);
    ck_assert_int_eq(total_of(s, "second", NULL), 0);
    ck_assert_int_eq(fx_int(s, "SELECT count(*) FROM key_search WHERE key_search MATCH 'sec'"), 0);
    fx_exec(s, "INSERT INTO key_search(key_search) VALUES ('integrity-check')");
    kd_key_secret_free(&fresh);
    free(id);
    kd_store_close(s);
}
END_TEST

static int keep_nothing(const struct kd_key_secret *k, void *ctx)
{
    (void)k;
    (void)ctx;
    return 0;
}

/* n keys named "bulk" in api_main, in one bulk creation. */
static void bulk_keys(struct kd_store *s, int64_t n)
{
    struct kd_key spec;
    kd_key_init(&spec);
    spec.api_id = kd_xstrdup("api_main");
    spec.name = kd_xstrdup("bulk");
    int64_t made = 0;
    ck_assert_msg(kd_engine_key_create_many(s, &spec, n, keep_nothing, NULL, &made, &err) == 0,
                  "%s", err.message);
    kd_key_free(&spec);
}

/* A filter with more candidates than the index should hand over is scanned:
 * the page fills, and it is counted only while the API is small; a rare
 * filter still uses the index. */
START_TEST(common_filters_scan_rare_ones_use_the_index)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    bulk_keys(s, KD_SEARCH_MAX_CANDIDATES + 10);
    char *needle = NULL;
    make_key(s, "api_main", "needle", NULL, NULL, &needle);

    ck_assert(!planned_indexed(s, "bulk"));
    ck_assert(!planned_indexed(s, "u"));
    size_t len = 0;
    /* a scan, counted: the API is small enough to count its keys in a few ms */
    ck_assert_int_eq(total_of(s, "bulk", &len), KD_SEARCH_MAX_CANDIDATES + 10);
    ck_assert_int_eq(len, 100);

    ck_assert(planned_indexed(s, "needle"));
    ck_assert(planned_indexed(s, "eed"));
    ck_assert_int_eq(total_of(s, "needle", &len), 1);
    ck_assert_int_eq(total_of(s, needle, &len), 1); /* by id */
    ck_assert(planned_indexed(s, needle));
    assert_agrees(s, "needl", 3);
    assert_agrees(s, "lk", 1000); /* scanned */
    assert_agrees(s, "dl", 3);   /* indexed */

    /* In a big API a common filter is not counted: the total is "at least". */
    bulk_keys(s, 20000);
    ck_assert_int_eq(total_of(s, "bulk", &len), -1);
    ck_assert_int_eq(len, 100);
    ck_assert_int_eq(total_of(s, "needle", &len), 1);
    free(needle);
    kd_store_close(s);
}
END_TEST

/* A keystore from before the index (schema 3) gets every key indexed on open. */
START_TEST(migration_indexes_existing_keys)
{
    struct kd_store *s = fx_open();
    fx_world(s);
    make_key(s, "api_main", "older-key", "owner-1", NULL, NULL);
    make_key(s, "api_main", "older-too", NULL, "{\"older\":true}", NULL);
    fx_schema_back_to_v4(s);
    fx_exec(s, "DROP TRIGGER key_search_unindex; DROP TRIGGER key_search_reindex; "
               "DROP TRIGGER key_search_delete; DROP VIEW key_search_text; "
               "DROP TABLE key_search; PRAGMA user_version = 3");
    kd_store_close(s);

    s = fx_open_path(fx_path, 0);
    ck_assert_int_eq(fx_int(s, "PRAGMA user_version"), KD_SCHEMA_VERSION);
    ck_assert(planned_indexed(s, "older"));
    ck_assert_int_eq(total_of(s, "older", NULL), 2);
    ck_assert_int_eq(total_of(s, "owner-1", NULL), 1);
    assert_agrees(s, "older-", 3);
    kd_store_close(s);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, search_agrees_with_like);
    tcase_add_test(tc, search_follows_changes);
    tcase_add_test(tc, common_filters_scan_rare_ones_use_the_index);
    tcase_add_test(tc, migration_indexes_existing_keys);
}

KD_TEST_MAIN(add_cases)
