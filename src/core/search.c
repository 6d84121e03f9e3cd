/*
 * search.c — the key search index (see search.h): its FTS5 tokenizer, the
 * entry of a new key, and the plan for one filter.
 */
#include "core/search.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* ---- the tokenizer: every run of 1, 2 and 3 characters ---- */

/* Longest run indexed, in characters.  A longer filter is the AND of runs. */
#define NGRAM_MAX 3

static int ngram_create(void *ctx, const char **argv, int argc, Fts5Tokenizer **out)
{
    (void)ctx;
    (void)argv;
    static char instance; /* stateless: any non-NULL pointer will do */
    if (argc != 0)
        return SQLITE_ERROR;
    *out = (Fts5Tokenizer *)&instance;
    return SQLITE_OK;
}

static void ngram_delete(Fts5Tokenizer *tok)
{
    (void)tok;
}

/* The byte after the character that starts at i (UTF-8: skip continuations). */
static int next_char(const char *text, int len, int i)
{
    i++;
    while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80)
        i++;
    return i;
}

/* ASCII case folding, the folding LIKE does: 'A' matches 'a', 'É' only 'É'. */
static void fold_ascii(char *dst, const char *src, int len)
{
    for (int i = 0; i < len; i++)
        dst[i] = (src[i] >= 'A' && src[i] <= 'Z') ? (char)(src[i] - 'A' + 'a') : src[i];
}

static int ngram_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text, int len,
                          int (*emit)(void *ctx, int tflags, const char *token, int n,
                                      int start, int end))
{
    (void)tok;
    if (len <= 0)
        return SQLITE_OK;
    char small[512];
    char *folded = (size_t)len <= sizeof small ? small : sqlite3_malloc(len);
    if (!folded)
        return SQLITE_NOMEM;
    fold_ascii(folded, text, len);
    int rc = SQLITE_OK;
    if (flags & FTS5_TOKENIZE_QUERY) {
        /* kd_search_plan quotes runs of at most NGRAM_MAX characters, each one token. */
        rc = emit(ctx, 0, folded, len, 0, len);
    } else {
        for (int i = 0; i < len && rc == SQLITE_OK; i = next_char(text, len, i)) {
            int end = i;
            for (int n = 1; n <= NGRAM_MAX && end < len && rc == SQLITE_OK; n++) {
                end = next_char(text, len, end);
                rc = emit(ctx, 0, folded + i, end - i, i, end);
            }
        }
    }
    if (folded != small)
        sqlite3_free(folded);
    return rc;
}

int kd_search_register(sqlite3 *db)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) != SQLITE_OK)
        return -1; /* SQLite built without FTS5 */
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    if (!api || api->iVersion < 2)
        return -1;
    static fts5_tokenizer ngram = {ngram_create, ngram_delete, ngram_tokenize};
    return api->xCreateTokenizer(api, "keydeck_ngram", NULL, &ngram, NULL) == SQLITE_OK ? 0 : -1;
}

/* ---- entries ---- */

int kd_search_add(struct kd_store *s, int64_t rid, struct kd_error *err)
{
    /* key_search_text (schema_v4.sql) is the one definition of an entry's text. */
    sqlite3_stmt *st = kd_store_stmt(
        s, "INSERT INTO key_search(rowid, body) "
           "VALUES (?1, (SELECT body FROM key_search_text WHERE rid = ?1))",
        err);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, rid);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : kd_store_fail(s, err, "indexing the key for search");
}

/* ---- plans ---- */

/* Whether p is well-formed UTF-8: the index splits text where characters start. */
static bool valid_utf8(const unsigned char *p)
{
    while (*p) {
        int follow;
        if (*p < 0x80)
            follow = 0;
        else if (*p >= 0xC2 && *p < 0xE0)
            follow = 1;
        else if ((*p & 0xF0) == 0xE0)
            follow = 2;
        else if ((*p & 0xF8) == 0xF0)
            follow = 3;
        else
            return false;
        for (p++; follow > 0; follow--, p++)
            if ((*p & 0xC0) != 0x80)
                return false;
    }
    return true;
}

