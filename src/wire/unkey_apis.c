/*
 * unkey_apis.c — apis.createApi, getApi, deleteApi, listKeys, and keydeckd's
 * apis.listApis extension.
 */
#include "wire/unkey.h"

#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"
#include "wire/json.h"

/* V2ApisGetApiRequestBody.apiId (getApi, deleteApi). */
static const struct kd_jstr_rule api_id_rule = {8, 255, KD_CS_WORD};
static const struct kd_jstr_rule api_name_rule = {3, 256, KD_CS_ANY};
/* v2 list limits are 1-100, below keydeck's own page maximum. */
#define LIST_LIMIT_MAX 100

static int wire_limit(const struct kd_list_query *q)
{
    int n = kd_page_limit(q);
    return n > LIST_LIMIT_MAX ? LIST_LIMIT_MAX : n;
}

/* ---- apis.createApi ------------------------------------------------------------ */

json_t *kd_wire_create_api_req(const struct kd_api *spec, struct kd_error *err)
{
    if (spec->default_prefix && *spec->default_prefix)
        return kd_error_set(err, KD_ERR_UNSUPPORTED, "defaultPrefix",
                            "Unkey v2 cannot set an API's default key prefix"),
               NULL;
    if (spec->default_byte_length && spec->default_byte_length != 16)
        return kd_error_set(err, KD_ERR_UNSUPPORTED, "defaultByteLength",
                            "Unkey v2 cannot set an API's default key length"),
               NULL;
    json_t *o = json_object();
    kd_jset_str(o, "name", spec->name ? spec->name : "");
    return o;
}

int kd_wire_create_api_req_decode(const json_t *body, struct kd_api *spec, struct kd_error *err)
{
    static const char *const allowed[] = {"name", NULL};
    memset(spec, 0, sizeof *spec);
    spec->key_count = -1;
    struct kd_jobj o;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_strdup(&o, "name", true, &api_name_rule, &spec->name, NULL) < 0) {
        kd_api_free(spec);
        return -1;
    }
    return 0;
}

json_t *kd_wire_create_api_res(const char *api_id)
{
    json_t *o = json_object();
    kd_jset_str(o, "apiId", api_id);
    return o;
}

int kd_wire_create_api_res_decode(const json_t *data, char **api_id, struct kd_error *err)
{
    return kd_wire_id_res_decode(data, "apiId", api_id, err);
}

/* ---- apis.getApi / apis.deleteApi ---------------------------------------------- */

json_t *kd_wire_api_id_req(const char *api_id)
{
    json_t *o = json_object();
    kd_jset_str(o, "apiId", api_id);
    return o;
}

int kd_wire_api_id_req_decode(const json_t *body, char **api_id, struct kd_error *err)
{
    static const char *const allowed[] = {"apiId", NULL};
    *api_id = NULL;
    struct kd_jobj o;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0)
        return -1;
    return kd_jget_strdup(&o, "apiId", true, &api_id_rule, api_id, NULL) < 0 ? -1 : 0;
}

json_t *kd_wire_api_res(const struct kd_api *api)
{
    json_t *o = json_object();
    kd_jset_str(o, "id", api->id);
    kd_jset_str(o, "name", api->name);
    return o;
}

int kd_wire_api_res_decode(const json_t *data, const char *path, struct kd_api *out,
                           struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    out->key_count = -1; /* v2 does not count */
    struct kd_jobj o;
    if (kd_jobj_open(&o, data, path, KD_JRESPONSE, err) < 0 ||
        kd_jget_strdup(&o, "id", true, NULL, &out->id, NULL) < 0 ||
        kd_jget_strdup(&o, "name", true, NULL, &out->name, NULL) < 0) {
        kd_api_free(out);
        return -1;
    }
    return 0;
}

/* ---- apis.listApis (keydeckd) ------------------------------------------------------- */

/* limit and cursor follow listKeys' rules; shared with listKeys' decoder. */
static int list_page_decode(const struct kd_jobj *o, struct kd_list_query *q, char **cursor)
{
    static const struct kd_jstr_rule cursor_rule = {1, 1024, KD_CS_ANY};
    int64_t limit = 0;
    if (kd_jget_int(o, "limit", false, 1, LIST_LIMIT_MAX, &limit, NULL) < 0 ||
        kd_jget_strdup(o, "cursor", false, &cursor_rule, cursor, NULL) < 0)
        return -1;
    q->limit = (int)limit;
    q->cursor = *cursor;
    return 0;
}

static void list_page_encode(json_t *o, const struct kd_list_query *q)
{
    if (q->limit)
        kd_jset_int(o, "limit", wire_limit(q));
    if (q->cursor && *q->cursor)
        kd_jset_str(o, "cursor", q->cursor);
}

