## tests/unit/config — config syntax and errors, permissions, profiles,
## precedence, and that keydeck.conf(5) documents every key.
check_PROGRAMS += tests/unit/test_config
TESTS += tests/unit/test_config
tests_unit_test_config_SOURCES = tests/unit/test_config.c
tests_unit_test_config_CPPFLAGS = $(AM_CPPFLAGS) -DKD_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_config_CFLAGS = $(KD_TEST_CFLAGS)
tests_unit_test_config_LDADD = $(KD_TEST_LDADD)
