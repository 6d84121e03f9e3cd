#include "core/permquery.h"

#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* Queries come from outside (verify requests); these bounds keep recursion and
 * memory small whatever the input. */
#define PQ_MAX_LEN 1000
#define PQ_MAX_DEPTH 64

enum pq_kind { PQ_LEAF, PQ_AND, PQ_OR };

/* n-ary nodes: "a AND b AND c" is one AND with three children, so the tree's
 * depth follows the parentheses, not the length of the query. */
struct pq_node {
    enum pq_kind kind;
    char *slug; /* LEAF */
    struct pq_node **kids;
    size_t n_kids, cap_kids;
};

struct kd_permquery {
    struct pq_node *root;
};

enum tok_kind { T_PERM, T_AND, T_OR, T_LPAREN, T_RPAREN, T_END, T_BAD };

struct parser {
    const char *text;
    size_t pos;      /* start of the next unread token */
    enum tok_kind tok;
    size_t tok_start, tok_len;
    int depth;
    struct kd_error *err;
};

static bool perm_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-' || c == ':' ||
           c == '*' || c == '/';
}

static bool word_is(const char *s, size_t n, const char *kw)
{
    if (strlen(kw) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)s[i]) != kw[i])
            return false;
    return true;
}

static void next_token(struct parser *p)
{
    const char *t = p->text;
    while (t[p->pos] == ' ' || t[p->pos] == '\t' || t[p->pos] == '\n' || t[p->pos] == '\r')
        p->pos++;
    p->tok_start = p->pos;
    p->tok_len = 1;
    char c = t[p->pos];
    if (c == '\0') {
        p->tok = T_END;
        p->tok_len = 0;
        return;
    }
    if (c == '(' || c == ')') {
        p->tok = c == '(' ? T_LPAREN : T_RPAREN;
        p->pos++;
        return;
    }
    if (!perm_char(c)) {
        p->tok = T_BAD;
        return;
    }
    size_t end = p->pos;
    while (perm_char(t[end]))
        end++;
    p->tok_len = end - p->pos;
    if (word_is(t + p->pos, p->tok_len, "and"))
        p->tok = T_AND;
    else if (word_is(t + p->pos, p->tok_len, "or"))
        p->tok = T_OR;
    else
        p->tok = T_PERM;
    p->pos = end;
}

static void node_free(struct pq_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_kids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    free(n->slug);
    free(n);
}

static struct pq_node *node_new(enum pq_kind kind)
{
    struct pq_node *n = kd_xcalloc(1, sizeof *n);
    n->kind = kind;
    return n;
}

static void node_add(struct pq_node *parent, struct pq_node *kid)
{
    parent->kids = kd_xgrow(parent->kids, &parent->cap_kids, parent->n_kids + 1,
                            sizeof *parent->kids);
    parent->kids[parent->n_kids++] = kid;
}

/* Describe the current token for "found ..." in messages. */
static const char *found_what(const struct parser *p)
{
    switch (p->tok) {
    case T_AND: return ", found AND";
    case T_OR: return ", found OR";
    case T_LPAREN: return ", found '('";
    case T_RPAREN: return ", found ')'";
    case T_END: return " (end of query)";
    default: return "";
    }
}

static int syntax_error(struct parser *p, const char *expected)
{
    size_t col = p->tok_start + 1;
    if (p->tok == T_BAD)
        return kd_error_set(p->err, KD_ERR_INVALID, "permissions",
                            "permission query: unexpected character '%c' at column %zu "
                            "(permissions use A-Z, a-z, 0-9, . _ - : * /)",
                            isprint((unsigned char)p->text[p->tok_start]) ? p->text[p->tok_start]
                                                                           : '?',
                            col);
    return kd_error_set(p->err, KD_ERR_INVALID, "permissions",
                        "permission query: expected %s at column %zu%s", expected, col,
                        found_what(p));
}

static struct pq_node *parse_or(struct parser *p);

