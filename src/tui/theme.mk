## src/tui/theme.mk — semantic colour themes (included from src/tui/local.mk).
## The compiled-in default theme is generated from themes/default.theme, so the
## two cannot differ.

libkeydeck_tui_a_SOURCES += src/tui/theme.c src/tui/theme.h src/tui/theme_apply.c

# themes/default.theme -> a C string literal, one line per source line.
# Written to the build tree (found through -I$(top_builddir)/src).
BUILT_SOURCES += src/tui/default_theme.inc
CLEANFILES += src/tui/default_theme.inc
src/tui/default_theme.inc: $(top_srcdir)/themes/default.theme
	$(AM_V_GEN)$(MKDIR_P) src/tui && \
	$(SED) -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' \
		$(top_srcdir)/themes/default.theme > $@-t && mv -f $@-t $@
# Also when a single object or test is made directly (BUILT_SOURCES only
# covers all/check/install).
src/tui/libkeydeck_tui_a-theme.$(OBJEXT): src/tui/default_theme.inc

themesdir = $(pkgdatadir)/themes
dist_themes_DATA = \
	themes/default.theme \
	themes/dark.theme \
	themes/light.theme \
	themes/monochrome.theme \
	themes/high-contrast.theme

dist_man_MANS += doc/keydeck-theme.5
