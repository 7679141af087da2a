/* registry.h — the community template registry (docs/registry.md): a static
 * tree that any web server can serve.
 *
 *   config.json                 {"registry_format": 1, ...}
 *   names                       every published name, one a line, sorted
 *   summary                     per name the newest usable version's fields (search)
 *   index/<name>                one JSON line per version, append-only
 *   archives/<sha256 hex>.yaml  the template, addressed by its digest
 *
 * Each index line is signed by its publisher (minisign Ed25519, the bundle
 * key format) over its canonical form without "sig" and "yanked"; only
 * "yanked" ever changes.  Writing (publish, yank) works on a local
 * directory; reading works on a directory or over http(s) with an ETag
 * cache and an offline mode.  Nothing here prints: errors go to a diag. */
#ifndef CMDAI_REGISTRY_H
#define CMDAI_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "sig.h"

#define REG_FORMAT 1
#define REG_NAME_MIN 2
#define REG_NAME_MAX 64
#define REG_INDEX_MAX (4u << 20)   /* bytes of one index file */
#define REG_ARCHIVE_MAX (8u << 20) /* bytes of one template (TPL_MAX_FILE_BYTES) */
#define REG_SUMMARY_MAX (16u << 20) /* bytes of `summary` */
#define REG_MAX_REGISTRIES 8

/* A reader of one or more registries, searched in order. */
typedef struct reg_client {
    const char *urls[REG_MAX_REGISTRIES]; /* directories or http(s) URLs; borrowed */
    size_t nurls;
    const char *cache_dir;                /* NULL: $XDG_CACHE_HOME/cmdai/registry */
    bool offline;                         /* use only what the cache holds */
    rt_pubkey keys[RT_TRUST_MAX];         /* trusted publisher keys */
    size_t nkeys;
} reg_client;

/* Name rules: [a-z][a-z0-9-]*, REG_NAME_MIN..REG_NAME_MAX characters, no
 * "--" and no trailing '-', not reserved, and not confusable with any of
 * `existing` (same skeleton: '-' and '_' dropped, 0→o 1→l 3→e 4→a 5→s 7→t
 * 8→b).  0, or -1 with *d saying which rule it breaks. */
int reg_name_check(const char *name, char *const *existing, size_t nexisting, diag *d);
/* The skeleton used by the confusable rule (out holds REG_NAME_MAX + 1). */
void reg_name_skeleton(const char *name, char *out);

/* "sha256:<64 hex>" of data. */
void reg_digest(const void *data, size_t len, char out[72]);

/* The bytes a publisher signs: the line without "sig" and "yanked", keys
 * sorted, compact.  Owner: caller, free(). */
char *reg_line_payload(const json_t *line);

/* Check a line's fields and its signature against c->keys.  `where` names
 * the index in errors. */
int reg_line_verify(const reg_client *c, const json_t *line, const char *where, diag *d);

/* Fetch index/<name> from registry `base`: *lines gets a JSON array of the
 * parsed lines (owner: caller, json_decref) or NULL when the registry has
 * no such name.  Every line must parse and carry the expected name. */
int reg_fetch_index(reg_client *c, const char *base, const char *name, json_t **lines, diag *d);

/* Fetch archives/<hex>.yaml for `digest` (through the cache) and check that
 * its content has that digest.  *path names the verified cached copy
 * (owner: caller, free()); *data and *len (may be NULL) get its bytes. */
int reg_fetch_archive(reg_client *c, const char *base, const char *digest, char **path, char **data, size_t *len,
                      diag *d);

/* Fetch config.json (through the cache) and check registry_format. */
int reg_check_config(reg_client *c, const char *base, diag *d);

/* The `summary` of a registry whose config.json announces one: a JSON
 * array of {"name", "vers", "description", "frameworks", "risk_tolerance",
 * "yanked", "versions"} (owner: caller), or NULL (older registries: read
 * `names` and the index files). */
int reg_fetch_summary(reg_client *c, const char *base, json_t **lines, diag *d);

/* Of an index file's lines, the newest version that is not yanked (else the
 * newest); borrowed from `lines`, NULL when none has a valid version. */
json_t *reg_latest(const json_t *lines);

/* The `names` list of a registry (owner: caller, json_decref): an array of strings. */
int reg_fetch_names(reg_client *c, const char *base, json_t **names, diag *d);

/* Publish template file `tpl_path` into the local registry `dir` (created
 * when missing), signed with `seckey`.  A version already published with
 * the same digest is a no-op (*already = true); with another digest it is
 * refused.  *line_out (may be NULL) gets the line (owner: caller). */
int reg_publish(const char *dir, const char *seckey, const char *tpl_path, json_t **line_out, bool *already,
                diag *d);

/* Set the `yanked` flag of name@version in the local registry `dir`. */
int reg_set_yanked(const char *dir, const char *name, const char *version, bool yanked, diag *d);

/* Default cache directory ($XDG_CACHE_HOME/cmdai/registry or ~/.cache/...). */
const char *reg_default_cache(void);

#endif
