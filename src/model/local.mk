libkeydeck_a_SOURCES += \
	src/model/api.c src/model/api.h \
	src/model/audit.c src/model/audit.h \
	src/model/key.c src/model/key.h \
	src/model/page.c src/model/page.h \
	src/model/rbac.c src/model/rbac.h \
	src/model/stats.c src/model/stats.h \
	src/model/validate.c src/model/validate.h \
	src/model/verify.c src/model/verify.h
