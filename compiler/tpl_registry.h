/* tpl_registry.h — templates from registries (docs/registry.md
 * "Resolution"): `extends: [name@^1.2]` is looked up in the configured
 * registries, the chosen index line's publisher signature and the archive
 * digest are checked, and the choice is pinned in a lockfile (cmdai.lock).
 * tpl_resolve.c calls the hook below for every name entry; without a hook
 * (the default) names resolve against the standard template directory only. */
#ifndef CMDAI_TPL_REGISTRY_H
#define CMDAI_TPL_REGISTRY_H

#include <jansson.h>
#include <stdbool.h>

#include "registry.h"
#include "tpl.h"

/* 1: *path names a verified local copy of `name`; 0: no registry has the
 * name (the standard directory is tried next); -1: error in *d. */
typedef int (*tpl_registry_fn)(void *ctx, arena *a, const char *name, const char *req, const tpl_pos *at,
                               const char **path, diag *d);
extern tpl_registry_fn tpl_registry_hook; /* defined in tpl_resolve.c; NULL by default */
extern void *tpl_registry_ctx;

typedef struct tpl_reg {
    reg_client c;
    const char *lock_path;   /* where the lockfile is read and written */
    bool locked;             /* --locked: fail rather than change the lockfile */
    bool read_only;          /* use the lockfile but never write it (verbs other than build, test) */
    json_t *lock_in;         /* name -> {version, digest, registry}; NULL without a lockfile */
    json_t *resolved;        /* name -> the same, for what this build used */
    json_t *paths;           /* name -> cached archive path */
    json_t *checked;         /* registries whose config.json was checked */
} tpl_reg;

/* Read the lockfile (absent is fine unless `locked`) and install the hook. */
int tpl_reg_open(tpl_reg *r, const char *lock_path, bool locked, diag *d);
/* After a successful load: write the lockfile when it changed (*changed),
 * or fail under --locked; read_only leaves it as it is.  Removes the hook. */
int tpl_reg_finish(tpl_reg *r, bool *changed, diag *d);
void tpl_reg_release(tpl_reg *r);

/* What a registry records about one template file (its own fields, before
 * merging).  Strings live in the arena. */
typedef struct tpl_meta {
    const char *name, *version, *tolerance, *description;
    const char **frameworks;
    size_t nframeworks;
    const char **dep_names, **dep_reqs; /* dep_reqs[i] NULL: any version */
    size_t ndeps;
} tpl_meta;

/* Parse and check one template file (schema, patterns) without resolving
 * its bases.  Path entries in `extends` are refused: a published template is
 * one file and names its bases.  0 or -1 with *d filled. */
int tpl_registry_meta(arena *a, const char *file, const char *buf, size_t len, tpl_meta *m, diag *d);

#endif
