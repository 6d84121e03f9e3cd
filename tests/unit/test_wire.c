/*
 * test_wire.c — the Unkey v2 codec: exact bodies, round trips (model -> JSON
 * -> model), every strict request rule tripped once with its location, the
 * lenient response decoders, and error envelopes both ways.
 */
#include "wire/unkey.h"

#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "util/clock.h"
#include "util/xalloc.h"

#include "test.h"

/* ---- helpers ------------------------------------------------------------------ */

static json_t *parse(const char *text)
{
    json_error_t jerr;
    json_t *v = json_loads(text, 0, &jerr);
    if (!v)
        ck_abort_msg("bad test JSON at %d: %s", jerr.position, jerr.text);
    return v;
}

/* Compact text of v, consuming the reference. */
static char *dump_and_free(json_t *v)
{
    ck_assert_ptr_nonnull(v);
    char *s = json_dumps(v, JSON_COMPACT);
    json_decref(v);
    return s;
}

#define ck_assert_json(v, expected)                 \
    do {                                            \
        char *got_ = dump_and_free(v);              \
        ck_assert_str_eq(got_, expected);           \
        free(got_);                                 \
    } while (0)

/* A request decoder's failure: code and location. */
#define ck_assert_rejected(rc, err, want_code, want_field)   \
    do {                                                     \
        ck_assert_int_eq((rc), -1);                          \
        ck_assert_int_eq((err).code, (want_code));           \
        ck_assert_str_eq((err).field, (want_field));         \
        ck_assert_str_ne((err).message, "");                 \
    } while (0)

/* Decode a create-key request body given as text; expect it refused at field. */
static void create_key_refused(const char *body, const char *field)
{
    json_t *v = parse(body);
    struct kd_key k;
    struct kd_error err;
    kd_error_clear(&err);
    int rc = kd_wire_create_key_req_decode(v, &k, &err);
    json_decref(v);
    if (rc != -1 || err.code != KD_ERR_INVALID || strcmp(err.field, field) != 0)
        ck_abort_msg("%s: rc %d code %d field \"%s\" (%s), wanted \"%s\"", body, rc, err.code,
                     err.field, err.message, field);
    ck_assert_ptr_null(k.api_id); /* freed and zeroed */
}

static void full_spec(struct kd_key *k)
{
    kd_key_init(k);
    k->api_id = kd_xstrdup("api_123456");
    k->prefix = kd_xstrdup("sk_live");
    k->name = kd_xstrdup("billing");
    k->byte_length = 24;
    k->external_id = kd_xstrdup("user_42");
    k->meta_json = kd_xstrdup("{\"plan\":\"pro\",\"seats\":3}");
    kd_strlist_push(&k->roles, "admin");
    kd_strlist_push(&k->permissions, "documents.read");
    kd_strlist_push(&k->permissions, "api.*.verify_key");
    k->expires = 1767225600000;
    k->credits.limited = true;
    k->credits.remaining = 100;
    k->credits.refill.interval = KD_REFILL_MONTHLY;
    k->credits.refill.amount = 100;
    k->credits.refill.refill_day = 15;
    kd_key_add_ratelimit(k, "requests", 10, 60000, true);
    kd_key_add_ratelimit(k, "tokens", 1000, 3600000, false);
    k->recoverable = true;
}

static const char *const full_create_json =
    "{\"apiId\":\"api_123456\",\"prefix\":\"sk_live\",\"byteLength\":24,\"name\":\"billing\","
    "\"externalId\":\"user_42\",\"meta\":{\"plan\":\"pro\",\"seats\":3},\"roles\":[\"admin\"],"
    "\"permissions\":[\"documents.read\",\"api.*.verify_key\"],\"expires\":1767225600000,"
    "\"credits\":{\"remaining\":100,\"refill\":{\"interval\":\"monthly\",\"amount\":100,"
    "\"refillDay\":15}},\"ratelimits\":[{\"name\":\"requests\",\"limit\":10,\"duration\":60000,"
    "\"autoApply\":true},{\"name\":\"tokens\",\"limit\":1000,\"duration\":3600000,"
    "\"autoApply\":false}],\"enabled\":true,\"recoverable\":true}";

static void assert_strlist_eq(const struct kd_strlist *a, const struct kd_strlist *b)
{
    ck_assert_uint_eq(a->len, b->len);
    for (size_t i = 0; i < a->len; i++)
        ck_assert_str_eq(a->items[i], b->items[i]);
}

static void assert_str_eq_or_null(const char *a, const char *b)
{
    if (!a || !b)
        ck_assert_ptr_eq(a, b);
    else
        ck_assert_str_eq(a, b);
}

/* The fields both a create spec and KeyResponseData carry. */
static void assert_common_key_fields_eq(const struct kd_key *a, const struct kd_key *b)
{
    assert_str_eq_or_null(a->name, b->name);
    assert_str_eq_or_null(a->external_id, b->external_id);
    assert_str_eq_or_null(a->meta_json, b->meta_json);
    assert_strlist_eq(&a->roles, &b->roles);
    assert_strlist_eq(&a->permissions, &b->permissions);
    ck_assert_int_eq(a->expires, b->expires);
    ck_assert_int_eq(a->enabled, b->enabled);
    ck_assert_int_eq(a->credits.limited, b->credits.limited);
    ck_assert_int_eq(a->credits.remaining, b->credits.remaining);
    ck_assert_int_eq(a->credits.refill.interval, b->credits.refill.interval);
    ck_assert_int_eq(a->credits.refill.amount, b->credits.refill.amount);
    ck_assert_int_eq(a->credits.refill.refill_day, b->credits.refill.refill_day);
    ck_assert_uint_eq(a->n_ratelimits, b->n_ratelimits);
    for (size_t i = 0; i < a->n_ratelimits; i++) {
        ck_assert_str_eq(a->ratelimits[i].name, b->ratelimits[i].name);
        ck_assert_int_eq(a->ratelimits[i].limit, b->ratelimits[i].limit);
        ck_assert_int_eq(a->ratelimits[i].duration_ms, b->ratelimits[i].duration_ms);
        ck_assert_int_eq(a->ratelimits[i].auto_apply, b->ratelimits[i].auto_apply);
    }
}

/* ---- keys.createKey ---------------------------------------------------------------- */

START_TEST(create_key_request_exact_json)
{
    struct kd_key k;
    struct kd_error err;
    full_spec(&k);
    ck_assert_json(kd_wire_create_key_req(&k, &err), full_create_json);
    kd_key_free(&k);

    /* A minimal spec sends only what it must. */
    kd_key_init(&k);
    k.api_id = kd_xstrdup("api_123456");
    ck_assert_json(kd_wire_create_key_req(&k, &err), "{\"apiId\":\"api_123456\",\"enabled\":true}");
    kd_key_free(&k);
}
END_TEST

START_TEST(create_key_round_trip)
{
    struct kd_key spec, back;
    struct kd_error err;
    full_spec(&spec);
    json_t *body = kd_wire_create_key_req(&spec, &err);
    ck_assert_int_eq(kd_wire_create_key_req_decode(body, &back, &err), 0);
    json_decref(body);
    ck_assert_str_eq(back.api_id, "api_123456");
    ck_assert_str_eq(back.prefix, "sk_live");
    ck_assert_int_eq(back.byte_length, 24);
    ck_assert(back.recoverable);
    assert_common_key_fields_eq(&spec, &back);
    ck_assert_ptr_null(back.ratelimits[0].id);
    kd_key_free(&spec);
    kd_key_free(&back);

    /* Defaults: enabled, not recoverable, length left to the API. */
    body = parse("{\"apiId\":\"api_1\"}");
    ck_assert_int_eq(kd_wire_create_key_req_decode(body, &back, &err), 0);
    ck_assert(back.enabled);
    ck_assert(!back.recoverable);
    ck_assert_int_eq(back.byte_length, 0);
    ck_assert(!back.credits.limited);
    json_decref(body);
    kd_key_free(&back);
}
END_TEST

START_TEST(create_key_refuses_what_v2_cannot_carry)
{
    struct kd_key k;
    struct kd_error err;
    full_spec(&k);
    k.environment = kd_xstrdup("live");
    ck_assert_ptr_null(kd_wire_create_key_req(&k, &err));
    ck_assert_int_eq(err.code, KD_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.field, "environment");
    free(k.environment);
    k.environment = NULL;

    k.credits.refill.interval = KD_REFILL_EVERY;
    k.credits.refill.every_ms = 3600000;
    ck_assert_ptr_null(kd_wire_create_key_req(&k, &err));
    ck_assert_int_eq(err.code, KD_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.field, "credits.refill.interval");

    k.credits.refill.interval = KD_REFILL_DAILY;
    free(k.meta_json);
    k.meta_json = kd_xstrdup("[1,2]");
    ck_assert_ptr_null(kd_wire_create_key_req(&k, &err));
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "meta");
    kd_key_free(&k);
}
END_TEST

