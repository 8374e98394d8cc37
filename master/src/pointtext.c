/*
 * A point's value and flag names as text, as dnp3-master's tables and the
 * checkout report show them (shared by the library's checkout and the CLI).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3kit/catalog.h"
#include "master_private.h"

void master_number(double v, bool f32, char *buf, size_t cap)
{
    if (!isfinite(v)) {
        snprintf(buf, cap, "%s", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
        return;
    }
    /* the shortest text that reads back as the same value: 3.14159, never 3.1415899999999999;
     * a float32 value is read back as a float32 (what the outstation sent). Between 1e-4 and
     * 1e15 never an exponent: 30, not 3e+01 (the shortest round trip of 30 at precision 1) */
    bool plain = fabs(v) >= 1e-4 && fabs(v) < 1e15;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        if (plain && strchr(buf, 'e'))
            continue;
        if (f32 ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
            return;
    }
}

bool master_variation_is_f32(uint8_t group, uint8_t variation)
{
    const dnp3kit_object_info *info = dnp3kit_catalog_find(group, variation);
    for (unsigned k = 0; info && k < DNP3KIT_MAX_FIELDS && info->fields[k].type != DNP3KIT_FT_END; k++)
        if (info->fields[k].type == DNP3KIT_FT_F32)
            return true;
    return false;
}

/* Group whose flag names to use: double-bit inputs name bits 6-7 as a state,
 * which is the value here, so their quality bits (0-5) are named as a binary input's. */
uint8_t master_flag_group(const dnp3kit_master_point *p)
{
    return p->type == DNP3KIT_POINT_DBI ? 1 : p->group;
}

/* Flag names without the state bits (those are the value). */
uint8_t master_flag_bits(const dnp3kit_master_point *p)
{
    uint8_t f = p->flags;
    if (p->type == DNP3KIT_POINT_BI || p->type == DNP3KIT_POINT_BO)
        f &= 0x7F;
    else if (p->type == DNP3KIT_POINT_DBI)
        f &= 0x3F;
    return f;
}

void master_point_value_text(const dnp3kit_master_point *p, char *buf, size_t cap)
{
    static const char *const dbit[4] = {"INTERMEDIATE", "OFF", "ON", "INDETERMINATE"};
    if (p->type == DNP3KIT_POINT_BI || p->type == DNP3KIT_POINT_BO)
        snprintf(buf, cap, "%s", p->value != 0 ? "ON" : "OFF");
    else if (p->type == DNP3KIT_POINT_DBI)
        snprintf(buf, cap, "%s", dbit[(int)p->value & 3]);
    else
        master_number(p->value, master_variation_is_f32(p->group, p->variation), buf, cap);
}

void master_point_flags_text(const dnp3kit_master_point *p, char *buf, size_t cap)
{
    if (p->has_flags)
        dnp3kit_flags_format(master_flag_group(p), master_flag_bits(p), buf, cap);
    else
        buf[0] = 0;
    if (!buf[0])
        snprintf(buf, cap, "-");
}
