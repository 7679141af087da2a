/* tpl_yaml.c — first template stage: YAML bytes -> a positioned node tree.
 * libyaml's event API does the parsing; this file accepts only the subset a
 * template needs (one document, string keys, no anchors, aliases or tags) and
 * keeps every node's line:column.  Schema checks are left to tpl_load.c.
 */
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "tpl_int.h"

/* libyaml marks count characters; block scalars need byte offsets to look at
 * the raw text (their content starts on a later line).  Events arrive in
 * document order, so one forward-only cursor keeps the mapping linear. */
typedef struct yaml_cursor {
    const unsigned char *buf;
    size_t len;
    size_t ci, bi; /* character index and the byte offset it starts at */
} yaml_cursor;

static size_t cursor_byte(yaml_cursor *c, size_t char_index)
{
    if (char_index < c->ci) { /* never expected; restart rather than guess */
        c->ci = 0;
        c->bi = 0;
    }
    while (c->ci < char_index && c->bi < c->len) {
        unsigned char b = c->buf[c->bi];
        size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
        c->bi += n;
        c->ci++;
    }
    return c->bi < c->len ? c->bi : c->len;
}

/* Position of the first character of a block scalar's content (`|` or `>`):
 * the line after the indicator, at the indentation of the first non-blank
 * line.  Leading blank lines are part of a literal's value, so the line is
 * the one right after the indicator. */
static void block_text_pos(yaml_cursor *c, const yaml_mark_t *m, int *line, int *col)
{
    size_t i = cursor_byte(c, m->index);
    *line = (int)m->line + 2;
    *col = 1;
    while (i < c->len && c->buf[i] != '\n' && c->buf[i] != '\r')
        i++;
    while (i < c->len) {
        if (c->buf[i] == '\r' && i + 1 < c->len && c->buf[i + 1] == '\n')
            i++;
        i++; /* past the line break */
        size_t sp = 0;
        while (i + sp < c->len && c->buf[i + sp] == ' ')
            sp++;
        if (i + sp < c->len && c->buf[i + sp] != '\n' && c->buf[i + sp] != '\r') {
            *col = (int)sp + 1;
            return;
        }
        i += sp;
    }
}

/* Line and column of a byte offset (reader errors carry only an offset). */
static void offset_pos(const unsigned char *buf, size_t len, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    if (off > len)
        off = len;
    for (size_t i = 0; i < off; i++) {
        if (buf[i] == '\n' || (buf[i] == '\r' && !(i + 1 < len && buf[i + 1] == '\n'))) {
            l++;
            c = 1;
        } else if ((buf[i] & 0xC0) != 0x80 && buf[i] != '\r') {
            c++;
        }
    }
    *line = l;
    *col = c;
}

static int report_parser_error(const yaml_parser_t *p, const char *file, yaml_cursor *cur, diag *d)
{
    const char *problem = p->problem ? p->problem : "malformed YAML";
    int line, col;
    if (p->error == YAML_MEMORY_ERROR)
        return diag_set(d, CMDAI_E_NOMEM, file, 0, 0, "out of memory while parsing YAML");
    if (p->error == YAML_READER_ERROR) {
        offset_pos(cur->buf, cur->len, p->problem_offset, &line, &col);
        diag_set(d, CMDAI_E_SYNTAX, file, line, col, "invalid text: %s (byte 0x%02X at offset %zu)", problem,
                 (unsigned)p->problem_value & 0xFFu, p->problem_offset);
        diag_hint(d, "templates must be UTF-8 text");
        return -1;
    }
    line = (int)p->problem_mark.line + 1;
    col = (int)p->problem_mark.column + 1;
    if (p->context)
        diag_set(d, CMDAI_E_SYNTAX, file, line, col, "YAML syntax error: %s (%s at line %d)", problem, p->context,
                 (int)p->context_mark.line + 1);
    else
        diag_set(d, CMDAI_E_SYNTAX, file, line, col, "YAML syntax error: %s", problem);
    size_t b = cursor_byte(cur, p->problem_mark.index);
    if (b < cur->len && cur->buf[b] == '\t')
        diag_hint(d, "YAML does not allow tabs for indentation; indent with spaces");
    else if (strstr(problem, "mapping values are not allowed"))
        diag_hint(d, "quote a value that contains ': ', e.g. message: \"a: b\"");
    return -1;
}

/* Reject anchors and tags: an anchor only exists to be aliased, and aliases
 * allow exponential expansion ("billion laughs"); tags would change types
 * behind the schema's back. */
