## src/net — the libcurl HTTP client.
libkeydeck_a_SOURCES += \
	src/net/http.c src/net/http.h