START_TEST(monthly_refill_always_has_its_day)
{
    struct kd_key k;
    struct kd_error err;
    kd_key_init(&k);
    k.api_id = kd_xstrdup("api_123456");
    k.credits.limited = true;
    k.credits.remaining = 5;
    k.credits.refill.interval = KD_REFILL_MONTHLY;
    k.credits.refill.amount = 5; /* refill_day 0: unset in the model */
    ck_assert_json(kd_wire_create_key_req(&k, &err),
                   "{\"apiId\":\"api_123456\",\"credits\":{\"remaining\":5,\"refill\":"
                   "{\"interval\":\"monthly\",\"amount\":5,\"refillDay\":1}},\"enabled\":true}");
    kd_key_free(&k);
}
END_TEST

/* Each strict rule, tripped once, reports its location. */
START_TEST(create_key_strict_rules)
{
    create_key_refused("[]", "body");
    create_key_refused("{}", "body.apiId");
    create_key_refused("{\"apiId\":\"api_123\",\"foo\":1}", "body.foo");
    create_key_refused("{\"apiId\":42}", "body.apiId");
    create_key_refused("{\"apiId\":\"ab\"}", "body.apiId");
    create_key_refused("{\"apiId\":\"api-12\"}", "body.apiId");
    create_key_refused("{\"apiId\":\"api_1\",\"prefix\":\"abcdefghijklmnopq\"}", "body.prefix");
    create_key_refused("{\"apiId\":\"api_1\",\"byteLength\":\"16\"}", "body.byteLength");
    create_key_refused("{\"apiId\":\"api_1\",\"byteLength\":8}", "body.byteLength");
    create_key_refused("{\"apiId\":\"api_1\",\"byteLength\":256}", "body.byteLength");
    create_key_refused("{\"apiId\":\"api_1\",\"byteLength\":16.0}", "body.byteLength");
    create_key_refused("{\"apiId\":\"api_1\",\"name\":null}", "body.name");
    create_key_refused("{\"apiId\":\"api_1\",\"name\":\"\"}", "body.name");
    create_key_refused("{\"apiId\":\"api_1\",\"externalId\":\"a b\"}", "body.externalId");
    create_key_refused("{\"apiId\":\"api_1\",\"meta\":\"x\"}", "body.meta");
    create_key_refused("{\"apiId\":\"api_1\",\"permissions\":[\"ok\",\"not ok\"]}",
                       "body.permissions[1]");
    create_key_refused("{\"apiId\":\"api_1\",\"roles\":[1]}", "body.roles[0]");
    create_key_refused("{\"apiId\":\"api_1\",\"expires\":4102444800001}", "body.expires");
    create_key_refused("{\"apiId\":\"api_1\",\"enabled\":1}", "body.enabled");
    create_key_refused("{\"apiId\":\"api_1\",\"credits\":{}}", "body.credits.remaining");
    create_key_refused("{\"apiId\":\"api_1\",\"credits\":{\"remaining\":-1}}",
                       "body.credits.remaining");
    create_key_refused("{\"apiId\":\"api_1\",\"credits\":{\"remaining\":1,\"x\":0}}",
                       "body.credits.x");
    create_key_refused("{\"apiId\":\"api_1\",\"credits\":{\"remaining\":1,\"refill\":"
                       "{\"interval\":\"daily\",\"amount\":0}}}",
                       "body.credits.refill.amount");
    create_key_refused("{\"apiId\":\"api_1\",\"credits\":{\"remaining\":1,\"refill\":"
                       "{\"interval\":\"weekly\",\"amount\":1}}}",
                       "body.credits.refill.interval");
    create_key_refused("{\"apiId\":\"api_1\",\"credits\":{\"remaining\":1,\"refill\":"
                       "{\"interval\":\"monthly\",\"amount\":1}}}",
                       "body.credits.refill.refillDay");
    create_key_refused("{\"apiId\":\"api_1\",\"credits\":{\"remaining\":1,\"refill\":"
                       "{\"interval\":\"monthly\",\"amount\":1,\"refillDay\":32}}}",
                       "body.credits.refill.refillDay");
    create_key_refused("{\"apiId\":\"api_1\",\"credits\":{\"remaining\":null,\"refill\":"
                       "{\"interval\":\"daily\",\"amount\":1}}}",
                       "body.credits.refill");
    create_key_refused("{\"apiId\":\"api_1\",\"ratelimits\":[{\"name\":\"abc\",\"limit\":1,"
                       "\"duration\":1000,\"autoApply\":true},{\"name\":\"def\",\"limit\":1,"
                       "\"duration\":10,\"autoApply\":true}]}",
                       "body.ratelimits[1].duration");
    create_key_refused("{\"apiId\":\"api_1\",\"ratelimits\":[{\"name\":\"abc\",\"limit\":1,"
                       "\"duration\":1000}]}",
                       "body.ratelimits[0].autoApply");
    create_key_refused("{\"apiId\":\"api_1\",\"ratelimits\":[{\"name\":\"ab\",\"limit\":1,"
                       "\"duration\":1000,\"autoApply\":true}]}",
                       "body.ratelimits[0].name");

    /* maxItems: 101 roles. */
    json_t *body = parse("{\"apiId\":\"api_1\",\"roles\":[]}");
    json_t *roles = json_object_get(body, "roles");
    for (int i = 0; i < 101; i++)
        json_array_append_new(roles, json_string("r"));
    struct kd_key k;
    struct kd_error err;
    ck_assert_rejected(kd_wire_create_key_req_decode(body, &k, &err), err, KD_ERR_INVALID,
                       "body.roles");
    json_decref(body);

    /* Lengths count characters, not bytes: 255 two-byte characters fit a name,
     * 256 do not. */
    char name[600] = "";
    for (int i = 0; i < 255; i++)
        strcat(name, "\xc3\xa9");
    body = json_pack("{s:s, s:s}", "apiId", "api_1", "name", name);
    ck_assert_int_eq(kd_wire_create_key_req_decode(body, &k, &err), 0);
    kd_key_free(&k);
    json_decref(body);
    strcat(name, "\xc3\xa9");
    body = json_pack("{s:s, s:s}", "apiId", "api_1", "name", name);
    ck_assert_rejected(kd_wire_create_key_req_decode(body, &k, &err), err, KD_ERR_INVALID,
                       "body.name");
    json_decref(body);
}
END_TEST

START_TEST(strict_messages_say_the_rule)
{
    json_t *body = parse("{\"apiId\":\"api_1\",\"byteLength\":8}");
    struct kd_key k;
    struct kd_error err;
    ck_assert_int_eq(kd_wire_create_key_req_decode(body, &k, &err), -1);
    ck_assert_str_eq(err.message, "body.byteLength must be >= 16");
    json_decref(body);

    body = parse("{\"apiId\":\"api-1\"}");
    ck_assert_int_eq(kd_wire_create_key_req_decode(body, &k, &err), -1);
    ck_assert_str_eq(err.message, "body.apiId may only contain A-Z, a-z, 0-9 and _");
    json_decref(body);

    body = parse("{\"apiId\":\"api_1\",\"bogus\":true}");
    ck_assert_int_eq(kd_wire_create_key_req_decode(body, &k, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.message, "body.bogus is not a known field"));
    ck_assert_ptr_nonnull(strstr(err.message, "recoverable"));
    json_decref(body);
}
END_TEST

/* ---- KeyResponseData ------------------------------------------------------------- */

static void full_stored_key(struct kd_key *k)
{
    full_spec(k);
    k->id = kd_xstrdup("key_abc123");
    k->start = kd_xstrdup("sk_live_3ZxQ");
    k->created_at = 1735689600000;
    k->updated_at = 1735690000000;
    k->last_used_at = 1735700000000;
    k->ratelimits[0].id = kd_xstrdup("rl_one");
    k->ratelimits[1].id = kd_xstrdup("rl_two");
}

