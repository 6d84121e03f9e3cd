## src/core — pure verification logic: permission queries, rate limits, refill.
libkeydeck_a_SOURCES += \
	src/core/permquery.c src/core/permquery.h \
	src/core/ratelimit.c src/core/ratelimit.h \
	src/core/refill.c src/core/refill.h
