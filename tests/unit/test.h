/*
 * test.h — the unit tests' scaffolding around Check.
 *
 * Each test program lists its cases in a function and ends with
 * KD_TEST_MAIN(that_function).  Results are printed as TAP, so the Automake
 * harness counts every case.  Tests never assert on wall-clock time: the clock is
 * pinned with kd_clock_pin().
 */
#ifndef KD_TESTS_TEST_H
#define KD_TESTS_TEST_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KD_TEST_MAIN(add_cases)                                  \
    int main(void)                                               \
    {                                                            \
        Suite *suite = suite_create(__FILE__);                   \
        TCase *tc = tcase_create("cases");                       \
        tcase_set_timeout(tc, 120);                              \
        add_cases(tc);                                           \
        suite_add_tcase(suite, tc);                              \
        SRunner *runner = srunner_create(suite);                 \
        srunner_set_tap(runner, "-");                            \
        srunner_run_all(runner, CK_SILENT);                      \
        int failed = srunner_ntests_failed(runner);              \
        srunner_free(runner);                                    \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;        \
    }

/* A fresh temporary directory for a test's files (removed by the OS tmp cleaner;
 * tests keep them small).  Returns a static buffer. */
static inline const char *kd_test_tmpdir(void)
{
    static char dir[256];
    const char *base = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/kdtest.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        abort();
    }
    return dir;
}

#endif