START_TEST(key_response_exact_json_and_round_trip)
{
    struct kd_key k, back;
    struct kd_error err;
    full_stored_key(&k);
    k.n_ratelimits = 1; /* keep the literal short */
    json_t *data = kd_wire_key_res(&k, "sk_live_3ZxQsecret");
    char *text = json_dumps(data, JSON_COMPACT);
    ck_assert_str_eq(
        text,
        "{\"keyId\":\"key_abc123\",\"start\":\"sk_live_3ZxQ\",\"enabled\":true,\"name\":\"billing\","
        "\"meta\":{\"plan\":\"pro\",\"seats\":3},\"createdAt\":1735689600000,"
        "\"updatedAt\":1735690000000,\"lastUsedAt\":1735700000000,\"expires\":1767225600000,"
        "\"permissions\":[\"documents.read\",\"api.*.verify_key\"],\"roles\":[\"admin\"],"
        "\"credits\":{\"remaining\":100,\"refill\":{\"interval\":\"monthly\",\"amount\":100,"
        "\"refillDay\":15}},\"identity\":{\"id\":\"user_42\",\"externalId\":\"user_42\"},"
        "\"plaintext\":\"sk_live_3ZxQsecret\",\"ratelimits\":[{\"id\":\"rl_one\","
        "\"name\":\"requests\",\"limit\":10,\"duration\":60000,\"autoApply\":true}]}");
    free(text);
    k.n_ratelimits = 2;

    char *plaintext = NULL;
    ck_assert_int_eq(kd_wire_key_res_decode(data, "data", &back, &plaintext, &err), 0);
    json_decref(data);
    ck_assert_str_eq(plaintext, "sk_live_3ZxQsecret");
    kd_secret_free(plaintext);
    ck_assert_uint_eq(back.n_ratelimits, 1);
    ck_assert_str_eq(back.ratelimits[0].id, "rl_one");
    ck_assert_str_eq(back.id, "key_abc123");
    ck_assert_str_eq(back.start, "sk_live_3ZxQ");
    ck_assert_int_eq(back.created_at, k.created_at);
    ck_assert_int_eq(back.updated_at, k.updated_at);
    ck_assert_int_eq(back.last_used_at, k.last_used_at);
    kd_key_free(&back);

    /* The whole key, both limits. */
    data = kd_wire_key_res(&k, NULL);
    ck_assert_ptr_null(json_object_get(data, "plaintext"));
    ck_assert_int_eq(kd_wire_key_res_decode(data, "data", &back, NULL, &err), 0);
    json_decref(data);
    assert_common_key_fields_eq(&k, &back);
    ck_assert_str_eq(back.ratelimits[1].id, "rl_two");
    kd_key_free(&back);
    kd_key_free(&k);
}
END_TEST

START_TEST(key_response_decoder_checks_types_ignores_unknowns)
{
    struct kd_key k;
    struct kd_error err;
    json_t *data = parse("{\"keyId\":\"key_1\",\"start\":\"ab\",\"enabled\":false,"
                         "\"createdAt\":5,\"newField\":{\"x\":1}}");
    ck_assert_int_eq(kd_wire_key_res_decode(data, "data", &k, NULL, &err), 0);
    ck_assert(!k.enabled);
    ck_assert(!k.credits.limited);
    ck_assert_ptr_null(k.external_id);
    kd_key_free(&k);
    json_decref(data);

    data = parse("{\"start\":\"ab\",\"enabled\":true,\"createdAt\":5}");
    ck_assert_rejected(kd_wire_key_res_decode(data, "data", &k, NULL, &err), err,
                       KD_ERR_PROTOCOL, "data.keyId");
    ck_assert_ptr_null(k.start);
    json_decref(data);

    data = parse("{\"keyId\":\"key_1\",\"start\":\"ab\",\"enabled\":true,\"createdAt\":\"5\"}");
    ck_assert_rejected(kd_wire_key_res_decode(data, "data[2]", &k, NULL, &err), err,
                       KD_ERR_PROTOCOL, "data[2].createdAt");
    json_decref(data);

    data = parse("{\"keyId\":\"key_1\",\"start\":\"ab\",\"enabled\":true,\"createdAt\":1,"
                 "\"ratelimits\":[{\"id\":\"rl_1\",\"name\":\"x\",\"limit\":1,\"duration\":1000}]}");
    ck_assert_rejected(kd_wire_key_res_decode(data, "data", &k, NULL, &err), err,
                       KD_ERR_PROTOCOL, "data.ratelimits[0].autoApply");
    json_decref(data);

    data = parse("{\"keyId\":\"key_1\",\"start\":\"ab\",\"enabled\":true,\"createdAt\":1,"
                 "\"credits\":{\"refill\":{\"interval\":\"daily\",\"amount\":1}}}");
    ck_assert_rejected(kd_wire_key_res_decode(data, "data", &k, NULL, &err), err,
                       KD_ERR_PROTOCOL, "data.credits.remaining");
    json_decref(data);
}
END_TEST

START_TEST(credits_both_ways)
{
    struct kd_credits c = {0}, back;
    struct kd_error err;
    ck_assert_json(kd_wire_credits_res(&c), "{\"remaining\":null}");
    c.limited = true;
    c.remaining = 7;
    c.refill.interval = KD_REFILL_DAILY;
    c.refill.amount = 10;
    c.refill.refill_day = 3; /* not sent for daily */
    json_t *v = kd_wire_credits_res(&c);
    char *text = json_dumps(v, JSON_COMPACT);
    ck_assert_str_eq(text,
                     "{\"remaining\":7,\"refill\":{\"interval\":\"daily\",\"amount\":10}}");
    free(text);
    ck_assert_int_eq(kd_wire_credits_res_decode(v, "data", &back, &err), 0);
    ck_assert(back.limited);
    ck_assert_int_eq(back.remaining, 7);
    ck_assert_int_eq(back.refill.interval, KD_REFILL_DAILY);
    ck_assert_int_eq(back.refill.amount, 10);
    ck_assert_int_eq(back.refill.refill_day, 0);
    json_decref(v);

    /* A newer server's interval reads as no refill, not an error. */
    v = parse("{\"remaining\":3,\"refill\":{\"interval\":\"weekly\",\"amount\":1}}");
    ck_assert_int_eq(kd_wire_credits_res_decode(v, "data", &back, &err), 0);
    ck_assert_int_eq(back.refill.interval, KD_REFILL_NONE);
    json_decref(v);

    v = parse("{\"remaining\":null}");
    ck_assert_int_eq(kd_wire_credits_res_decode(v, "data", &back, &err), 0);
    ck_assert(!back.limited);
    json_decref(v);
}
END_TEST

/* ---- keys.updateKey ---------------------------------------------------------------- */

START_TEST(update_key_sends_only_named_fields_and_nulls_for_clears)
{
    struct kd_key_update u;
    struct kd_error err;
    memset(&u, 0, sizeof u);
    kd_key_init(&u.values);
    u.fields = KD_KF_NAME | KD_KF_EXTERNAL_ID | KD_KF_META | KD_KF_EXPIRES | KD_KF_CREDITS;
    ck_assert_json(kd_wire_update_key_req("key_abc", &u, &err),
                   "{\"keyId\":\"key_abc\",\"name\":null,\"externalId\":null,\"meta\":null,"
                   "\"expires\":null,\"credits\":null}");

    u.fields = KD_KF_CREDITS | KD_KF_ENABLED | KD_KF_ROLES | KD_KF_RATELIMITS;
    u.values.credits.limited = true;
    u.values.credits.remaining = 50;
    u.values.enabled = false;
    ck_assert_json(kd_wire_update_key_req("key_abc", &u, &err),
                   "{\"keyId\":\"key_abc\",\"credits\":{\"remaining\":50,\"refill\":null},"
                   "\"ratelimits\":[],\"enabled\":false,\"roles\":[]}");

    u.fields = KD_KF_ENVIRONMENT;
    ck_assert_ptr_null(kd_wire_update_key_req("key_abc", &u, &err));
    ck_assert_int_eq(err.code, KD_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.field, "environment");
    kd_key_free(&u.values);
}
END_TEST

START_TEST(update_key_round_trip)
{
    struct kd_key_update u, back;
    struct kd_error err;
    memset(&u, 0, sizeof u);
    full_spec(&u.values);
    u.fields = KD_KF_NAME | KD_KF_EXTERNAL_ID | KD_KF_META | KD_KF_ENABLED | KD_KF_EXPIRES |
               KD_KF_CREDITS | KD_KF_RATELIMITS | KD_KF_ROLES | KD_KF_PERMISSIONS;
    json_t *body = kd_wire_update_key_req("key_abc", &u, &err);
    char *key_id = NULL;
    ck_assert_int_eq(kd_wire_update_key_req_decode(body, &key_id, &back, &err), 0);
    json_decref(body);
    ck_assert_str_eq(key_id, "key_abc");
    ck_assert_uint_eq(back.fields, u.fields);
    assert_common_key_fields_eq(&u.values, &back.values);
    free(key_id);
    kd_key_free(&back.values);

    /* Clears come back as clears. */
    body = parse("{\"keyId\":\"key_abc\",\"name\":null,\"expires\":null,\"credits\":null}");
    ck_assert_int_eq(kd_wire_update_key_req_decode(body, &key_id, &back, &err), 0);
    ck_assert_uint_eq(back.fields, KD_KF_NAME | KD_KF_EXPIRES | KD_KF_CREDITS);
    ck_assert_ptr_null(back.values.name);
    ck_assert_int_eq(back.values.expires, 0);
    ck_assert(!back.values.credits.limited);
    json_decref(body);
    free(key_id);
    kd_key_free(&back.values);
    kd_key_free(&u.values);
}
END_TEST

