## src/core — see Makefile.am
