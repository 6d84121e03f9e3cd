## tests/unit/net — the HTTP client against misbehaving servers on 127.0.0.1
check_PROGRAMS += tests/unit/test_http
TESTS += tests/unit/test_http
tests_unit_test_http_SOURCES = tests/unit/test_http.c
tests_unit_test_http_CFLAGS = $(KD_TEST_CFLAGS)
tests_unit_test_http_LDADD = $(KD_TEST_LDADD)
