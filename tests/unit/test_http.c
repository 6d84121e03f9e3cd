/*
 * test_http.c — the HTTP client against misbehaving servers on 127.0.0.1.
 *
 * Each case starts tests/remote/fault_server.py as a child in one mode (echo,
 * 429 then success, hang, 10 MB body, truncated body, TLS with a certificate for
 * the wrong name, ...), points a client at it and checks the error code and the
 * words a user would read.  Every error message is also checked for the bearer
 * token, which must never appear in one.  Nothing asserts on elapsed time: the
 * retry cases check the attempt count and the error instead.
 */
#include "net/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define TOKEN "unkey_SECRETroot0123456789abcdef"
#define KEYS_PATH "/v2/keys.getKey"
#define KEYS_BODY "{\"keyId\":\"key_123\"}"

/* ---- the fault server child ---------------------------------------------- */

struct fault_server {
    pid_t pid;
    int port;
};

/* The one server of the running case, so the teardown can stop it. */
static struct fault_server current_server = {.pid = -1};

static void pause_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* The source tree: $KD_SRCDIR under `make check`, else derived from where this
 * file was compiled from. */
static const char *source_dir(void)
{
    static char dir[1024];
    const char *env = getenv("KD_SRCDIR");
    if (env && *env)
        return env;
    const char *suffix = "tests/unit/test_http.c";
    size_t n = strlen(__FILE__), sn = strlen(suffix);
    if (n >= sn && strcmp(__FILE__ + n - sn, suffix) == 0 && n > sn)
        snprintf(dir, sizeof dir, "%.*s", (int)(n - sn), __FILE__);
    else
        snprintf(dir, sizeof dir, ".");
    return dir;
}

static int read_port_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int port = -1;
    if (fscanf(f, "%d", &port) != 1)
        port = -1;
    fclose(f);
    return port;
}

/* Start the server in mode (TLS when cert is given) and wait for its port. */
static struct fault_server start_server(const char *mode, const char *cert, const char *key)
{
    char port_file[512];
    snprintf(port_file, sizeof port_file, "%s/port", kd_test_tmpdir());
    char script[1200];
    snprintf(script, sizeof script, "%s/tests/remote/fault_server.py", source_dir());
    ck_assert_msg(access(script, R_OK) == 0, "cannot read %s (set KD_SRCDIR)", script);

    pid_t pid = fork();
    ck_assert_int_ne(pid, -1);
    if (pid == 0) {
        if (cert)
            execlp("python3", "python3", script, "--mode", mode, "--port-file", port_file,
                   "--cert", cert, "--key", key, (char *)NULL);
        else
            execlp("python3", "python3", script, "--mode", mode, "--port-file", port_file,
                   (char *)NULL);
        perror("exec python3");
        _exit(127);
    }
    struct fault_server s = {.pid = pid, .port = -1};
    current_server = s;
    /* Generous: a loaded machine may take a while to start Python. */
    for (int i = 0; i < 600 && s.port < 0; i++) {
        int status;
        ck_assert_msg(waitpid(pid, &status, WNOHANG) == 0,
                      "fault_server.py --mode %s exited before listening", mode);
        s.port = read_port_file(port_file);
        if (s.port < 0)
            pause_ms(50);
    }
    ck_assert_msg(s.port > 0, "fault_server.py --mode %s never wrote its port", mode);
    current_server = s;
    return s;
}

static void stop_current_server(void)
{
    if (current_server.pid > 0) {
        kill(current_server.pid, SIGTERM);
        waitpid(current_server.pid, NULL, 0);
    }
    current_server.pid = -1;
}

/* ---- clients -------------------------------------------------------------- */

static struct kd_http *client_for(const char *scheme, int port, struct kd_http_options opt)
{
    char url[128];
    snprintf(url, sizeof url, "%s://127.0.0.1:%d", scheme, port);
    opt.base_url = url;
    if (!opt.bearer)
        opt.bearer = TOKEN;
    struct kd_error err;
    struct kd_http *h = kd_http_new(&opt, &err);
    ck_assert_msg(h != NULL, "kd_http_new: %s", err.message);
    return h;
}

