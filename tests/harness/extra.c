/*
 * Simulator objects beyond the seven point types: device attributes (g0),
 * dead-bands (g34), octet strings (g110) and unsigned integers (g102).
 * See extra.h.
 */
#include "extra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static dnp3kit_os_attr *attr_add(dnp3kit_os_extra *x, uint8_t var, uint8_t type, bool writable, const void *v,
                                 size_t n)
{
    if (x->nattrs >= DNP3KIT_OS_MAX_ATTRS || n > sizeof x->attrs[0].value)
        return NULL;
    dnp3kit_os_attr *a = &x->attrs[x->nattrs++];
    a->variation = var;
    a->type = type;
    a->writable = writable;
    a->len = (uint8_t)n;
    memcpy(a->value, v, n);
    return a;
}

static void attr_str(dnp3kit_os_extra *x, uint8_t var, bool writable, const char *s)
{
    attr_add(x, var, 1, writable, s, strlen(s));
}

static void attr_uint(dnp3kit_os_extra *x, uint8_t var, uint32_t v)
{
    uint8_t b[4];
    put_le(b, v, 4);
    attr_add(x, var, 2, false, b, 4);
}

static dnp3kit_os_attr *attr_find(dnp3kit_os_extra *x, uint8_t var)
{
    for (unsigned i = 0; i < x->nattrs; i++)
        if (x->attrs[i].variation == var)
            return &x->attrs[i];
    return NULL;
}

/* Made on first use: a simulator serving thousands of addresses pays only for what is asked. */
int dnp3kit_os_extra_init(dnp3kit_outstation *os)
{
    if (os->extra)
        return DNP3KIT_OK;
    dnp3kit_os_extra *x = calloc(1, sizeof *x);
    if (!x)
        return DNP3KIT_ERR_NOMEM;
    uint32_t nai = os->cfg.count[DNP3KIT_OS_AI];
    x->deadband = calloc(nai ? nai : 1, sizeof *x->deadband);
    if (!x->deadband) {
        free(x);
        return DNP3KIT_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < nai; i++)
        x->deadband[i] = i + 1; /* distinct, so a test sees which one it read */
    char b[48];
    attr_str(x, 252, false, "dnp3kit");
    attr_str(x, 250, false, "dnp3-outstation simulator");
    attr_str(x, 242, false, DNP3KIT_VERSION_STRING);
    attr_str(x, 243, false, "none");
    snprintf(b, sizeof b, "SIM-%05u", os->cfg.address);
    attr_str(x, 248, false, b);
    snprintf(b, sizeof b, "outstation-%u", os->cfg.address);
    attr_str(x, 247, true, b);
    attr_str(x, 246, true, "");
    attr_str(x, 245, true, "bench");
    attr_str(x, 196, false, "sim-config-1");
    attr_uint(x, 239, os->cfg.count[DNP3KIT_OS_BI]);
    attr_uint(x, 233, nai);
    attr_uint(x, 229, os->cfg.count[DNP3KIT_OS_CNT]);
    attr_uint(x, 224, os->cfg.count[DNP3KIT_OS_BO]);
    attr_uint(x, 240, os->cfg.max_fragment);
    attr_uint(x, 241, DNP3KIT_OS_MAX_REQUEST);
    uint8_t f[8];
    double lat = 51.5;
    uint64_t u;
    memcpy(&u, &lat, 8);
    put_le(f, u, 8);
    attr_add(x, 205, 4, true, f, 8); /* latitude: a writable float64 */
    os->extra = x;
    return DNP3KIT_OK;
}

void dnp3kit_os_extra_free(dnp3kit_outstation *os)
{
    if (!os->extra)
        return;
    free(os->extra->deadband);
    free(os->extra);
    os->extra = NULL;
}

int dnp3kit_os_extra_set_attr(dnp3kit_outstation *os, uint8_t variation, const char *value)
{
    if (dnp3kit_os_extra_init(os) != DNP3KIT_OK)
        return DNP3KIT_ERR_NOMEM;
    dnp3kit_os_attr *a = attr_find(os->extra, variation);
    size_t n = strlen(value);
    if (!a) {
        a = attr_add(os->extra, variation, 1, true, value, n);
        return a ? DNP3KIT_OK : DNP3KIT_ERR_ARG;
    }
    if (a->type != 1 || n > sizeof a->value)
        return DNP3KIT_ERR_ARG;
    memcpy(a->value, value, n);
    a->len = (uint8_t)n;
    return DNP3KIT_OK;
}

