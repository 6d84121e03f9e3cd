## bench — see Makefile.am
# The engine benchmark: built and run only by `make bench`, never part of `make check`.
EXTRA_PROGRAMS = bench/engine_bench
bench_engine_bench_SOURCES = bench/engine_bench.c
bench_engine_bench_LDADD = $(KD_LIBS)
CLEANFILES += bench/engine_bench$(EXEEXT)
EXTRA_DIST += bench/engine.sh
.PHONY: bench
bench: bench/engine_bench$(EXEEXT)
	KD_BUILDDIR='$(abs_top_builddir)' $(SHELL) '$(top_srcdir)/bench/engine.sh'
