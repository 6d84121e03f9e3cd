/*
 * migrations.h — bringing a keystore's schema up to KD_SCHEMA_VERSION.
 *
 * Internal to the store: kd_store_open calls it once the connection is set up.
 */
#ifndef KD_CORE_MIGRATIONS_H
#define KD_CORE_MIGRATIONS_H

#include "core/store.h"
#include "util/error.h"

/* Marks a keydeck keystore in the SQLite header ("kdks"), so another program's
 * database is not mistaken for one. */
#define KD_STORE_APPLICATION_ID 0x6b646b73

/**
 * Apply every pending migration, each in its own IMMEDIATE transaction, and
 * record PRAGMA user_version.  A keystore newer than this build is refused with
 * KD_ERR_VERSION; a SQLite file that is not a keystore with KD_ERR_CORRUPT.
 */
int kd_migrate(struct kd_store *s, struct kd_error *err);

#endif