START_TEST(update_key_strict_rules)
{
    struct kd_key_update u;
    struct kd_error err;
    char *key_id;
    json_t *body = parse("{\"keyId\":\"key_abc\",\"credits\":{\"refill\":null}}");
    ck_assert_rejected(kd_wire_update_key_req_decode(body, &key_id, &u, &err), err,
                       KD_ERR_UNSUPPORTED, "body.credits.remaining");
    ck_assert_ptr_null(key_id);
    json_decref(body);

    body = parse("{\"keyId\":\"key_abc\",\"ratelimits\":null}");
    ck_assert_rejected(kd_wire_update_key_req_decode(body, &key_id, &u, &err), err,
                       KD_ERR_INVALID, "body.ratelimits");
    json_decref(body);

    body = parse("{\"keyId\":\"key_abc\",\"enabled\":true,\"environment\":\"live\"}");
    ck_assert_rejected(kd_wire_update_key_req_decode(body, &key_id, &u, &err), err,
                       KD_ERR_INVALID, "body.environment");
    ck_assert_uint_eq(u.fields, 0);
    json_decref(body);

    body = parse("{\"keyId\":\"k\"}");
    ck_assert_rejected(kd_wire_update_key_req_decode(body, &key_id, &u, &err), err,
                       KD_ERR_INVALID, "body.keyId");
    json_decref(body);
}
END_TEST

/* ---- the small keys.* requests ------------------------------------------------------- */

START_TEST(small_key_requests_both_ways)
{
    struct kd_error err;
    char *key_id;
    bool flag;
    int64_t ms;

    json_t *body = kd_wire_get_key_req("key_abc", true);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"keyId\":\"key_abc\",\"decrypt\":true}");
    free(text);
    ck_assert_int_eq(kd_wire_get_key_req_decode(body, &key_id, &flag, &err), 0);
    ck_assert_str_eq(key_id, "key_abc");
    ck_assert(flag);
    free(key_id);
    json_decref(body);
    ck_assert_json(kd_wire_get_key_req("key_abc", false), "{\"keyId\":\"key_abc\"}");

    body = kd_wire_delete_key_req("key_abc", true);
    ck_assert_int_eq(kd_wire_delete_key_req_decode(body, &key_id, &flag, &err), 0);
    ck_assert(flag);
    free(key_id);
    json_decref(body);

    body = kd_wire_reroll_key_req("key_abc", 60000);
    text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"keyId\":\"key_abc\",\"expiration\":60000}");
    free(text);
    ck_assert_int_eq(kd_wire_reroll_key_req_decode(body, &key_id, &ms, &err), 0);
    ck_assert_int_eq(ms, 60000);
    free(key_id);
    json_decref(body);

    body = parse("{\"keyId\":\"key_abc\"}");
    ck_assert_rejected(kd_wire_reroll_key_req_decode(body, &key_id, &ms, &err), err,
                       KD_ERR_INVALID, "body.expiration");
    ck_assert_ptr_null(key_id);
    json_decref(body);

    body = parse("{\"keyId\":\"key_abc\",\"decrypt\":\"yes\"}");
    ck_assert_rejected(kd_wire_get_key_req_decode(body, &key_id, &flag, &err), err,
                       KD_ERR_INVALID, "body.decrypt");
    json_decref(body);

    char *secret;
    body = kd_wire_whoami_req("sk_live_secret");
    ck_assert_int_eq(kd_wire_whoami_req_decode(body, &secret, &err), 0);
    ck_assert_str_eq(secret, "sk_live_secret");
    kd_secret_free(secret);
    json_decref(body);
    body = parse("{\"key\":\"\"}");
    ck_assert_rejected(kd_wire_whoami_req_decode(body, &secret, &err), err, KD_ERR_INVALID,
                       "body.key");
    json_decref(body);

    struct kd_key_secret s = {.key_id = "key_new", .plaintext = "sk_abc"}, back;
    json_t *data = kd_wire_key_secret_res(&s);
    ck_assert_int_eq(kd_wire_key_secret_res_decode(data, &back, &err), 0);
    ck_assert_str_eq(back.key_id, "key_new");
    ck_assert_str_eq(back.plaintext, "sk_abc");
    kd_key_secret_free(&back);
    json_decref(data);
    data = parse("{\"keyId\":\"key_new\"}");
    ck_assert_rejected(kd_wire_key_secret_res_decode(data, &back, &err), err, KD_ERR_PROTOCOL,
                       "data.key");
    json_decref(data);
}
END_TEST

START_TEST(update_credits_both_ways)
{
    struct kd_error err;
    char *key_id;
    int op;
    bool unlimited;
    int64_t value;

    json_t *body = kd_wire_update_credits_req("key_abc", KD_CREDITS_INCREMENT, false, 25);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"keyId\":\"key_abc\",\"operation\":\"increment\",\"value\":25}");
    free(text);
    ck_assert_int_eq(
        kd_wire_update_credits_req_decode(body, &key_id, &op, &unlimited, &value, &err), 0);
    ck_assert_int_eq(op, KD_CREDITS_INCREMENT);
    ck_assert(!unlimited);
    ck_assert_int_eq(value, 25);
    free(key_id);
    json_decref(body);

    body = kd_wire_update_credits_req("key_abc", KD_CREDITS_SET, true, 0);
    text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"keyId\":\"key_abc\",\"operation\":\"set\",\"value\":null}");
    free(text);
    ck_assert_int_eq(
        kd_wire_update_credits_req_decode(body, &key_id, &op, &unlimited, &value, &err), 0);
    ck_assert(unlimited);
    free(key_id);
    json_decref(body);

    body = parse("{\"keyId\":\"key_abc\",\"operation\":\"decrement\",\"value\":null}");
    ck_assert_rejected(
        kd_wire_update_credits_req_decode(body, &key_id, &op, &unlimited, &value, &err), err,
        KD_ERR_INVALID, "body.value");
    ck_assert_ptr_null(key_id);
    json_decref(body);

    body = parse("{\"keyId\":\"key_abc\",\"operation\":\"add\",\"value\":1}");
    ck_assert_rejected(
        kd_wire_update_credits_req_decode(body, &key_id, &op, &unlimited, &value, &err), err,
        KD_ERR_INVALID, "body.operation");
    ck_assert_ptr_nonnull(strstr(err.message, "set, increment, decrement"));
    json_decref(body);
}
END_TEST

START_TEST(key_permission_and_role_lists)
{
    struct kd_error err;
    struct kd_strlist items = KD_STRLIST_INIT, back;
    char *key_id;
    kd_strlist_push(&items, "documents.read");
    json_t *body = kd_wire_key_list_req("key_abc", "permissions", &items);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"keyId\":\"key_abc\",\"permissions\":[\"documents.read\"]}");
    free(text);
    ck_assert_int_eq(
        kd_wire_key_list_req_decode(body, "permissions", false, &key_id, &back, &err), 0);
    assert_strlist_eq(&items, &back);
    free(key_id);
    kd_strlist_clear(&back);
    json_decref(body);
    kd_strlist_clear(&items);

    body = parse("{\"keyId\":\"key_abc\",\"permissions\":[]}");
    ck_assert_rejected(
        kd_wire_key_list_req_decode(body, "permissions", false, &key_id, &back, &err), err,
        KD_ERR_INVALID, "body.permissions");
    ck_assert_int_eq(kd_wire_key_list_req_decode(body, "permissions", true, &key_id, &back, &err),
                     0);
    ck_assert_uint_eq(back.len, 0);
    free(key_id);
    json_decref(body);

    body = parse("{\"keyId\":\"key_abc\",\"roles\":[\"admin\"],\"permissions\":[]}");
    ck_assert_rejected(kd_wire_key_list_req_decode(body, "roles", false, &key_id, &back, &err),
                       err, KD_ERR_INVALID, "body.permissions");
    json_decref(body);

    /* Answers: permissions by slug, roles by name. */
    struct kd_permission perms[] = {
        {.id = "perm_1", .slug = "documents.read", .name = "Read docs"},
        {.id = "perm_2", .slug = "documents.write", .description = "writes"},
    };
    json_t *data = kd_wire_permissions_res(perms, 2);
    text = json_dumps(data, JSON_COMPACT);
    ck_assert_str_eq(text, "[{\"id\":\"perm_1\",\"name\":\"Read docs\",\"slug\":\"documents.read\"},"
                           "{\"id\":\"perm_2\",\"name\":\"documents.write\","
                           "\"slug\":\"documents.write\",\"description\":\"writes\"}]");
    free(text);
    ck_assert_int_eq(kd_wire_names_res_decode(data, "permissions", &back, &err), 0);
    ck_assert_uint_eq(back.len, 2);
    ck_assert_str_eq(back.items[1], "documents.write");
    kd_strlist_clear(&back);
    json_decref(data);

    data = parse("[{\"id\":\"role_1\",\"name\":\"admin\"},{\"id\":\"role_2\"}]");
    ck_assert_rejected(kd_wire_names_res_decode(data, "roles", &back, &err), err,
                       KD_ERR_PROTOCOL, "data[1].name");
    ck_assert_uint_eq(back.len, 0);
    json_decref(data);
}
END_TEST

