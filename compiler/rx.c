/* rx.c — rx_parse(): the strictly regular re"..." syntax of docs/dsl.md
 * ("Regular expressions") into the rx_node tree of rx.h.  Recursive descent
 * whose recursion only happens at groups, so RX_MAX_DEPTH bounds the stack;
 * concatenations and alternations are built as balanced trees so that the
 * consumer (compiler/nfa.c) recurses only logarithmically over long regexes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rx.h"

typedef struct rx_parser {
    arena *a;
    const unsigned char *s;
    size_t pos, end; /* parse s[pos..end); anchors and (?i) are outside */
    const char *file;
    int line, col0;
    diag *d;
    int icase;
    int depth;
} rx_parser;

static int rx_err(rx_parser *P, int code, size_t off, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int rx_err(rx_parser *P, int code, size_t off, const char *fmt, ...)
{
    char text[sizeof P->d->text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return diag_set(P->d, code, P->file, P->line, P->col0 + (int)off, "%s", text);
}

static int rx_failed(const rx_parser *P)
{
    return P->d->code != CMDAI_OK;
}

static void set_add(uint8_t *set, unsigned c)
{
    set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static int set_has(const uint8_t *set, unsigned c)
{
    return (set[c >> 3] >> (c & 7)) & 1;
}

static void set_range(uint8_t *set, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi; c++)
        set_add(set, c);
}

static void set_negate(uint8_t *set)
{
    for (int i = 0; i < 32; i++)
        set[i] = (uint8_t)~set[i];
}

/* (?i): every ASCII letter in the set brings its other case along. */
static void set_fold(uint8_t *set)
{
    for (unsigned c = 'a'; c <= 'z'; c++) {
        if (set_has(set, c) || set_has(set, c - 32)) {
            set_add(set, c);
            set_add(set, c - 32);
        }
    }
}

static rx_node *rx_new(rx_parser *P, rx_kind k)
{
    rx_node *n = arena_alloc(P->a, sizeof *n);
    n->kind = k;
    return n;
}

static rx_node *rx_set_node(rx_parser *P, const uint8_t *set)
{
    rx_node *n = rx_new(P, RX_SET);
    memcpy(n->set, set, sizeof n->set);
    if (P->icase)
        set_fold(n->set);
    return n;
}

/* Balanced tree over items[lo..hi) (hi > lo). */
static rx_node *rx_balance(rx_parser *P, rx_kind k, rx_node **items, size_t lo, size_t hi)
{
    if (hi - lo == 1)
        return items[lo];
    size_t mid = lo + (hi - lo) / 2;
    rx_node *n = rx_new(P, k);
    n->a = rx_balance(P, k, items, lo, mid);
    n->b = rx_balance(P, k, items, mid, hi);
    return n;
}

static int rx_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* An escape at s[pos] == '\\'.  Fills `set` (a class or one byte) and
 * advances.  -1 on error.  `in_set` only changes the wording of messages. */
static int rx_escape(rx_parser *P, uint8_t *set, int in_set)
{
    size_t at = P->pos;
    if (P->pos + 1 >= P->end)
        return rx_err(P, CMDAI_E_SYNTAX, at, "backslash at the end of the regex");
    unsigned c = P->s[P->pos + 1];
    P->pos += 2;
    memset(set, 0, 32);
    switch (c) {
    case 'd': case 'D':
        set_range(set, '0', '9');
        break;
    case 'w': case 'W':
        set_range(set, '0', '9');
        set_range(set, 'a', 'z');
        set_range(set, 'A', 'Z');
        set_add(set, '_');
        break;
    case 's': case 'S':
        set_add(set, ' ');
        set_range(set, '\t', '\r'); /* \t \n \v \f \r */
        break;
    case 't': set_add(set, '\t'); return 0;
    case 'n': set_add(set, '\n'); return 0;
    case 'r': set_add(set, '\r'); return 0;
    case 'f': set_add(set, '\f'); return 0;
    case 'v': set_add(set, '\v'); return 0;
    case 'x': {
        int h = P->pos < P->end ? rx_hex(P->s[P->pos]) : -1;
        int l = P->pos + 1 < P->end ? rx_hex(P->s[P->pos + 1]) : -1;
        if (h < 0 || l < 0)
            return rx_err(P, CMDAI_E_SYNTAX, at, "\\x needs exactly two hex digits, e.g. \\x2f");
        P->pos += 2;
        set_add(set, (unsigned)(h * 16 + l));
        return 0;
    }
    default:
        if (c >= '1' && c <= '9')
            return rx_err(P, CMDAI_E_SYNTAX, at, "not regular: backreferences are not supported");
        if (c == 'b' || c == 'B')
            return rx_err(P, CMDAI_E_SYNTAX, at, "word boundaries \\%c are not supported", c);
        if (c == 'A' || c == 'z' || c == 'Z')
            return rx_err(P, CMDAI_E_SYNTAX, at, "anchor \\%c is not supported; use ^ or $ at the ends", c);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80 ||
            c < 0x20)
            return rx_err(P, CMDAI_E_SYNTAX, at, "unknown escape \\%c%s", c >= 0x20 && c < 0x7f ? (int)c : '?',
                          in_set ? " in a set" : "");
        /* Any escaped ASCII punctuation stands for itself. */
        set_add(set, c);
        return 0;
    }
    if (c == 'D' || c == 'W' || c == 'S')
        set_negate(set);
    return 0;
}

/* [...] at s[pos] == '['. */
static rx_node *rx_class(rx_parser *P)
{
    size_t open = P->pos++;
    uint8_t set[32] = {0};
    int neg = 0;
    if (P->pos < P->end && P->s[P->pos] == '^') {
        neg = 1;
        P->pos++;
    }
    int first = 1;
    for (;;) {
        if (P->pos >= P->end) {
            rx_err(P, CMDAI_E_SYNTAX, open, "unterminated set: missing ']'");
            return NULL;
        }
        unsigned c = P->s[P->pos];
        if (c == ']' && !first)
            break;
        first = 0;
        size_t at = P->pos;
        uint8_t one[32];
        int is_class = 0;
        unsigned lo;
        if (c == '[' && P->pos + 1 < P->end && (P->s[P->pos + 1] == ':' || P->s[P->pos + 1] == '=' ||
                                                P->s[P->pos + 1] == '.')) {
            rx_err(P, CMDAI_E_SYNTAX, at, "POSIX classes like [:alpha:] are not supported; use \\w, \\d, \\s or a-z");
            return NULL;
        }
        if (c == '\\') {
            unsigned e = P->pos + 1 < P->end ? P->s[P->pos + 1] : 0;
            if (rx_escape(P, one, 1))
                return NULL;
            is_class = strchr("dDwWsS", (int)e) != NULL && e;
            lo = 0;
            if (!is_class)
                while (!set_has(one, lo))
                    lo++;
        } else {
            lo = c;
            P->pos++;
        }
        /* A range lo-hi, unless '-' is last (then it is literal). */
        if (!is_class && P->pos + 1 < P->end && P->s[P->pos] == '-' && P->s[P->pos + 1] != ']') {
            size_t dash = P->pos;
            P->pos++;
            unsigned hi = P->s[P->pos];
            if (hi == '\\') {
                unsigned e = P->pos + 1 < P->end ? P->s[P->pos + 1] : 0;
                if (rx_escape(P, one, 1))
                    return NULL;
                if (e && strchr("dDwWsS", (int)e)) {
                    rx_err(P, CMDAI_E_SYNTAX, dash, "a range cannot end in a class like \\%c", e);
                    return NULL;
                }
                hi = 0;
                while (!set_has(one, hi))
                    hi++;
            } else if (hi == '[' && P->pos + 1 < P->end && P->s[P->pos + 1] == ':') {
                rx_err(P, CMDAI_E_SYNTAX, P->pos, "POSIX classes like [:alpha:] are not supported; use \\w, \\d, \\s or a-z");
                return NULL;
            } else {
                P->pos++;
            }
            if (hi < lo) {
                rx_err(P, CMDAI_E_SYNTAX, at, "range out of order in set");
                return NULL;
            }
            set_range(set, lo, hi);
        } else if (is_class) {
            for (int i = 0; i < 32; i++)
                set[i] |= one[i];
        } else {
            set_add(set, lo);
        }
    }
    P->pos++; /* ']' */
    if (P->icase)
        set_fold(set); /* before negation: [^a] under (?i) excludes A too */
    if (neg)
        set_negate(set);
    rx_node *n = rx_new(P, RX_SET);
    memcpy(n->set, set, sizeof set);
    return n;
}

static rx_node *rx_alt(rx_parser *P);

static rx_node *rx_group(rx_parser *P)
{
    size_t open = P->pos++;
    if (P->pos < P->end && P->s[P->pos] == '?') {
        unsigned c = P->pos + 1 < P->end ? P->s[P->pos + 1] : 0;
        if (c == ':') {
            P->pos += 2;
        } else if (c == '=' || c == '!') {
            rx_err(P, CMDAI_E_SYNTAX, open, "not regular: lookahead is not supported");
            return NULL;
        } else if (c == '<' && P->pos + 2 < P->end && (P->s[P->pos + 2] == '=' || P->s[P->pos + 2] == '!')) {
            rx_err(P, CMDAI_E_SYNTAX, open, "not regular: lookbehind is not supported");
            return NULL;
        } else if (c == '<' || c == 'P' || c == '\'') {
            rx_err(P, CMDAI_E_SYNTAX, open, "named groups are not supported; use (?:...) or (...)");
            return NULL;
        } else if (c == 'i') {
            rx_err(P, CMDAI_E_SYNTAX, open, "(?i) is only accepted at the very start of the regex");
            return NULL;
        } else if (c == '>') {
            rx_err(P, CMDAI_E_SYNTAX, open, "atomic groups are not supported");
            return NULL;
        } else {
            rx_err(P, CMDAI_E_SYNTAX, open, "unsupported group (?%c", c >= 0x20 && c < 0x7f ? (int)c : '?');
            return NULL;
        }
    }
    if (++P->depth > RX_MAX_DEPTH) {
        rx_err(P, CMDAI_E_TOO_DEEP, open, "groups nested deeper than %d", RX_MAX_DEPTH);
        return NULL;
    }
    rx_node *n = rx_alt(P);
    P->depth--;
    if (!n)
        return NULL;
    if (P->pos >= P->end || P->s[P->pos] != ')') {
        rx_err(P, CMDAI_E_SYNTAX, open, "unbalanced parentheses: missing ')'");
        return NULL;
    }
    P->pos++;
    return n;
}

/* m in {m,n}: digits, at most RX_MAX_REPEAT. -1 when absent. */
static int rx_count(rx_parser *P, size_t brace)
{
    int v = -1;
    while (P->pos < P->end && P->s[P->pos] >= '0' && P->s[P->pos] <= '9') {
        v = (v < 0 ? 0 : v) * 10 + (P->s[P->pos++] - '0');
        if (v > RX_MAX_REPEAT) {
            rx_err(P, CMDAI_E_SYNTAX, brace, "repetition count above %d", RX_MAX_REPEAT);
            return -2;
        }
    }
    return v;
}

static rx_node *rx_quant(rx_parser *P, rx_node *atom)
{
    int quantified = 0;
    while (P->pos < P->end) {
        unsigned c = P->s[P->pos];
        size_t at = P->pos;
        if (c != '*' && c != '+' && c != '?' && c != '{')
            break;
        if (quantified) {
            if (c == '?')
                rx_err(P, CMDAI_E_SYNTAX, at, "lazy quantifiers are not supported: the match is the same without '?'");
            else if (c == '+')
                rx_err(P, CMDAI_E_SYNTAX, at, "possessive quantifiers are not supported");
            else
                rx_err(P, CMDAI_E_SYNTAX, at, "nothing to repeat: quantifier after a quantifier; use a group");
            return NULL;
        }
        rx_node *n;
        if (c == '{') {
            P->pos++;
            int m = rx_count(P, at), x;
            if (m == -2)
                return NULL;
            if (m < 0) {
                rx_err(P, CMDAI_E_SYNTAX, at, "invalid repetition: expected {m}, {m,} or {m,n}; write \\{ for a literal brace");
                return NULL;
            }
            x = m;
            if (P->pos < P->end && P->s[P->pos] == ',') {
                P->pos++;
                x = rx_count(P, at);
                if (x == -2)
                    return NULL;
            }
            if (P->pos >= P->end || P->s[P->pos] != '}') {
                rx_err(P, CMDAI_E_SYNTAX, at, "invalid repetition: expected {m}, {m,} or {m,n}; write \\{ for a literal brace");
                return NULL;
            }
            P->pos++;
            if (x >= 0 && x < m) {
                rx_err(P, CMDAI_E_SYNTAX, at, "repetition {%d,%d}: minimum above maximum", m, x);
                return NULL;
            }
            n = rx_new(P, RX_REPEAT);
            n->min = m;
            n->max = x;
        } else {
            P->pos++;
            n = rx_new(P, c == '*' ? RX_STAR : c == '+' ? RX_PLUS : RX_OPT);
        }
        n->a = atom;
        atom = n;
        quantified = 1;
    }
    return atom;
}

static rx_node *rx_atom(rx_parser *P)
{
    unsigned c = P->s[P->pos];
    size_t at = P->pos;
    uint8_t set[32] = {0};
    switch (c) {
    case '(':
        return rx_group(P);
    case '[':
        return rx_class(P);
    case '.':
        P->pos++;
        memset(set, 0xff, sizeof set);
        set['\n' >> 3] &= (uint8_t)~(1u << ('\n' & 7));
        return rx_set_node(P, set);
    case '\\':
        if (rx_escape(P, set, 0))
            return NULL;
        return rx_set_node(P, set);
    case '*': case '+': case '?': case '{':
        rx_err(P, CMDAI_E_SYNTAX, at, "nothing to repeat before '%c'", c);
        return NULL;
    case '^':
        rx_err(P, CMDAI_E_SYNTAX, at, "'^' is only an anchor at the very start; write \\^ for a literal caret");
        return NULL;
    case '$':
        rx_err(P, CMDAI_E_SYNTAX, at, "'$' is only an anchor at the very end; write \\$ for a literal dollar");
        return NULL;
    default:
        P->pos++;
        set_add(set, c);
        return rx_set_node(P, set);
    }
}

static rx_node *rx_cat(rx_parser *P)
{
    rx_node **items = NULL;
    size_t n = 0, cap = 0;
    while (P->pos < P->end && P->s[P->pos] != '|' && P->s[P->pos] != ')') {
        rx_node *x = rx_atom(P);
        if (x)
            x = rx_quant(P, x);
        if (!x)
            return NULL;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 8;
            items = arena_grow(P->a, items, n, ncap, sizeof *items);
            cap = ncap;
        }
        items[n++] = x;
    }
    return n ? rx_balance(P, RX_CAT, items, 0, n) : rx_new(P, RX_EMPTY);
}