/* Defaults, but retries and backoff small enough that a retry case is quick. */
static struct kd_http_options quick_options(void)
{
    return (struct kd_http_options){.retries = -1, .backoff_base_ms = 10};
}

static void expect_error(int rc, const struct kd_error *err, enum kd_errcode code,
                         const char *prefix, const char *fragment)
{
    if (getenv("KD_TEST_VERBOSE")) /* a TAP comment, to read the messages */
        printf("# %s\n", err->message);
    ck_assert_int_eq(rc, -1);
    ck_assert_msg(err->code == code, "code %s, wanted %s; message: %s",
                  kd_errcode_name(err->code), kd_errcode_name(code), err->message);
    ck_assert_msg(strncmp(err->message, prefix, strlen(prefix)) == 0,
                  "message '%s' does not start with '%s'", err->message, prefix);
    ck_assert_msg(strstr(err->message, fragment) != NULL, "message '%s' lacks '%s'",
                  err->message, fragment);
    ck_assert_msg(strstr(err->message, TOKEN) == NULL, "the token leaked: %s", err->message);
    ck_assert_msg(strstr(err->message, "SECRET") == NULL, "part of the token leaked: %s",
                  err->message);
}

static int post_keys(struct kd_http *h, bool idempotent, struct kd_http_response *res,
                     struct kd_error *err)
{
    return kd_http_post(h, KEYS_PATH, KEYS_BODY, strlen(KEYS_BODY), idempotent, res, err);
}

static json_t *parse_echo(const struct kd_http_response *res)
{
    ck_assert_ptr_nonnull(res->body);
    ck_assert_uint_eq(strlen(res->body), res->len);
    json_error_t jerr;
    json_t *root = json_loadb(res->body, res->len, 0, &jerr);
    ck_assert_msg(root != NULL, "echo is not JSON (%s): %s", jerr.text, res->body);
    return root;
}

static const char *echo_field(json_t *root, const char *name)
{
    return json_string_value(json_object_get(root, name)); /* NULL for null */
}

/* ---- TLS certificates ----------------------------------------------------- */

static bool have_openssl(void)
{
    return system("command -v openssl >/dev/null 2>&1") == 0;
}

/* A self-signed certificate (its own CA) for subject_alt_name, e.g.
 * "DNS:other.invalid" or "IP:127.0.0.1", in a fresh directory. */
static void make_certificate(const char *common_name, const char *subject_alt_name,
                             char *cert, char *key, size_t size)
{
    const char *dir = kd_test_tmpdir();
    snprintf(cert, size, "%s/cert.pem", dir);
    snprintf(key, size, "%s/key.pem", dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=%s -addext subjectAltName=%s "
             "-days 1 -keyout '%s' -out '%s' >/dev/null 2>&1",
             common_name, subject_alt_name, key, cert);
    ck_assert_msg(system(cmd) == 0, "openssl could not make a certificate: %s", cmd);
}

#define SKIP_WITHOUT_OPENSSL()                                                  \
    do {                                                                        \
        if (!have_openssl()) {                                                  \
            printf("# SKIP %s: the openssl command is not installed\n", __func__); \
            return;                                                             \
        }                                                                       \
    } while (0)

/* ---- cases ------------------------------------------------------------- */