static void add(dnp3kit_outstation *os, const dnp3kit_os_read_item *it)
{
    if (os->nitems >= DNP3KIT_OS_MAX_READ_ITEMS) {
        os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
        return;
    }
    os->items[os->nitems++] = *it;
}

void dnp3kit_os_extra_class0(dnp3kit_outstation *os)
{
    if (os->cfg.octet_strings) {
        dnp3kit_os_read_item it = {.kind = DNP3KIT_OS_ITEM_OCTETS, .stop = os->cfg.octet_strings - 1};
        add(os, &it);
    }
    if (os->cfg.uints) {
        dnp3kit_os_read_item it = {.kind = DNP3KIT_OS_ITEM_UINT8, .stop = os->cfg.uints - 1};
        add(os, &it);
    }
}

/* Range of a READ header over n objects: all, start-stop or (for g34) an index list. */
static bool item_range(dnp3kit_outstation *os, const dnp3kit_object_header *oh, const uint8_t *req, uint32_t n,
                       dnp3kit_os_read_item *it)
{
    if (oh->qualifier == 0x06) {
        if (n == 0)
            return false;
        it->start = 0;
        it->stop = n - 1;
    } else if (oh->has_range && oh->prefix_code == 0) {
        if (oh->start >= n || oh->stop >= n) {
            os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
            if (oh->start >= n)
                return false;
        }
        it->start = (uint32_t)oh->start;
        it->stop = (uint32_t)(oh->stop < n ? oh->stop : n - 1);
    } else if ((oh->qualifier == 0x17 || oh->qualifier == 0x28) && oh->count > 0) {
        it->indices = req + oh->data_offset;
        it->index_size = oh->prefix_size;
        it->stop = (uint32_t)oh->count;
    } else {
        os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
        return false;
    }
    return true;
}

bool dnp3kit_os_extra_read(dnp3kit_outstation *os, const dnp3kit_object_header *oh, const uint8_t *req)
{
    dnp3kit_os_read_item it = {0};
    it.variation = oh->variation;
    if ((oh->group == 34 || oh->group == 0) && dnp3kit_os_extra_init(os) != DNP3KIT_OK) {
        os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
        return true;
    }
    if (oh->group == 34) {
        if (oh->variation > 3) {
            os->read_iin |= DNP3KIT_IIN_OBJECT_UNKNOWN;
            return true;
        }
        it.kind = DNP3KIT_OS_ITEM_DEADBAND;
        if (item_range(os, oh, req, os->cfg.count[DNP3KIT_OS_AI], &it))
            add(os, &it);
        return true;
    }
    if (oh->group == 0) {
        if (oh->variation != 254 && oh->variation != 255 && !attr_find(os->extra, oh->variation)) {
            os->read_iin |= DNP3KIT_IIN_OBJECT_UNKNOWN;
            return true;
        }
        if (oh->qualifier != 0x06 && !(oh->has_range && oh->prefix_code == 0 && oh->start == 0 && oh->stop == 0)) {
            os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
            return true;
        }
        it.kind = DNP3KIT_OS_ITEM_ATTR;
        add(os, &it);
        return true;
    }
    if ((oh->group == 110 && os->cfg.octet_strings) || (oh->group == 102 && os->cfg.uints)) {
        it.kind = oh->group == 110 ? DNP3KIT_OS_ITEM_OCTETS : DNP3KIT_OS_ITEM_UINT8;
        if (item_range(os, oh, req, oh->group == 110 ? os->cfg.octet_strings : os->cfg.uints, &it))
            add(os, &it);
        return true;
    }
    return false;
}

static bool room(const dnp3kit_app_writer *w, size_t n)
{
    return !w->err && w->len <= w->cap && w->cap - w->len >= n;
}

/* One attribute object with its own header (qualifier 0x00, index 0: the device). */
static bool write_attr(dnp3kit_app_writer *w, uint8_t var, uint8_t type, const uint8_t *v, size_t n)
{
    if (!room(w, 5 + 2 + n))
        return false;
    uint8_t h[7] = {0, var, 0x00, 0, 0, type, (uint8_t)n};
    dnp3kit_app_write_raw(w, h, 7);
    dnp3kit_app_write_raw(w, v, n);
    return true;
}

