libkeydeck_a_SOURCES += \
	src/util/clock.c src/util/clock.h \
	src/util/error.c src/util/error.h \
	src/util/strlist.c src/util/strlist.h \
	src/util/timefmt.c src/util/timefmt.h \
	src/util/xalloc.c src/util/xalloc.h
