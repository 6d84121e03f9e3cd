## tests/unit/audit — the audit rules, severity parsing, CSV quoting, the
## accept list, and that keydeck(1) lists every rule.
check_PROGRAMS += tests/unit/test_audit
TESTS += tests/unit/test_audit
tests_unit_test_audit_SOURCES = tests/unit/test_audit.c
tests_unit_test_audit_CPPFLAGS = $(AM_CPPFLAGS) -DKD_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_audit_CFLAGS = $(KD_TEST_CFLAGS)
tests_unit_test_audit_LDADD = $(KD_TEST_LDADD)
