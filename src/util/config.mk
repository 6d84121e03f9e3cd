## src/util/config.mk — the configuration file (keydeck.conf(5)): a pure parser
## shared by the front ends and keydeckd, so it lives in libkeydeck.
libkeydeck_a_SOURCES += src/util/config.c src/util/config.h
dist_man_MANS += doc/keydeck.conf.5