START_TEST(post_round_trip_sends_json_token_and_user_agent)
{
    struct fault_server s = start_server("echo", NULL, NULL);
    struct kd_http *h = client_for("http", s.port, quick_options());
    struct kd_http_response res;
    struct kd_error err;
    int rc = post_keys(h, false, &res, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_int_eq(err.code, KD_OK);
    ck_assert_int_eq(res.status, 200);
    ck_assert_int_eq(res.attempts, 1);

    json_t *echo = parse_echo(&res);
    ck_assert_str_eq(echo_field(echo, "method"), "POST");
    ck_assert_str_eq(echo_field(echo, "path"), KEYS_PATH);
    ck_assert_str_eq(echo_field(echo, "content_type"), "application/json");
    ck_assert_str_eq(echo_field(echo, "accept"), "application/json");
    ck_assert_str_eq(echo_field(echo, "authorization"), "Bearer " TOKEN);
    ck_assert_str_eq(echo_field(echo, "body"), KEYS_BODY);
    ck_assert_ptr_null(echo_field(echo, "expect"));
    const char *ua = echo_field(echo, "user_agent");
    ck_assert_ptr_nonnull(ua);
    const char *ua_prefix = "keydeck/" PACKAGE_VERSION " libcurl/";
    ck_assert_msg(strncmp(ua, ua_prefix, strlen(ua_prefix)) == 0, "User-Agent '%s'", ua);
    ck_assert_msg(strlen(ua) > strlen(ua_prefix), "User-Agent '%s' lacks curl's version", ua);
    json_decref(echo);

    kd_http_response_free(&res);
    ck_assert_ptr_null(res.body);
    kd_http_free(h);
}
END_TEST

START_TEST(get_and_post_reuse_one_connection)
{
    struct fault_server s = start_server("echo", NULL, NULL);
    struct kd_http *h = client_for("http", s.port, quick_options());
    struct kd_http_response res;
    struct kd_error err;

    ck_assert_msg(kd_http_get(h, "/v2/liveness", &res, &err) == 0, "%s", err.message);
    ck_assert_int_eq(res.status, 200);
    json_t *first = parse_echo(&res);
    ck_assert_str_eq(echo_field(first, "method"), "GET");
    ck_assert_str_eq(echo_field(first, "path"), "/v2/liveness");
    ck_assert_ptr_null(echo_field(first, "content_type"));
    ck_assert_str_eq(echo_field(first, "authorization"), "Bearer " TOKEN);
    json_int_t first_port = json_integer_value(json_object_get(first, "client_port"));
    json_decref(first);
    kd_http_response_free(&res);

    ck_assert_msg(post_keys(h, false, &res, &err) == 0, "%s", err.message);
    json_t *second = parse_echo(&res);
    ck_assert_str_eq(echo_field(second, "method"), "POST");
    ck_assert_str_eq(echo_field(second, "body"), KEYS_BODY);
    /* Same client port: the connection was kept alive. */
    ck_assert_int_eq(json_integer_value(json_object_get(second, "client_port")), first_port);
    json_decref(second);
    kd_http_response_free(&res);
    kd_http_free(h);
}
END_TEST

START_TEST(status_500_is_returned_not_an_error)
{
    struct fault_server s = start_server("status500", NULL, NULL);
    struct kd_http *h = client_for("http", s.port, quick_options());
    struct kd_http_response res;
    struct kd_error err;
    ck_assert_msg(post_keys(h, true, &res, &err) == 0, "%s", err.message);
    ck_assert_int_eq(err.code, KD_OK);
    ck_assert_int_eq(res.status, 500);
    ck_assert_int_eq(res.attempts, 1); /* 500 is never retried */
    ck_assert_ptr_nonnull(strstr(res.body, "injected fault"));
    kd_http_response_free(&res);
    kd_http_free(h);
}
END_TEST

START_TEST(retry_after_429_then_success)
{
    struct fault_server s = start_server("retry429", NULL, NULL);
    struct kd_http *h = client_for("http", s.port, quick_options());
    struct kd_http_response res;
    struct kd_error err;
    /* Not idempotent: a 429 says the request was not processed. */
    ck_assert_msg(post_keys(h, false, &res, &err) == 0, "%s", err.message);
    ck_assert_int_eq(res.status, 200);
    ck_assert_int_eq(res.attempts, 2);
    json_t *echo = parse_echo(&res);
    ck_assert_int_eq(json_integer_value(json_object_get(echo, "request_number")), 2);
    json_decref(echo);
    kd_http_response_free(&res);
    kd_http_free(h);
}
END_TEST

START_TEST(retry_after_beyond_the_cap_fails_at_once)
{
    struct fault_server s = start_server("busy429long", NULL, NULL);
    struct kd_http *h = client_for("http", s.port, quick_options());
    struct kd_http_response res;
    struct kd_error err;
    int rc = post_keys(h, true, &res, &err);
    expect_error(rc, &err, KD_ERR_BUSY, "POST " KEYS_PATH ": ",
                 "the server is busy (429) and asked to retry after 30 s");
    ck_assert_int_eq(res.attempts, 1); /* no waiting for a retry that would be refused */
    ck_assert_ptr_null(res.body);
    kd_http_free(h);
}
END_TEST

START_TEST(busy_429_after_all_retries)
{
    struct fault_server s = start_server("busy429", NULL, NULL);
    struct kd_http *h = client_for("http", s.port, quick_options());
    struct kd_http_response res;
    struct kd_error err;
    int rc = post_keys(h, false, &res, &err);
    expect_error(rc, &err, KD_ERR_BUSY, "POST " KEYS_PATH ": ", "busy (429) after 3 attempts");
    ck_assert_int_eq(res.attempts, 1 + KD_HTTP_RETRIES);
    kd_http_free(h);
}
END_TEST

START_TEST(status_503_is_retried_for_an_idempotent_request)
{
    struct fault_server s = start_server("retry503", NULL, NULL);
    struct kd_http *h = client_for("http", s.port, quick_options());
    struct kd_http_response res;
    struct kd_error err;
    ck_assert_msg(post_keys(h, true, &res, &err) == 0, "%s", err.message);
    ck_assert_int_eq(res.status, 200);
    ck_assert_int_eq(res.attempts, 2);
    kd_http_response_free(&res);
    kd_http_free(h);
}
END_TEST

START_TEST(status_502_is_retried_only_when_idempotent)
{
    struct fault_server s = start_server("status502", NULL, NULL);
    struct kd_http *h = client_for("http", s.port, quick_options());
    struct kd_http_response res;
    struct kd_error err;

    ck_assert_msg(post_keys(h, false, &res, &err) == 0, "%s", err.message);
    ck_assert_int_eq(res.status, 502);
    ck_assert_int_eq(res.attempts, 1);
    kd_http_response_free(&res);

    /* Retried, and the last 502 is then the caller's to interpret. */
    ck_assert_msg(post_keys(h, true, &res, &err) == 0, "%s", err.message);
    ck_assert_int_eq(res.status, 502);
    ck_assert_int_eq(res.attempts, 1 + KD_HTTP_RETRIES);
    kd_http_response_free(&res);
    kd_http_free(h);
}
END_TEST

/* A port that is bound but not listening: connecting is refused, and nobody else
 * can take the port while the test runs. */
static int refusing_port(int *fd_out)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof addr), 0);
    socklen_t len = sizeof addr;
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    *fd_out = fd;
    return ntohs(addr.sin_port);
}

