/*
 * Builders: the application-fragment writer and the requests and responses
 * built on it. Every write is checked against the caller's capacity; the
 * first error sticks and nothing is written past cap.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "dnp3kit/build.h"

/* ---- writer ---- */

static void fail(dnp3kit_app_writer *w, int err)
{
    if (!w->err)
        w->err = err;
}

static uint8_t *reserve(dnp3kit_app_writer *w, size_t n)
{
    if (w->err)
        return NULL;
    if (!w->buf || w->len > w->cap || w->cap - w->len < n) {
        fail(w, DNP3KIT_ERR_BUFFER);
        return NULL;
    }
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

static void put_le(dnp3kit_app_writer *w, uint64_t v, unsigned n)
{
    uint8_t *p = reserve(w, n);
    if (p)
        for (unsigned i = 0; i < n; i++)
            p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u8(dnp3kit_app_writer *w, uint8_t v)
{
    put_le(w, v, 1);
}

void dnp3kit_app_writer_init(dnp3kit_app_writer *w, uint8_t *buf, size_t cap, uint8_t ctrl,
                             uint8_t func, int iin)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->err = 0;
    /* responses add IIN1 then IIN2 (clause 4.2.2.5) */
    const uint8_t h[4] = {ctrl, func, (uint8_t)(iin >> 8), (uint8_t)iin};
    if (iin > 0xFFFF)
        fail(w, DNP3KIT_ERR_ARG);
    dnp3kit_app_write_raw(w, h, iin >= 0 ? 4 : 2);
}

int dnp3kit_app_writer_finish(const dnp3kit_app_writer *w)
{
    if (w->err)
        return w->err;
    if (w->len > INT32_MAX)
        return DNP3KIT_ERR_TOO_LARGE;
    return (int)w->len;
}

/* Object header with its range field (n octets of each value in r), written
 * whole or not at all (clause 4.2.2.7). */
static void object_header_r(dnp3kit_app_writer *w, uint8_t group, uint8_t variation, uint8_t q,
                            const uint64_t *r, unsigned nr, unsigned n)
{
    uint8_t h[3 + 2 * 4];
    size_t len = 3;
    h[0] = group;
    h[1] = variation;
    h[2] = q;
    for (unsigned k = 0; k < nr; k++)
        for (unsigned i = 0; i < n; i++)
            h[len++] = (uint8_t)(r[k] >> (8 * i));
    dnp3kit_app_write_raw(w, h, len);
}

static void object_header(dnp3kit_app_writer *w, uint8_t group, uint8_t variation, uint8_t q)
{
    object_header_r(w, group, variation, q, NULL, 0, 0);
}

void dnp3kit_app_write_all(dnp3kit_app_writer *w, uint8_t group, uint8_t variation)
{
    object_header(w, group, variation, 0x06);
}

/* Octets (1, 2 or 4) of the smallest field that holds v. */
static unsigned width_for(uint64_t v)
{
    return v <= 0xFF ? 1 : v <= 0xFFFF ? 2 : 4;
}

void dnp3kit_app_write_range_header(dnp3kit_app_writer *w, uint8_t group, uint8_t variation,
                                    uint32_t start, uint32_t stop)
{
    if (start > stop) {
        fail(w, DNP3KIT_ERR_ARG);
        return;
    }
    unsigned n = width_for(stop);
    const uint64_t r[2] = {start, stop};
    object_header_r(w, group, variation, (uint8_t)(n == 1 ? 0x00 : n == 2 ? 0x01 : 0x02), r, 2, n);
}

void dnp3kit_app_write_count_header(dnp3kit_app_writer *w, uint8_t group, uint8_t variation,
                                    uint32_t count)
{
    unsigned n = width_for(count);
    const uint64_t r[1] = {count};
    object_header_r(w, group, variation, (uint8_t)(n == 1 ? 0x07 : n == 2 ? 0x08 : 0x09), r, 1, n);
}

/* Encode one object straight into the writer. */
static void object(dnp3kit_app_writer *w, const dnp3kit_object_info *info, uint8_t variation,
                   const dnp3kit_point *pt)
{
    if (w->err)
        return;
    if (!w->buf || w->len > w->cap) {
        fail(w, DNP3KIT_ERR_BUFFER);
        return;
    }
    int n = dnp3kit_point_encode(info, variation, pt, w->buf + w->len, w->cap - w->len);
    if (n < 0)
        fail(w, n);
    else
        w->len += (size_t)n;
}

/* Row for objects that are written with their data; NULL after failing w. */
static const dnp3kit_object_info *data_row(dnp3kit_app_writer *w, uint8_t group, uint8_t variation)
{
    const dnp3kit_object_info *info = dnp3kit_catalog_find(group, variation);
    if (!info) {
        fail(w, DNP3KIT_ERR_UNSUPPORTED);
        return NULL;
    }
    if (info->size_rule == DNP3KIT_SIZE_NONE ||
        (info->size_rule == DNP3KIT_SIZE_VARIATION && variation == 0)) {
        fail(w, DNP3KIT_ERR_ARG); /* no object data in these */
        return NULL;
    }
    return info;
}

void dnp3kit_app_write_range(dnp3kit_app_writer *w, uint8_t group, uint8_t variation, uint32_t start,
                             const dnp3kit_point *pts, size_t n)
{
    if (w->err)
        return;
    const dnp3kit_object_info *info = data_row(w, group, variation);
    if (!info)
        return;
    if (n == 0 || !pts || n - 1 > (uint64_t)UINT32_MAX - start ||
        info->size_rule == DNP3KIT_SIZE_FREE) { /* free format needs its size prefix (0x5B) */
        fail(w, DNP3KIT_ERR_ARG);
        return;
    }
    dnp3kit_app_write_range_header(w, group, variation, start, (uint32_t)(start + (n - 1)));
    if (info->size_rule == DNP3KIT_SIZE_BITS1 || info->size_rule == DNP3KIT_SIZE_BITS2) {
        /* Packed, LSB first; unused high bits of the last octet are 0 (clause 4.2.2.7.3). */
        unsigned bits = info->size_rule == DNP3KIT_SIZE_BITS1 ? 1 : 2;
        uint8_t acc = 0;
        for (size_t k = 0; k < n; k++) {
            uint64_t v = pts[k].nfields ? pts[k].fields[0].v.u : 0;
            if (!pts[k].nfields || v > (bits == 1 ? 1u : 3u)) {
                fail(w, DNP3KIT_ERR_ARG);
                return;
            }
            unsigned shift = (unsigned)((k * bits) % 8);
            acc |= (uint8_t)(v << shift);
            if (shift + bits == 8 || k + 1 == n) {
                put_u8(w, acc);
                acc = 0;
            }
        }
        return;
    }
    for (size_t k = 0; k < n && !w->err; k++)
        object(w, info, variation, &pts[k]);
}

void dnp3kit_app_write_indexed(dnp3kit_app_writer *w, uint8_t group, uint8_t variation,
                               uint8_t qualifier, const dnp3kit_point *pts, size_t n)
{
    if (w->err)
        return;
    unsigned pc = (qualifier >> 4) & 7, rc = qualifier & 0x0F;
    /* index prefix 1/2/4 octets (prefix codes 1-3) with a count (range codes 7-9) */
    if ((qualifier & 0x80) || pc < 1 || pc > 3 || rc < 7 || rc > 9) {
        fail(w, DNP3KIT_ERR_ARG);
        return;
    }
    const dnp3kit_object_info *info = data_row(w, group, variation);
    if (!info)
        return;
    unsigned iw = pc == 3 ? 4 : pc, cw = rc == 9 ? 4 : rc - 6;
    if (info->size_rule == DNP3KIT_SIZE_BITS1 || info->size_rule == DNP3KIT_SIZE_BITS2 ||
        info->size_rule == DNP3KIT_SIZE_FREE || n == 0 || !pts ||
        (cw < 4 && n >> (8 * cw)) || n > UINT32_MAX) {
        fail(w, DNP3KIT_ERR_ARG);
        return;
    }
    for (size_t k = 0; k < n; k++)
        if (iw < 8 && pts[k].index >> (8 * iw)) {
            fail(w, DNP3KIT_ERR_ARG);
            return;
        }
    const uint64_t cnt[1] = {n};
    object_header_r(w, group, variation, qualifier, cnt, 1, cw);
    for (size_t k = 0; k < n && !w->err; k++) {
        put_le(w, pts[k].index, iw);
        object(w, info, variation, &pts[k]);
    }
}

void dnp3kit_app_write_counted(dnp3kit_app_writer *w, uint8_t group, uint8_t variation,
                               const dnp3kit_point *pts, size_t n)
{
    if (w->err)
        return;
    const dnp3kit_object_info *info = data_row(w, group, variation);
    if (!info)
        return;
    if (info->size_rule == DNP3KIT_SIZE_BITS1 || info->size_rule == DNP3KIT_SIZE_BITS2 ||
        info->size_rule == DNP3KIT_SIZE_FREE || n == 0 || !pts || n > UINT32_MAX) {
        fail(w, DNP3KIT_ERR_ARG);
        return;
    }
    dnp3kit_app_write_count_header(w, group, variation, (uint32_t)n);
    for (size_t k = 0; k < n && !w->err; k++)
        object(w, info, variation, &pts[k]);
}

void dnp3kit_app_write_free(dnp3kit_app_writer *w, uint8_t group, uint8_t variation,
                            const uint8_t *const *objs, const size_t *lens, size_t n)
{
    if (w->err)
        return;
    /* 0x5B: 1-octet count, 2-octet size prefix per object; a zero size is invalid */
    if (n == 0 || n > 0xFF || !objs || !lens) {
        fail(w, DNP3KIT_ERR_ARG);
        return;
    }
    for (size_t k = 0; k < n; k++)
        if (lens[k] == 0 || lens[k] > 0xFFFF || !objs[k]) {
            fail(w, DNP3KIT_ERR_ARG);
            return;
        }
    const uint64_t cnt[1] = {n};
    object_header_r(w, group, variation, 0x5B, cnt, 1, 1);
    for (size_t k = 0; k < n; k++) {
        put_le(w, lens[k], 2);
        dnp3kit_app_write_raw(w, objs[k], lens[k]);
    }
}

void dnp3kit_app_write_raw(dnp3kit_app_writer *w, const uint8_t *p, size_t n)
{
    if (n && !p) {
        fail(w, DNP3KIT_ERR_ARG);
        return;
    }
    uint8_t *d = reserve(w, n);
    if (d && n)
        memcpy(d, p, n);
}

/* ---- master requests ---- */

/* Requests are single fragments: FIR|FIN, no CON, no UNS (clause 4.2.2.4). */
static bool request(dnp3kit_app_writer *w, uint8_t *buf, size_t cap, uint8_t seq, uint8_t func)
{
    dnp3kit_app_writer_init(w, buf, cap, dnp3kit_app_ctrl(true, true, false, false, seq), func, -1);
    if (seq > 15)
        fail(w, DNP3KIT_ERR_ARG);
    return !w->err;
}

int dnp3kit_build_read_class(uint8_t *buf, size_t cap, uint8_t seq, unsigned classes)
{
    dnp3kit_app_writer w;
    request(&w, buf, cap, seq, DNP3KIT_FC_READ);
    if (classes == 0 || classes > 0xF)
        fail(&w, DNP3KIT_ERR_ARG);
    /* events first (classes 1, 2, 3 = g60 v2, v3, v4), then the static class 0 (v1) */
    for (unsigned c = 1; c <= 3; c++)
        if (classes & (1u << c))
            dnp3kit_app_write_all(&w, 60, (uint8_t)(c + 1));
    if (classes & 1u)
        dnp3kit_app_write_all(&w, 60, 1);
    return dnp3kit_app_writer_finish(&w);
}

int dnp3kit_build_integrity_poll(uint8_t *buf, size_t cap, uint8_t seq)
{
    return dnp3kit_build_read_class(buf, cap, seq, 0xF);
}

int dnp3kit_build_read_range(uint8_t *buf, size_t cap, uint8_t seq, uint8_t group, uint8_t variation,
                             uint32_t start, uint32_t stop)
{
    dnp3kit_app_writer w;
    request(&w, buf, cap, seq, DNP3KIT_FC_READ);
    dnp3kit_app_write_range_header(&w, group, variation, start, stop);
    return dnp3kit_app_writer_finish(&w);
}

int dnp3kit_build_confirm(uint8_t *buf, size_t cap, uint8_t seq, bool uns)
{
    /* A confirm of an unsolicited response carries UNS (clause 4.2.2.4.4). */
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, buf, cap, dnp3kit_app_ctrl(true, true, false, uns, seq),
                            DNP3KIT_FC_CONFIRM, -1);
    if (seq > 15)
        fail(&w, DNP3KIT_ERR_ARG);
    return dnp3kit_app_writer_finish(&w);
}

