## tests/unit/logic
check_PROGRAMS += tests/unit/test_logic
TESTS += tests/unit/test_logic
tests_unit_test_logic_SOURCES = tests/unit/test_logic.c
tests_unit_test_logic_CFLAGS = $(KD_TEST_CFLAGS)
tests_unit_test_logic_LDADD = $(KD_TEST_LDADD)
