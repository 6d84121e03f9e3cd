## tests/unit/tui — the TUI's pure parts, without a terminal: layout, the
## action/binding tables (and doc/keys.md), the virtual list, text widths.
check_PROGRAMS += tests/unit/test_tui_layout tests/unit/test_tui_action \
	tests/unit/test_tui_list tests/unit/test_tui_text tests/unit/test_tui_chart \
	tests/unit/test_tui_monitor tests/unit/test_tui_form
TESTS += tests/unit/test_tui_layout tests/unit/test_tui_action \
	tests/unit/test_tui_list tests/unit/test_tui_text tests/unit/test_tui_chart \
	tests/unit/test_tui_monitor tests/unit/test_tui_form
KD_TUI_TEST_LDADD = libkeydeck_tui.a $(KD_TEST_LDADD) $(CURSES_LIBS)

tests_unit_test_tui_layout_SOURCES = tests/unit/test_tui_layout.c
tests_unit_test_tui_layout_CFLAGS = $(KD_TEST_CFLAGS) $(CURSES_CFLAGS)
tests_unit_test_tui_layout_LDADD = $(KD_TUI_TEST_LDADD)

tests_unit_test_tui_action_SOURCES = tests/unit/test_tui_action.c
tests_unit_test_tui_action_CPPFLAGS = $(AM_CPPFLAGS) -DKD_TOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_tui_action_CFLAGS = $(KD_TEST_CFLAGS) $(CURSES_CFLAGS)
tests_unit_test_tui_action_LDADD = $(KD_TUI_TEST_LDADD)

tests_unit_test_tui_list_SOURCES = tests/unit/test_tui_list.c
tests_unit_test_tui_list_CFLAGS = $(KD_TEST_CFLAGS) $(CURSES_CFLAGS)
tests_unit_test_tui_list_LDADD = $(KD_TUI_TEST_LDADD)

tests_unit_test_tui_text_SOURCES = tests/unit/test_tui_text.c
tests_unit_test_tui_text_CFLAGS = $(KD_TEST_CFLAGS) $(CURSES_CFLAGS)
tests_unit_test_tui_text_LDADD = $(KD_TUI_TEST_LDADD)

tests_unit_test_tui_chart_SOURCES = tests/unit/test_tui_chart.c
tests_unit_test_tui_chart_CFLAGS = $(KD_TEST_CFLAGS) $(CURSES_CFLAGS)
tests_unit_test_tui_chart_LDADD = $(KD_TUI_TEST_LDADD)

tests_unit_test_tui_monitor_SOURCES = tests/unit/test_tui_monitor.c
tests_unit_test_tui_monitor_CFLAGS = $(KD_TEST_CFLAGS) $(CURSES_CFLAGS)
tests_unit_test_tui_monitor_LDADD = $(KD_TUI_TEST_LDADD)

tests_unit_test_tui_form_SOURCES = tests/unit/test_tui_form.c
tests_unit_test_tui_form_CFLAGS = $(KD_TEST_CFLAGS) $(CURSES_CFLAGS)
tests_unit_test_tui_form_LDADD = $(KD_TUI_TEST_LDADD)
