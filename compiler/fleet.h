/* fleet.h — `cmdai-policyc provision`: a TUF-like signed repository for a
 * fleet (docs/fleet.md).  Four roles — root, targets, snapshot, timestamp —
 * each a JSON document {"signed": {...}, "signatures": [{keyid, sig}]}; a
 * signature is a minisign signature (the bundle key format) over the
 * canonical form of "signed" (keys sorted, compact).  Targets are bundles
 * per scope: targets/<scope>/policy.cpb and its .minisig. */
#ifndef CMDAI_FLEET_H
#define CMDAI_FLEET_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

enum { FLEET_ROOT, FLEET_TARGETS, FLEET_SNAPSHOT, FLEET_TIMESTAMP, FLEET_NROLES };
#define FLEET_MAX_KEYS 8 /* keys per role */
extern const char *const fleet_role_names[FLEET_NROLES];

typedef struct fleet_scope {
    const char *scope;  /* [a-z0-9][a-z0-9._-]* */
    const char *bundle; /* a .cpb with its .minisig beside it */
} fleet_scope;

typedef struct fleet_provision_opts {
    const char *repo;                       /* directory the web server serves */
    const char *keys[FLEET_NROLES];         /* key prefixes P (P.key and P.pub), comma-separated */
    const char *rotate[FLEET_NROLES];       /* new key prefixes per role: a new root version */
    const fleet_scope *scopes;
    size_t nscopes;
    int64_t expires[FLEET_NROLES];          /* unix seconds */
    int threshold[FLEET_NROLES];            /* 0: keep root's (1 for a new repository); a change rotates root */
} fleet_provision_opts;

/* Create the repository (first run) or publish a new version of targets,
 * snapshot and timestamp; rotations (new keys or thresholds) first write a
 * new root signed by the old and the new root keys.  Every file is written
 * atomically, timestamp last.  *summary says what was written, *warnings
 * (NULL when none) what clients will refuse; owner of both: caller, free(). */
int fleet_provision(const fleet_provision_opts *o, char **summary, char **warnings, diag *d);

/* Scope names: [a-z0-9][a-z0-9._-]{0,63}, no "..". */
int fleet_scope_valid(const char *s);

#endif