/* ---- keys.migrateKeys ------------------------------------------------------------------ */

START_TEST(migrate_keys_both_ways)
{
    struct kd_error err;
    struct kd_key spec, back;
    kd_key_init(&spec);
    spec.api_id = kd_xstrdup("api_123456");
    spec.name = kd_xstrdup("old");
    spec.prefix = kd_xstrdup("sk"); /* part of the hashed key: not sent */
    json_t *body = kd_wire_migrate_key_req("mig_1", &spec, "q83vEjRWeJq83vEjRWeJq83vEjRWeJq=",
                                           &err);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"migrationId\":\"mig_1\",\"apiId\":\"api_123456\",\"keys\":[{"
                           "\"hash\":\"q83vEjRWeJq83vEjRWeJq83vEjRWeJq=\",\"name\":\"old\","
                           "\"enabled\":true}]}");
    free(text);

    char *migration_id, *hash;
    size_t n;
    ck_assert_int_eq(
        kd_wire_migrate_keys_req_decode(body, 0, &migration_id, &back, &hash, &n, &err), 0);
    ck_assert_str_eq(migration_id, "mig_1");
    ck_assert_str_eq(back.api_id, "api_123456");
    ck_assert_str_eq(back.name, "old");
    ck_assert_str_eq(hash, "q83vEjRWeJq83vEjRWeJq83vEjRWeJq=");
    ck_assert_uint_eq(n, 1);
    free(migration_id);
    free(hash);
    kd_key_free(&back);
    json_decref(body);
    kd_key_free(&spec);

    /* Index 0 checks every item: a bad second key refuses the body. */
    body = parse("{\"migrationId\":\"mig_1\",\"apiId\":\"api_1\",\"keys\":[{\"hash\":\"abc\"},"
                 "{\"hash\":\"def\",\"expires\":-1}]}");
    ck_assert_rejected(
        kd_wire_migrate_keys_req_decode(body, 0, &migration_id, &back, &hash, &n, &err), err,
        KD_ERR_INVALID, "body.keys[1].expires");
    ck_assert_ptr_null(migration_id);
    ck_assert_rejected(
        kd_wire_migrate_keys_req_decode(body, 2, &migration_id, &back, &hash, &n, &err), err,
        KD_ERR_INVALID, "body.keys");
    json_decref(body);

    char *hashes[] = {"h1", "h2"};
    char *ids[] = {"key_1", NULL};
    json_t *data = kd_wire_migrate_keys_res(hashes, ids, 2);
    text = json_dumps(data, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"migrated\":[{\"hash\":\"h1\",\"keyId\":\"key_1\"}],"
                           "\"failed\":[\"h2\"]}");
    free(text);
    char *key_id;
    ck_assert_int_eq(kd_wire_migrate_keys_res_decode(data, &key_id, &err), 0);
    ck_assert_str_eq(key_id, "key_1");
    free(key_id);
    json_decref(data);

    data = kd_wire_migrate_keys_res(hashes + 1, ids + 1, 1);
    ck_assert_int_eq(kd_wire_migrate_keys_res_decode(data, &key_id, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_CONFLICT);
    ck_assert_ptr_null(key_id);
    json_decref(data);
}
END_TEST

/* ---- keys.verifyKey ---------------------------------------------------------------------- */

START_TEST(verify_request_both_ways)
{
    struct kd_error err;
    struct kd_verify_ratelimit_req limits[] = {
        {.name = "tokens", .cost = 5, .limit = 0, .duration_ms = 0},
        {.name = "burst", .cost = KD_COST_DEFAULT, .limit = 20, .duration_ms = 1000},
    };
    struct kd_verify_request req = {
        .key = "sk_live_secret",
        .api_id = "api_1",
        .permissions = "documents.read AND (a OR b)",
        .credit_cost = 0,
        .ratelimits = limits,
        .n_ratelimits = 2,
        .tags = "path=/v1, region=eu",
    };
    json_t *body = kd_wire_verify_req(&req);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"key\":\"sk_live_secret\",\"tags\":[\"path=/v1\",\"region=eu\"],"
                           "\"permissions\":\"documents.read AND (a OR b)\","
                           "\"credits\":{\"cost\":0},\"ratelimits\":[{\"name\":\"tokens\","
                           "\"cost\":5},{\"name\":\"burst\",\"limit\":20,\"duration\":1000}]}");
    free(text);

    struct kd_wire_verify_req back;
    ck_assert_int_eq(kd_wire_verify_req_decode(body, &back, &err), 0);
    json_decref(body);
    ck_assert_str_eq(back.req.key, "sk_live_secret");
    ck_assert_str_eq(back.req.permissions, req.permissions);
    ck_assert_str_eq(back.req.tags, "path=/v1,region=eu");
    ck_assert_int_eq(back.req.credit_cost, 0);
    ck_assert_uint_eq(back.req.n_ratelimits, 2);
    ck_assert_str_eq(back.req.ratelimits[0].name, "tokens");
    ck_assert_int_eq(back.req.ratelimits[0].cost, 5);
    ck_assert_int_eq(back.req.ratelimits[1].cost, KD_COST_DEFAULT);
    ck_assert_int_eq(back.req.ratelimits[1].limit, 20);
    ck_assert_int_eq(back.req.ratelimits[1].duration_ms, 1000);
    kd_wire_verify_req_free(&back);
    ck_assert_ptr_null(back.key);

    body = parse("{\"key\":\"k\"}");
    ck_assert_int_eq(kd_wire_verify_req_decode(body, &back, &err), 0);
    ck_assert_int_eq(back.req.credit_cost, KD_COST_DEFAULT);
    ck_assert_ptr_null(back.req.tags);
    kd_wire_verify_req_free(&back);
    json_decref(body);

    body = parse("{\"key\":\"k\",\"credits\":{\"cost\":1,\"extra\":2}}");
    ck_assert_rejected(kd_wire_verify_req_decode(body, &back, &err), err, KD_ERR_INVALID,
                       "body.credits.extra");
    json_decref(body);
    body = parse("{\"key\":\"k\",\"ratelimits\":[{\"name\":\"tokens\"},{\"name\":\"x\"}]}");
    ck_assert_rejected(kd_wire_verify_req_decode(body, &back, &err), err, KD_ERR_INVALID,
                       "body.ratelimits[1].name");
    ck_assert_ptr_null(back.ratelimits);
    json_decref(body);
    body = parse("{\"key\":\"k\",\"apiId\":\"api_1\"}");
    ck_assert_rejected(kd_wire_verify_req_decode(body, &back, &err), err, KD_ERR_INVALID,
                       "body.apiId");
    json_decref(body);
}
END_TEST

START_TEST(verify_response_reset_follows_the_spec)
{
    struct kd_error err;
    const int64_t now = 1750000000000;
    kd_clock_pin(now);
    struct kd_verify_ratelimit states[] = {
        {.id = "rl_1", .name = "requests", .limit = 10, .duration_ms = 60000, .remaining = 3,
         .reset_at = now + 42000, .exceeded = false, .auto_apply = true},
    };
    struct kd_verify_result r = {.valid = false, .code = KD_VERIFY_USAGE_EXCEEDED,
                                 .ratelimits = states, .n_ratelimits = 1};
    kd_key_init(&r.key);
    r.key.id = "key_abc";
    r.key.external_id = "user_42";
    r.key.credits.limited = true;
    r.key.credits.remaining = 0;
    json_t *data = kd_wire_verify_res(&r);
    char *text = json_dumps(data, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"valid\":false,\"code\":\"USAGE_EXCEEDED\",\"keyId\":\"key_abc\","
                           "\"credits\":0,\"enabled\":true,\"identity\":{\"id\":\"user_42\","
                           "\"externalId\":\"user_42\"},\"ratelimits\":[{\"exceeded\":false,"
                           "\"id\":\"rl_1\",\"name\":\"requests\",\"limit\":10,"
                           "\"duration\":60000,\"reset\":42000,\"remaining\":3,"
                           "\"autoApply\":true}]}");
    free(text);

    struct kd_verify_result back;
    ck_assert_int_eq(kd_wire_verify_res_decode(data, &back, &err), 0);
    json_decref(data);
    ck_assert(!back.valid);
    ck_assert_int_eq(back.code, KD_VERIFY_USAGE_EXCEEDED);
    ck_assert_str_eq(back.key.id, "key_abc");
    ck_assert_str_eq(back.key.external_id, "user_42");
    ck_assert(back.key.credits.limited);
    ck_assert_int_eq(back.key.credits.remaining, 0);
    ck_assert_uint_eq(back.n_ratelimits, 1);
    ck_assert_int_eq(back.ratelimits[0].reset_at, now + 42000);
    ck_assert(back.ratelimits[0].auto_apply);
    kd_verify_result_free(&back);

    /* A window already over still encodes within the spec's minimum. */
    states[0].reset_at = now - 5;
    data = kd_wire_verify_res(&r);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_array_get(json_object_get(data, "ratelimits"), 0), "reset")),
                     1000);
    json_decref(data);

    /* Unkey itself sends an absolute time: taken as is. */
    data = parse("{\"valid\":true,\"code\":\"VALID\",\"ratelimits\":[{\"exceeded\":false,"
                 "\"id\":\"rl_1\",\"name\":\"r\",\"limit\":1,\"duration\":1000,"
                 "\"reset\":1750000099000,\"remaining\":0,\"autoApply\":false}]}");
    ck_assert_int_eq(kd_wire_verify_res_decode(data, &back, &err), 0);
    ck_assert_int_eq(back.ratelimits[0].reset_at, 1750000099000);
    ck_assert(!back.key.credits.limited);
    kd_verify_result_free(&back);
    json_decref(data);
    kd_clock_unpin();
}
END_TEST

