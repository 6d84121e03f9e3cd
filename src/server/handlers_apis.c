/*
 * handlers_apis.c — apis.* (key spaces), the listApis extension, apis.listKeys
 * and the liveness probe.
 */
#include "server/server.h"

#include <stdlib.h>
#include <string.h>

#include "backend/rootkeys.h"
#include "util/xalloc.h"

void kd_srv_liveness(struct kd_srv_request *r)
{
    kd_srv_ok(r, json_pack("{s:s}", "message", "OK"), NULL);
}

void kd_srv_apis_create(struct kd_srv_request *r)
{
    struct kd_error err;
    struct kd_api spec = {0};
    if (kd_wire_create_api_req_decode(r->body, &spec, &err) < 0) {
        kd_srv_fail(r, &err);
        return;
    }
    struct kd_api made = {0};
    if (!kd_srv_may(r, NULL, NULL)) {
        kd_srv_failf(r, KD_ERR_FORBIDDEN, NULL, "the root key lacks the permission api.*.create_api");
    } else if (spec.name && strcmp(spec.name, KD_ROOT_API_NAME) == 0) {
        /* A second space of that name would blur which one holds the root keys. */
        kd_srv_failf(r, KD_ERR_INVALID, "body.name", "the name %s is reserved for keydeckd",
                     KD_ROOT_API_NAME);
    } else if (kd_backend_api_create(r->b, &spec, &made, &err) < 0) {
        kd_srv_fail(r, &err);
    } else {
        kd_srv_ok(r, kd_wire_create_api_res(made.id), NULL);
    }
    kd_api_free(&made);
    kd_api_free(&spec);
}

void kd_srv_apis_get(struct kd_srv_request *r)
{
    struct kd_error err;
    char *api_id = NULL;
    struct kd_api api = {0};
    if (kd_wire_api_id_req_decode(r->body, &api_id, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!kd_srv_api_access(r, api_id, NULL))
        ;
    else if (kd_backend_api_get(r->b, api_id, &api, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, kd_wire_api_res(&api), NULL);
    kd_api_free(&api);
    free(api_id);
}

void kd_srv_apis_delete(struct kd_srv_request *r)
{
    struct kd_error err;
    char *api_id = NULL;
    if (kd_wire_api_id_req_decode(r->body, &api_id, &err) < 0)
        kd_srv_fail(r, &err);
    else if (!kd_srv_api_access(r, api_id, NULL))
        ;
    else if (kd_backend_api_delete(r->b, api_id, &err) < 0)
        kd_srv_fail(r, &err);
    else
        kd_srv_ok(r, json_object(), NULL);
    free(api_id);
}

/* keydeckd's extension: Unkey has no call that lists APIs.  A root key sees the
 * APIs it may read (all of them with api.*.read_api); never the root space. */
void kd_srv_apis_list(struct kd_srv_request *r)
{
    struct kd_error err;
    struct kd_list_query q = {0};
    char *cursor = NULL;
    if (kd_wire_list_apis_req_decode(r->body, &q, &cursor, &err) < 0) {
        kd_srv_fail(r, &err);
        free(cursor);
        return;
    }
    bool all = kd_srv_may(r, NULL, NULL);
    struct kd_strlist scopes = KD_STRLIST_INIT;
    bool some = all || kd_srv_scopes(r, "read_api", &scopes) > 0;
    kd_strlist_clear(&scopes);
    struct kd_api_page page = {0};
    if (!some) {
        kd_srv_failf(r, KD_ERR_FORBIDDEN, NULL, "the root key lacks the permission api.*.read_api");
    } else if (kd_backend_api_list(r->b, &q, &page, &err) < 0) {
        kd_srv_fail(r, &err);
    } else {
        size_t kept = 0;
        for (size_t i = 0; i < page.len; i++) {
            if (kd_srv_is_root_space(r, page.items[i].id) ||
                (!all && !kd_srv_may(r, page.items[i].id, NULL))) {
                kd_api_free(&page.items[i]);
                continue;
            }
            page.items[kept++] = page.items[i];
        }
        page.len = kept;
        struct kd_wire_page wp = {.cursor = page.next_cursor, .has_more = page.next_cursor != NULL};
        kd_srv_ok(r, kd_wire_list_apis_res(&page), &wp);
    }
    kd_api_page_free(&page);
    free(cursor);
}

/* decrypt:true — each recoverable key's plaintext joins its item. */
static int add_plaintexts(struct kd_srv_request *r, const struct kd_key_page *page, json_t *items,
                          struct kd_error *err)
{
    for (size_t i = 0; i < page->len && i < json_array_size(items); i++) {
        if (!page->items[i].recoverable)
            continue;
        struct kd_key_secret s = {0};
        if (kd_backend_key_reveal(r->b, page->items[i].id, &s, err) < 0) {
            if (err->code == KD_ERR_UNSUPPORTED || err->code == KD_ERR_NOT_FOUND)
                continue;
            return -1;
        }
        json_object_set_new(json_array_get(items, i), "plaintext", json_string(s.plaintext));
        kd_key_secret_free(&s);
    }
    return 0;
}

void kd_srv_apis_list_keys(struct kd_srv_request *r)
{
    struct kd_error err;
    struct kd_key_query q = {0};
    struct kd_wire_strings strings = {{0}};
    struct kd_key_page page = {0};
    /* The codec's query has no place for decrypt; read it here (already validated). */
    bool decrypt = json_is_true(json_object_get(r->body, "decrypt"));
    if (kd_wire_list_keys_req_decode(r->body, &q, &strings, &err) < 0) {
        kd_srv_fail(r, &err);
    } else if (!kd_srv_api_access(r, q.api_id, NULL) ||
               (decrypt && !kd_srv_api_access(r, q.api_id, "decrypt_key"))) {
        ;
    } else if (kd_backend_key_list(r->b, &q, &page, &err) < 0) {
        kd_srv_fail(r, &err);
    } else {
        json_t *items = kd_wire_list_keys_res(&page);
        if (decrypt && add_plaintexts(r, &page, items, &err) < 0) {
            json_decref(items);
            kd_srv_fail(r, &err);
        } else {
            struct kd_wire_page wp = {.cursor = page.next_cursor,
                                      .has_more = page.next_cursor != NULL};
            kd_srv_ok(r, items, &wp);
        }
    }
    kd_key_page_free(&page);
    kd_wire_strings_free(&strings);
}
