## tests/unit/backend — the op table, the wrappers and the read-only wrapper
check_PROGRAMS += tests/unit/test_backend
TESTS += tests/unit/test_backend
tests_unit_test_backend_SOURCES = tests/unit/test_backend.c
tests_unit_test_backend_CFLAGS = $(KD_TEST_CFLAGS)
tests_unit_test_backend_LDADD = $(KD_TEST_LDADD)