START_TEST(verify_response_not_found_and_unknown_codes)
{
    struct kd_error err;
    struct kd_verify_result r = {.valid = false, .code = KD_VERIFY_NOT_FOUND}, back;
    ck_assert_json(kd_wire_verify_res(&r), "{\"valid\":false,\"code\":\"NOT_FOUND\"}");

    json_t *data = parse("{\"valid\":false,\"code\":\"QUOTA_FROZEN\"}");
    ck_assert_int_eq(kd_wire_verify_res_decode(data, &back, &err), 0);
    ck_assert_int_eq(back.code, KD_VERIFY_FORBIDDEN);
    ck_assert_ptr_nonnull(strstr(back.message, "QUOTA_FROZEN"));
    kd_verify_result_free(&back);
    json_decref(data);

    data = parse("{\"code\":\"VALID\"}");
    ck_assert_rejected(kd_wire_verify_res_decode(data, &back, &err), err, KD_ERR_PROTOCOL,
                       "data.valid");
    json_decref(data);
}
END_TEST

/* ---- envelopes -------------------------------------------------------------------------- */

START_TEST(success_envelope)
{
    struct kd_wire_page page = {.cursor = "key_next", .has_more = true};
    ck_assert_json(kd_wire_envelope(json_string("x"), "req_1", &page),
                   "{\"meta\":{\"requestId\":\"req_1\"},\"data\":\"x\","
                   "\"pagination\":{\"cursor\":\"key_next\",\"hasMore\":true}}");
    page.cursor = NULL;
    page.has_more = false;
    ck_assert_json(kd_wire_envelope(json_array(), "req_2", &page),
                   "{\"meta\":{\"requestId\":\"req_2\"},\"data\":[],"
                   "\"pagination\":{\"hasMore\":false}}");
    ck_assert_json(kd_wire_envelope(json_object(), "req_3", NULL),
                   "{\"meta\":{\"requestId\":\"req_3\"},\"data\":{}}");
}
END_TEST

START_TEST(error_envelope_statuses_and_shape)
{
    struct kd_error e;
    int status = 0;
    kd_error_set(&e, KD_ERR_INVALID, "body.apiId", "body.apiId is required");
    ck_assert_json(kd_wire_error_envelope(&e, "req_9", &status),
                   "{\"meta\":{\"requestId\":\"req_9\"},\"error\":{\"title\":\"Bad Request\","
                   "\"detail\":\"body.apiId is required\",\"status\":400,"
                   "\"type\":\"https://unkey.com/docs/errors/unkey/application/invalid_input\","
                   "\"errors\":[{\"location\":\"body.apiId\","
                   "\"message\":\"body.apiId is required\"}]}}");
    ck_assert_int_eq(status, 400);

    kd_error_set(&e, KD_ERR_NOT_FOUND, "keyId", "no key key_x");
    json_t *env = kd_wire_error_envelope(&e, "req_9", &status);
    ck_assert_int_eq(status, 404);
    json_t *error = json_object_get(env, "error");
    ck_assert_ptr_null(json_object_get(error, "errors"));
    ck_assert_int_eq(json_integer_value(json_object_get(error, "status")), 404);
    ck_assert_ptr_nonnull(
        strstr(json_string_value(json_object_get(error, "type")), "https://unkey.com/docs/errors/"));
    json_decref(env);

    static const struct {
        enum kd_errcode code;
        int status;
    } table[] = {
        {KD_ERR_FORBIDDEN, 403}, {KD_ERR_CONFLICT, 409}, {KD_ERR_BUSY, 429},
        {KD_ERR_UNSUPPORTED, 400}, {KD_ERR_READONLY, 403}, {KD_ERR_STORE, 500},
        {KD_ERR_INTERNAL, 500},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        kd_error_set(&e, table[i].code, NULL, "x");
        json_decref(kd_wire_error_envelope(&e, "r", &status));
        ck_assert_int_eq(status, table[i].status);
    }

    env = kd_wire_unauthorized("missing root key", "req_4");
    error = json_object_get(env, "error");
    ck_assert_int_eq(json_integer_value(json_object_get(error, "status")), 401);
    ck_assert_str_eq(json_string_value(json_object_get(error, "detail")), "missing root key");
    ck_assert_ptr_nonnull(json_object_get(error, "type"));
    json_decref(env);
}
END_TEST

static int parse_text(long status, const char *body, json_t **root, json_t **data,
                      struct kd_wire_page *page, struct kd_error *err)
{
    return kd_wire_parse_response("keys.getKey", status, body, body ? strlen(body) : 0, root,
                                  data, page, err);
}

START_TEST(parse_response_success)
{
    json_t *root, *data;
    struct kd_wire_page page;
    struct kd_error err;
    ck_assert_int_eq(parse_text(200,
                                "{\"meta\":{\"requestId\":\"r\"},\"data\":[1],"
                                "\"pagination\":{\"cursor\":\"c2\",\"hasMore\":true}}",
                                &root, &data, &page, &err),
                     0);
    ck_assert(json_is_array(data));
    ck_assert_str_eq(page.cursor, "c2");
    ck_assert(page.has_more);
    kd_wire_page_free(&page);
    ck_assert_ptr_null(page.cursor);
    json_decref(root);

    ck_assert_int_eq(parse_text(200, "{\"data\":{}}", &root, &data, &page, &err), 0);
    ck_assert_ptr_null(page.cursor);
    ck_assert(!page.has_more);
    json_decref(root);

    ck_assert_int_eq(parse_text(200, "{\"data\":[],\"pagination\":{\"cursor\":\"c\"}}", &root,
                                &data, &page, &err),
                     -1);
    ck_assert_int_eq(err.code, KD_ERR_PROTOCOL);
    ck_assert_str_eq(err.field, "pagination.hasMore");
    ck_assert_ptr_null(root);
}
END_TEST