static rx_node *rx_alt(rx_parser *P)
{
    rx_node **items = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        rx_node *x = rx_cat(P);
        if (!x)
            return NULL;
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 4;
            items = arena_grow(P->a, items, n, ncap, sizeof *items);
            cap = ncap;
        }
        items[n++] = x;
        if (P->pos < P->end && P->s[P->pos] == '|') {
            P->pos++;
            continue;
        }
        break;
    }
    return rx_balance(P, RX_ALT, items, 0, n);
}

/* Upper bound on automaton states once repetitions are expanded, saturating. */
static size_t rx_weight(const rx_node *n)
{
    size_t w, k;
    switch (n->kind) {
    case RX_EMPTY:
    case RX_SET:
        return 1;
    case RX_CAT:
    case RX_ALT:
        w = rx_weight(n->a) + rx_weight(n->b);
        return w > RX_MAX_SIZE ? RX_MAX_SIZE + 1 : w;
    case RX_STAR:
    case RX_PLUS:
    case RX_OPT:
        return rx_weight(n->a) + 1;
    case RX_REPEAT:
        w = rx_weight(n->a);
        k = (size_t)(n->max >= 0 ? n->max : n->min + 1);
        w = w * (k ? k : 1);
        return w > RX_MAX_SIZE ? RX_MAX_SIZE + 1 : w;
    }
    return 1;
}