START_TEST(connection_refused_names_the_address)
{
    int fd;
    int port = refusing_port(&fd);
    struct kd_http *h = client_for("http", port, quick_options());
    struct kd_http_response res;
    struct kd_error err;
    char fragment[96];
    snprintf(fragment, sizeof fragment, "cannot connect to 127.0.0.1:%d: Connection refused",
             port);

    int rc = post_keys(h, false, &res, &err);
    expect_error(rc, &err, KD_ERR_NETWORK, "POST " KEYS_PATH ": ", fragment);
    ck_assert_int_eq(res.attempts, 1);

    /* A GET is idempotent, so it is tried again, and the message says so. */
    rc = kd_http_get(h, "/v2/liveness", &res, &err);
    expect_error(rc, &err, KD_ERR_NETWORK, "GET /v2/liveness: ", fragment);
    ck_assert_int_eq(res.attempts, 1 + KD_HTTP_RETRIES);
    ck_assert_ptr_nonnull(strstr(err.message, "tried 3 times"));
    kd_http_free(h);
    close(fd);
}
END_TEST

START_TEST(silent_server_times_out)
{
    struct fault_server s = start_server("hang", NULL, NULL);
    struct kd_http_options opt = quick_options();
    opt.timeout_ms = 500;
    struct kd_http *h = client_for("http", s.port, opt);
    struct kd_http_response res;
    struct kd_error err;
    int rc = post_keys(h, false, &res, &err);
    expect_error(rc, &err, KD_ERR_NETWORK, "POST " KEYS_PATH ": ",
                 "no answer within 0.5 s (timeout)");
    ck_assert_int_eq(res.attempts, 1);
    kd_http_free(h);
}
END_TEST

