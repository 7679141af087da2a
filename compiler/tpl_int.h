/* tpl_int.h — private interfaces between the template stages:
 *   tpl_yaml.c    YAML bytes -> a small positioned node tree (libyaml events)
 *   tpl_load.c    node tree -> one file's model (schema checks, patterns parsed)
 *   tpl_resolve.c `extends`, merging of layers, checks across layers
 * Nothing outside compiler/tpl_*.c includes this; the compiler core reads tpl.h.
 */
#ifndef CMDAI_TPL_INT_H
#define CMDAI_TPL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "tpl.h"

/* Limits on untrusted template files; each is an error with a position. */
#define TPL_MAX_FILE_BYTES (8u << 20) /* larger files are not templates: refuse before parsing */
#define TPL_MAX_NESTING 32            /* the schema needs 6 levels; deeper is abuse or a mistake */
#define TPL_MAX_EXTENDS_DEPTH 16      /* chain of `extends` from the top file */

typedef enum tpl_node_kind { TPL_N_SCALAR, TPL_N_SEQ, TPL_N_MAP } tpl_node_kind;

/* One YAML node.  Mappings keep keys and values interleaved in `items`
 * (key 2i, value 2i+1); keys are always scalars (tpl_yaml.c rejects others)
 * and unique (duplicates are rejected there too). */
typedef struct tpl_node {
    tpl_node_kind kind;
    int line, column;      /* 1-based start of the node (for quoted scalars: the quote) */
    int style;             /* scalars: yaml_scalar_style_t */
    const char *s;         /* scalars: NUL-terminated value (never contains NUL) */
    size_t len;
    int text_line, text_col; /* scalars: where the first character of the value is */
    struct tpl_node **items;
    size_t n;              /* SEQ: items; MAP: number of pairs (items has 2n) */
} tpl_node;

/* Parse one YAML document into a node tree.  Exactly one document whose root
 * is any node; no anchors, aliases or tags.  `file` is used in diagnostics. */
int tpl_yaml_parse(arena *a, const char *file, const char *buf, size_t len, tpl_node **root, diag *d);

/* One file as written, before merging.  `t` has only this file's content;
 * the has_* flags say which "last layer wins" fields it sets. */
typedef struct tpl_file {
    tpl t;
    tpl_pos *extends_pos;
    bool has_tolerance, has_default, has_dynamic, has_tools_allow, has_tools_default;
} tpl_file;

/* Build and validate one file's model from its node tree: every key known,
 * every value well-typed, patterns parsed (parse_pattern) and re"..." list
 * items checked (rx_parse).  References to lists are checked after merging. */
int tpl_build_file(arena *a, const char *file, const tpl_node *root, tpl_file *out, diag *d);

/* Template names: [a-z][a-z0-9-]*, at most 64 characters. */
bool tpl_valid_name(const char *s, size_t len);

/* Names and parsing of the enumerations shared by the stages. */
const char *tpl_tolerance_name(int tolerance);

/* Semantic versioning 2.0.0. */
typedef struct tpl_semver {
    unsigned long major, minor, patch;
    const char *pre;    /* NULL or the prerelease text (without '-') */
    size_t prelen;
} tpl_semver;
bool tpl_semver_parse(const char *s, size_t len, tpl_semver *out);
int tpl_semver_cmp(const tpl_semver *x, const tpl_semver *y); /* precedence; build ignored */
/* Does `version` satisfy `req` (^X[.Y[.Z]], ~X.Y[.Z], X.Y.Z exact, >=X.Y.Z)?
 * Returns 1 yes, 0 no, -1 when req is malformed. */
int tpl_semver_satisfies(const char *req, const tpl_semver *version);

/* String -> index map in the arena, for rule ids and list items (templates
 * with thousands of rules must not merge in quadratic time). */
typedef struct tpl_strmap {
    const char **keys;
    size_t *vals;
    size_t cap, n;
} tpl_strmap;
#define TPL_NOT_FOUND ((size_t)-1)
void tpl_strmap_init(tpl_strmap *m);
size_t tpl_strmap_get(const tpl_strmap *m, const char *key); /* TPL_NOT_FOUND when absent */
void tpl_strmap_put(arena *a, tpl_strmap *m, const char *key, size_t val); /* insert or replace */

/* Levenshtein distance, capped: returns cap+1 as soon as it must exceed cap. */
size_t tpl_edit_distance(const char *x, const char *y, size_t cap);

#endif
