/*
 * prompt.h — the one-line input at the bottom of the screen, used by the `/`
 * filter and the `:` palette: editing, history (Up/Down) and completion (Tab)
 * through a callback, so the widget knows nothing of actions.
 */
#ifndef KD_TUI_PROMPT_H
#define KD_TUI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/layout.h"

/* TEXT: a free line of text (an audit acceptance's reason), shown after label. */
enum kd_prompt_mode { KD_PROMPT_NONE = 0, KD_PROMPT_FILTER, KD_PROMPT_PALETTE, KD_PROMPT_TEXT };

enum kd_prompt_result {
    KD_PROMPT_IGNORED, /* not a key the prompt uses */
    KD_PROMPT_EDITED,  /* the text changed */
    KD_PROMPT_MOVED,   /* something shown changed, not the text (suggestions) */
    KD_PROMPT_SUBMIT,  /* Enter */
    KD_PROMPT_CANCEL,  /* Esc, or Backspace on an empty line */
};

/**
 * Completion: fill out[] with up to max candidates for the whole line text;
 * returns the number of candidates in total.  Candidates are whole lines
 * ("theme dark"), static or owned by the callback until the next call.
 */
typedef size_t (*kd_prompt_complete_fn)(void *ctx, const char *text, const char **out,
                                        size_t max);

#define KD_PROMPT_MAX 256
#define KD_PROMPT_HISTORY 50

struct kd_prompt {
    enum kd_prompt_mode mode;
    char label[64]; /* KD_PROMPT_TEXT: what is asked ("reason: ") */
    char text[KD_PROMPT_MAX];
    size_t len;
    char suggest[KD_PROMPT_MAX]; /* shown after the text: other candidates */
    /* palette history, oldest first; pos == n means "the line being typed" */
    char *history[KD_PROMPT_HISTORY];
    size_t n_history, pos;
    char draft[KD_PROMPT_MAX];
    kd_prompt_complete_fn complete;
    void *complete_ctx;
};

void kd_prompt_open(struct kd_prompt *p, enum kd_prompt_mode mode, const char *initial);
void kd_prompt_close(struct kd_prompt *p);
/** Free the history. */
void kd_prompt_free(struct kd_prompt *p);
enum kd_prompt_result kd_prompt_key(struct kd_prompt *p, int key);
/** Remember a submitted palette line (duplicates of the last one are skipped). */
void kd_prompt_remember(struct kd_prompt *p, const char *line);
/** Draw ":text" or "/text" with suggestions into r (one row). */
void kd_prompt_draw(const struct kd_prompt *p, struct kd_rect r);

#endif