static bool write_attrs(dnp3kit_outstation *os, dnp3kit_app_writer *w, dnp3kit_os_read_item *it, uint32_t *next)
{
    dnp3kit_os_extra *x = os->extra;
    if (it->variation != 254 && it->variation != 255) {
        const dnp3kit_os_attr *a = attr_find(x, it->variation);
        return !a || write_attr(w, a->variation, a->type, a->value, a->len);
    }
    /* all (v254): every attribute, then the list (v255); the list alone for v255 */
    if (it->variation == 254)
        for (; *next < x->nattrs; (*next)++) {
            const dnp3kit_os_attr *a = &x->attrs[*next];
            if (!write_attr(w, a->variation, a->type, a->value, a->len))
                return false;
        }
    uint8_t list[2 * DNP3KIT_OS_MAX_ATTRS];
    for (unsigned i = 0; i < x->nattrs; i++) {
        list[2 * i] = x->attrs[i].variation;
        list[2 * i + 1] = x->attrs[i].writable ? 1 : 0;
    }
    return write_attr(w, 255, 254, list, 2 * x->nattrs);
}

static size_t width(uint32_t v)
{
    return v <= 0xFF ? 1 : v <= 0xFFFF ? 2 : 4;
}

/* Objects of a range item (or index list) of fixed size osize, filled by fill(k, out). */
typedef void (*fill_fn)(dnp3kit_outstation *os, uint8_t variation, uint32_t index, uint8_t *out);

static bool write_fixed(dnp3kit_outstation *os, dnp3kit_app_writer *w, dnp3kit_os_read_item *it, uint8_t g,
                        uint8_t v, size_t osize, uint32_t limit, fill_fn fill, uint32_t *next)
{
    uint8_t obj[300];
    if (it->indices) {
        uint8_t q = it->index_size == 1 ? 0x17 : 0x28;
        size_t ps = it->index_size;
        uint32_t total = it->stop;
        if (!room(w, 3 + ps + ps + osize))
            return false;
        uint8_t h[3] = {g, v, q};
        size_t hpos = w->len;
        dnp3kit_app_write_raw(w, h, 3);
        size_t cpos = w->len;
        uint8_t zero[2] = {0, 0};
        dnp3kit_app_write_raw(w, zero, ps);
        uint32_t written = 0;
        while (*next < total && room(w, ps + osize)) {
            const uint8_t *ip = it->indices + (size_t)*next * ps;
            uint32_t idx = ps == 1 ? ip[0] : (uint32_t)(ip[0] | ip[1] << 8);
            (*next)++;
            if (idx >= limit) {
                os->read_iin |= DNP3KIT_IIN_PARAMETER_ERROR;
                continue;
            }
            put_le(obj, idx, (unsigned)ps);
            fill(os, v, idx, obj + ps);
            dnp3kit_app_write_raw(w, obj, ps + osize);
            written++;
        }
        if (written == 0)
            w->len = hpos;
        else
            put_le(w->buf + cpos, written, (unsigned)ps);
        return *next >= total;
    }
    if (*next < it->start)
        *next = it->start;
    size_t hdr = 3 + 2 * width(it->stop);
    if (!room(w, hdr + osize))
        return false;
    uint32_t fit = (uint32_t)((w->cap - w->len - hdr) / osize);
    uint32_t n = it->stop - *next + 1 < fit ? it->stop - *next + 1 : fit;
    dnp3kit_app_write_range_header(w, g, v, *next, *next + n - 1);
    for (uint32_t k = 0; k < n; k++) {
        fill(os, v, *next + k, obj);
        dnp3kit_app_write_raw(w, obj, osize);
    }
    *next += n;
    return *next > it->stop;
}

static void fill_deadband(dnp3kit_outstation *os, uint8_t v, uint32_t i, uint8_t *out)
{
    double d = os->extra->deadband[i];
    if (v == 1) {
        put_le(out, d < 0 ? 0 : d > 65535 ? 65535 : (uint64_t)d, 2);
    } else if (v == 2) {
        put_le(out, d < 0 ? 0 : d > 4294967295.0 ? 4294967295u : (uint64_t)d, 4);
    } else {
        float f = (float)d;
        uint32_t u;
        memcpy(&u, &f, 4);
        put_le(out, u, 4);
    }
}

