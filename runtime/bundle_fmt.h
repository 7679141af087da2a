/* bundle_fmt.h — the .cpb file layout (docs/bundle-format.md is the prose
 * version).  Little-endian, position-independent, every table addressed by
 * offset from the start of the file; written by compiler/emit.c, validated
 * once by runtime/bundle.c (rt_bundle_check) and then walked as mapped. */
#ifndef CMDAI_BUNDLE_FMT_H
#define CMDAI_BUNDLE_FMT_H

#include <stdint.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the .cpb tables are used as mapped: little-endian hosts only"
#endif

#define CPB_MAGIC "CMDAICPB"
#define CPB_MAJOR 1
#define CPB_MINOR 0
#define CPB_MAX_SIZE (256u << 20) /* refuse larger files before reading them */
#define CPB_ALIGN 8
#define CPB_NO_STATE UINT32_MAX   /* empty comb slot */

typedef struct cpb_header {
    char magic[8];
    uint16_t major, minor;    /* a newer major is refused; minor is compatible */
    uint32_t header_size;     /* sizeof(cpb_header) */
    uint64_t file_size;
    uint64_t serial;          /* anti-rollback: never lower than one accepted */
    int64_t created, expires; /* unix seconds; expires 0 = never */
    uint32_t nsections;
    uint32_t flags;           /* 0 */
    uint8_t source_digest[32]; /* BLAKE2b-256 of the template sources, in order */
} cpb_header;

typedef struct cpb_section {
    uint32_t id, offset, size, count;
} cpb_section;

enum cpb_section_id {
    CPB_S_META = 1,       /* one cpb_meta */
    CPB_S_STRINGS = 2,    /* NUL-terminated strings; ends with NUL */
    CPB_S_RULES = 3,      /* cpb_rule[count], sorted by id */
    CPB_S_COMPLIANCE = 4, /* uint32 string offsets[count] */
    CPB_S_CLASSES = 5,    /* uint8 class[256] */
    CPB_S_STATES = 6,     /* cpb_state[count] */
    CPB_S_COMB = 7,       /* cpb_comb[count] */
    CPB_S_RECORDS = 8,    /* cpb_record[count] */
    CPB_S_RECRULES = 9,   /* uint32 rule indexes[count] */
    CPB_S_LAST = 9
};

typedef struct cpb_meta {
    uint32_t name, version, scope, json; /* string offsets; json: canonical metadata */
    uint8_t default_action, dynamic_action, tools_default, has_tools;
    uint32_t nclasses, start;
    uint32_t narrow; /* 1: STATES/COMB hold cpb_state16/cpb_comb16, 0: the 32-bit forms */
} cpb_meta;

typedef struct cpb_rule {
    uint32_t id, message, match; /* string offsets */
    uint32_t compliance_first;   /* into CPB_S_COMPLIANCE */
    uint16_t ncompliance;
    uint8_t action, risk;
} cpb_rule;

/* note [comb tables]: transitions are row-displaced.  For state s and class
 * c, i = base + c; the target is comb[i].next when comb[i].check == s, else
 * def.  rt_bundle_check proves base + nclasses <= ncomb for every state. */
typedef struct cpb_state {
    uint32_t base, def, acc; /* acc: record index read after an END byte */
} cpb_state;

typedef struct cpb_comb {
    uint32_t check, next;
} cpb_comb;

/* note [narrow tables]: an automaton of fewer than 65535 states with fewer
 * than 65536 records stores state numbers in 16 bits, halving the comb and a
 * third of the state table (bytes per rule, cache footprint).  The base stays
 * 32-bit: the comb of a large automaton is longer than 65535 slots. */
#define CPB_NO_STATE16 UINT16_MAX
typedef struct cpb_state16 {
    uint32_t base;
    uint16_t def, acc;
} cpb_state16;

typedef struct cpb_comb16 {
    uint16_t check, next;
} cpb_comb16;

typedef struct cpb_record {
    uint8_t action, risk, reason, pad;
    uint32_t first, n; /* into CPB_S_RECRULES */
} cpb_record;

#endif
