## tests/unit/theme — theme parsing, the shipped themes, and applying them to
## terminals of 256, 16, 8 and no colours (through newterm on /dev/null).
check_PROGRAMS += tests/unit/test_theme
TESTS += tests/unit/test_theme
tests_unit_test_theme_SOURCES = tests/unit/test_theme.c
tests_unit_test_theme_CPPFLAGS = $(AM_CPPFLAGS) -DKD_TEST_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_theme_CFLAGS = $(KD_TEST_CFLAGS) $(CURSES_CFLAGS)
tests_unit_test_theme_LDADD = libkeydeck_tui.a $(KD_TEST_LDADD) $(CURSES_LIBS)
