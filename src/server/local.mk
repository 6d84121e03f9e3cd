## src/server — keydeckd: a local keystore served over Unkey's v2 API (includes
## only backend/, wire/, model/ and util/).
sbin_PROGRAMS = keydeckd
keydeckd_SOURCES = \
	src/server/main.c src/server/server.h \
	src/server/router.c \
	src/server/handlers_apis.c \
	src/server/handlers_keys.c \
	src/server/handlers_rbac.c \
	src/server/auth.c \
	src/server/reqlog.c
keydeckd_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS)
keydeckd_LDADD = $(KD_LIBS) $(MHD_LIBS) -lpthread