static bool control_func(uint8_t func)
{
    return func == DNP3KIT_FC_SELECT || func == DNP3KIT_FC_OPERATE || func == DNP3KIT_FC_DIRECT_OPERATE ||
           func == DNP3KIT_FC_DIRECT_OPERATE_NR;
}

/* One g12v1 object from c into pt's fields, in the row's order. */
static bool crob_point(const dnp3kit_crob *c, uint16_t index, dnp3kit_point *pt)
{
    if (!c || c->op > 0x0F || c->tcc > 3)
        return false;
    memset(pt, 0, sizeof *pt);
    const dnp3kit_object_info *info = dnp3kit_catalog_find(12, 1);
    uint64_t v[5] = {dnp3kit_crob_code(c->op, c->tcc, c->clear), c->count, c->on_ms, c->off_ms,
                     c->status};
    for (unsigned k = 0; k < 5; k++) {
        pt->fields[k].type = info->fields[k].type;
        pt->fields[k].name = info->fields[k].name;
        pt->fields[k].v.u = v[k];
    }
    pt->nfields = 5;
    pt->index = index;
    pt->has_index = true;
    return true;
}

int dnp3kit_build_crob(uint8_t *buf, size_t cap, uint8_t seq, uint8_t func, uint16_t index,
                       const dnp3kit_crob *c)
{
    dnp3kit_app_writer w;
    dnp3kit_point pt;
    request(&w, buf, cap, seq, func);
    if (!control_func(func) || !crob_point(c, index, &pt)) {
        fail(&w, DNP3KIT_ERR_ARG);
        return dnp3kit_app_writer_finish(&w);
    }
    dnp3kit_app_write_indexed(&w, 12, 1, 0x28, &pt, 1);
    return dnp3kit_app_writer_finish(&w);
}

