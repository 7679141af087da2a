/* trust.c — the trust store: one minisign .pub file, or a directory whose
 * regular *.pub files are loaded in name order.  Runtime stage, before
 * verification (sig.c); which bundle to open is bundle.c's business.  A bad
 * key file is an error naming it, never skipped: a typo in the trust store
 * must not quietly narrow or widen what is trusted. */
#include "sig.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TRUST_DEFAULT "/etc/cmdai/trusted.d"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_pub_name(const char *name)
{
    size_t n = strlen(name);
    /* ".pub" alone and other dot files are hidden: editors and package
     * managers leave those behind (".key.pub.swp", ".pub"). */
    return name[0] != '.' && n > 4 && strcmp(name + n - 4, ".pub") == 0;
}

/* Append one key unless an identical one is already there. */
static int add_key(const rt_pubkey *k, rt_pubkey *keys, size_t cap, size_t *n, const char *source, cmdai_error *err)
{
    for (size_t i = 0; i < *n; i++)
        if (memcmp(&keys[i], k, sizeof *k) == 0)
            return CMDAI_OK;
    if (*n >= cap)
        return rt_sig_error(err, CMDAI_E_FORMAT, source, 0, "more than %zu trusted keys", cap);
    keys[(*n)++] = *k;
    return CMDAI_OK;
}

static int load_dir(const char *dir, rt_pubkey *keys, size_t cap, size_t *n, cmdai_error *err)
{
    char **names = NULL;
    size_t nnames = 0, names_cap = 0;
    char *path = NULL;
    int rc = CMDAI_OK;

    DIR *d = opendir(dir);
    if (!d)
        return rt_sig_error(err, CMDAI_E_IO, dir, 0, "cannot open trust directory: %s", strerror(errno));
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (!e) {
            if (errno)
                rc = rt_sig_error(err, CMDAI_E_IO, dir, 0, "cannot read trust directory: %s", strerror(errno));
            break;
        }
        if (!is_pub_name(e->d_name))
            continue;
        /* Bound the listing itself, not only the keys: a directory of a
         * million *.pub files must not exhaust memory before we refuse it. */
        if (nnames >= 4 * (size_t)RT_TRUST_MAX) {
            rc = rt_sig_error(err, CMDAI_E_FORMAT, dir, 0, "more than %d trusted keys", RT_TRUST_MAX);
            break;
        }
        if (nnames == names_cap) {
            size_t nc = names_cap ? 2 * names_cap : 16;
            char **nn = realloc(names, nc * sizeof *nn);
            if (!nn) {
                rc = rt_sig_error(err, CMDAI_E_NOMEM, dir, 0, "out of memory");
                break;
            }
            names = nn;
            names_cap = nc;
        }
        if (!(names[nnames] = strdup(e->d_name))) {
            rc = rt_sig_error(err, CMDAI_E_NOMEM, dir, 0, "out of memory");
            break;
        }
        nnames++;
    }
    closedir(d);
    if (rc != CMDAI_OK)
        goto out;
    if (nnames)
        qsort(names, nnames, sizeof *names, cmp_names);

    size_t dlen = strlen(dir);
    for (size_t i = 0; i < nnames && rc == CMDAI_OK; i++) {
        size_t plen = dlen + 1 + strlen(names[i]) + 1;
        char *p = realloc(path, plen);
        if (!p) {
            rc = rt_sig_error(err, CMDAI_E_NOMEM, dir, 0, "out of memory");
            break;
        }
        path = p;
        snprintf(path, plen, "%s%s%s", dir, (dlen && dir[dlen - 1] == '/') ? "" : "/", names[i]);
        struct stat st;
        if (stat(path, &st) != 0) {
            /* A dangling symlink is as much an error as a corrupt key. */
            rc = rt_sig_error(err, CMDAI_E_FORMAT, path, 0, "cannot read trusted key: %s", strerror(errno));
            break;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        rt_pubkey k;
        rc = rt_pubkey_load(path, &k, err);
        if (rc != CMDAI_OK) {
            if (err)
                err->code = CMDAI_E_FORMAT;
            rc = CMDAI_E_FORMAT;
            break;
        }
        rc = add_key(&k, keys, cap, n, path, err);
    }
out:
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    free(path);
    return rc;
}

int rt_trust_load(const char *path, rt_pubkey *keys, size_t cap, size_t *n, cmdai_error *err)
{
    if (!keys || !n || cap == 0)
        return rt_sig_error(err, CMDAI_E_USAGE, path, 0, "rt_trust_load: no room for keys");
    *n = 0;
    if (cap > RT_TRUST_MAX)
        cap = RT_TRUST_MAX;
    if (!path || !*path) {
        const char *env = getenv("CMDAI_POLICY_TRUST");
        path = (env && *env) ? env : TRUST_DEFAULT;
    }

    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return rt_sig_error(err, CMDAI_E_NO_TRUST, path, 0, "no trust store (no such file or directory)");
        return rt_sig_error(err, CMDAI_E_IO, path, 0, "cannot open trust store: %s", strerror(errno));
    }
    int rc;
    if (S_ISDIR(st.st_mode)) {
        rc = load_dir(path, keys, cap, n, err);
    } else {
        rt_pubkey k;
        rc = rt_pubkey_load(path, &k, err);
        if (rc == CMDAI_OK)
            rc = add_key(&k, keys, cap, n, path, err);
    }
    if (rc != CMDAI_OK) {
        *n = 0;
        return rc;
    }
    if (*n == 0)
        return rt_sig_error(err, CMDAI_E_NO_TRUST, path, 0, "no trusted key (*.pub) in the trust store");
    return CMDAI_OK;
}
