## Unit tests: one Check program per concept, linked with libkeydeck.
if HAVE_CHECK
KD_TEST_CFLAGS = $(AM_CFLAGS) $(CHECK_CFLAGS)
KD_TEST_LDADD = $(KD_LIBS) $(CHECK_LIBS)
include tests/unit/util.mk
include tests/unit/crypto.mk
include tests/unit/logic.mk
include tests/unit/store.mk
include tests/unit/keys.mk
include tests/unit/backend.mk
include tests/unit/wire.mk
include tests/unit/net.mk
include tests/unit/tui.mk
include tests/unit/theme.mk
include tests/unit/config.mk
include tests/unit/audit.mk
endif
EXTRA_DIST += tests/unit/test.h