START_TEST(timeout_is_retried_when_idempotent)
{
    struct fault_server s = start_server("hang", NULL, NULL);
    struct kd_http_options opt = quick_options();
    opt.timeout_ms = 300;
    opt.retries = 1;
    struct kd_http *h = client_for("http", s.port, opt);
    struct kd_http_response res;
    struct kd_error err;
    int rc = post_keys(h, true, &res, &err);
    expect_error(rc, &err, KD_ERR_NETWORK, "POST " KEYS_PATH ": ", "(timeout)");
    ck_assert_int_eq(res.attempts, 2);
    kd_http_free(h);
}
END_TEST

START_TEST(response_over_the_cap_is_refused)
{
    struct fault_server s = start_server("big", NULL, NULL);
    struct kd_http *h = client_for("http", s.port, quick_options());
    struct kd_http_response res;
    struct kd_error err;
    int rc = post_keys(h, false, &res, &err);
    expect_error(rc, &err, KD_ERR_PROTOCOL, "POST " KEYS_PATH ": ",
                 "the response is larger than 8 MiB (the limit)");
    ck_assert_ptr_null(res.body);
    kd_http_free(h);
}
END_TEST

START_TEST(chunked_response_over_the_cap_is_refused)
{
    /* No Content-Length, so only the write callback can notice. */
    struct fault_server s = start_server("bigchunked", NULL, NULL);
    struct kd_http_options opt = quick_options();
    opt.max_response = 1024 * 1024;
    struct kd_http *h = client_for("http", s.port, opt);
    struct kd_http_response res;
    struct kd_error err;
    int rc = kd_http_get(h, "/v2/liveness", &res, &err);
    expect_error(rc, &err, KD_ERR_PROTOCOL, "GET /v2/liveness: ",
                 "the response is larger than 1 MiB (the limit)");
    ck_assert_int_eq(res.attempts, 1); /* a cap is not retried */
    kd_http_free(h);
}
END_TEST

START_TEST(truncated_response_is_an_error)
{
    struct fault_server s = start_server("truncated", NULL, NULL);
    struct kd_http *h = client_for("http", s.port, quick_options());
    struct kd_http_response res;
    struct kd_error err;
    int rc = post_keys(h, false, &res, &err);
    expect_error(rc, &err, KD_ERR_NETWORK, "POST " KEYS_PATH ": ",
                 "closed before the whole response arrived");
    ck_assert_ptr_null(res.body);
    kd_http_free(h);
}
END_TEST

START_TEST(tls_certificate_for_another_name_is_refused)
{
    SKIP_WITHOUT_OPENSSL();
    char cert[512], key[512];
    make_certificate("other.invalid", "DNS:other.invalid", cert, key, sizeof cert);
    struct fault_server s = start_server("echo", cert, key);
    struct kd_http_options opt = quick_options();
    opt.ca_file = cert;
    struct kd_http *h = client_for("https", s.port, opt);
    struct kd_http_response res;
    struct kd_error err;
    int rc = post_keys(h, true, &res, &err);
    expect_error(rc, &err, KD_ERR_NETWORK, "POST " KEYS_PATH ": ",
                 "the server's TLS certificate does not match the host name '127.0.0.1'");
    ck_assert_int_eq(res.attempts, 1); /* a certificate problem is not retried */
    kd_http_free(h);
}
END_TEST

START_TEST(tls_certificate_from_an_unknown_ca_is_refused)
{
    SKIP_WITHOUT_OPENSSL();
    char cert[512], key[512];
    make_certificate("127.0.0.1", "IP:127.0.0.1", cert, key, sizeof cert);
    struct fault_server s = start_server("echo", cert, key);
    /* No ca_file: the system's CAs do not know a self-signed certificate. */
    struct kd_http *h = client_for("https", s.port, quick_options());
    struct kd_http_response res;
    struct kd_error err;
    int rc = post_keys(h, false, &res, &err);
    expect_error(rc, &err, KD_ERR_NETWORK, "POST " KEYS_PATH ": ", "certificate");
    kd_http_free(h);
}
END_TEST