/* Does value fit the analog output type exactly? (no rounding, no clamping) */
static bool ao_fits(dnp3kit_ao_type type, double value)
{
    if (!isfinite(value))
        return false;
    switch (type) {
    case DNP3KIT_AO_INT32:
        return value == trunc(value) && value >= (double)INT32_MIN && value <= (double)INT32_MAX;
    case DNP3KIT_AO_INT16:
        return value == trunc(value) && value >= (double)INT16_MIN && value <= (double)INT16_MAX;
    case DNP3KIT_AO_FLOAT32:
        /* Rounding to the nearest float32 is what a float is; what is refused
         * is a value float32 cannot represent at all: beyond its range, or so
         * small that it would arrive as 0 or lose precision as a subnormal. */
        return fabs(value) <= (double)FLT_MAX && (value == 0 || fabs(value) >= (double)FLT_MIN);
    case DNP3KIT_AO_FLOAT64:
        return true;
    }
    return false;
}

int dnp3kit_build_analog_output(uint8_t *buf, size_t cap, uint8_t seq, uint8_t func, uint16_t index,
                                dnp3kit_ao_type type, double value)
{
    dnp3kit_app_writer w;
    request(&w, buf, cap, seq, func);
    if (!control_func(func) || type < DNP3KIT_AO_INT32 || type > DNP3KIT_AO_FLOAT64 ||
        !ao_fits(type, value)) {
        fail(&w, DNP3KIT_ERR_ARG);
        return dnp3kit_app_writer_finish(&w);
    }
    /* g41 v1-v4: value then status (0 in requests), qualifier 0x28 */
    dnp3kit_point pt;
    memset(&pt, 0, sizeof pt);
    const dnp3kit_object_info *info = dnp3kit_catalog_find(41, (uint8_t)type);
    pt.fields[0].type = info->fields[0].type;
    pt.fields[0].name = info->fields[0].name;
    if (type == DNP3KIT_AO_INT32 || type == DNP3KIT_AO_INT16)
        pt.fields[0].v.i = (int64_t)value;
    else
        pt.fields[0].v.f = value;
    pt.fields[1].type = info->fields[1].type;
    pt.fields[1].name = info->fields[1].name;
    pt.nfields = 2;
    pt.index = index;
    pt.has_index = true;
    dnp3kit_app_write_indexed(&w, 41, (uint8_t)type, 0x28, &pt, 1);
    return dnp3kit_app_writer_finish(&w);
}

