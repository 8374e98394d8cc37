/*
 * The object catalogue: the table built from objects.def, its O(1) index,
 * and the names of flags, control codes and control statuses.
 */
#include <stdio.h>
#include <string.h>

#include "dnp3kit/catalog.h"

/* One enumerator per row, so that row numbers are compile-time constants. */
enum {
#define DNP3KIT_OBJ(g, v, kind, rule, size, name, fields) ROW_##g##_##v,
#include "dnp3kit/objects.def"
#undef DNP3KIT_OBJ
    NROWS
};

/* Rows with the END terminator appended: a row with more than
 * DNP3KIT_MAX_FIELDS - 1 fields does not compile. */
static const dnp3kit_object_info table[NROWS] = {
#define DNP3KIT_OBJ(g, v, kind, rule, size, name, fields)                                    \
    {g, v, DNP3KIT_KIND_##kind, DNP3KIT_SIZE_##rule, size, name, {fields{DNP3KIT_FT_END, NULL}}},
#include "dnp3kit/objects.def"
#undef DNP3KIT_OBJ
};

/*
 * The index, built by the compiler. Every group but 0 uses variations
 * below 16; group 0's standard attributes sit at 196-255. So: lo[g][v] for
 * v < 16 and g0hi[v] for group 0, each holding row + 1 (0 = undefined).
 * A row that does not belong in one of the two arrays is parked in a
 * private slot past the real entries (unique per row, so no designated
 * initializer is ever overridden and a duplicate row fails to compile
 * with -Woverride-init).
 */
#define PARK_LO (256 + (NROWS + 15) / 16)
static const uint16_t lo[PARK_LO][16] = {
#define DNP3KIT_OBJ(g, v, kind, rule, size, name, fields)                                    \
    [(v) < 16 ? (g) : 256 + ROW_##g##_##v / 16][(v) < 16 ? (v) : ROW_##g##_##v % 16] =       \
        ROW_##g##_##v + 1,
#include "dnp3kit/objects.def"
#undef DNP3KIT_OBJ
};
static const uint16_t g0hi[256 + NROWS] = {
#define DNP3KIT_OBJ(g, v, kind, rule, size, name, fields)                                    \
    [(g) == 0 && (v) >= 16 ? (v) : 256 + ROW_##g##_##v] = ROW_##g##_##v + 1,
#include "dnp3kit/objects.def"
#undef DNP3KIT_OBJ
};
/* A row outside both arrays would be unreachable: refuse to compile. */
#define DNP3KIT_OBJ(g, v, kind, rule, size, name, fields)                                    \
    _Static_assert((v) < 16 || (g) == 0, "catalog index: variation >= 16 outside group 0");
#include "dnp3kit/objects.def"
#undef DNP3KIT_OBJ

static const char *const group_names[256] = {
#define DNP3KIT_OBJ(g, v, kind, rule, size, name, fields)
#define DNP3KIT_GROUP(g, name) [g] = name,
#include "dnp3kit/objects.def"
#undef DNP3KIT_GROUP
#undef DNP3KIT_OBJ
};

const dnp3kit_object_info *dnp3kit_catalog_find(uint8_t group, uint8_t variation)
{
    unsigned r = variation < 16 ? lo[group][variation] : group == 0 ? g0hi[variation] : 0;
    if (r)
        return &table[r - 1];
    /* g110-g113: the variation is the string length (A.39-A.42), one row per group. */
    r = lo[group][0];
    if (r && table[r - 1].size_rule == DNP3KIT_SIZE_VARIATION)
        return &table[r - 1];
    return NULL;
}

const dnp3kit_object_info *dnp3kit_catalog_table(size_t *count)
{
    if (count)
        *count = NROWS;
    return table;
}

const char *dnp3kit_group_name(uint8_t group)
{
    return group_names[group];
}

uint32_t dnp3kit_object_size(const dnp3kit_object_info *info, uint8_t variation)
{
    if (!info)
        return 0;
    switch (info->size_rule) {
    case DNP3KIT_SIZE_FIXED: return info->size;
    case DNP3KIT_SIZE_VARIATION: return variation;
    default: return 0;
    }
}

uint32_t dnp3kit_object_fixed_part(const dnp3kit_object_info *info)
{
    if (!info || info->size_rule != DNP3KIT_SIZE_FREE)
        return 0;
    uint32_t n = 0;
    for (unsigned k = 0; k < DNP3KIT_MAX_FIELDS && info->fields[k].type != DNP3KIT_FT_END; k++)
        n += dnp3kit_field_width(info->fields[k].type);
    return n;
}

/* ---- names ---- */

/* Appends s (with a '|' separator when sep and something precedes it) the
 * way snprintf would: *n counts what would have been written. */
static void put(char *buf, size_t cap, size_t *n, const char *s, bool sep)
{
    if (sep && *n > 0)
        put(buf, cap, n, "|", false);
    for (; *s; s++, (*n)++)
        if (*n + 1 < cap)
            buf[*n] = *s;
    if (cap)
        buf[*n < cap ? *n : cap - 1] = '\0';
}

const char *dnp3kit_control_status_name(uint8_t status)
{
    switch (status) {
#define X(n, v) case v: return #n;
        DNP3KIT_CONTROL_STATUSES(X)
#undef X
    default: return "RESERVED";
    }
}

int dnp3kit_flags_format(uint8_t group, uint8_t flags, char *buf, size_t cap)
{
    static const char *const low[5] = {"ONLINE", "RESTART", "COMM_LOST", "REMOTE_FORCED",
                                       "LOCAL_FORCED"};
    /* Meanings of bits 5-7 by group (clause 11.9 / the flag tables of annex A). */
    const char *hi[3] = {"BIT5", "BIT6", "BIT7"};
    bool dbit = false;
    size_t n = 0;
    if (cap)
        buf[0] = '\0';
    switch (group) {
    case 1: case 2:
        hi[0] = "CHATTER_FILTER", hi[1] = "RESERVED6", hi[2] = "STATE";
        break;
    case 3: case 4: /* bits 6-7 are the double-bit state, not flags */
        hi[0] = "CHATTER_FILTER", dbit = true;
        break;
    case 10: case 11:
        hi[0] = "RESERVED5", hi[1] = "RESERVED6", hi[2] = "STATE";
        break;
    case 13: { /* not quality flags: control status in bits 0-6, commanded state in bit 7 */
        put(buf, cap, &n, dnp3kit_control_status_name(flags & 0x7F), true);
        if (flags & 0x80)
            put(buf, cap, &n, "STATE", true);
        return (int)n;
    }
    case 20: case 21: case 22: case 23:
        hi[0] = "ROLLOVER", hi[1] = "DISCONTINUITY", hi[2] = "RESERVED7";
        break;
    case 30: case 31: case 32: case 33: case 40: case 42: case 100:
        hi[0] = "OVER_RANGE", hi[1] = "REFERENCE_ERR", hi[2] = "RESERVED7";
        break;
    case 121: case 122:
        hi[0] = "RESERVED5", hi[1] = "DISCONTINUITY", hi[2] = "RESERVED7";
        break;
    default:
        break;
    }
    for (unsigned b = 0; b < 5; b++)
        if (flags & (1u << b))
            put(buf, cap, &n, low[b], true);
    if (flags & 0x20)
        put(buf, cap, &n, hi[0], true);
    if (dbit) {
        static const char *const st[4] = {"INTERMEDIATE", "DETERMINED_OFF", "DETERMINED_ON",
                                          "INDETERMINATE"};
        put(buf, cap, &n, st[(flags >> 6) & 3], true);
    } else {
        if (flags & 0x40)
            put(buf, cap, &n, hi[1], true);
        if (flags & 0x80)
            put(buf, cap, &n, hi[2], true);
    }
    return (int)n;
}

int dnp3kit_crob_format(uint8_t code, char *buf, size_t cap)
{
    static const char *const ops[5] = {"NUL", "PULSE_ON", "PULSE_OFF", "LATCH_ON", "LATCH_OFF"};
    static const char *const tccs[4] = {NULL, "CLOSE", "TRIP", "RESERVED_TCC"};
    char opbuf[8];
    const char *op = ops[0];
    unsigned o = code & 0x0F;
    if (o < 5) {
        op = ops[o];
    } else {
        snprintf(opbuf, sizeof opbuf, "OP_%u", o);
        op = opbuf;
    }
    size_t n = 0;
    if (cap)
        buf[0] = '\0';
    put(buf, cap, &n, op, false);
    const char *t = tccs[code >> 6];
    if (t) {
        put(buf, cap, &n, " ", false);
        put(buf, cap, &n, t, false);
    }
    if (code & DNP3KIT_CROB_CLEAR)
        put(buf, cap, &n, " CLEAR", false);
    if (code & DNP3KIT_CROB_QUEUE)
        put(buf, cap, &n, " QUEUE", false);
    return (int)n;
}
