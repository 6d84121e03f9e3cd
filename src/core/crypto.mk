## src/core — see Makefile.am
libkeydeck_a_SOURCES += src/core/base58.c src/core/base58.h \
	src/core/keygen.c src/core/keygen.h \
	src/core/vault.c src/core/vault.h
