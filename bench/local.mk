## bench — figures, each next to a reference measured in the same run; built and
## run only by `make bench` (or one of bench-engine, bench-tui, bench-audit),
## never part of `make check`: tests never assert on time.
EXTRA_PROGRAMS = bench/engine_bench bench/bare_mhd
bench_engine_bench_SOURCES = bench/engine_bench.c
bench_engine_bench_LDADD = $(KD_LIBS)
bench_bare_mhd_SOURCES = bench/bare_mhd.c
bench_bare_mhd_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS)
bench_bare_mhd_LDADD = $(MHD_LIBS)
CLEANFILES += bench/engine_bench$(EXEEXT) bench/bare_mhd$(EXEEXT)
EXTRA_DIST += bench/engine.sh bench/tui.sh bench/audit.sh bench/server.sh
.PHONY: bench bench-engine bench-tui bench-audit bench-server
bench: bench-engine bench-tui bench-audit bench-server
bench-engine: bench/engine_bench$(EXEEXT)
	KD_BUILDDIR='$(abs_top_builddir)' $(SHELL) '$(top_srcdir)/bench/engine.sh'
bench-tui: keydeck$(EXEEXT)
	KD_BUILDDIR='$(abs_top_builddir)' $(SHELL) '$(top_srcdir)/bench/tui.sh'
bench-audit: keydeck$(EXEEXT)
	KD_BUILDDIR='$(abs_top_builddir)' $(SHELL) '$(top_srcdir)/bench/audit.sh'
bench-server: keydeck$(EXEEXT) keydeckd$(EXEEXT) bench/bare_mhd$(EXEEXT)
	KD_BUILDDIR='$(abs_top_builddir)' KD_SRCDIR='$(abs_top_srcdir)' $(SHELL) '$(top_srcdir)/bench/server.sh'