START_TEST(parse_response_errors)
{
    json_t *root, *data;
    struct kd_error err;
    ck_assert_int_eq(
        parse_text(400,
                   "{\"meta\":{\"requestId\":\"req_7\"},\"error\":{\"title\":\"Bad Request\","
                   "\"detail\":\"One or more fields failed validation\",\"status\":400,"
                   "\"type\":\"t\",\"errors\":[{\"location\":\"body.apiId\","
                   "\"message\":\"must match pattern\"}]}}",
                   &root, &data, NULL, &err),
        -1);
    ck_assert_ptr_null(root);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "apiId");
    ck_assert_str_eq(err.message, "Bad Request: One or more fields failed validation: "
                                  "must match pattern (request req_7)");

    const char *not_found = "{\"meta\":{\"requestId\":\"req_8\"},\"error\":{\"title\":"
                            "\"Not Found\",\"detail\":\"no such key\",\"status\":404,"
                            "\"type\":\"t\"}}";
    ck_assert_int_eq(parse_text(404, not_found, &root, &data, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_NOT_FOUND);
    ck_assert_str_eq(err.field, "");
    ck_assert_str_eq(err.message, "Not Found: no such key (request req_8)");

    static const struct {
        long status;
        enum kd_errcode code;
    } table[] = {
        {401, KD_ERR_FORBIDDEN}, {403, KD_ERR_FORBIDDEN}, {409, KD_ERR_CONFLICT},
        {412, KD_ERR_CONFLICT},  {429, KD_ERR_BUSY},      {500, KD_ERR_NETWORK},
        {503, KD_ERR_NETWORK},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        ck_assert_int_eq(parse_text(table[i].status, not_found, &root, &data, NULL, &err), -1);
        ck_assert_int_eq(err.code, table[i].code);
    }

    ck_assert_int_eq(parse_text(502, "<html>Bad gateway</html>", &root, &data, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_PROTOCOL);
    ck_assert_ptr_nonnull(strstr(err.message, "HTTP 502"));
    ck_assert_ptr_nonnull(strstr(err.message, "keys.getKey"));
    ck_assert_ptr_null(strstr(err.message, "html"));

    ck_assert_int_eq(parse_text(200, "not json", &root, &data, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_PROTOCOL);
    ck_assert_int_eq(parse_text(200, "", &root, &data, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_PROTOCOL);
    ck_assert_int_eq(parse_text(200, "[1,2]", &root, &data, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_PROTOCOL);
    ck_assert_int_eq(parse_text(200, "{\"meta\":{\"requestId\":\"r\"}}", &root, &data, NULL,
                                &err),
                     -1);
    ck_assert_int_eq(err.code, KD_ERR_PROTOCOL);
    ck_assert_ptr_nonnull(strstr(err.message, "no data"));
    ck_assert_int_eq(parse_text(404, "{\"message\":\"nope\"}", &root, &data, NULL, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_PROTOCOL);
    ck_assert_ptr_nonnull(strstr(err.message, "HTTP 404"));
}
END_TEST

/* What keydeckd sends, keydeck reads back as the same error. */
START_TEST(error_envelope_round_trip)
{
    struct kd_error e, back;
    int status;
    kd_error_set(&e, KD_ERR_INVALID, "body.credits.refill.amount",
                 "body.credits.refill.amount must be >= 1");
    json_t *env = kd_wire_error_envelope(&e, "req_rt", &status);
    char *text = dump_and_free(env);
    json_t *root, *data;
    ck_assert_int_eq(kd_wire_parse_response("keys.createKey", status, text, strlen(text), &root,
                                            &data, NULL, &back),
                     -1);
    free(text);
    ck_assert_int_eq(back.code, KD_ERR_INVALID);
    ck_assert_str_eq(back.field, "credits.refill.amount");
    ck_assert_str_eq(back.message,
                     "Bad Request: body.credits.refill.amount must be >= 1 (request req_rt)");

    kd_error_set(&e, KD_ERR_CONFLICT, NULL, "a role named admin exists");
    text = dump_and_free(kd_wire_error_envelope(&e, "req_c", &status));
    ck_assert_int_eq(kd_wire_parse_response("permissions.createRole", status, text,
                                            strlen(text), &root, &data, NULL, &back),
                     -1);
    free(text);
    ck_assert_int_eq(back.code, KD_ERR_CONFLICT);
}
END_TEST

/* ---- apis.* -------------------------------------------------------------------------------- */

START_TEST(apis_both_ways)
{
    struct kd_error err;
    struct kd_api spec = {.name = "payments"}, back;
    json_t *body = kd_wire_create_api_req(&spec, &err);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"name\":\"payments\"}");
    free(text);
    ck_assert_int_eq(kd_wire_create_api_req_decode(body, &back, &err), 0);
    ck_assert_str_eq(back.name, "payments");
    kd_api_free(&back);
    json_decref(body);

    spec.default_prefix = "pay";
    ck_assert_ptr_null(kd_wire_create_api_req(&spec, &err));
    ck_assert_int_eq(err.code, KD_ERR_UNSUPPORTED);
    ck_assert_str_eq(err.field, "defaultPrefix");
    spec.default_prefix = NULL;
    spec.default_byte_length = 32;
    ck_assert_ptr_null(kd_wire_create_api_req(&spec, &err));
    ck_assert_str_eq(err.field, "defaultByteLength");

    body = parse("{\"name\":\"ab\"}");
    ck_assert_rejected(kd_wire_create_api_req_decode(body, &back, &err), err, KD_ERR_INVALID,
                       "body.name");
    json_decref(body);

    char *api_id;
    json_t *data = kd_wire_create_api_res("api_new12345");
    ck_assert_int_eq(kd_wire_create_api_res_decode(data, &api_id, &err), 0);
    ck_assert_str_eq(api_id, "api_new12345");
    free(api_id);
    json_decref(data);

    body = kd_wire_api_id_req("api_123456");
    ck_assert_int_eq(kd_wire_api_id_req_decode(body, &api_id, &err), 0);
    ck_assert_str_eq(api_id, "api_123456");
    free(api_id);
    json_decref(body);
    body = parse("{\"apiId\":\"api_1\"}"); /* getApi's apiId is 8+ characters */
    ck_assert_rejected(kd_wire_api_id_req_decode(body, &api_id, &err), err, KD_ERR_INVALID,
                       "body.apiId");
    json_decref(body);

    struct kd_api api = {.id = "api_123456", .name = "payments"};
    data = kd_wire_api_res(&api);
    ck_assert_int_eq(kd_wire_api_res_decode(data, "data", &back, &err), 0);
    ck_assert_str_eq(back.id, "api_123456");
    ck_assert_int_eq(back.key_count, -1);
    kd_api_free(&back);
    json_decref(data);
}
END_TEST

START_TEST(list_apis_both_ways)
{
    struct kd_error err;
    struct kd_list_query q = {.cursor = "api_b", .limit = 500}, qback;
    json_t *body = kd_wire_list_apis_req(&q);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"limit\":100,\"cursor\":\"api_b\"}");
    free(text);
    char *cursor;
    ck_assert_int_eq(kd_wire_list_apis_req_decode(body, &qback, &cursor, &err), 0);
    ck_assert_int_eq(qback.limit, 100);
    ck_assert_str_eq(qback.cursor, "api_b");
    ck_assert_ptr_eq(qback.cursor, cursor);
    free(cursor);
    json_decref(body);
    body = parse("{\"limit\":0}");
    ck_assert_rejected(kd_wire_list_apis_req_decode(body, &qback, &cursor, &err), err,
                       KD_ERR_INVALID, "body.limit");
    json_decref(body);

    struct kd_api items[] = {{.id = "api_aaaaaaaa", .name = "one"},
                             {.id = "api_bbbbbbbb", .name = "two"}};
    struct kd_api_page page = {.items = items, .len = 2}, back;
    json_t *data = kd_wire_list_apis_res(&page);
    ck_assert_int_eq(kd_wire_list_apis_res_decode(data, &back, &err), 0);
    ck_assert_uint_eq(back.len, 2);
    ck_assert_str_eq(back.items[1].name, "two");
    ck_assert_int_eq(back.total, -1);
    kd_api_page_free(&back);
    json_decref(data);

    data = parse("[{\"id\":\"api_1\",\"name\":\"x\"},{\"id\":\"api_2\"}]");
    ck_assert_rejected(kd_wire_list_apis_res_decode(data, &back, &err), err, KD_ERR_PROTOCOL,
                       "data[1].name");
    ck_assert_ptr_null(back.items);
    json_decref(data);
}
END_TEST

START_TEST(list_keys_both_ways)
{
    struct kd_error err;
    struct kd_key_query q = {.page = {.limit = 50, .cursor = "key_m"},
                             .api_id = "api_123456",
                             .external_id = "user_42"},
                        qback;
    json_t *body = kd_wire_list_keys_req(&q);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"apiId\":\"api_123456\",\"limit\":50,\"cursor\":\"key_m\","
                           "\"externalId\":\"user_42\"}");
    free(text);
    struct kd_wire_strings strings;
    ck_assert_int_eq(kd_wire_list_keys_req_decode(body, &qback, &strings, &err), 0);
    ck_assert_str_eq(qback.api_id, "api_123456");
    ck_assert_str_eq(qback.external_id, "user_42");
    ck_assert_str_eq(qback.page.cursor, "key_m");
    ck_assert_int_eq(qback.page.limit, 50);
    kd_wire_strings_free(&strings);
    json_decref(body);

    body = parse("{\"apiId\":\"api_1\",\"limit\":101}");
    ck_assert_rejected(kd_wire_list_keys_req_decode(body, &qback, &strings, &err), err,
                       KD_ERR_INVALID, "body.limit");
    ck_assert_ptr_null(strings.s[0]);
    json_decref(body);

    struct kd_key keys[2];
    full_stored_key(&keys[0]);
    kd_key_init(&keys[1]);
    keys[1].id = kd_xstrdup("key_two");
    keys[1].start = kd_xstrdup("abcd");
    keys[1].created_at = 1;
    struct kd_key_page page = {.items = keys, .len = 2}, back;
    json_t *data = kd_wire_list_keys_res(&page);
    ck_assert_int_eq(kd_wire_list_keys_res_decode(data, "api_123456", &back, &err), 0);
    ck_assert_uint_eq(back.len, 2);
    ck_assert_str_eq(back.items[0].api_id, "api_123456");
    ck_assert_str_eq(back.items[1].api_id, "api_123456");
    assert_common_key_fields_eq(&keys[0], &back.items[0]);
    assert_common_key_fields_eq(&keys[1], &back.items[1]);
    kd_key_page_free(&back);
    json_decref(data);
    kd_key_free(&keys[0]);
    kd_key_free(&keys[1]);

    data = parse("{\"keys\":[]}");
    ck_assert_rejected(kd_wire_list_keys_res_decode(data, "api_1", &back, &err), err,
                       KD_ERR_PROTOCOL, "data");
    json_decref(data);
}
END_TEST

/* ---- permissions.* ---------------------------------------------------------------------------- */

START_TEST(rbac_requests_both_ways)
{
    struct kd_error err;
    struct kd_permission p = {.slug = "documents.read", .description = "Read documents"}, pback;
    json_t *body = kd_wire_create_permission_req(&p);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"name\":\"documents.read\",\"slug\":\"documents.read\","
                           "\"description\":\"Read documents\"}");
    free(text);
    ck_assert_int_eq(kd_wire_create_permission_req_decode(body, &pback, &err), 0);
    ck_assert_str_eq(pback.slug, "documents.read");
    ck_assert_str_eq(pback.description, "Read documents");
    kd_permission_free(&pback);
    json_decref(body);
    body = parse("{\"name\":\"n\",\"slug\":\"has space\"}");
    ck_assert_rejected(kd_wire_create_permission_req_decode(body, &pback, &err), err,
                       KD_ERR_INVALID, "body.slug");
    json_decref(body);

    struct kd_role r = {.name = "editor", .description = "edits"}, rback;
    kd_strlist_push(&r.permissions, "documents.write");
    body = kd_wire_create_role_req(&r);
    text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"name\":\"editor\",\"description\":\"edits\","
                           "\"permissions\":[\"documents.write\"]}");
    free(text);
    ck_assert_int_eq(kd_wire_create_role_req_decode(body, &rback, &err), 0);
    ck_assert_str_eq(rback.name, "editor");
    assert_strlist_eq(&r.permissions, &rback.permissions);
    kd_role_free(&rback);
    json_decref(body);

    char *value;
    body = kd_wire_name_req("permission", "documents.read");
    ck_assert_int_eq(kd_wire_name_req_decode(body, "permission", &value, &err), 0);
    ck_assert_str_eq(value, "documents.read");
    free(value);
    /* The same body is not a {role} request. */
    ck_assert_rejected(kd_wire_name_req_decode(body, "role", &value, &err), err, KD_ERR_INVALID,
                       "body.permission");
    json_decref(body);
    body = parse("{\"permission\":\"a/b\"}");
    ck_assert_rejected(kd_wire_name_req_decode(body, "permission", &value, &err), err,
                       KD_ERR_INVALID, "body.permission");
    json_decref(body);

    char *id;
    json_t *data = kd_wire_id_res("roleId", "role_123");
    ck_assert_int_eq(kd_wire_id_res_decode(data, "roleId", &id, &err), 0);
    ck_assert_str_eq(id, "role_123");
    free(id);
    ck_assert_rejected(kd_wire_id_res_decode(data, "permissionId", &id, &err), err,
                       KD_ERR_PROTOCOL, "data.permissionId");
    json_decref(data);

    char *role;
    struct kd_strlist slugs = KD_STRLIST_INIT;
    body = kd_wire_set_role_permissions_req("role_123", &r.permissions);
    ck_assert_int_eq(kd_wire_set_role_permissions_req_decode(body, &role, &slugs, &err), 0);
    ck_assert_str_eq(role, "role_123");
    assert_strlist_eq(&r.permissions, &slugs);
    free(role);
    kd_strlist_clear(&slugs);
    json_decref(body);
    body = parse("{\"roleId\":\"role.1\",\"permissions\":[]}");
    ck_assert_rejected(kd_wire_set_role_permissions_req_decode(body, &role, &slugs, &err), err,
                       KD_ERR_INVALID, "body.roleId");
    json_decref(body);
    kd_strlist_clear(&r.permissions);
}
END_TEST

