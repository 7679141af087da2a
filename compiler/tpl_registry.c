/* tpl_registry.c — registry resolution and the lockfile (tpl_registry.h). */
#include "tpl_registry.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "emit.h"
#include "tpl_int.h"

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

int tpl_registry_meta(arena *a, const char *file, const char *buf, size_t len, tpl_meta *m, diag *d)
{
    memset(m, 0, sizeof *m);
    tpl_node *root;
    tpl_file f;
    memset(&f, 0, sizeof f);
    if (tpl_yaml_parse(a, file, buf, len, &root, d) || tpl_build_file(a, file, root, &f, d))
        return -1;
    m->name = f.t.name;
    m->version = f.t.version;
    m->tolerance = tpl_tolerance_name(f.t.tolerance);
    m->description = f.t.description;
    m->frameworks = f.t.frameworks;
    m->nframeworks = f.t.nframeworks;
    m->dep_names = arena_array(a, f.t.nextends + 1, sizeof *m->dep_names);
    m->dep_reqs = arena_array(a, f.t.nextends + 1, sizeof *m->dep_reqs);
    for (size_t i = 0; i < f.t.nextends; i++) {
        const char *e = f.t.extends[i], *at = strchr(e, '@');
        const tpl_pos *p = &f.extends_pos[i];
        if (e[0] == '/' || e[0] == '.') {
            diag_set(d, CMDAI_E_SEMANTIC, p->file, p->line, p->column,
                     "a published template extends other templates by name, not by path ('%s')", e);
            diag_hint(d, "publish the base first and write its name, e.g. core-safety@^1");
            return -1;
        }
        m->dep_names[m->ndeps] = at ? arena_strndup(a, e, (size_t)(at - e)) : e;
        m->dep_reqs[m->ndeps++] = at ? at + 1 : NULL;
    }
    return 0;
}

/* ---- resolution ------------------------------------------------------------------- */

static json_t *entry(const char *version, const char *digest, const char *registry)
{
    return json_pack("{s:s,s:s,s:s}", "version", version, "digest", digest, "registry", registry);
}

static int resolve(void *ctx, arena *a, const char *name, const char *req, const tpl_pos *at, const char **path,
                   diag *d)
{
    tpl_reg *r = ctx;
    const char *have = jstr(r->paths, name);
    if (have) { /* one version per name and build; tpl_resolve.c checks each requirement */
        *path = arena_strdup(a, have);
        return 1;
    }
    for (size_t u = 0; u < r->c.nurls; u++) {
        const char *url = r->c.urls[u];
        json_t *lines;
        char ck[24];
        snprintf(ck, sizeof ck, "%zu", u);
        if (!json_object_get(r->checked, ck)) { /* once per registry and build */
            if (reg_check_config(&r->c, url, d)) {
                d->line = at->line, d->column = at->column;
                return -1;
            }
            json_object_set_new(r->checked, ck, json_true());
        }
        if (reg_fetch_index(&r->c, url, name, &lines, d)) {
            d->line = at->line, d->column = at->column;
            return -1;
        }
        if (!lines)
            continue;
        /* The first registry that has the name owns it: no mixing of sources. */
        json_t *lk = r->lock_in ? json_object_get(r->lock_in, name) : NULL, *chosen = NULL, *l;
        const char *lv = jstr(lk, "version");
        tpl_semver sv, best_v;
        size_t i, nyanked = 0;
        int rc = -1;
        if (lv && !strcmp(jstr(lk, "registry") ? jstr(lk, "registry") : "", url) &&
            tpl_semver_parse(lv, strlen(lv), &sv) && (!req || tpl_semver_satisfies(req, &sv) == 1)) {
            json_array_foreach(lines, i, l)
                if (!strcmp(jstr(l, "vers") ? jstr(l, "vers") : "", lv))
                    chosen = l;
            if (!chosen) {
                diag_set(d, CMDAI_E_SEMANTIC, at->file, at->line, at->column,
                         "%s: version %s pinned in %s is not in registry %s", name, lv, r->lock_path, url);
                goto next;
            }
            if (strcmp(jstr(chosen, "digest") ? jstr(chosen, "digest") : "", jstr(lk, "digest") ? jstr(lk, "digest") : "")) {
                diag_set(d, CMDAI_E_SIGNATURE, at->file, at->line, at->column,
                         "%s %s: the registry's digest %s differs from %s in %s", name, lv, jstr(chosen, "digest"),
                         jstr(lk, "digest"), r->lock_path);
                diag_hint(d, "a published version never changes; the registry was altered");
                goto next;
            }
        } else {
            if (r->locked) {
                diag_set(d, CMDAI_E_SEMANTIC, at->file, at->line, at->column,
                         "%s has no entry for %s%s%s that can be used; --locked forbids changing it",
                         r->lock_path, name, req ? "@" : "", req ? req : "");
                diag_hint(d, "run the build without --locked to update %s", r->lock_path);
                goto next;
            }
            json_array_foreach(lines, i, l) {
                const char *v = jstr(l, "vers");
                if (!v || !tpl_semver_parse(v, strlen(v), &sv) || (req && tpl_semver_satisfies(req, &sv) != 1))
                    continue;
                if (json_is_true(json_object_get(l, "yanked"))) {
                    nyanked++;
                    continue;
                }
                if (!chosen || tpl_semver_cmp(&sv, &best_v) > 0) {
                    chosen = l;
                    best_v = sv;
                }
            }
            if (!chosen) {
                diag_set(d, CMDAI_E_SEMANTIC, at->file, at->line, at->column,
                         "no usable version of '%s' satisfies '%s' in %s%s", name, req ? req : "*", url,
                         nyanked ? " (matching versions are yanked)" : "");
                if (nyanked)
                    diag_hint(d, "yanked versions are used only when cmdai.lock already pins them");
                goto next;
            }
        }
        if (!r->c.nkeys) {
            diag_set(d, CMDAI_E_NO_TRUST, at->file, at->line, at->column,
                     "%s comes from registry %s, but no publisher key is trusted", name, url);
            diag_hint(d, "--registry-trust FILE|DIR, \"trust\" in the registry configuration, or "
                         "$CMDAI_REGISTRY_TRUST");
            goto next;
        }
        if (reg_line_verify(&r->c, chosen, url, d)) {
            d->line = at->line, d->column = at->column;
            snprintf(d->file, sizeof d->file, "%s", at->file);
            goto next;
        }
        char *p;
        if (reg_fetch_archive(&r->c, url, jstr(chosen, "digest"), &p, NULL, NULL, d))
            goto next;
        *path = arena_strdup(a, p);
        json_object_set_new(r->paths, name, json_string(p));
        free(p);
        json_object_set_new(r->resolved, name, entry(jstr(chosen, "vers"), jstr(chosen, "digest"), url));
        rc = 1;
    next:
        json_decref(lines);
        return rc;
    }
    return 0;
}