static int check_props(const yaml_event_t *ev, const char *file, diag *d)
{
    const yaml_char_t *anchor = NULL, *tag = NULL;
    if (ev->type == YAML_SCALAR_EVENT) {
        anchor = ev->data.scalar.anchor;
        tag = ev->data.scalar.tag;
    } else if (ev->type == YAML_SEQUENCE_START_EVENT) {
        anchor = ev->data.sequence_start.anchor;
        tag = ev->data.sequence_start.tag;
    } else if (ev->type == YAML_MAPPING_START_EVENT) {
        anchor = ev->data.mapping_start.anchor;
        tag = ev->data.mapping_start.tag;
    }
    int line = (int)ev->start_mark.line + 1, col = (int)ev->start_mark.column + 1;
    if (anchor) {
        diag_set(d, CMDAI_E_SYNTAX, file, line, col, "YAML anchor '&%s' is not allowed in a template",
                 (const char *)anchor);
        diag_hint(d, "anchors and aliases are refused (they allow exponential expansion); write the value out "
                     "or share it with a list (@name)");
        return -1;
    }
    if (tag) {
        diag_set(d, CMDAI_E_SYNTAX, file, line, col, "YAML tag '%s' is not allowed in a template", (const char *)tag);
        diag_hint(d, "remove the tag; quote a value to make it a string");
        return -1;
    }
    return 0;
}

typedef struct frame {
    tpl_node *node;
    size_t cap; /* of node->items */
} frame;

typedef struct sort_key {
    const tpl_node *key;
    size_t idx;
} sort_key;

static int sort_key_cmp(const void *x, const void *y)
{
    const sort_key *p = x, *q = y;
    size_t n = p->key->len < q->key->len ? p->key->len : q->key->len;
    int c = memcmp(p->key->s, q->key->s, n);
    if (c)
        return c;
    if (p->key->len != q->key->len)
        return p->key->len < q->key->len ? -1 : 1;
    return p->idx < q->idx ? -1 : p->idx > q->idx;
}

/* Duplicate keys: YAML says keys are unique; libyaml does not check.  Sorting
 * keeps this O(n log n) for large `lists:` mappings.  The error points at the
 * earliest second occurrence and names the first one's line. */
static int check_dup_keys(arena *a, const char *file, const tpl_node *m, diag *d)
{
    if (m->n < 2)
        return 0;
    sort_key *k = arena_array(a, m->n, sizeof *k);
    for (size_t i = 0; i < m->n; i++) {
        k[i].key = m->items[2 * i];
        k[i].idx = i;
    }
    qsort(k, m->n, sizeof *k, sort_key_cmp);
    const sort_key *best = NULL, *best_first = NULL;
    size_t run = 0; /* first entry of the current run of equal keys (lowest idx: sorted by idx within) */
    for (size_t i = 1; i < m->n; i++) {
        if (k[i].key->len != k[i - 1].key->len || memcmp(k[i].key->s, k[i - 1].key->s, k[i].key->len)) {
            run = i;
            continue;
        }
        if (i == run + 1 && (!best || k[i].idx < best->idx)) { /* the run's second is its earliest repeat */
            best = &k[i];
            best_first = &k[run];
        }
    }
    if (!best)
        return 0;
    diag_set(d, CMDAI_E_SEMANTIC, file, best->key->line, best->key->column,
             "duplicate key '%s' (first defined at line %d)", best->key->s, best_first->key->line);
    diag_hint(d, "a key may appear only once in a mapping; remove or merge one of them");
    return -1;
}