START_TEST(rbac_lists_both_ways)
{
    struct kd_error err;
    struct kd_list_query q = {.limit = 20, .cursor = "c1", .filter = "doc"}, qback;
    json_t *body = kd_wire_list_rbac_req(&q);
    char *text = json_dumps(body, JSON_COMPACT);
    ck_assert_str_eq(text, "{\"limit\":20,\"cursor\":\"c1\",\"search\":\"doc\"}");
    free(text);
    struct kd_wire_strings strings;
    ck_assert_int_eq(kd_wire_list_rbac_req_decode(body, &qback, &strings, &err), 0);
    ck_assert_int_eq(qback.limit, 20);
    ck_assert_str_eq(qback.cursor, "c1");
    ck_assert_str_eq(qback.filter, "doc");
    kd_wire_strings_free(&strings);
    json_decref(body);
    ck_assert_json(kd_wire_list_rbac_req(&(struct kd_list_query){0}), "{}");

    struct kd_permission perms[] = {{.id = "perm_1", .slug = "a.read", .name = "A"},
                                    {.id = "perm_2", .slug = "a.write", .name = "W"}};
    struct kd_permission_page ppage = {.items = perms, .len = 2}, pback;
    json_t *data = kd_wire_list_permissions_res(&ppage);
    ck_assert_int_eq(kd_wire_list_permissions_res_decode(data, &pback, &err), 0);
    ck_assert_uint_eq(pback.len, 2);
    ck_assert_str_eq(pback.items[1].slug, "a.write");
    ck_assert_str_eq(pback.items[0].name, "A");
    kd_permission_page_free(&pback);
    json_decref(data);

    struct kd_role roles[] = {{.id = "role_1", .name = "reader"},
                              {.id = "role_2", .name = "empty", .description = "none"}};
    const struct kd_permission *role_perms[] = {perms, NULL};
    const size_t n_role_perms[] = {2, 0};
    struct kd_role_page rpage = {.items = roles, .len = 2}, rback;
    data = kd_wire_list_roles_res(&rpage, role_perms, n_role_perms);
    text = json_dumps(data, JSON_COMPACT);
    ck_assert_str_eq(text, "[{\"id\":\"role_1\",\"name\":\"reader\",\"permissions\":["
                           "{\"id\":\"perm_1\",\"name\":\"A\",\"slug\":\"a.read\"},"
                           "{\"id\":\"perm_2\",\"name\":\"W\",\"slug\":\"a.write\"}]},"
                           "{\"id\":\"role_2\",\"name\":\"empty\",\"description\":\"none\"}]");
    free(text);
    ck_assert_int_eq(kd_wire_list_roles_res_decode(data, &rback, &err), 0);
    ck_assert_uint_eq(rback.len, 2);
    ck_assert_uint_eq(rback.items[0].permissions.len, 2);
    ck_assert_str_eq(rback.items[0].permissions.items[1], "a.write");
    ck_assert_str_eq(rback.items[1].description, "none");
    ck_assert_int_eq(rback.items[1].key_count, -1);
    kd_role_page_free(&rback);
    json_decref(data);

    data = parse("[{\"id\":\"role_1\",\"name\":\"r\",\"permissions\":[{\"id\":\"p\","
                 "\"name\":\"n\"}]}]");
    ck_assert_rejected(kd_wire_list_roles_res_decode(data, &rback, &err), err, KD_ERR_PROTOCOL,
                       "data[0].permissions[0].slug");
    json_decref(data);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, create_key_request_exact_json);
    tcase_add_test(tc, create_key_round_trip);
    tcase_add_test(tc, create_key_refuses_what_v2_cannot_carry);
    tcase_add_test(tc, monthly_refill_always_has_its_day);
    tcase_add_test(tc, create_key_strict_rules);
    tcase_add_test(tc, strict_messages_say_the_rule);
    tcase_add_test(tc, key_response_exact_json_and_round_trip);
    tcase_add_test(tc, key_response_decoder_checks_types_ignores_unknowns);
    tcase_add_test(tc, credits_both_ways);
    tcase_add_test(tc, update_key_sends_only_named_fields_and_nulls_for_clears);
    tcase_add_test(tc, update_key_round_trip);
    tcase_add_test(tc, update_key_strict_rules);
    tcase_add_test(tc, small_key_requests_both_ways);
    tcase_add_test(tc, update_credits_both_ways);
    tcase_add_test(tc, key_permission_and_role_lists);
    tcase_add_test(tc, migrate_keys_both_ways);
    tcase_add_test(tc, verify_request_both_ways);
    tcase_add_test(tc, verify_response_reset_follows_the_spec);
    tcase_add_test(tc, verify_response_not_found_and_unknown_codes);
    tcase_add_test(tc, success_envelope);
    tcase_add_test(tc, error_envelope_statuses_and_shape);
    tcase_add_test(tc, parse_response_success);
    tcase_add_test(tc, parse_response_errors);
    tcase_add_test(tc, error_envelope_round_trip);
    tcase_add_test(tc, apis_both_ways);
    tcase_add_test(tc, list_apis_both_ways);
    tcase_add_test(tc, list_keys_both_ways);
    tcase_add_test(tc, rbac_requests_both_ways);
    tcase_add_test(tc, rbac_lists_both_ways);
}

KD_TEST_MAIN(add_cases)
