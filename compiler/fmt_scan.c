/* fmt_scan.c — find the comments of a YAML document.
 *
 * libyaml reports no comments, but its scanner marks where every token starts
 * and ends.  Between two tokens there are only blanks, line breaks and
 * comments, so a '#' found there starts a comment that runs to the end of its
 * line.  Inside a token (a quoted or block scalar) a '#' is text. */
#include <string.h>
#include <yaml.h>

#include "fmt.h"

static void scan_gap(arena *a, const char *src, size_t from, size_t to, fmt_comment **v, size_t *n, size_t *cap)
{
    for (size_t i = from; i < to; i++) {
        if (src[i] != '#')
            continue;
        size_t e = i;
        while (e < to && src[e] != '\n' && src[e] != '\r')
            e++;
        size_t t = e;
        while (t > i && (src[t - 1] == ' ' || src[t - 1] == '\t'))
            t--;
        size_t bol = i;
        while (bol > 0 && src[bol - 1] != '\n' && src[bol - 1] != '\r')
            bol--;
        if (bol == 0 && i >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3))
            bol = 3; /* the byte order mark */
        int line = 1;
        for (size_t k = 0; k < i; k++)
            line += src[k] == '\n';
        int col = 1;
        for (size_t k = bol; k < i; k++)
            col += ((unsigned char)src[k] & 0xC0) != 0x80;
        bool own = true;
        for (size_t k = bol; k < i; k++)
            own = own && (src[k] == ' ' || src[k] == '\t');
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 32;
            *v = arena_grow(a, *v, *n, nc, sizeof **v);
            *cap = nc;
        }
        (*v)[(*n)++] = (fmt_comment){line, col, i, arena_strndup(a, src + i, t - i), own};
        i = e;
    }
}

/* libyaml counts marks in characters; the gaps are cut in bytes. */
typedef struct linemap {
    size_t *start; /* byte offset of each line (0-based) */
    size_t n;
} linemap;

static size_t mark_offset(const linemap *lm, const char *src, size_t len, const yaml_mark_t *m)
{
    if (m->line >= lm->n)
        return len;
    size_t i = lm->start[m->line];
    for (size_t col = 0; col < m->column && i < len && src[i] != '\n'; col++) {
        i++;
        while (i < len && ((unsigned char)src[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

int fmt_comments(arena *a, const char *file, const char *src, size_t len, fmt_comment **out, size_t *n, diag *d)
{
    linemap lm = {0};
    size_t nl = 1;
    for (size_t i = 0; i < len; i++)
        nl += src[i] == '\n';
    lm.start = arena_array(a, nl, sizeof *lm.start);
    /* A UTF-8 byte order mark is not part of line 1 for libyaml's marks. */
    size_t bom = len >= 3 && !memcmp(src, "\xEF\xBB\xBF", 3) ? 3 : 0;
    lm.start[lm.n++] = bom;
    for (size_t i = 0; i < len; i++)
        if (src[i] == '\n')
            lm.start[lm.n++] = i + 1;
    yaml_parser_t p;
    yaml_token_t tok;
    size_t cap = 0, prev = 0;
    *out = NULL;
    *n = 0;
    if (!yaml_parser_initialize(&p))
        return diag_set(d, CMDAI_E_NOMEM, file, 0, 0, "out of memory");
    yaml_parser_set_input_string(&p, (const unsigned char *)src, len);
    for (;;) {
        if (!yaml_parser_scan(&p, &tok)) {
            diag_set(d, CMDAI_E_SYNTAX, file, (int)p.problem_mark.line + 1, (int)p.problem_mark.column + 1, "%s",
                     p.problem ? p.problem : "YAML syntax error");
            yaml_parser_delete(&p);
            return -1;
        }
        yaml_token_type_t type = tok.type;
        size_t s = mark_offset(&lm, src, len, &tok.start_mark), e = mark_offset(&lm, src, len, &tok.end_mark);
        yaml_token_delete(&tok);
        if (s > prev && s <= len)
            scan_gap(a, src, prev, s, out, n, &cap);
        if (e > prev)
            prev = e;
        if (type == YAML_STREAM_END_TOKEN)
            break;
    }
    if (prev < len)
        scan_gap(a, src, prev, len, out, n, &cap);
    yaml_parser_delete(&p);
    return 0;
}
