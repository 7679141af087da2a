/* fuzz_registry.c — libFuzzer harness for the registry reader
 * (compiler/registry.c): the index file a registry mirror serves.  The input
 * is written as index/<name> of a local registry (name: the first line's
 * "name" when it passes the name rules, else fz-name) and read back with
 * reg_fetch_index (line splitting, JSON, the name and field checks); every
 * line then goes through reg_line_verify (fields, then the publisher
 * signature against the key below) and reg_latest (semver order, yanked).
 * Seeds are index files written by `cmdai-policyc publish` with that key
 * (its secret half was thrown away), so their signatures verify
 * (tests/fuzz/corpus/fuzz_registry/). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char publisher[] = "untrusted comment: minisign public key A84EAEC37A499108\n"
                                "RWQIkUl6w65OqKZ2Rs+lpk4ss14900BaVt8dvPJXwAlasuMyKlIojeAM\n";
static char dir[64], index_dir[96];
static reg_client client;

static void cleanup(void)
{
    rmdir(index_dir);
    rmdir(dir);
}

static int setup(void)
{
    cmdai_error e;
    if (rt_sodium_init() != 0)
        return -1;
    snprintf(dir, sizeof dir, "/tmp/fuzz_registry.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(index_dir, sizeof index_dir, "%s/index", dir);
    if (mkdir(index_dir, 0700) != 0)
        return -1;
    atexit(cleanup);
    client.urls[0] = dir;
    client.nurls = 1;
    client.offline = true;
    if (rt_pubkey_parse(publisher, sizeof publisher - 1, &client.keys[0], &e) != CMDAI_OK)
        return -1;
    client.nkeys = 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (setup() != 0)
            abort();
        ready = 1;
    }
    /* The name the lines claim, so that well-formed seeds pass the name check. */
    char name[REG_NAME_MAX + 1] = "fz-name", path[sizeof index_dir + REG_NAME_MAX + 2];
    const uint8_t *nl = memchr(data, '\n', size);
    json_t *first = json_loadb((const char *)data, nl ? (size_t)(nl - data) : size, 0, NULL);
    const char *claimed = json_string_value(json_object_get(first, "name"));
    diag d;
    diag_init(&d);
    if (claimed && strlen(claimed) <= REG_NAME_MAX && reg_name_check(claimed, NULL, 0, &d) == 0)
        snprintf(name, sizeof name, "%s", claimed);
    json_decref(first);
    snprintf(path, sizeof path, "%s/%s", index_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    if (size && fwrite(data, 1, size, f) != size)
        abort();
    fclose(f);

    json_t *lines = NULL, *l;
    size_t i;
    diag_init(&d);
    if (reg_fetch_index(&client, dir, name, &lines, &d) == 0 && lines) {
        json_array_foreach(lines, i, l) {
            diag_init(&d);
            (void)reg_line_verify(&client, l, name, &d);
        }
        (void)reg_latest(lines);
    }
    json_decref(lines);
    remove(path);
    return 0;
}
