## src/cli — keydeck's command line (includes only backend/, model/ and util/).
bin_PROGRAMS += keydeck
keydeck_SOURCES = \
	src/cli/main.c src/cli/cli.h \
	src/cli/session.c \
	src/cli/args.c src/cli/args.h \
	src/cli/output.c src/cli/output.h \
	src/cli/key_fields.c src/cli/key_fields.h \
	src/cli/cmd_apis.c \
	src/cli/cmd_keys.c src/cli/cmd_keys.h \
	src/cli/cmd_keys_write.c \
	src/cli/cmd_roles.c \
	src/cli/cmd_perms.c \
	src/cli/cmd_log.c \
	src/cli/cmd_audit.c \
	src/cli/cmd_rootkeys.c \
	src/cli/cmd_verify.c \
	src/cli/cmd_stats.c \
	src/cli/cmd_overview.c \
	src/cli/demo.c \
	src/cli/cmd_tui.c
keydeck_CFLAGS = $(AM_CFLAGS) $(CURSES_CFLAGS)
keydeck_LDADD = $(KD_TUI_LIBS)
