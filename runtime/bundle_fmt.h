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
#define CPB_MAJOR 2 /* 2: 24-bit state numbers with a class check in one u32 comb slot, ACC section */
#define CPB_MINOR 0
#define CPB_MAX_SIZE (256u << 20) /* refuse larger files before reading them */
#define CPB_ALIGN 8
#define CPB_MAX_STATES (1u << 24) /* state numbers are 24-bit in comb slots */
#define CPB_MAX_CLASSES 255       /* class 255 marks an empty comb slot */
#define CPB_COMB_EMPTY 0xFFu      /* an empty slot: class byte 255, next 0 */

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
    CPB_S_COMB = 7,       /* uint32 slots[count]: next << 8 | class */
    CPB_S_RECORDS = 8,    /* cpb_record[count] */
    CPB_S_RECRULES = 9,   /* uint32 rule indexes[count] */
    CPB_S_ACC = 10,       /* uint32 record of states 0 .. count-1; later states report nothing */
    CPB_S_LAST = 10
};

typedef struct cpb_meta {
    uint32_t name, version, scope, json; /* string offsets; json: canonical metadata */
    uint8_t default_action, dynamic_action, tools_default, has_tools;
    uint32_t nclasses, start; /* nclasses <= CPB_MAX_CLASSES */
    uint32_t reserved;        /* 0 */
} cpb_meta;

typedef struct cpb_rule {
    uint32_t id, message, match; /* string offsets */
    uint32_t compliance_first;   /* into CPB_S_COMPLIANCE */
    uint16_t ncompliance;
    uint8_t action, risk;
} cpb_rule;

/* note [comb tables]: transitions are row-displaced.  For state s and class
 * c, v = comb[base + c]; the target is v >> 8 when (v & 0xff) == c, else def.
 * The check is the class, not the owner state: no two states that own slots
 * share a base (states that own none share a base no owner has), so a slot
 * whose class byte equals c at base + c was put there by the state with that
 * base.  One u32 per slot (24-bit target, 8-bit class) instead of two.
 * rt_bundle_check proves base + nclasses <= ncomb, def < nstates, every
 * non-empty slot's target < nstates, whatever the bases.
 *
 * note [reporting states first]: the states that carry a decision record are
 * numbered 1 .. nacc-1 (state 0 is dead), so ACC holds a record for them
 * only and the walk tests `s < nacc` instead of reading a record per state. */
typedef struct cpb_state {
    uint32_t base, def; /* def: target | CPB_DEF_SKIP */
} cpb_state;

/* note [token skip]: set in def when the state reports nothing and every
 * token byte (>= RT_C_MIN_TOKEN, runtime/canon.h) leads back to it, as in
 * "the rest of this argument does not matter".  The walk then jumps to the
 * next separator byte instead of stepping through the token: the same
 * state, the same records, far fewer table reads on long arguments.  A
 * hint the compiler computes from the table; the bits below it are the
 * default target. */
#define CPB_DEF_SKIP 0x80000000u
#define CPB_DEF_MASK 0x00ffffffu

typedef struct cpb_record {
    uint8_t action, risk, reason, pad;
    uint32_t first, n; /* into CPB_S_RECRULES */
} cpb_record;

#endif