static void fill_octets(dnp3kit_outstation *os, uint8_t v, uint32_t i, uint8_t *out)
{
    (void)os;
    char b[16];
    snprintf(b, sizeof b, "text-%03u", i % 1000);
    memcpy(out, b, v);
}

static void fill_uint8(dnp3kit_outstation *os, uint8_t v, uint32_t i, uint8_t *out)
{
    (void)os;
    (void)v;
    out[0] = (uint8_t)(i * 37 + 5);
}

bool dnp3kit_os_extra_write(dnp3kit_outstation *os, dnp3kit_app_writer *w, dnp3kit_os_read_item *it)
{
    uint32_t *next = &os->item_next;
    switch (it->kind) {
    case DNP3KIT_OS_ITEM_ATTR: return write_attrs(os, w, it, next);
    case DNP3KIT_OS_ITEM_OCTETS: return write_fixed(os, w, it, 110, 8, 8, os->cfg.octet_strings, fill_octets, next);
    case DNP3KIT_OS_ITEM_UINT8: return write_fixed(os, w, it, 102, 1, 1, os->cfg.uints, fill_uint8, next);
    case DNP3KIT_OS_ITEM_DEADBAND: {
        uint8_t v = it->variation;
        if (v == 0) {
            /* any variation: 16 bits when every dead-band asked for is a whole number that fits */
            v = 1;
            for (uint32_t i = 0; i < os->cfg.count[DNP3KIT_OS_AI]; i++) {
                double d = os->extra->deadband[i];
                if (d != floor(d) || d < 0 || d > 65535)
                    v = 3;
            }
        }
        return write_fixed(os, w, it, 34, v, v == 1 ? 2 : 4, os->cfg.count[DNP3KIT_OS_AI], fill_deadband, next);
    }
    default: return true;
    }
}

bool dnp3kit_os_extra_apply(dnp3kit_outstation *os, const uint8_t *frag, size_t len,
                            const dnp3kit_object_header *oh, uint16_t *err)
{
    dnp3kit_point_iter pi;
    dnp3kit_point pt;
    if ((oh->group == 34 || oh->group == 0) && dnp3kit_os_extra_init(os) != DNP3KIT_OK) {
        *err |= DNP3KIT_IIN_PARAMETER_ERROR;
        return true;
    }
    if (oh->group == 34) {
        if (oh->variation < 1 || oh->variation > 3) {
            *err |= DNP3KIT_IIN_OBJECT_UNKNOWN;
            return true;
        }
        dnp3kit_point_iter_init(&pi, frag, len, oh);
        while (dnp3kit_point_iter_next(&pi, &pt) == 1) {
            if (!pt.has_index || pt.index >= os->cfg.count[DNP3KIT_OS_AI] || pt.nfields < 1) {
                *err |= DNP3KIT_IIN_PARAMETER_ERROR;
                continue;
            }
            const dnp3kit_field_value *f = &pt.fields[0];
            double d = f->type == DNP3KIT_FT_F32 ? f->v.f : (double)f->v.u;
            if (!(d >= 0) || !isfinite(d)) {
                *err |= DNP3KIT_IIN_PARAMETER_ERROR;
                continue;
            }
            os->extra->deadband[pt.index] = d;
        }
        return true;
    }
    if (oh->group == 0) {
        dnp3kit_os_attr *a = attr_find(os->extra, oh->variation);
        if (!a) {
            *err |= DNP3KIT_IIN_OBJECT_UNKNOWN;
            return true;
        }
        dnp3kit_point_iter_init(&pi, frag, len, oh);
        if (dnp3kit_point_iter_next(&pi, &pt) != 1 || pt.nfields < 3 || !a->writable ||
            pt.fields[0].v.u != a->type || pt.fields[2].octets_len > sizeof a->value ||
            (a->type == 4 && pt.fields[2].octets_len != 4 && pt.fields[2].octets_len != 8)) {
            *err |= DNP3KIT_IIN_PARAMETER_ERROR;
            return true;
        }
        a->len = (uint8_t)pt.fields[2].octets_len;
        memcpy(a->value, pt.fields[2].octets, a->len);
        return true;
    }
    return false;
}
