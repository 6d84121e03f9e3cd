/*
 * key_fields.h — the field options shared by `keys create`, `keys update` and
 * `keys import` (--name, --credits, --refill, --ratelimit, …), parsed into a
 * struct kd_key plus the set of fields the user gave.
 */
#ifndef KD_CLI_KEY_FIELDS_H
#define KD_CLI_KEY_FIELDS_H

#include <stdbool.h>

#include "cli/args.h"
#include "model/key.h"
#include "util/error.h"

struct kd_key_fields {
    struct kd_key key; /* the values given */
    unsigned fields;   /* enum kd_key_field bits of the options given */
    bool credits_given; /* --credits */
    bool refill_given;  /* --refill */
};

void kd_key_fields_init(struct kd_key_fields *f);
void kd_key_fields_free(struct kd_key_fields *f);

/**
 * Handle the current option if it is a key field.  update: accept the update
 * forms (--enable/--disable, --expires never, --refill none, --no-ratelimits) and
 * refuse what cannot change after creation.  Returns 1 handled, 0 not a field
 * option, -1 on error (the field is the option).
 */
int kd_key_fields_option(struct kd_argp *p, struct kd_key_fields *f, bool update,
                         struct kd_error *err);

/** For a create spec: a refill without --credits starts full. */
void kd_key_fields_finish_create(struct kd_key_fields *f);

/**
 * For an update that touches credits: --credits or --refill alone keeps the
 * other half from the key's current credits.
 */
void kd_key_fields_merge_credits(struct kd_key_fields *f, const struct kd_credits *current);

/** The field options' help text (for --help). */
extern const char kd_key_fields_help[];

#endif