int tpl_yaml_parse(arena *a, const char *file, const char *buf, size_t len, tpl_node **root, diag *d)
{
    *root = NULL;
    if (len > TPL_MAX_FILE_BYTES) {
        diag_set(d, CMDAI_E_TOO_LONG, file, 0, 0, "template is %zu bytes; the limit is %u bytes (8 MiB)", len,
                 TPL_MAX_FILE_BYTES);
        return -1;
    }
    /* A UTF-8 byte order mark is harmless; dropping it here keeps columns of
     * line 1 right (libyaml would count it as a character). */
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) {
        buf += 3;
        len -= 3;
    }
    yaml_cursor cur = { (const unsigned char *)buf, len, 0, 0 };
    yaml_parser_t p;
    yaml_event_t ev;
    bool have_ev = false;
    int rc = -1, depth = 0, ndocs = 0;
    frame stack[TPL_MAX_NESTING];
    tpl_node *doc = NULL;

    if (!yaml_parser_initialize(&p))
        return diag_set(d, CMDAI_E_NOMEM, file, 0, 0, "out of memory while parsing YAML");
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    /* Templates are UTF-8; UTF-16 input is refused by the reader as invalid. */
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);

    for (;;) {
        if (!yaml_parser_parse(&p, &ev)) {
            report_parser_error(&p, file, &cur, d);
            goto done;
        }
        have_ev = true;
        int line = (int)ev.start_mark.line + 1, col = (int)ev.start_mark.column + 1;
        tpl_node *node = NULL;
        switch (ev.type) {
        case YAML_STREAM_START_EVENT:
        case YAML_NO_EVENT:
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (++ndocs > 1) {
                diag_set(d, CMDAI_E_SYNTAX, file, line, col, "a template file holds one YAML document; found a second");
                diag_hint(d, "remove the extra '---' or split the file in two templates");
                goto done;
            }
            break;
        case YAML_DOCUMENT_END_EVENT:
            break;
        case YAML_STREAM_END_EVENT:
            if (!doc) {
                diag_set(d, CMDAI_E_SYNTAX, file, 1, 1, "empty template: expected a mapping with a 'template:' key");
                diag_hint(d, "start the file with 'template:' followed by name, version and safety rules");
                goto done;
            }
            *root = doc;
            rc = 0;
            goto done;
        case YAML_ALIAS_EVENT:
            diag_set(d, CMDAI_E_SYNTAX, file, line, col, "YAML alias '*%s' is not allowed in a template",
                     (const char *)ev.data.alias.anchor);
            diag_hint(d, "anchors and aliases are refused (they allow exponential expansion); write the value out "
                         "or share it with a list (@name)");
            goto done;
        case YAML_SCALAR_EVENT:
            if (check_props(&ev, file, d))
                goto done;
            if (memchr(ev.data.scalar.value, '\0', ev.data.scalar.length)) {
                diag_set(d, CMDAI_E_SEMANTIC, file, line, col, "string contains a NUL character");
                goto done;
            }
            node = arena_alloc(a, sizeof *node);
            node->kind = TPL_N_SCALAR;
            node->line = line;
            node->column = col;
            node->style = (int)ev.data.scalar.style;
            node->s = arena_strndup(a, (const char *)ev.data.scalar.value, ev.data.scalar.length);
            node->len = ev.data.scalar.length;
            node->text_line = line;
            node->text_col = col;
            if (ev.data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE)
                node->text_col = col + 1;
            else if (ev.data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                     ev.data.scalar.style == YAML_FOLDED_SCALAR_STYLE)
                block_text_pos(&cur, &ev.start_mark, &node->text_line, &node->text_col);
            break;
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (check_props(&ev, file, d))
                goto done;
            if (depth >= TPL_MAX_NESTING) {
                diag_set(d, CMDAI_E_TOO_DEEP, file, line, col, "YAML nesting is deeper than %d levels",
                         TPL_MAX_NESTING);
                diag_hint(d, "a template needs at most 6 levels of nesting");
                goto done;
            }
            node = arena_alloc(a, sizeof *node);
            node->kind = ev.type == YAML_SEQUENCE_START_EVENT ? TPL_N_SEQ : TPL_N_MAP;
            node->line = line;
            node->column = col;
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: {
            tpl_node *done_node = stack[--depth].node;
            if (done_node->kind == TPL_N_MAP) {
                done_node->n /= 2; /* while building, n counted keys and values; from here on, pairs */
                if (check_dup_keys(a, file, done_node, d))
                    goto done;
            }
            break;
        }
        }
        if (node) {
            if (depth == 0) {
                doc = node;
            } else {
                frame *f = &stack[depth - 1];
                tpl_node *parent = f->node;
                size_t slot = parent->n; /* MAP: n counts items (keys and values) while building */
                if (parent->kind == TPL_N_MAP && slot % 2 == 0 && node->kind != TPL_N_SCALAR) {
                    diag_set(d, CMDAI_E_SYNTAX, file, line, col, "mapping keys must be plain strings");
                    diag_hint(d, "complex keys ('? ...') are not used in templates");
                    goto done;
                }
                if (slot == f->cap) {
                    size_t ncap = f->cap ? f->cap * 2 : 8;
                    parent->items = arena_grow(a, parent->items, f->cap, ncap, sizeof *parent->items);
                    f->cap = ncap;
                }
                parent->items[slot] = node;
                parent->n++;
            }
            if (node->kind != TPL_N_SCALAR) {
                stack[depth].node = node;
                stack[depth].cap = 0;
                depth++;
            }
        }
        yaml_event_delete(&ev);
        have_ev = false;
    }
done:
    if (have_ev)
        yaml_event_delete(&ev);
    yaml_parser_delete(&p);
    return rc;
}
