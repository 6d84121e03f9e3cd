## src/audit — audit rules evaluated through backend.h (backend/, model/, util/
## only), in the library so the CLI and the dashboard share them.
libkeydeck_a_SOURCES += \
	src/audit/rules.c src/audit/rules.h \
	src/audit/audit.c src/audit/audit.h