START_TEST(tls_with_a_matching_certificate_works)
{
    SKIP_WITHOUT_OPENSSL();
    char cert[512], key[512];
    make_certificate("127.0.0.1", "IP:127.0.0.1", cert, key, sizeof cert);
    struct fault_server s = start_server("echo", cert, key);
    struct kd_http_options opt = quick_options();
    opt.ca_file = cert;
    struct kd_http *h = client_for("https", s.port, opt);
    struct kd_http_response res;
    struct kd_error err;
    ck_assert_msg(post_keys(h, false, &res, &err) == 0, "%s", err.message);
    ck_assert_int_eq(res.status, 200);
    json_t *echo = parse_echo(&res);
    ck_assert_str_eq(echo_field(echo, "authorization"), "Bearer " TOKEN);
    ck_assert_str_eq(echo_field(echo, "body"), KEYS_BODY);
    json_decref(echo);
    kd_http_response_free(&res);
    kd_http_free(h);
}
END_TEST

static bool cancel_on_third_call(void *ctx)
{
    int *calls = ctx;
    return ++*calls >= 3;
}

START_TEST(cancel_callback_stops_the_transfer)
{
    struct fault_server s = start_server("hang", NULL, NULL);
    struct kd_http *h = client_for("http", s.port, quick_options()); /* 30 s timeout */
    int calls = 0;
    kd_http_set_cancel(h, cancel_on_third_call, &calls);
    struct kd_http_response res;
    struct kd_error err;
    int rc = post_keys(h, true, &res, &err);
    expect_error(rc, &err, KD_ERR_CANCELLED, "POST " KEYS_PATH ": ", "cancelled");
    ck_assert_int_ge(calls, 3);
    ck_assert_int_eq(res.attempts, 1); /* cancelling is not a reason to retry */

    /* Cleared, the client works again. */
    kd_http_set_cancel(h, NULL, NULL);
    kd_http_free(h);
}
END_TEST

/* Past the few calls a local 503 takes, so the cancel lands in the backoff. */
static bool cancel_on_twentieth_call(void *ctx)
{
    int *calls = ctx;
    return ++*calls >= 20;
}

START_TEST(cancel_during_backoff)
{
    /* 503 without Retry-After: the client backs off for seconds (at most the
     * Retry-After cap), and Esc must end the wait instead of the second
     * attempt succeeding. */
    struct fault_server s = start_server("retry503", NULL, NULL);
    struct kd_http_options opt = quick_options();
    opt.backoff_base_ms = 5000;
    struct kd_http *h = client_for("http", s.port, opt);
    int calls = 0;
    kd_http_set_cancel(h, cancel_on_twentieth_call, &calls);
    struct kd_http_response res;
    struct kd_error err;
    int rc = post_keys(h, true, &res, &err);
    expect_error(rc, &err, KD_ERR_CANCELLED, "POST " KEYS_PATH ": ", "cancelled");
    ck_assert_int_eq(res.attempts, 1);
    kd_http_free(h);
}
END_TEST

