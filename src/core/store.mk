## src/core — the keystore: storage, migrations, audit log, APIs, roles/permissions
libkeydeck_a_SOURCES += \
	src/core/store.c src/core/store.h \
	src/core/migrations.c src/core/migrations.h \
	src/core/audit_log.c src/core/audit_log.h \
	src/core/apis.c \
	src/core/paging.c src/core/paging.h \
	src/core/rbac.c \
	src/core/engine.h

# Migration N is schema_vN.sql, compiled in as C string literals (one per line).
SCHEMA_SQL = src/core/schema_v1.sql src/core/schema_v2.sql src/core/schema_v3.sql \
	src/core/schema_v4.sql src/core/schema_v5.sql
SCHEMA_INC = $(SCHEMA_SQL:.sql=.inc)
EXTRA_DIST += $(SCHEMA_SQL)
BUILT_SOURCES += $(SCHEMA_INC)
CLEANFILES += $(SCHEMA_INC)
SUFFIXES = .sql .inc
.sql.inc:
	$(AM_V_GEN)$(MKDIR_P) $(@D) && \
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $< > $@-t && mv $@-t $@
# Also when a single target (a test) is made, which skips BUILT_SOURCES.
src/core/migrations.$(OBJEXT): $(SCHEMA_INC)
