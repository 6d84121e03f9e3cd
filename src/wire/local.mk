## src/wire — the Unkey v2 wire codec, shared by the unkey backend and keydeckd.
libkeydeck_a_SOURCES += \
	src/wire/json.c src/wire/json.h \
	src/wire/unkey.h \
	src/wire/unkey_envelope.c \
	src/wire/unkey_objects.c \
	src/wire/unkey_apis.c \
	src/wire/unkey_keys.c \
	src/wire/unkey_verify.c \
	src/wire/unkey_rbac.c
