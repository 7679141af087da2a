/* test_tmp.h — a private temporary directory for one cmocka test program,
 * and small file helpers on it.  Shared by the tests that write keys,
 * signatures and bundles; header-only (static inline) so each test binary
 * stays one source file. */
#ifndef CMDAI_TEST_TMP_H
#define CMDAI_TEST_TMP_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static char tmpdir[64];

static inline int tmp_rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(p);
}

/* mkdtemp /tmp/cmdai-test-TAG-XXXXXX into tmpdir; 0 or -1. */
static inline int tmp_make(const char *tag)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/cmdai-test-%s-XXXXXX", tag);
    return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int tmp_remove(void)
{
    return nftw(tmpdir, tmp_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void path_in(char *out, size_t cap, const char *name)
{
    snprintf(out, cap, "%s/%s", tmpdir, name);
}

static inline void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* The whole file, NUL-terminated.  Owner: caller (free). */
static inline char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    *len = fread(buf, 1, (size_t)n, f);
    assert_int_equal(*len, (size_t)n);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

#endif
