check_PROGRAMS += tests/unit/test_util
TESTS += tests/unit/test_util
tests_unit_test_util_SOURCES = tests/unit/test_util.c
tests_unit_test_util_CFLAGS = $(KD_TEST_CFLAGS)
tests_unit_test_util_LDADD = $(KD_TEST_LDADD)
