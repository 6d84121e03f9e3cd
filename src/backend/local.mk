## src/backend — see Makefile.am
