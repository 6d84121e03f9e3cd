## src/tui — the ncurses dashboard, as a library the keydeck binary links.
noinst_LIBRARIES += libkeydeck_tui.a
libkeydeck_tui_a_SOURCES =
libkeydeck_tui_a_CFLAGS = $(AM_CFLAGS) $(CURSES_CFLAGS)
include src/tui/theme.mk