int dnp3kit_build_freeze(uint8_t *buf, size_t cap, uint8_t seq, bool clear, bool no_ack)
{
    uint8_t func = clear ? (no_ack ? DNP3KIT_FC_FREEZE_CLEAR_NR : DNP3KIT_FC_FREEZE_CLEAR)
                         : (no_ack ? DNP3KIT_FC_IMMED_FREEZE_NR : DNP3KIT_FC_IMMED_FREEZE);
    dnp3kit_app_writer w;
    request(&w, buf, cap, seq, func);
    dnp3kit_app_write_all(&w, 20, 0);
    return dnp3kit_app_writer_finish(&w);
}

/* A request that is only its header. */
static int bare(uint8_t *buf, size_t cap, uint8_t seq, uint8_t func)
{
    dnp3kit_app_writer w;
    request(&w, buf, cap, seq, func);
    return dnp3kit_app_writer_finish(&w);
}

int dnp3kit_build_restart(uint8_t *buf, size_t cap, uint8_t seq, bool cold)
{
    return bare(buf, cap, seq, cold ? DNP3KIT_FC_COLD_RESTART : DNP3KIT_FC_WARM_RESTART);
}

int dnp3kit_build_unsolicited(uint8_t *buf, size_t cap, uint8_t seq, bool enable, unsigned classes)
{
    dnp3kit_app_writer w;
    request(&w, buf, cap, seq, enable ? DNP3KIT_FC_ENABLE_UNSOLICITED : DNP3KIT_FC_DISABLE_UNSOLICITED);
    /* only event classes 1-3 can be reported unsolicited */
    if ((classes & ~0xEu) || !(classes & 0xEu))
        fail(&w, DNP3KIT_ERR_ARG);
    for (unsigned c = 1; c <= 3; c++)
        if (classes & (1u << c))
            dnp3kit_app_write_all(&w, 60, (uint8_t)(c + 1));
    return dnp3kit_app_writer_finish(&w);
}