/* Is there a '|' outside every group and set?  (Anchors are stripped before
 * parsing, so ^a|b would silently mean ^(a|b); that is refused instead.) */
static int rx_top_alt(const unsigned char *s, size_t pos, size_t end)
{
    int depth = 0;
    for (size_t i = pos; i < end; i++) {
        unsigned c = s[i];
        if (c == '\\') {
            i++;
        } else if (c == '[') {
            size_t j = i + 1;
            if (j < end && s[j] == '^')
                j++;
            if (j < end && s[j] == ']')
                j++;
            while (j < end && s[j] != ']')
                j += s[j] == '\\' ? 2 : 1;
            i = j;
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            depth--;
        } else if (c == '|' && depth == 0) {
            return 1;
        }
    }
    return 0;
}

rx *rx_parse(arena *a, const char *src, size_t len, const char *file, int line, int col0, diag *d)
{
    rx_parser P;
    memset(&P, 0, sizeof P);
    P.a = a;
    P.s = (const unsigned char *)(src ? src : "");
    P.end = src ? len : 0;
    P.file = file;
    P.line = line;
    P.col0 = col0;
    P.d = d;
    rx *r = arena_alloc(a, sizeof *r);
    if (P.end >= 4 && !memcmp(P.s, "(?i)", 4)) {
        P.icase = 1;
        P.pos = 4;
    }
    if (P.pos < P.end && P.s[P.pos] == '^') {
        r->anchored_start = 1;
        P.pos++;
    }
    if (P.end > P.pos && P.s[P.end - 1] == '$') {
        size_t bs = 0;
        while (P.end - 1 - bs > P.pos && P.s[P.end - 2 - bs] == '\\')
            bs++;
        if (bs % 2 == 0) {
            r->anchored_end = 1;
            P.end--;
        }
    }
    if ((r->anchored_start || r->anchored_end) && rx_top_alt(P.s, P.pos, P.end)) {
        rx_err(&P, CMDAI_E_SYNTAX, r->anchored_start ? P.pos - 1 : P.end,
               "an anchor applies to the whole regex: group the alternatives, e.g. ^(a|b)$");
        return NULL;
    }
    r->root = rx_alt(&P);
    if (!r->root || rx_failed(&P))
        return NULL;
    if (P.pos < P.end) {
        /* Only a ')' can stop the top level early. */
        rx_err(&P, CMDAI_E_SYNTAX, P.pos, "unbalanced parentheses: ')' without '('");
        return NULL;
    }
    if (rx_weight(r->root) > RX_MAX_SIZE) {
        rx_err(&P, CMDAI_E_BUDGET, 0, "regex too large once repetitions are expanded (more than %d states)",
               RX_MAX_SIZE);
        return NULL;
    }
    return r;
}
