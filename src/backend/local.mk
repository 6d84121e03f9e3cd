## src/backend — the seam (backend.h), the embedded keystore and the read-only wrapper.
libkeydeck_a_SOURCES += \
	src/backend/backend.c src/backend/backend.h \
	src/backend/local.c \
	src/backend/readonly.c \
	src/backend/rootkeys.c src/backend/rootkeys.h \
	src/backend/unkey.c src/backend/unkey_keys.c src/backend/unkey_impl.h