static struct pq_node *parse_atom(struct parser *p)
{
    if (p->tok == T_PERM) {
        struct pq_node *n = node_new(PQ_LEAF);
        n->slug = kd_xstrndup(p->text + p->tok_start, p->tok_len);
        next_token(p);
        return n;
    }
    if (p->tok == T_LPAREN) {
        if (++p->depth > PQ_MAX_DEPTH) {
            kd_error_set(p->err, KD_ERR_INVALID, "permissions",
                         "permission query: parentheses nested too deeply at column %zu "
                         "(at most %d levels)",
                         p->tok_start + 1, PQ_MAX_DEPTH);
            return NULL;
        }
        next_token(p);
        struct pq_node *inner = parse_or(p);
        if (!inner)
            return NULL;
        if (p->tok != T_RPAREN) {
            syntax_error(p, "')'");
            node_free(inner);
            return NULL;
        }
        p->depth--;
        next_token(p);
        return inner;
    }
    syntax_error(p, "a permission");
    return NULL;
}

/* One grammar level: operand { OP operand }, collapsed to the operand alone
 * when there is no operator. */
static struct pq_node *parse_chain(struct parser *p, enum tok_kind op, enum pq_kind kind,
                                   struct pq_node *(*operand)(struct parser *))
{
    struct pq_node *first = operand(p);
    if (!first)
        return NULL;
    if (p->tok != op)
        return first;
    struct pq_node *n = node_new(kind);
    node_add(n, first);
    while (p->tok == op) {
        next_token(p);
        struct pq_node *kid = operand(p);
        if (!kid) {
            node_free(n);
            return NULL;
        }
        node_add(n, kid);
    }
    return n;
}

static struct pq_node *parse_and(struct parser *p)
{
    return parse_chain(p, T_AND, PQ_AND, parse_atom);
}

static struct pq_node *parse_or(struct parser *p)
{
    return parse_chain(p, T_OR, PQ_OR, parse_and);
}

struct kd_permquery *kd_permquery_parse(const char *text, struct kd_error *err)
{
    if (!text)
        text = "";
    size_t len = strlen(text);
    if (len > PQ_MAX_LEN) {
        kd_error_set(err, KD_ERR_INVALID, "permissions",
                     "permission query is too long (%zu characters): at most %d", len,
                     PQ_MAX_LEN);
        return NULL;
    }
    struct parser p = {.text = text, .err = err};
    next_token(&p);
    struct pq_node *root = parse_or(&p);
    if (!root)
        return NULL;
    if (p.tok != T_END) {
        syntax_error(&p, "AND, OR or the end of the query");
        node_free(root);
        return NULL;
    }
    struct kd_permquery *q = kd_xmalloc(sizeof *q);
    q->root = root;
    return q;
}

void kd_permquery_free(struct kd_permquery *q)
{
    if (!q)
        return;
    node_free(q->root);
    free(q);
}

static bool held_has(const struct kd_strlist *held, const char *slug)
{
    return held && kd_strlist_contains(held, slug);
}

static bool node_eval(const struct pq_node *n, const struct kd_strlist *held)
{
    switch (n->kind) {
    case PQ_LEAF:
        return held_has(held, n->slug);
    case PQ_AND:
        for (size_t i = 0; i < n->n_kids; i++)
            if (!node_eval(n->kids[i], held))
                return false;
        return true;
    case PQ_OR:
        for (size_t i = 0; i < n->n_kids; i++)
            if (node_eval(n->kids[i], held))
                return true;
        return false;
    }
    return false;
}

bool kd_permquery_eval(const struct kd_permquery *q, const struct kd_strlist *held)
{
    return q && node_eval(q->root, held);
}

/* Called only on a node that evaluates false. */
static const char *node_missing(const struct pq_node *n, const struct kd_strlist *held)
{
    switch (n->kind) {
    case PQ_LEAF:
        return n->slug;
    case PQ_AND:
        for (size_t i = 0; i < n->n_kids; i++)
            if (!node_eval(n->kids[i], held))
                return node_missing(n->kids[i], held);
        return NULL;
    case PQ_OR:
        /* Every branch failed; the first one names a permission that would have helped. */
        return n->n_kids ? node_missing(n->kids[0], held) : NULL;
    }
    return NULL;
}

const char *kd_permquery_first_missing(const struct kd_permquery *q,
                                       const struct kd_strlist *held)
{
    if (!q || node_eval(q->root, held))
        return NULL;
    return node_missing(q->root, held);
}
