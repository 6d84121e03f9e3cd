## src/tui — the ncurses dashboard.  Only backend.h reaches data; curses lives
## here and nowhere else.  Link: libkeydeck_tui.a $(KD_LIBS) $(CURSES_LIBS).
noinst_LIBRARIES += libkeydeck_tui.a
libkeydeck_tui_a_CFLAGS = $(AM_CFLAGS) $(CURSES_CFLAGS)
libkeydeck_tui_a_SOURCES = \
	src/tui/action.c src/tui/action.h \
	src/tui/app.c src/tui/app.h \
	src/tui/busy.c src/tui/busy.h \
	src/tui/chart.c src/tui/chart.h \
	src/tui/chrome.c \
	src/tui/crt.c src/tui/crt.h \
	src/tui/draw.c src/tui/draw.h \
	src/tui/form.c src/tui/form.h src/tui/form_draw.c \
	src/tui/keyname.c src/tui/keyname.h \
	src/tui/layout.c src/tui/layout.h \
	src/tui/list.c src/tui/list.h \
	src/tui/mutate.c src/tui/mutate.h src/tui/mutate_impl.h \
	src/tui/mutate_keyform.c \
	src/tui/mutate_ratelimits.c \
	src/tui/mutate_rbac.c \
	src/tui/prompt.c src/tui/prompt.h \
	src/tui/render.c \
	src/tui/script.c src/tui/script.h \
	src/tui/text.c src/tui/text.h \
	src/tui/tui.c src/tui/tui.h \
	src/tui/view_apis.c \
	src/tui/view_audit.c \
	src/tui/view_detail.c \
	src/tui/view_keys.c \
	src/tui/view_monitor.c \
	src/tui/view_side.c
KD_TUI_LIBS = libkeydeck_tui.a $(KD_LIBS) $(CURSES_LIBS)
dist_doc_DATA += doc/keys.md
include src/tui/theme.mk
