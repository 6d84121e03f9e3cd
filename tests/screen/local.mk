## tests/screen — the real TUI on a headless screen, driven by key scripts;
## each screen dump is compared with its .expected file.  `make update-screens`
## re-blesses the .expected files after a deliberate change (review the diff!).
check_PROGRAMS += tests/screen/screen_driver
tests_screen_screen_driver_SOURCES = tests/screen/screen_driver.c
tests_screen_screen_driver_CFLAGS = $(AM_CFLAGS) $(CURSES_CFLAGS)
tests_screen_screen_driver_LDADD = libkeydeck_tui.a $(KD_LIBS) $(CURSES_LIBS)

TESTS += tests/screen/run.sh
KD_SCREEN_TESTS = \
	tests/screen/main_80x24 \
	tests/screen/main_120x40 \
	tests/screen/focus \
	tests/screen/scroll \
	tests/screen/sort \
	tests/screen/filter \
	tests/screen/help \
	tests/screen/palette \
	tests/screen/readonly \
	tests/screen/too_small \
	tests/screen/ascii \
	tests/screen/roles \
	tests/screen/toggle \
	tests/screen/monitor \
	tests/screen/monitor_pause \
	tests/screen/monitor_stale \
	tests/screen/monitor_small \
	tests/screen/monitor_ascii \
	tests/screen/monitor_palette \
	tests/screen/create \
	tests/screen/form_invalid \
	tests/screen/mutate \
	tests/screen/readonly_mutate \
	tests/screen/apis_mutate \
	tests/screen/rbac_roles \
	tests/screen/rbac_perms \
	tests/screen/reveal \
	tests/screen/picker_create \
	tests/screen/audit \
	tests/screen/audit_jump \
	tests/screen/audit_fix \
	tests/screen/audit_accept \
	tests/screen/audit_readonly \
	tests/screen/audit_clean \
	tests/screen/audit_log \
	tests/screen/form_rules \
	tests/screen/edit_audit \
	tests/screen/drill \
	tests/screen/log_columns \
	tests/screen/key_columns
EXTRA_DIST += tests/screen/run.sh \
	$(KD_SCREEN_TESTS:=.keys) $(KD_SCREEN_TESTS:=.expected)

update-screens: tests/screen/screen_driver$(EXEEXT)
	KD_SRCDIR=$(abs_top_srcdir) KD_BUILDDIR=$(abs_top_builddir) KD_UPDATE_SCREENS=1 \
		TZ=UTC LC_ALL=C.UTF-8 $(SHELL) $(top_srcdir)/tests/screen/run.sh

# doc/keys.md is generated from the action tables (a unit test checks it).
update-keys-md: tests/screen/screen_driver$(EXEEXT)
	tests/screen/screen_driver$(EXEEXT) --print-keys-md > $(top_srcdir)/doc/keys.md

.PHONY: update-screens update-keys-md
