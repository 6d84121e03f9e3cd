/*
 * output.h — how keydeck prints: aligned text tables for people, one JSON
 * document (jansson) for scripts, and the small formatters both share.
 */
#ifndef KD_CLI_OUTPUT_H
#define KD_CLI_OUTPUT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#include "model/api.h"
#include "model/audit.h"
#include "model/key.h"
#include "model/rbac.h"
#include "model/stats.h"
#include "model/verify.h"

/* ---- text tables ---- */
struct kd_table;

/** A table with ncols columns; headers are ncols strings. */
struct kd_table *kd_table_new(size_t ncols, const char *const *headers);
/** Add a row of ncols cells (copied; NULL or "" prints "-"). */
void kd_table_add(struct kd_table *t, const char *const *cells);
size_t kd_table_rows(const struct kd_table *t);
/** Print with columns padded to their widest cell (counted in characters). */
void kd_table_print(const struct kd_table *t, FILE *f);
void kd_table_free(struct kd_table *t);

/* ---- formatters (text) ---- */
/** "12/100 daily", "12", "unlimited". */
void kd_fmt_credits(const struct kd_credits *c, char *buf, size_t len);
/** Relative time from now, or "never" for 0. */
void kd_fmt_when(int64_t ms, int64_t now_ms, const char *zero_word, char *buf, size_t len);
/** "req 100/1m auto". */
void kd_fmt_ratelimit(const struct kd_ratelimit *rl, char *buf, size_t len);

/* ---- JSON (camelCase, times as Unix ms, absent values as null) ---- */
json_t *kd_json_api(const struct kd_api *a);
json_t *kd_json_credits(const struct kd_credits *c);
json_t *kd_json_key(const struct kd_key *k, int64_t now_ms);
json_t *kd_json_role(const struct kd_role *r);
json_t *kd_json_permission(const struct kd_permission *p);
json_t *kd_json_audit_entry(const struct kd_audit_entry *e);
json_t *kd_json_verify_result(const struct kd_verify_result *r);
json_t *kd_json_stats(const struct kd_stats *s, int64_t since, int64_t until);
/** {"items": items, "cursor": cursor|null, "total": total|null} (takes items). */
json_t *kd_json_list(json_t *items, const char *cursor, int64_t total);

/**
 * End a list command the same way everywhere: with --json one document
 * {items, cursor, total}; else the table (or the empty message), "N of M" when
 * only part was shown, and how to get the next page.  Takes ownership of items,
 * t and cursor.
 */
void kd_list_finish(bool json, json_t *items, struct kd_table *t, char *cursor, int64_t total,
                    const char *empty_message);
/** A string or null. */
json_t *kd_json_str(const char *s);
/** A Unix-ms time, or null for 0. */
json_t *kd_json_time(int64_t ms);
/** Print one document to stdout and release it; returns 0 or -1 on write error. */
int kd_json_print(json_t *doc);

#endif
