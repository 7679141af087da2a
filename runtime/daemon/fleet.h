/* fleet.h — cmdai-policyd's fleet poller (docs/fleet.md): a thread that
 * polls a repository written by `cmdai-policyc provision`, verifies the
 * chain root -> timestamp -> snapshot -> targets in TUF's order, downloads
 * the scope's bundle within the sizes targets.json states, and stages it.
 * The daemon's main loop then calls fleet_activate(), which renames the
 * staged files over the bundle path and reloads through the daemon's own
 * reload path; on any failure the last good bundle stays active. */
#ifndef CMDAI_FLEET_D_H
#define CMDAI_FLEET_D_H

#include <jansson.h>
#include <stdbool.h>

typedef struct fleet fleet;

typedef struct fleet_opts {
    const char *url;        /* repository base URL (http or https) */
    const char *root_path;  /* the initially trusted root.json */
    const char *scope;      /* which bundle: targets/<scope>/policy.cpb */
    const char *state_dir;  /* trusted metadata; NULL: default */
    double interval_s;      /* between polls */
} fleet_opts;

/* Check the options, load the trusted root, poll once synchronously and,
 * when that staged a bundle, put it in place at bundle_path (before the
 * daemon's first load), then start the thread.  NULL with err filled. */
fleet *fleet_start(const fleet_opts *o, const char *bundle_path, char *err, size_t errcap);

/* Has the thread staged a verified bundle? */
bool fleet_pending(fleet *f);

/* Main thread: put the staged bundle in place and call reload(arg), which
 * returns 0 when the runtime accepted it.  When it did not, the previous
 * files are put back (and reload(arg) is called again).  Returns reload's result. */
int fleet_activate(fleet *f, int (*reload)(void *), void *arg);

/* Figures and the last error, for `status`. */
json_t *fleet_status(fleet *f);

void fleet_stop(fleet *f);

#endif