START_TEST(token_never_appears_in_a_message)
{
    struct kd_error err;
    /* A token that would break the header is refused without being quoted. */
    struct kd_http_options opt = {.base_url = "https://127.0.0.1:1", .retries = -1};
    opt.bearer = TOKEN "\r\nX-Injected: 1";
    ck_assert_ptr_null(kd_http_new(&opt, &err));
    expect_error(-1, &err, KD_ERR_INVALID, "", "root key");

    /* Credentials in the URL are refused too, without echoing them. */
    opt.bearer = TOKEN;
    opt.base_url = "https://user:" TOKEN "@127.0.0.1:1";
    ck_assert_ptr_null(kd_http_new(&opt, &err));
    expect_error(-1, &err, KD_ERR_INVALID, "", "user name or password");

    /* Every transport failure mode, with the token set. */
    const char *modes[] = {"hang", "big", "truncated", "busy429long", "busy429"};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        struct fault_server s = start_server(modes[i], NULL, NULL);
        struct kd_http_options quick = quick_options();
        quick.timeout_ms = 300;
        quick.retries = 0;
        struct kd_http *h = client_for("http", s.port, quick);
        struct kd_http_response res;
        int rc = post_keys(h, false, &res, &err);
        ck_assert_int_eq(rc, -1);
        ck_assert_msg(strstr(err.message, TOKEN) == NULL && strstr(err.message, "SECRET") == NULL,
                      "mode %s leaked the token: %s", modes[i], err.message);
        kd_http_free(h);
        stop_current_server();
    }
}
END_TEST

START_TEST(options_are_checked_and_the_base_url_is_clean)
{
    struct kd_error err;
    struct kd_http_options opt = {.base_url = "ftp://127.0.0.1/", .retries = -1};
    ck_assert_ptr_null(kd_http_new(&opt, &err));
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    ck_assert_str_eq(err.field, "base_url");

    opt.base_url = NULL;
    ck_assert_ptr_null(kd_http_new(&opt, &err));
    ck_assert_int_eq(err.code, KD_ERR_INVALID);

    opt.base_url = "https://api.example.invalid//";
    struct kd_http *h = kd_http_new(&opt, &err);
    ck_assert_msg(h != NULL, "%s", err.message);
    ck_assert_str_eq(kd_http_base_url(h), "https://api.example.invalid");

    struct kd_http_response res;
    ck_assert_int_eq(kd_http_get(h, "v2/liveness", &res, &err), -1);
    ck_assert_int_eq(err.code, KD_ERR_INVALID);
    kd_http_free(h);
    kd_http_free(NULL);
    kd_http_response_free(NULL);
}
END_TEST

static void teardown_server(void)
{
    stop_current_server();
}

static void add_cases(TCase *tc)
{
    /* Only 127.0.0.1 is used; a proxy from the environment must not intercept. */
    const char *proxies[] = {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
                             "all_proxy",  "ALL_PROXY"};
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++)
        unsetenv(proxies[i]);
    setenv("no_proxy", "127.0.0.1,localhost", 1);
    /* The suite's cases run in forked children; a dead server must not kill us. */
    signal(SIGPIPE, SIG_IGN);

    tcase_add_checked_fixture(tc, NULL, teardown_server);
    tcase_add_test(tc, post_round_trip_sends_json_token_and_user_agent);
    tcase_add_test(tc, get_and_post_reuse_one_connection);
    tcase_add_test(tc, status_500_is_returned_not_an_error);
    tcase_add_test(tc, retry_after_429_then_success);
    tcase_add_test(tc, retry_after_beyond_the_cap_fails_at_once);
    tcase_add_test(tc, busy_429_after_all_retries);
    tcase_add_test(tc, status_503_is_retried_for_an_idempotent_request);
    tcase_add_test(tc, status_502_is_retried_only_when_idempotent);
    tcase_add_test(tc, connection_refused_names_the_address);
    tcase_add_test(tc, silent_server_times_out);
    tcase_add_test(tc, timeout_is_retried_when_idempotent);
    tcase_add_test(tc, response_over_the_cap_is_refused);
    tcase_add_test(tc, chunked_response_over_the_cap_is_refused);
    tcase_add_test(tc, truncated_response_is_an_error);
    tcase_add_test(tc, tls_certificate_for_another_name_is_refused);
    tcase_add_test(tc, tls_certificate_from_an_unknown_ca_is_refused);
    tcase_add_test(tc, tls_with_a_matching_certificate_works);
    tcase_add_test(tc, cancel_callback_stops_the_transfer);
    tcase_add_test(tc, cancel_during_backoff);
    tcase_add_test(tc, token_never_appears_in_a_message);
    tcase_add_test(tc, options_are_checked_and_the_base_url_is_clean);
}

KD_TEST_MAIN(add_cases)
