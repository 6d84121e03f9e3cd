/*
 * search.h — the key search index: what a list filter can match, found
 * without reading every key.
 *
 * A filter matches a key when it is a substring (ASCII case folded, as LIKE
 * folds) of the key's name, start, external id or meta text, or a prefix of
 * its id.  Scanning a million rows for that takes 100-200 ms, so every key
 * row has an entry in `key_search`, an FTS5 table whose tokenizer cuts the
 * text into every run of 1, 2 and 3 characters.  A filter of up to three
 * characters is then one token, a longer one the AND of its three-character
 * runs; either yields a superset of the matching rows, which the list's own
 * LIKE filter then checks exactly.  When that superset is large the filter
 * is common, and a plain scan fills a page at once: the plan says which.
 *
 * Entries are written by kd_search_add for every row the engine inserts (a
 * trigger would flush FTS5's buffer after every INSERT statement and double
 * the cost of bulk creation), and by triggers for updates and deletes
 * (schema_v4.sql).  Internal to the engine.
 */
#ifndef KD_CORE_SEARCH_H
#define KD_CORE_SEARCH_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/store.h"
#include "util/error.h"

/* Past this many candidate rows a filter is common: scan instead. */
#define KD_SEARCH_MAX_CANDIDATES 4096

/** Register the "keydeck_ngram" tokenizer on db; before the schema is used. */
int kd_search_register(sqlite3 *db);

/** Index the key row rid, which this transaction has just inserted. */
int kd_search_add(struct kd_store *s, int64_t rid, struct kd_error *err);

struct kd_search_plan {
    bool use_index; /* false: scan the API's keys with the filter */
    char *match;    /* the FTS5 query for the filter's text */
    char *id_below; /* ids that start with the filter sort below this */
};

/**
 * Decide how to find the keys that filter may match.  A filter that is too
 * short, not UTF-8, or whose candidates number more than
 * KD_SEARCH_MAX_CANDIDATES gets use_index false.
 */
int kd_search_plan(struct kd_store *s, const char *filter, struct kd_search_plan *plan,
                   struct kd_error *err);
void kd_search_plan_free(struct kd_search_plan *plan);

#endif
