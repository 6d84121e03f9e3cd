## tests/unit/store — keystore storage, migrations, APIs, RBAC, audit chain
check_PROGRAMS += tests/unit/test_store
TESTS += tests/unit/test_store
tests_unit_test_store_SOURCES = tests/unit/test_store.c
tests_unit_test_store_CFLAGS = $(KD_TEST_CFLAGS)
tests_unit_test_store_LDADD = $(KD_TEST_LDADD)
