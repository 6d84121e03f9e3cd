check_PROGRAMS += tests/unit/test_keys tests/unit/test_verify
TESTS += tests/unit/test_keys tests/unit/test_verify
tests_unit_test_keys_SOURCES = tests/unit/test_keys.c tests/unit/keys_fixture.h
tests_unit_test_keys_CFLAGS = $(KD_TEST_CFLAGS)
tests_unit_test_keys_LDADD = $(KD_TEST_LDADD)
tests_unit_test_verify_SOURCES = tests/unit/test_verify.c tests/unit/keys_fixture.h
tests_unit_test_verify_CFLAGS = $(KD_TEST_CFLAGS)
tests_unit_test_verify_LDADD = $(KD_TEST_LDADD)
