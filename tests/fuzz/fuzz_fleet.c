/* fuzz_fleet.c — libFuzzer harness for the fleet poller's metadata checks
 * (runtime/daemon/fleet_meta.c): the bytes a fleet mirror sends.  The input
 * is a root document and a role document separated by the first NUL byte;
 * the root is parsed and checked against itself (as a rotated root is), the
 * other document is parsed as timestamp, snapshot and targets and, as the one
 * it is, its signatures are counted against that root.  Seeds are
 * real metadata written by `cmdai-policyc provision` (tests/fuzz/corpus/fuzz_fleet/). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fleet_meta.h"
#include "sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const roles[] = {"timestamp", "snapshot", "targets"};
    static int ready;
    if (!ready) {
        if (rt_sodium_init() != 0)
            return 0;
        ready = 1;
    }
    const char *text = (const char *)data;
    const char *nul = memchr(text, 0, size);
    size_t rlen = nul ? (size_t)(nul - text) : size;
    char err[600];

    json_t *root = fleet_meta_parse("root.json", text, rlen, "root", err, sizeof err);
    if (root) {
        (void)fleet_meta_verify(fleet_signed(root), "root", root, "root.json", err, sizeof err);
        (void)fleet_meta_fresh(root, "root.json", err, sizeof err);
    }
    for (size_t i = 0; nul && i < sizeof roles / sizeof roles[0]; i++) {
        json_t *doc = fleet_meta_parse(roles[i], nul + 1, size - rlen - 1, roles[i], err, sizeof err);
        if (doc) {
            (void)fleet_meta_verify(fleet_signed(root), roles[i], doc, roles[i], err, sizeof err);
            (void)fleet_meta_fresh(doc, roles[i], err, sizeof err);
            json_decref(doc);
        }
    }
    json_decref(root);
    return 0;
}
