/* test_tui_monitor.c — monitor mode refuses a backend that could write. */
#include "tui/tui.h"

#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/clock.h"

START_TEST(test_monitor_needs_readonly_backend)
{
    char dir[] = "/tmp/kd-tui-monitor.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/ks.db", dir);
    kd_clock_pin(1735689600000LL);
    struct kd_local_options lo = {.keystore_path = path, .create_if_missing = true};
    struct kd_error err;
    kd_error_clear(&err);
    struct kd_backend *b = kd_backend_local_open(&lo, &err);
    ck_assert_msg(b != NULL, "%s", err.message);

    /* A script that would fail if it ever ran: the refusal comes first. */
    struct kd_tui_options opt;
    memset(&opt, 0, sizeof opt);
    opt.monitor = true;
    opt.script_path = "/nonexistent/script.keys";
    ck_assert_int_eq(kd_tui_run(b, &opt, &err), -1);
    ck_assert_msg(strstr(err.message, "monitor mode needs a read-only backend"), "%s",
                  err.message);

    /* Read-only, it gets as far as the script (which does not exist). */
    b = kd_backend_readonly_wrap(b);
    kd_error_clear(&err);
    ck_assert_int_eq(kd_tui_run(b, &opt, &err), -1);
    ck_assert_msg(strstr(err.message, "cannot read the script"), "%s", err.message);
    kd_backend_close(b);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static void add_cases(TCase *tc)
{
    tcase_add_test(tc, test_monitor_needs_readonly_backend);
}

KD_TEST_MAIN(add_cases)