/* Append text[from, to) to out as one FTS5 string: in double quotes, doubled. */
static void append_quoted(char **out, size_t *len, const char *text, int from, int to)
{
    *out = kd_xrealloc(*out, *len + (size_t)(to - from) * 2 + 8);
    char *o = *out + *len;
    *o++ = '"';
    for (int i = from; i < to; i++) {
        if (text[i] == '"')
            *o++ = '"';
        *o++ = text[i];
    }
    *o++ = '"';
    *o = '\0';
    *len = (size_t)(o - *out);
}

/*
 * The FTS5 query for filter: one token when it is short, else the AND of
 * three-character runs that cover it (side by side, the last one flush with
 * the end; overlapping runs would add little but long doclists to merge).
 */
static char *match_query(const char *filter)
{
    int len = (int)strlen(filter), chars = 0;
    int *starts = kd_xcalloc((size_t)len + 1, sizeof *starts); /* where each character starts */
    for (int i = 0; i < len; i = next_char(filter, len, i))
        starts[chars++] = i;
    starts[chars] = len;
    char *q = kd_xstrdup("");
    size_t qlen = 0;
    if (chars <= NGRAM_MAX)
        append_quoted(&q, &qlen, filter, 0, len);
    for (int c = 0; chars > NGRAM_MAX && c < chars; c += NGRAM_MAX) {
        int from = c + NGRAM_MAX <= chars ? c : chars - NGRAM_MAX;
        if (qlen) {
            q = kd_xrealloc(q, qlen + sizeof " AND ");
            memcpy(q + qlen, " AND ", sizeof " AND ");
            qlen += sizeof " AND " - 1;
        }
        append_quoted(&q, &qlen, filter, starts[from], starts[from + NGRAM_MAX]);
    }
    free(starts);
    return q;
}

/* The smallest string above every id that starts with filter; NULL when no id
 * can (ids are printable ASCII). */
static char *id_upper_bound(const char *filter)
{
    size_t n = strlen(filter);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)filter[i] < 0x21 || (unsigned char)filter[i] > 0x7E)
            return NULL;
    char *up = kd_xstrdup(filter);
    up[n - 1]++;
    return up;
}

/* count(*) of a "SELECT count(*) FROM (... LIMIT ?3)" with ?1, ?2 bound as text. */
static int64_t count_upto(struct kd_store *s, const char *sql, const char *a, const char *b,
                          struct kd_error *err)
{
    sqlite3_stmt *st = kd_store_stmt(s, sql, err);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, KD_SEARCH_MAX_CANDIDATES + 1);
    int rc = sqlite3_step(st);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return kd_store_fail(s, err, "searching the keys");
    return n;
}

int kd_search_plan(struct kd_store *s, const char *filter, struct kd_search_plan *plan,
                   struct kd_error *err)
{
    memset(plan, 0, sizeof *plan);
    if (!filter || !*filter || !valid_utf8((const unsigned char *)filter))
        return 0;
    plan->match = match_query(filter);
    plan->id_below = id_upper_bound(filter);
    int64_t by_text = count_upto(
        s, "SELECT count(*) FROM (SELECT 1 FROM key_search WHERE key_search MATCH ?1 LIMIT ?3)",
        plan->match, NULL, err);
    if (by_text < 0)
        return -1;
    int64_t by_id = 0;
    if (plan->id_below && by_text <= KD_SEARCH_MAX_CANDIDATES) {
        by_id = count_upto(s,
                           "SELECT count(*) FROM (SELECT 1 FROM keys WHERE id >= ?1 AND id < ?2 "
                           "LIMIT ?3)",
                           filter, plan->id_below, err);
        if (by_id < 0)
            return -1;
    }
    plan->use_index = by_text + by_id <= KD_SEARCH_MAX_CANDIDATES;
    return 0;
}

void kd_search_plan_free(struct kd_search_plan *plan)
{
    free(plan->match);
    free(plan->id_below);
    memset(plan, 0, sizeof *plan);
}
