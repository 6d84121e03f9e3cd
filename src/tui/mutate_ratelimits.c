/*
 * mutate_ratelimits.c — the rate-limit row editor (Enter on the rate limits
 * field of the key form): a list of rows, a small form to add one, each row
 * checked by the engine's rules.
 */
#include "tui/mutate_impl.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "model/validate.h"
#include "tui/keyname.h"
#include "util/timefmt.h"

/* ---- the rate-limit row editor ---- */

enum { RL_NAME, RL_LIMIT, RL_DURATION, RL_AUTO };

/* One row checked by the engine's rules, so the editor refuses what the rate
 * limits field (and the backend) would. */
static int rl_probe(const char *name, int64_t limit, int64_t duration_ms, char *msg, size_t len)
{
    struct kd_ratelimit row = {.name = (char *)name, .limit = limit, .duration_ms = duration_ms};
    struct kd_error err;
    kd_error_clear(&err);
    if (kd_validate_ratelimits(&row, 1, &err) != 0) {
        snprintf(msg, len, "%.150s", err.message);
        return -1;
    }
    return 0;
}

static int rl_validate(void *ctx, struct kd_form *f, size_t i, char *msg, size_t len)
{
    struct kd_mutate *m = ctx;
    const char *s = kd_form_text(f, i);
    int64_t v;
    struct kd_error err;
    kd_error_clear(&err);
    switch (i) {
    case RL_NAME:
        /* The rows become the rate limits text, NAME LIMIT/DURATION, … */
        if (strpbrk(s, " \t,")) {
            snprintf(msg, len, "a name without spaces or commas");
            return -1;
        }
        for (size_t r = 0; r < m->rl.n_ratelimits; r++)
            if (strcmp(m->rl.ratelimits[r].name, s) == 0) {
                snprintf(msg, len, "rate limit \"%.100s\" exists already: names are unique", s);
                return -1;
            }
        return rl_probe(s, 1, KD_RATELIMIT_DURATION_MIN, msg, len);
    case RL_LIMIT:
        if (!kd_keyform_parse_int(s, &v) || v < 1) {
            snprintf(msg, len, "limit: a whole number >= 1");
            return -1;
        }
        return 0;
    case RL_DURATION:
        if (kd_duration_parse(s, &v, &err) != 0) {
            snprintf(msg, len, "%.150s", err.message);
            return -1;
        }
        return rl_probe("probe", 1, v, msg, len);
    default: return 0;
    }
}

void kd_rledit_open(struct kd_mutate *m)
{
    kd_key_free(&m->rl);
    kd_key_init(&m->rl);
    char msg[KD_FORM_MSG_MAX];
    const char *t = kd_form_text(&m->form, F_RATELIMITS);
    /* On a bad text the rows that parsed are kept; closing rewrites the text. */
    if (*t)
        (void)kd_keyform_parse_ratelimits(t, &m->rl, msg, sizeof msg);
    m->rl_sel = 0;
    m->stage = ST_RL;
}

static void rl_close(struct kd_mutate *m)
{
    char text[2048];
    kd_keyform_ratelimits_text(&m->rl, text, sizeof text);
    if (strcmp(text, kd_form_text(&m->form, F_RATELIMITS)) != 0) {
        kd_form_set_text(&m->form, F_RATELIMITS, text);
        m->form.dirty = true;
        m->form.fields[F_RATELIMITS].touched = true;
        kd_form_validate_all(&m->form, false);
    }
    m->stage = ST_FORM;
}

void kd_rledit_key(struct kd_app *app, int key)
{
    struct kd_mutate *m = app->mut;
    struct kd_key *k = &m->rl;
    if (m->stage == ST_RL_ADD) {
        switch (kd_form_key(&m->rl_form, key)) {
        case KD_FORM_CANCEL: kd_form_free(&m->rl_form); m->stage = ST_RL; break;
        case KD_FORM_REFUSED:
            kd_app_message(app, KD_TE_MSG_ERROR, "%s: %s",
                           m->rl_form.fields[m->rl_form.focus].label,
                           m->rl_form.fields[m->rl_form.focus].msg);
            break;
        case KD_FORM_SUBMIT: {
            int64_t limit = 0, dur = 0;
            struct kd_error err;
            kd_keyform_parse_int(kd_form_text(&m->rl_form, RL_LIMIT), &limit);
            kd_duration_parse(kd_form_text(&m->rl_form, RL_DURATION), &dur, &err);
            kd_key_add_ratelimit(k, kd_form_text(&m->rl_form, RL_NAME), limit, dur,
                                 m->rl_form.fields[RL_AUTO].on);
            m->rl_sel = k->n_ratelimits - 1;
            kd_form_free(&m->rl_form);
            m->stage = ST_RL;
            break;
        }
        default: break;
        }
        return;
    }
    switch (key) {
    case 'a':
    case '+':
        kd_form_init(&m->rl_form, "Add a rate limit", rl_validate, NULL, m);
        kd_form_add_text(&m->rl_form, "name", KD_FIELD_TEXT, true, "");
        kd_form_add_text(&m->rl_form, "limit", KD_FIELD_NUMBER, true, "");
        kd_form_add_text(&m->rl_form, "per", KD_FIELD_TEXT, true, "1m");
        kd_form_add_toggle(&m->rl_form, "auto-apply", true);
        snprintf(m->rl_form.fields[RL_DURATION].note, KD_FORM_MSG_MAX, "1s, 1m, 1h or ms");
        kd_form_validate_all(&m->rl_form, false);
        m->stage = ST_RL_ADD;
        break;
    case 'd':
    case '-':
    case KD_KEY_FN(KEY_DC):
        if (m->rl_sel < k->n_ratelimits) {
            kd_ratelimit_free(&k->ratelimits[m->rl_sel]);
            memmove(&k->ratelimits[m->rl_sel], &k->ratelimits[m->rl_sel + 1],
                    (k->n_ratelimits - m->rl_sel - 1) * sizeof *k->ratelimits);
            k->n_ratelimits--;
            if (m->rl_sel >= k->n_ratelimits && m->rl_sel > 0)
                m->rl_sel--;
        }
        break;
    case 'j':
    case KD_KEY_FN(KEY_DOWN):
        if (m->rl_sel + 1 < k->n_ratelimits)
            m->rl_sel++;
        break;
    case 'k':
    case KD_KEY_FN(KEY_UP):
        if (m->rl_sel > 0)
            m->rl_sel--;
        break;
    case KD_KEY_ENTER_CR:
    case KD_KEY_ESC:
    case 'q': rl_close(m); break;
    default: break;
    }
}
