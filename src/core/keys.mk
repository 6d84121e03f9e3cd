## src/core — keys, verification, verification log and statistics
libkeydeck_a_SOURCES += \
	src/core/keyrow.c src/core/keyrow.h \
	src/core/keys.c \
	src/core/key_access.c \
	src/core/key_list.c \
	src/core/search.c src/core/search.h \
	src/core/verify.c \
	src/core/keycache.c src/core/keycache.h \
	src/core/verifylog.c src/core/verifylog.h \
	src/core/stats.c