/* ---- the lockfile ----------------------------------------------------------------- */

int tpl_reg_open(tpl_reg *r, const char *lock_path, bool locked, diag *d)
{
    r->lock_path = lock_path;
    r->locked = locked;
    r->resolved = json_object();
    r->paths = json_object();
    r->checked = json_object();
    r->lock_in = NULL;
    struct stat st;
    if (stat(lock_path, &st) == 0) {
        json_error_t je;
        json_t *doc = json_load_file(lock_path, JSON_REJECT_DUPLICATES, &je);
        if (!doc)
            return diag_set(d, CMDAI_E_FORMAT, lock_path, je.line, je.column, "%s", je.text);
        json_t *pk = json_object_get(doc, "packages");
        if (json_integer_value(json_object_get(doc, "lockfile")) != 1 || !json_is_array(pk)) {
            json_decref(doc);
            return diag_set(d, CMDAI_E_FORMAT, lock_path, 0, 0, "not a cmdai.lock (want {\"lockfile\": 1, "
                                                                "\"packages\": [...]})");
        }
        r->lock_in = json_object();
        size_t i;
        json_t *p;
        json_array_foreach(pk, i, p) {
            const char *n = jstr(p, "name"), *v = jstr(p, "version"), *g = jstr(p, "digest"), *u = jstr(p, "registry");
            if (!n || !v || !g || !u) {
                json_decref(doc);
                return diag_set(d, CMDAI_E_FORMAT, lock_path, 0, 0, "package %zu needs name, version, digest and "
                                                                    "registry", i + 1);
            }
            json_object_set_new(r->lock_in, n, entry(v, g, u));
        }
        json_decref(doc);
    } else if (locked) {
        return diag_set(d, CMDAI_E_IO, lock_path, 0, 0, "--locked needs a lockfile, and there is none");
    }
    tpl_registry_hook = resolve;
    tpl_registry_ctx = r;
    return 0;
}

int tpl_reg_finish(tpl_reg *r, bool *changed, diag *d)
{
    tpl_registry_hook = NULL;
    tpl_registry_ctx = NULL;
    *changed = false;
    if (!r->lock_in && json_object_size(r->resolved) == 0)
        return 0; /* nothing came from a registry: no lockfile to keep */
    if (r->lock_in && json_equal(r->lock_in, r->resolved))
        return 0;
    if (r->locked) {
        diag_set(d, CMDAI_E_SEMANTIC, r->lock_path, 0, 0, "the resolution would change %s, and --locked forbids it",
                 r->lock_path);
        diag_hint(d, "run the build without --locked to update it");
        return -1;
    }
    if (r->read_only)
        return 0;
    json_t *pk = json_array();
    const char *k;
    json_t *v;
    /* jansson iterates in insertion order; sort by name for a stable file. */
    size_t n = json_object_size(r->resolved), i = 0;
    const char **names = calloc(n + 1, sizeof *names);
    if (!names)
        abort();
    json_object_foreach(r->resolved, k, v)
        names[i++] = k;
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && strcmp(names[b - 1], names[b]) > 0; b--) {
            const char *t = names[b];
            names[b] = names[b - 1];
            names[b - 1] = t;
        }
    for (i = 0; i < n; i++) {
        v = json_object_get(r->resolved, names[i]);
        json_array_append_new(pk, json_pack("{s:s,s:s,s:s,s:s}", "name", names[i], "version", jstr(v, "version"),
                                            "digest", jstr(v, "digest"), "registry", jstr(v, "registry")));
    }
    free(names);
    json_t *doc = json_pack("{s:i,s:o}", "lockfile", 1, "packages", pk);
    char *txt = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    size_t len = strlen(txt);
    char *buf = malloc(len + 2);
    if (!buf)
        abort();
    memcpy(buf, txt, len);
    buf[len++] = '\n';
    free(txt);
    int rc = emit_write_file(r->lock_path, buf, len, d);
    free(buf);
    *changed = rc == 0;
    return rc;
}

void tpl_reg_release(tpl_reg *r)
{
    if (tpl_registry_ctx == r) {
        tpl_registry_hook = NULL;
        tpl_registry_ctx = NULL;
    }
    json_decref(r->lock_in);
    json_decref(r->resolved);
    json_decref(r->paths);
    json_decref(r->checked);
    r->lock_in = r->resolved = r->paths = r->checked = NULL;
}