int dnp3kit_build_clear_restart(uint8_t *buf, size_t cap, uint8_t seq)
{
    /* WRITE g80v1, qualifier 0x00, start = stop = 7 (IIN1.7 DEVICE_RESTART), one packed 0 */
    dnp3kit_app_writer w;
    request(&w, buf, cap, seq, DNP3KIT_FC_WRITE);
    dnp3kit_app_write_range_header(&w, 80, 1, 7, 7);
    put_u8(&w, 0x00);
    return dnp3kit_app_writer_finish(&w);
}

int dnp3kit_build_delay_measure(uint8_t *buf, size_t cap, uint8_t seq)
{
    return bare(buf, cap, seq, DNP3KIT_FC_DELAY_MEASURE);
}

int dnp3kit_build_record_current_time(uint8_t *buf, size_t cap, uint8_t seq)
{
    return bare(buf, cap, seq, DNP3KIT_FC_RECORD_CURRENT_TIME);
}

int dnp3kit_build_write_time(uint8_t *buf, size_t cap, uint8_t seq, uint8_t variation, uint64_t ms)
{
    dnp3kit_app_writer w;
    request(&w, buf, cap, seq, DNP3KIT_FC_WRITE);
    /* g50v1 (non-LAN) or g50v3 (LAN procedure, clause 5.3.3), qualifier 0x07 count 1; 48-bit time */
    if ((variation != 1 && variation != 3) || ms >> 48) {
        fail(&w, DNP3KIT_ERR_ARG);
        return dnp3kit_app_writer_finish(&w);
    }
    dnp3kit_app_write_count_header(&w, 50, variation, 1);
    put_le(&w, ms, 6);
    return dnp3kit_app_writer_finish(&w);
}

/* ---- outstation responses ---- */

int dnp3kit_build_null_response(uint8_t *buf, size_t cap, uint8_t ctrl, uint8_t func, uint16_t iin)
{
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, buf, cap, ctrl, func, iin);
    return dnp3kit_app_writer_finish(&w);
}

static void response(dnp3kit_app_writer *w, uint8_t *buf, size_t cap, uint8_t seq, uint16_t iin)
{
    dnp3kit_app_writer_init(w, buf, cap, dnp3kit_app_ctrl(true, true, false, false, seq),
                            DNP3KIT_FC_RESPONSE, iin);
    if (seq > 15)
        fail(w, DNP3KIT_ERR_ARG);
}

int dnp3kit_build_crob_response(uint8_t *buf, size_t cap, uint8_t seq, uint16_t iin, uint16_t index,
                                const dnp3kit_crob *c)
{
    dnp3kit_app_writer w;
    dnp3kit_point pt;
    response(&w, buf, cap, seq, iin);
    if (!crob_point(c, index, &pt)) {
        fail(&w, DNP3KIT_ERR_ARG);
        return dnp3kit_app_writer_finish(&w);
    }
    dnp3kit_app_write_indexed(&w, 12, 1, 0x28, &pt, 1);
    return dnp3kit_app_writer_finish(&w);
}

int dnp3kit_build_time_delay_response(uint8_t *buf, size_t cap, uint8_t seq, uint16_t iin,
                                      uint8_t variation, uint16_t delay)
{
    dnp3kit_app_writer w;
    response(&w, buf, cap, seq, iin);
    if (variation != 1 && variation != 2) {
        fail(&w, DNP3KIT_ERR_ARG);
        return dnp3kit_app_writer_finish(&w);
    }
    dnp3kit_app_write_count_header(&w, 52, variation, 1);
    put_le(&w, delay, 2);
    return dnp3kit_app_writer_finish(&w);
}
