/*
 * reqlog.c — one line per request, for operators:
 *     2026-11-30T12:00:00.123Z req_… POST /v2/keys.verifyKey 200 0.41ms key_…
 * (time, request id, method, path, status, duration, the root key's id or "-").
 * Never a key, a token, a header or a body: those are secrets or customer data.
 */
#include "server/server.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "util/clock.h"
#include "util/timefmt.h"

static FILE *log_file;
static bool log_owned; /* opened here (not stderr), so closed here */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

int kd_reqlog_open(const char *path, struct kd_error *err)
{
    if (!path)
        return 0;
    if (strcmp(path, "-") == 0) {
        log_file = stderr;
        log_owned = false;
        return 0;
    }
    log_file = fopen(path, "a");
    if (!log_file)
        return kd_error_set(err, KD_ERR_IO, "--log", "cannot open %s: %s", path,
                            strerror(errno));
    log_owned = true;
    /* Line-buffered, so `tail -f` sees each request as it finishes. */
    setvbuf(log_file, NULL, _IOLBF, 0);
    return 0;
}

/* Only printable ASCII of what the client sent, so a path cannot forge lines. */
static void put_clean(FILE *f, const char *s, size_t max)
{
    for (size_t i = 0; s && s[i] && i < max; i++)
        fputc(s[i] > ' ' && s[i] < 0x7f ? s[i] : '?', f);
}

void kd_reqlog_write(const struct kd_srv_request *r, double duration_ms)
{
    if (!log_file)
        return;
    char when[48];
    kd_time_format_iso(kd_now_ms(), when, sizeof when);
    pthread_mutex_lock(&log_lock);
    fprintf(log_file, "%s %s ", when, r->request_id);
    put_clean(log_file, r->method, 16);
    fputc(' ', log_file);
    put_clean(log_file, r->path, 256);
    fprintf(log_file, " %d %.2fms %s\n", r->status, duration_ms,
            r->root_key_id ? r->root_key_id : "-");
    pthread_mutex_unlock(&log_lock);
}

void kd_reqlog_close(void)
{
    pthread_mutex_lock(&log_lock);
    if (log_file) {
        fflush(log_file);
        if (log_owned)
            fclose(log_file);
    }
    log_file = NULL;
    pthread_mutex_unlock(&log_lock);
}
