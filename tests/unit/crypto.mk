## tests/unit/crypto
check_PROGRAMS += tests/unit/test_crypto
TESTS += tests/unit/test_crypto
tests_unit_test_crypto_SOURCES = tests/unit/test_crypto.c
tests_unit_test_crypto_CFLAGS = $(KD_TEST_CFLAGS)
tests_unit_test_crypto_LDADD = $(KD_TEST_LDADD)
