## bench — figures, each next to a reference measured in the same run; built and
## run only by `make bench` (or one of bench-engine, bench-tui, bench-audit),
## never part of `make check`: tests never assert on time.
EXTRA_PROGRAMS = bench/engine_bench
bench_engine_bench_SOURCES = bench/engine_bench.c
bench_engine_bench_LDADD = $(KD_LIBS)
CLEANFILES += bench/engine_bench$(EXEEXT)
EXTRA_DIST += bench/engine.sh bench/tui.sh bench/audit.sh
.PHONY: bench bench-engine bench-tui bench-audit
bench: bench-engine bench-tui bench-audit
bench-engine: bench/engine_bench$(EXEEXT)
	KD_BUILDDIR='$(abs_top_builddir)' $(SHELL) '$(top_srcdir)/bench/engine.sh'
bench-tui: keydeck$(EXEEXT)
	KD_BUILDDIR='$(abs_top_builddir)' $(SHELL) '$(top_srcdir)/bench/tui.sh'
bench-audit: keydeck$(EXEEXT)
	KD_BUILDDIR='$(abs_top_builddir)' $(SHELL) '$(top_srcdir)/bench/audit.sh'
