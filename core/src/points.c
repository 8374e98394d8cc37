/*
 * Point decoding and encoding from the catalogue's field lists.
 *
 * The point iterator walks the objects of one header that the object
 * iterator (app.c) has already sized and validated; it still checks every
 * read against the header's data (oh->data_offset + data_len) and the
 * fragment, so a forged header cannot make it read out of bounds.
 * Nothing here allocates: octet strings point into the fragment.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "dnp3kit/catalog.h"
#include "internal.h"

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

unsigned dnp3kit_field_width(uint8_t t)
{
    switch (t) {
    case DNP3KIT_FT_FLAGS: case DNP3KIT_FT_U8: case DNP3KIT_FT_STATUS: case DNP3KIT_FT_CONTROL:
        return 1;
    case DNP3KIT_FT_U16: case DNP3KIT_FT_I16: case DNP3KIT_FT_RELTIME16: case DNP3KIT_FT_BCD16:
        return 2;
    case DNP3KIT_FT_U32: case DNP3KIT_FT_I32: case DNP3KIT_FT_F32: case DNP3KIT_FT_BCD32:
        return 4;
    case DNP3KIT_FT_TIME48:
        return 6;
    case DNP3KIT_FT_F64: case DNP3KIT_FT_BCD64:
        return 8;
    default:
        return 0;
    }
}

static unsigned nfields_of(const dnp3kit_object_info *info)
{
    unsigned n = 0;
    while (n < DNP3KIT_MAX_FIELDS && info->fields[n].type != DNP3KIT_FT_END)
        n++;
    return n;
}

/* Packed BCD (A.37) to its decimal value; false if a nibble is not a digit. */
static bool bcd_decode(uint64_t raw, unsigned digits, uint64_t *out)
{
    uint64_t v = 0;
    for (unsigned i = digits; i-- > 0;) {
        unsigned d = (unsigned)(raw >> (4 * i)) & 0xF;
        if (d > 9)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

static bool bcd_encode(uint64_t v, unsigned digits, uint64_t *out)
{
    uint64_t raw = 0;
    for (unsigned i = 0; i < digits; i++) {
        raw |= (v % 10) << (4 * i);
        v /= 10;
    }
    *out = raw;
    return v == 0;
}

/* ---- decoding ---- */

static void set_value(dnp3kit_point *pt, const dnp3kit_field_value *f)
{
    switch (f->type) {
    case DNP3KIT_FT_BIT: pt->value_kind = DNP3KIT_VAL_BOOL; pt->b = f->v.u != 0; break;
    case DNP3KIT_FT_DBIT: pt->value_kind = DNP3KIT_VAL_DBIT; pt->dbit = (uint8_t)f->v.u; break;
    case DNP3KIT_FT_I16: case DNP3KIT_FT_I32:
        pt->value_kind = DNP3KIT_VAL_INT; pt->i = f->v.i; break;
    case DNP3KIT_FT_F32: case DNP3KIT_FT_F64:
        pt->value_kind = DNP3KIT_VAL_FLOAT; pt->f = f->v.f; break;
    case DNP3KIT_FT_OCTETS:
        pt->value_kind = DNP3KIT_VAL_OCTETS; pt->octets = f->octets; pt->octets_len = f->octets_len;
        break;
    case DNP3KIT_FT_BCD16: case DNP3KIT_FT_BCD32: case DNP3KIT_FT_BCD64:
        if (f->octets) { /* not valid BCD: hand over the raw octets */
            pt->value_kind = DNP3KIT_VAL_OCTETS; pt->octets = f->octets; pt->octets_len = f->octets_len;
            break;
        }
        /* fall through */
    default:
        pt->value_kind = DNP3KIT_VAL_UINT; pt->u = f->v.u; break;
    }
}

/* Normalised members from the decoded fields, then what the group adds. */
static void normalise(dnp3kit_point *pt, uint8_t group)
{
    for (unsigned k = 0; k < pt->nfields; k++) {
        const dnp3kit_field_value *f = &pt->fields[k];
        switch (f->type) {
        case DNP3KIT_FT_FLAGS: pt->has_flags = true; pt->flags = (uint8_t)f->v.u; break;
        case DNP3KIT_FT_TIME48: pt->has_time = true; pt->time_ms = f->v.u; break;
        case DNP3KIT_FT_RELTIME16:
            pt->has_time = true; pt->time_relative = true; pt->time_ms = f->v.u; break;
        case DNP3KIT_FT_STATUS: pt->has_status = true; pt->status = (uint8_t)f->v.u; break;
        default:
            if (f->name && (!strcmp(f->name, "value") || !strcmp(f->name, "delay")))
                set_value(pt, f);
            break;
        }
    }
    if (!pt->has_flags)
        return;
    switch (group) {
    case 1: case 2: case 10: case 11: /* binary state is flag bit 7 (A.2, A.3, A.6, A.7) */
        pt->value_kind = DNP3KIT_VAL_BOOL;
        pt->b = (pt->flags & DNP3KIT_FLAG_STATE) != 0;
        break;
    case 3: case 4: /* double-bit state in bits 6-7 (A.4, A.5) */
        pt->value_kind = DNP3KIT_VAL_DBIT;
        pt->dbit = (uint8_t)(pt->flags >> 6);
        break;
    case 13: /* commanded state in bit 7, control status in bits 0-6 (A.9) */
        pt->value_kind = DNP3KIT_VAL_BOOL;
        pt->b = (pt->flags & 0x80) != 0;
        pt->has_status = true;
        pt->status = pt->flags & 0x7F;
        break;
    default:
        break;
    }
}

/* The whole object as one octet string: what is left when the object does
 * not have the row's shape (a size prefix that disagrees with it). */
static void as_octets(dnp3kit_point *pt, const uint8_t *p, size_t n)
{
    dnp3kit_field_value *f = &pt->fields[0];
    memset(f, 0, sizeof *f);
    f->type = DNP3KIT_FT_OCTETS;
    f->name = "octets";
    f->octets = p;
    f->octets_len = n;
    f->v.u = n;
    pt->nfields = 1;
    pt->value_kind = DNP3KIT_VAL_OCTETS;
    pt->octets = p;
    pt->octets_len = n;
}

/* Decode one object of n octets at p into pt->fields. */
static void decode_fields(const dnp3kit_object_info *info, const uint8_t *p, size_t n, dnp3kit_point *pt)
{
    unsigned nf = nfields_of(info);
    if (info->size_rule == DNP3KIT_SIZE_ATTRIBUTE) {
        /* g0 (A.1): data type, length, value (attr_value_len) */
        if (n < 2 || n != 2 + (size_t)attr_value_len(p[0], p[1])) {
            as_octets(pt, p, n);
            return;
        }
    }
    size_t off = 0;
    for (unsigned k = 0; k < nf; k++) {
        const dnp3kit_field *d = &info->fields[k];
        dnp3kit_field_value *f = &pt->fields[k];
        f->type = d->type;
        f->name = d->name;
        if (d->type == DNP3KIT_FT_OCTETS) {
            f->octets = p + off;
            f->octets_len = n - off;
            f->v.u = n - off;
            off = n;
            continue;
        }
        unsigned w = dnp3kit_field_width(d->type);
        if (w == 0 || n - off < w) {
            as_octets(pt, p, n);
            return;
        }
        uint64_t raw = le(p + off, w);
        switch (d->type) {
        case DNP3KIT_FT_I16: f->v.i = (int16_t)raw; break;
        case DNP3KIT_FT_I32: f->v.i = (int32_t)raw; break;
        case DNP3KIT_FT_F32: {
            uint32_t u32 = (uint32_t)raw;
            float x;
            memcpy(&x, &u32, sizeof x);
            f->v.f = x;
            break;
        }
        case DNP3KIT_FT_F64: memcpy(&f->v.f, &raw, sizeof f->v.f); break;
        case DNP3KIT_FT_BCD16: case DNP3KIT_FT_BCD32: case DNP3KIT_FT_BCD64:
            if (!bcd_decode(raw, 2 * w, &f->v.u)) {
                f->v.u = raw;
                f->octets = p + off;
                f->octets_len = w;
            }
            break;
        default: f->v.u = raw; break;
        }
        off += w;
    }
    if (off != n) { /* longer than the row's fields: a size prefix that disagrees */
        as_octets(pt, p, n);
        return;
    }
    pt->nfields = (uint8_t)nf;
}

void dnp3kit_point_iter_init(dnp3kit_point_iter *pi, const uint8_t *frag, size_t len,
                             const dnp3kit_object_header *oh)
{
    pi->frag = frag;
    pi->len = len;
    pi->oh = *oh;
    if (oh->partial)
        pi->oh.count = oh->valid_count; /* the whole objects before the defect */
    pi->i = 0;
    pi->pos = oh->data_offset;
}

int dnp3kit_point_iter_next(dnp3kit_point_iter *pi, dnp3kit_point *pt)
{
    const dnp3kit_object_header *oh = &pi->oh;
    if (pi->i >= oh->count)
        return 0;
    /* Bounds of this header's data, checked once more here. */
    if (oh->data_offset > pi->len || oh->data_len > pi->len - oh->data_offset)
        return DNP3KIT_ERR_INVALID;
    size_t end = oh->data_offset + oh->data_len;
    const uint8_t *frag = pi->frag;
    memset(pt, 0, sizeof *pt);

    bool index_prefix = oh->prefix_code >= DNP3KIT_PREFIX_INDEX8 && oh->prefix_code <= DNP3KIT_PREFIX_INDEX32;
    bool size_prefix = oh->prefix_code >= DNP3KIT_PREFIX_SIZE8 && oh->prefix_code <= DNP3KIT_PREFIX_SIZE32;
    unsigned psize = oh->prefix_size;

    if (!oh->has_data) {
        /* A READ (or similar) with index prefixes names points without data. */
        if (!index_prefix || psize == 0 || pi->pos > end || end - pi->pos < psize)
            return 0;
        pt->offset = pi->pos;
        pt->index = le(frag + pi->pos, psize);
        pt->has_index = true;
        pt->size = psize;
        pi->pos += psize;
        pi->i++;
        return 1;
    }

    const dnp3kit_object_info *info = oh->info ? oh->info : dnp3kit_catalog_find(oh->group, oh->variation);
    if (!info)
        return DNP3KIT_ERR_UNSUPPORTED;

    if (info->size_rule == DNP3KIT_SIZE_NONE)
        return 0;

    if (info->size_rule == DNP3KIT_SIZE_BITS1 || info->size_rule == DNP3KIT_SIZE_BITS2) {
        /* Packed (clause 4.2.2.7 / A.2, A.4): object k is bit(s) k of the data, LSB first. */
        if (oh->prefix_code != 0)
            return DNP3KIT_ERR_UNSUPPORTED;
        unsigned bits = info->size_rule == DNP3KIT_SIZE_BITS1 ? 1 : 2;
        uint64_t bitpos = pi->i * bits;
        if (bitpos / 8 >= oh->data_len)
            return DNP3KIT_ERR_INVALID;
        size_t at = oh->data_offset + (size_t)(bitpos / 8);
        unsigned v = (frag[at] >> (bitpos % 8)) & (bits == 1 ? 1u : 3u);
        pt->offset = at;
        pt->size = 1;
        if (oh->has_range) {
            pt->index = oh->start + pi->i;
            pt->has_index = true;
        }
        dnp3kit_field_value *f = &pt->fields[0];
        f->type = info->fields[0].type;
        f->name = info->fields[0].name;
        f->v.u = v;
        pt->nfields = 1;
        set_value(pt, f);
        pi->i++;
        return 1;
    }

    size_t pos = pi->pos;
    if (pos > end)
        return DNP3KIT_ERR_INVALID;
    pt->offset = pos;
    uint64_t osize = 0;
    bool have_size = false;
    if (psize) {
        if (end - pos < psize)
            return DNP3KIT_ERR_INVALID;
        uint64_t pv = le(frag + pos, psize);
        pos += psize;
        if (index_prefix) {
            pt->index = pv;
            pt->has_index = true;
        } else if (size_prefix) {
            osize = pv;
            have_size = true;
        }
    } else if (oh->has_range) {
        pt->index = oh->start + pi->i;
        pt->has_index = true;
    }
    if (!have_size) {
        switch (info->size_rule) {
        case DNP3KIT_SIZE_FIXED:
            osize = info->size;
            break;
        case DNP3KIT_SIZE_VARIATION:
            osize = oh->variation;
            if (osize == 0)
                return DNP3KIT_ERR_INVALID; /* variation 0 has no length */
            break;
        case DNP3KIT_SIZE_ATTRIBUTE:
            if (end - pos < 2)
                return DNP3KIT_ERR_INVALID;
            osize = 2 + (uint64_t)attr_value_len(frag[pos], frag[pos + 1]);
            break;
        default: /* free format needs a size prefix */
            return DNP3KIT_ERR_INVALID;
        }
    }
    if (osize == 0 || osize > end - pos)
        return DNP3KIT_ERR_INVALID;
    decode_fields(info, frag + pos, (size_t)osize, pt);
    normalise(pt, oh->group);
    pos += (size_t)osize;
    pt->size = pos - pt->offset;
    pi->pos = pos;
    pi->i++;
    return 1;
}

/* ---- encoding ---- */

static int encode_field(const dnp3kit_field_value *f, uint8_t *out, size_t cap, size_t *off)
{
    if (f->type == DNP3KIT_FT_OCTETS) {
        if (f->octets_len && !f->octets)
            return DNP3KIT_ERR_ARG;
        if (cap - *off < f->octets_len)
            return DNP3KIT_ERR_BUFFER;
        if (f->octets_len)
            memcpy(out + *off, f->octets, f->octets_len);
        *off += f->octets_len;
        return 0;
    }
    unsigned w = dnp3kit_field_width(f->type);
    if (w == 0)
        return DNP3KIT_ERR_ARG;
    uint64_t raw;
    switch (f->type) {
    case DNP3KIT_FT_I16:
        if (f->v.i < INT16_MIN || f->v.i > INT16_MAX)
            return DNP3KIT_ERR_ARG;
        raw = (uint16_t)(int16_t)f->v.i;
        break;
    case DNP3KIT_FT_I32:
        if (f->v.i < INT32_MIN || f->v.i > INT32_MAX)
            return DNP3KIT_ERR_ARG;
        raw = (uint32_t)(int32_t)f->v.i;
        break;
    case DNP3KIT_FT_F32: {
        /* NaN and infinities pass (they are how devices flag bad values);
         * a finite value beyond float's range would become infinity. */
        if (isfinite(f->v.f) && fabs(f->v.f) > FLT_MAX)
            return DNP3KIT_ERR_ARG;
        float x = (float)f->v.f;
        uint32_t u32;
        memcpy(&u32, &x, sizeof u32);
        raw = u32;
        break;
    }
    case DNP3KIT_FT_F64:
        memcpy(&raw, &f->v.f, sizeof raw);
        break;
    case DNP3KIT_FT_BCD16: case DNP3KIT_FT_BCD32: case DNP3KIT_FT_BCD64:
        if (!bcd_encode(f->v.u, 2 * w, &raw))
            return DNP3KIT_ERR_ARG;
        break;
    default:
        if (w < 8 && f->v.u >> (8 * w))
            return DNP3KIT_ERR_ARG;
        raw = f->v.u;
        break;
    }
    if (cap - *off < w)
        return DNP3KIT_ERR_BUFFER;
    put_le(out + *off, raw, w);
    *off += w;
    return 0;
}

int dnp3kit_point_encode(const dnp3kit_object_info *info, uint8_t variation, const dnp3kit_point *pt,
                         uint8_t *out, size_t cap)
{
    if (!info || !pt || (!out && cap))
        return DNP3KIT_ERR_ARG;
    switch (info->size_rule) {
    case DNP3KIT_SIZE_NONE:
        return 0;
    case DNP3KIT_SIZE_BITS1: case DNP3KIT_SIZE_BITS2:
        return DNP3KIT_ERR_ARG; /* packed: only a whole range can be written (app writer) */
    default:
        break;
    }
    unsigned nf = nfields_of(info);
    size_t off = 0;
    int rc;
    /* An object decoded as one octet string (it did not have the row's
     * shape) is written back as it was. */
    if (pt->nfields == 1 && pt->fields[0].type == DNP3KIT_FT_OCTETS && nf > 0 &&
        info->fields[0].type != DNP3KIT_FT_OCTETS) {
        if (info->size_rule == DNP3KIT_SIZE_FIXED && pt->fields[0].octets_len != info->size)
            return DNP3KIT_ERR_ARG;
        rc = encode_field(&pt->fields[0], out, cap, &off);
        return rc < 0 ? rc : (int)off;
    }
    if (pt->nfields < nf)
        return DNP3KIT_ERR_ARG;
    for (unsigned k = 0; k < nf; k++)
        if (pt->fields[k].type != info->fields[k].type)
            return DNP3KIT_ERR_ARG;
    if (info->size_rule == DNP3KIT_SIZE_ATTRIBUTE) {
        /* the length octet must describe the value that follows */
        if (nf != 3)
            return DNP3KIT_ERR_ARG;
        const dnp3kit_field_value *val = &pt->fields[2];
        uint64_t type = pt->fields[0].v.u, len = pt->fields[1].v.u;
        bool list = type == 254 || type == 255;
        if (type > 255 || len > 255 || attr_value_len((uint8_t)type, (uint8_t)len) != val->octets_len ||
            (list && val->octets_len % 2))
            return DNP3KIT_ERR_ARG;
    }
    if (info->size_rule == DNP3KIT_SIZE_VARIATION &&
        (variation == 0 || pt->fields[0].octets_len != variation))
        return DNP3KIT_ERR_ARG;
    for (unsigned k = 0; k < nf; k++) {
        rc = encode_field(&pt->fields[k], out, cap, &off);
        if (rc < 0)
            return rc;
    }
    if (info->size_rule == DNP3KIT_SIZE_FIXED && off != info->size)
        return DNP3KIT_ERR_ARG; /* e.g. a fixed row's trailing octet string of the wrong length */
    if (off > INT32_MAX)
        return DNP3KIT_ERR_ARG;
    return (int)off;
}
