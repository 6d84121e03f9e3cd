## tests/unit/wire — the Unkey v2 codec: round trips, strict request decoding, envelopes
check_PROGRAMS += tests/unit/test_wire
TESTS += tests/unit/test_wire
tests_unit_test_wire_SOURCES = tests/unit/test_wire.c
tests_unit_test_wire_CFLAGS = $(KD_TEST_CFLAGS)
tests_unit_test_wire_LDADD = $(KD_TEST_LDADD)