json_t *kd_wire_list_apis_req(const struct kd_list_query *q)
{
    json_t *o = json_object();
    if (q)
        list_page_encode(o, q);
    return o;
}

int kd_wire_list_apis_req_decode(const json_t *body, struct kd_list_query *q, char **cursor_buf,
                                 struct kd_error *err)
{
    static const char *const allowed[] = {"limit", "cursor", NULL};
    memset(q, 0, sizeof *q);
    *cursor_buf = NULL;
    struct kd_jobj o;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        list_page_decode(&o, q, cursor_buf) < 0) {
        free(*cursor_buf);
        *cursor_buf = NULL;
        memset(q, 0, sizeof *q);
        return -1;
    }
    return 0;
}

json_t *kd_wire_list_apis_res(const struct kd_api_page *page)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < page->len; i++)
        json_array_append_new(arr, kd_wire_api_res(&page->items[i]));
    return arr;
}


static int decode_api(const json_t *item, const char *path, void *out, void *ctx,
                      struct kd_error *err)
{
    (void)ctx;
    return kd_wire_api_res_decode(item, path, out, err);
}

static void free_api(void *api)
{
    kd_api_free(api);
}

int kd_wire_list_apis_res_decode(const json_t *data, struct kd_api_page *out,
                                 struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    out->total = -1;
    return kd_jdecode_array(data, "data", sizeof *out->items, decode_api, NULL, free_api,
                            (void **)&out->items, &out->len, err);
}

/* ---- apis.listKeys ---------------------------------------------------------------- */

json_t *kd_wire_list_keys_req(const struct kd_key_query *q)
{
    json_t *o = json_object();
    kd_jset_str(o, "apiId", q->api_id);
    list_page_encode(o, &q->page);
    if (q->external_id && *q->external_id)
        kd_jset_str(o, "externalId", q->external_id);
    /* Sorting, totals and grants have no v2 field; v2 lists in id order. */
    return o;
}

int kd_wire_list_keys_req_decode(const json_t *body, struct kd_key_query *q,
                                 struct kd_wire_strings *strings, struct kd_error *err)
{
    static const char *const allowed[] = {"apiId",   "limit",   "cursor", "externalId",
                                          "decrypt", "revalidateKeysCache", NULL};
    static const struct kd_jstr_rule any_nonempty = {1, 0, KD_CS_ANY};
    memset(q, 0, sizeof *q);
    memset(strings, 0, sizeof *strings);
    struct kd_jobj o;
    bool ignored;
    if (kd_jobj_open(&o, body, "body", KD_JREQUEST, err) < 0 || kd_jobj_only(&o, allowed) < 0 ||
        kd_jget_strdup(&o, "apiId", true, &any_nonempty, &strings->s[0], NULL) < 0 ||
        list_page_decode(&o, &q->page, &strings->s[1]) < 0 ||
        kd_jget_strdup(&o, "externalId", false, &any_nonempty, &strings->s[2], NULL) < 0 ||
        /* decrypt and revalidateKeysCache are accepted: plaintext is optional
         * in the answer, and keydeckd has no cache to bypass. */
        kd_jget_bool(&o, "decrypt", false, &ignored) < 0 ||
        kd_jget_bool(&o, "revalidateKeysCache", false, &ignored) < 0) {
        kd_wire_strings_free(strings);
        memset(q, 0, sizeof *q);
        return -1;
    }
    q->api_id = strings->s[0];
    q->external_id = strings->s[2];
    return 0;
}

json_t *kd_wire_list_keys_res(const struct kd_key_page *page)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < page->len; i++)
        json_array_append_new(arr, kd_wire_key_res(&page->items[i], NULL));
    return arr;
}

/* ctx: the listed API's id, which KeyResponseData does not carry. */
static int decode_key(const json_t *item, const char *path, void *out, void *ctx,
                      struct kd_error *err)
{
    struct kd_key *k = out;
    if (kd_wire_key_res_decode(item, path, k, NULL, err) < 0)
        return -1;
    k->api_id = kd_xstrdup(ctx);
    return 0;
}

static void free_key(void *k)
{
    kd_key_free(k);
}

int kd_wire_list_keys_res_decode(const json_t *data, const char *api_id,
                                 struct kd_key_page *out, struct kd_error *err)
{
    memset(out, 0, sizeof *out);
    out->total = -1;
    return kd_jdecode_array(data, "data", sizeof *out->items, decode_key, (void *)api_id,
                            free_key, (void **)&out->items, &out->len, err);
}
