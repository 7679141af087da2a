/* shell_path.c — lexical normalization of path-like tokens (args, the values
 * of key=value args, flag values, redirection targets) for the shell
 * normalizer, so that "rm -rf //", "rm -rf /usr/.." and "rm -rf /" are one
 * canonical arg, and "dd of=//dev/./sda" is "dd of=/dev/sda".  Purely textual: no
 * file system access, symlinks are not followed (docs/command-model.md). */
#include <string.h>

#include "shell_int.h"

int rt_sh_pathlike(const unsigned char *t, size_t n)
{
    if (!n)
        return 0;
    if (t[0] == '/' || t[0] == '~' || t[0] == '.')
        return 1;
    return n >= 5 && memcmp(t, "$HOME", 5) == 0 && (n == 5 || t[5] == '/');
}

/* Lexical normalization (docs/command-model.md "Paths"): collapse "//",
 * drop "." segments, resolve ".." against a preceding segment (never above
 * "/"; kept when there is nothing to cancel in a relative path), no trailing
 * "/".  Writes at most n bytes to out. */
size_t rt_sh_pathnorm(const unsigned char *t, size_t n, unsigned char *out)
{
    size_t o = 0, i = 0, plen = 0, nnorm = 0;
    int abs = 0;
    if (t[0] == '/') {
        out[o++] = '/';
        abs = 1;
        i = 1;
    } else if (t[0] == '~') {
        while (i < n && t[i] != '/')
            out[o++] = t[i++];
    } else if (n >= 5 && memcmp(t, "$HOME", 5) == 0) {
        memcpy(out, t, 5);
        o = i = 5;
    }
    plen = o;
    while (i < n) {
        while (i < n && t[i] == '/')
            i++;
        if (i >= n)
            break;
        size_t s = i;
        while (i < n && t[i] != '/')
            i++;
        size_t l = i - s;
        if (l == 1 && t[s] == '.') {
            if (o == 0) { /* a leading "./" stays: it says "not from PATH" */
                out[o++] = '.';
                plen = 1;
            }
            continue;
        }
        if (l == 2 && t[s] == '.' && t[s + 1] == '.') {
            if (nnorm > 0) {
                size_t q = o;
                while (q > plen && out[q - 1] != '/')
                    q--;
                if (q > plen)
                    q--; /* the slash before the dropped segment */
                o = q < plen ? plen : q;
                if (abs && o == 0)
                    o = 1;
                nnorm--;
                continue;
            }
            if (abs)
                continue;
        } else {
            nnorm++;
        }
        if (o > 0 && out[o - 1] != '/')
            out[o++] = '/';
        memcpy(out + o, t + s, l);
        o += l;
    }
    if (o == 0)
        out[o++] = '.';
    return o;
}

/* Length of "key=" when t is key=VALUE with a path-like VALUE (key: a shell
 * name, [A-Za-z_][A-Za-z0-9_]*), else 0. */
static size_t kv_prefix(const unsigned char *t, size_t n)
{
    size_t i = 0;
    if (!n || !(rt_sh_cls[t[0]] & C_NAME1))
        return 0;
    while (i < n && (rt_sh_cls[t[i]] & C_NAME))
        i++;
    if (i >= n || t[i] != '=' || !rt_sh_pathlike(t + i + 1, n - i - 1))
        return 0;
    return i + 1;
}

int rt_sh_argnorm_needed(const unsigned char *t, size_t n)
{
    return rt_sh_pathlike(t, n) || kv_prefix(t, n) > 0;
}

size_t rt_sh_argnorm(const unsigned char *t, size_t n, unsigned char *out)
{
    if (rt_sh_pathlike(t, n))
        return rt_sh_pathnorm(t, n, out);
    size_t k = kv_prefix(t, n);
    if (!k) {
        memcpy(out, t, n);
        return n;
    }
    memcpy(out, t, k);
    return k + rt_sh_pathnorm(t + k, n - k, out + k);
}
