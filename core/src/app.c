/* Application layer (IEEE 1815-2012 clause 4): header, function codes, IIN,
 * object-header iterator and whole-fragment validation. */
#include <stdio.h>
#include <string.h>

#include "dnp3kit/app.h"
#include "dnp3kit/catalog.h"
#include "internal.h"

const char *dnp3kit_app_func_name(uint8_t func)
{
    switch (func) {
#define X(n, v) case v: return #n;
        DNP3KIT_APP_FUNCS(X)
#undef X
    }
    return NULL;
}

bool dnp3kit_app_func_is_response(uint8_t func)
{
    return func == DNP3KIT_FC_RESPONSE || func == DNP3KIT_FC_UNSOLICITED_RESPONSE ||
           func == DNP3KIT_FC_AUTHENTICATE_RESP;
}

const char *dnp3kit_iin_bit_name(uint16_t bit)
{
    switch (bit) {
#define X(n, v) case v: return #n;
        DNP3KIT_IIN_BITS(X)
#undef X
    }
    return NULL;
}

int dnp3kit_iin_format(uint16_t iin, char *buf, size_t cap)
{
    size_t n = 0;
    int total = 0;
    if (cap)
        buf[0] = '\0';
    /* IIN1 bits first (high octet), then IIN2, each from bit 0 upwards. */
    static const uint16_t order[16] = {0x0100, 0x0200, 0x0400, 0x0800, 0x1000, 0x2000, 0x4000, 0x8000,
                                       0x0001, 0x0002, 0x0004, 0x0008, 0x0010, 0x0020, 0x0040, 0x0080};
    for (int i = 0; i < 16; i++) {
        if (!(iin & order[i]))
            continue;
        int w = snprintf(n < cap ? buf + n : NULL, n < cap ? cap - n : 0, "%s%s", total ? "|" : "",
                         dnp3kit_iin_bit_name(order[i]));
        if (w < 0)
            return w;
        total += w;
        n += (size_t)w;
    }
    return total;
}

static void report(const dnp3kit_sink *sink, dnp3kit_finding_code code, size_t off, uint64_t expected,
                   uint64_t actual, uint32_t index, uint8_t g, uint8_t v, uint8_t q, uint8_t func)
{
    if (!sink || !sink->fn)
        return;
    /* like finding_at(), plus the object header's group, variation and qualifier */
    dnp3kit_finding f = {.code = code, .offset = off, .expected = expected, .actual = actual, .index = index,
                         .group = g, .variation = v, .qualifier = q, .func = func};
    sink->fn(sink->user, &f);
}

int dnp3kit_app_header_decode(const uint8_t *p, size_t len, dnp3kit_app_header *h, const dnp3kit_sink *sink)
{
    memset(h, 0, sizeof *h);
    if (len < 2) {
        report(sink, DNP3KIT_F_APP_FRAGMENT_TOO_SHORT, 0, 2, len, 0, 0, 0, 0, 0);
        return DNP3KIT_ERR_INVALID;
    }
    h->ctrl = p[0];
    h->fir = (p[0] & DNP3KIT_AC_FIR) != 0;
    h->fin = (p[0] & DNP3KIT_AC_FIN) != 0;
    h->con = (p[0] & DNP3KIT_AC_CON) != 0;
    h->uns = (p[0] & DNP3KIT_AC_UNS) != 0;
    h->seq = p[0] & 0x0F;
    h->func = p[1];
    h->header_len = 2;
    if (dnp3kit_app_func_is_response(p[1])) {
        if (len < 4) {
            report(sink, DNP3KIT_F_APP_FRAGMENT_TOO_SHORT, 0, 4, len, 0, 0, 0, 0, p[1]);
            return DNP3KIT_ERR_INVALID;
        }
        h->has_iin = true;
        h->iin = (uint16_t)(p[2] << 8 | p[3]);
        h->header_len = 4;
    }
    return DNP3KIT_OK;
}

bool dnp3kit_app_header_has_data(uint8_t func, uint8_t group, uint8_t variation)
{
    (void)variation;
    /* Class data objects carry no data in requests; in a response they have no
     * encoding at all, so they are sized (and rejected) like variation 0. */
    if (group == 60 && !dnp3kit_app_func_is_response(func))
        return false;
    /* a READ of a file block names its handle and block in a g70v5 object (A.27.5) */
    if (func == DNP3KIT_FC_READ && group == 70 && variation == 5)
        return true;
    switch (func) {
    case DNP3KIT_FC_CONFIRM:
    case DNP3KIT_FC_READ:
    case DNP3KIT_FC_IMMED_FREEZE:
    case DNP3KIT_FC_IMMED_FREEZE_NR:
    case DNP3KIT_FC_FREEZE_CLEAR:
    case DNP3KIT_FC_FREEZE_CLEAR_NR:
    case DNP3KIT_FC_INITIALIZE_DATA:
    case DNP3KIT_FC_ENABLE_UNSOLICITED:
    case DNP3KIT_FC_DISABLE_UNSOLICITED:
    case DNP3KIT_FC_ASSIGN_CLASS:
        return false;
    case DNP3KIT_FC_FREEZE_AT_TIME:
    case DNP3KIT_FC_FREEZE_AT_TIME_NR:
        /* the time-and-interval object (g50v2) carries data, the points to freeze do not */
        return group == 50;
    default:
        return true;
    }
}

void dnp3kit_object_iter_init(dnp3kit_object_iter *it, const uint8_t *frag, size_t len,
                              const dnp3kit_app_header *h)
{
    it->frag = frag;
    it->len = len;
    it->pos = h->header_len <= len ? h->header_len : len;
    it->func = h->func;
    it->number = 0;
    it->error = 0;
}

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* Octets of the range field per range code; -1 for reserved codes (3-5 are
 * the obsolete virtual-address forms, A and C-F are reserved). */
static int range_field_size(unsigned rc)
{
    switch (rc) {
    case 0: case 3: return 2;
    case 1: case 4: return 4;
    case 2: case 5: return 8;
    case 6: return 0;
    case 7: return 1;
    case 8: return 2;
    case 9: return 4;
    case 0xB: return 1;
    default: return -1;
    }
}

static const unsigned prefix_sizes[8] = {0, 1, 2, 4, 1, 2, 4, 0};

#define FAIL(it, rc) return ((it)->error = (rc))

/* An error in the data of a sound header: keep the header and its whole
 * objects before the defect for the consumers that show them. */
static int partial(dnp3kit_object_iter *it, dnp3kit_object_header *oh, uint64_t valid, size_t valid_len, int rc)
{
    if (valid > oh->count)
        valid = oh->count;
    oh->partial = true;
    oh->valid_count = valid;
    oh->data_len = valid_len;
    return it->error = rc;
}

int dnp3kit_object_iter_next(dnp3kit_object_iter *it, dnp3kit_object_header *oh, const dnp3kit_sink *sink)
{
    if (it->error)
        return it->error;
    if (it->pos >= it->len)
        return 0;
    const uint8_t *p = it->frag + it->pos;
    size_t rem = it->len - it->pos;
    uint32_t num = it->number;
    memset(oh, 0, sizeof *oh);
    oh->offset = it->pos;
    oh->number = num;
    if (rem < 3) {
        report(sink, DNP3KIT_F_APP_HEADER_TRUNCATED, it->pos, 3, rem, num, p[0], rem > 1 ? p[1] : 0, 0,
               it->func);
        FAIL(it, DNP3KIT_ERR_INVALID);
    }
    uint8_t g = p[0], v = p[1], q = p[2];
    oh->group = g;
    oh->variation = v;
    oh->qualifier = q;
    oh->prefix_code = (q >> 4) & 7;
    oh->range_code = q & 0x0F;
    int rsize = range_field_size(oh->range_code);
    if ((q & 0x80) || oh->prefix_code == 7 || rsize < 0) {
        report(sink, DNP3KIT_F_APP_UNKNOWN_QUALIFIER, it->pos + 2, 0, q, num, g, v, q, it->func);
        /* The header's group, variation and qualifier are known, nothing after
         * them can be sized: consumers list it with no objects (the valid prefix). */
        oh->info = dnp3kit_catalog_find(g, v);
        oh->header_len = 3;
        oh->data_offset = it->pos + 3;
        return partial(it, oh, 0, 0, DNP3KIT_ERR_UNSUPPORTED);
    }
    if (rem < 3 + (size_t)rsize) {
        report(sink, DNP3KIT_F_APP_HEADER_TRUNCATED, it->pos, 3 + (uint64_t)rsize, rem, num, g, v, q,
               it->func);
        FAIL(it, DNP3KIT_ERR_INVALID);
    }
    oh->header_len = 3 + (size_t)rsize;
    oh->data_offset = it->pos + oh->header_len;
    oh->prefix_size = (uint8_t)prefix_sizes[oh->prefix_code];
    const uint8_t *rf = p + 3;
    switch (oh->range_code) {
    case 0: case 1: case 2:
    case 3: case 4: case 5: { /* 3-5: the same start/stop, of absolute addresses */
        unsigned w = (unsigned)rsize / 2;
        oh->has_range = true;
        oh->start = le(rf, w);
        oh->stop = le(rf + w, w);
        if (oh->start > oh->stop) {
            report(sink, DNP3KIT_F_APP_RANGE_START_GT_STOP, it->pos + 3, oh->start, oh->stop, num, g, v, q,
                   it->func);
            FAIL(it, DNP3KIT_ERR_INVALID);
        }
        oh->count = oh->stop - oh->start + 1;
        break;
    }
    case 6:
        oh->count = 0;
        break;
    default:
        oh->count = le(rf, (unsigned)rsize);
        if (oh->count == 0)
            report(sink, DNP3KIT_F_APP_COUNT_ZERO, it->pos + 3, 0, 0, num, g, v, q, it->func);
        break;
    }

    const dnp3kit_object_info *info = dnp3kit_catalog_find(g, v);
    oh->info = info;
    oh->has_data = dnp3kit_app_header_has_data(it->func, g, v);
    size_t drem = rem - oh->header_len; /* octets after the header */
    bool size_prefixed = oh->prefix_code >= DNP3KIT_PREFIX_SIZE8;

    /* Combinations outside table 4-? that can still be sized are flagged, not fatal. */
    if ((oh->prefix_code != 0 && oh->has_range) || (size_prefixed && oh->range_code != 0xB) ||
        (oh->range_code == 0xB && !size_prefixed) || (oh->range_code >= 3 && oh->range_code <= 5))
        report(sink, DNP3KIT_F_APP_UNUSUAL_QUALIFIER, it->pos + 2, 0, q, num, g, v, q, it->func);

    uint64_t need = 0;
    uint64_t valid = 0, valid_len = 0; /* whole objects before the data ends (valid prefix) */
    bool walked = false;               /* set by the object-by-object walks */
    /* g0 attribute variations outside the standard set belong to other
     * attribute sets (clause 11.?); they are self-describing like the rest. */
    bool attribute = g == 0 || (info && info->size_rule == DNP3KIT_SIZE_ATTRIBUTE);
    if (!info && !attribute) {
        /* An undefined object is a defect; it stops the walk only when its
         * data would have to be sized by the catalogue (below). */
        report(sink, DNP3KIT_F_APP_UNKNOWN_OBJECT, it->pos, 0, 0, num, g, v, q, it->func);
    }
    if (oh->range_code == 6) {
        /* 'all objects': no range field and no object data, whatever the function */
        if (oh->has_data && dnp3kit_app_func_is_response(it->func))
            report(sink, DNP3KIT_F_APP_UNUSUAL_QUALIFIER, it->pos + 2, 0, q, num, g, v, q, it->func);
        oh->has_data = false;
    } else if (size_prefixed) {
        /* Each object carries its size (clause 4.2.2.7.1): the data can be
         * walked whatever the object and whatever the function. Each step
         * consumes at least one octet, so the loop is bounded by the
         * fragment, not by the count; off <= drem holds throughout. */
        const uint8_t *d = p + oh->header_len;
        uint64_t off = 0;
        oh->has_data = true;
        /* An object with a defined size must declare exactly that size; the
         * prefix still frames the data, so the walk goes on (first one reported). */
        uint32_t defined = dnp3kit_object_size(info, v);
        uint32_t fixed = dnp3kit_object_fixed_part(info);
        walked = true;
        for (uint64_t k = 0; k < oh->count; k++) {
            valid = k;
            valid_len = off;
            if (drem - off < oh->prefix_size) {
                need = off + oh->prefix_size;
                break;
            }
            uint64_t osize = le(d + off, oh->prefix_size);
            if (defined && osize != defined) {
                report(sink, DNP3KIT_F_APP_OBJECT_SIZE_MISMATCH, oh->data_offset + (size_t)off, defined, osize,
                       num, g, v, q, it->func);
                defined = 0;
            }
            if (osize < fixed && osize > 0) {
                /* shorter than its own fixed fields: the values cannot be read */
                report(sink, DNP3KIT_F_APP_OBJECT_TOO_SHORT, oh->data_offset + (size_t)off, fixed, osize, num, g, v,
                       q, it->func);
                fixed = 0;
            }
            if (osize == 0) {
                report(sink, DNP3KIT_F_APP_ZERO_SIZE_OBJECT, oh->data_offset + (size_t)off, 0, k, num, g, v, q,
                       it->func);
                return partial(it, oh, k, (size_t)off, DNP3KIT_ERR_INVALID);
            }
            off += oh->prefix_size;
            if (drem - off < osize) {
                need = off + osize;
                break;
            }
            off += osize;
            need = off;
        }
    } else if (!oh->has_data) {
        /* No object data; an index prefix still lists indices (READ with 0x17/0x28). */
        need = oh->count * oh->prefix_size;
    } else if (attribute) {
        /* g0: [index prefix] data type code, length, value (attr_value_len) */
        const uint8_t *d = p + oh->header_len;
        uint64_t off = 0;
        walked = true;
        for (uint64_t k = 0; k < oh->count; k++) {
            valid = k;
            valid_len = off;
            if (drem - off < (uint64_t)oh->prefix_size + 2) {
                need = off + oh->prefix_size + 2;
                break;
            }
            off += oh->prefix_size;
            uint64_t osize = 2 + (uint64_t)attr_value_len(d[off], d[off + 1]);
            if (drem - off < osize) {
                need = off + osize;
                break;
            }
            off += osize;
            need = off;
        }
    } else if (!info || info->size_rule == DNP3KIT_SIZE_NONE) {
        if (info) /* variation 0 or class data: defined, but with no encoding */
            report(sink, DNP3KIT_F_APP_VARIATION_ZERO_WITH_DATA, it->pos, 0, 0, num, g, v, q, it->func);
        FAIL(it, DNP3KIT_ERR_UNSUPPORTED);
    } else if (info->size_rule == DNP3KIT_SIZE_FREE) {
        /* free-format objects are only sizeable through a size prefix */
        report(sink, DNP3KIT_F_APP_UNKNOWN_QUALIFIER, it->pos + 2, 0, q, num, g, v, q, it->func);
        FAIL(it, DNP3KIT_ERR_UNSUPPORTED);
    } else if (info->size_rule == DNP3KIT_SIZE_BITS1 || info->size_rule == DNP3KIT_SIZE_BITS2) {
        if (oh->prefix_code != 0) { /* packed objects cannot carry prefixes */
            report(sink, DNP3KIT_F_APP_UNKNOWN_QUALIFIER, it->pos + 2, 0, q, num, g, v, q, it->func);
            FAIL(it, DNP3KIT_ERR_UNSUPPORTED);
        }
        oh->bits = info->size_rule == DNP3KIT_SIZE_BITS1 ? 1 : 2;
        need = (oh->count * oh->bits + 7) / 8;
    } else {
        oh->object_size = dnp3kit_object_size(info, v);
        need = oh->count * ((uint64_t)oh->prefix_size + oh->object_size);
        if (need > UINT32_MAX) {
            report(sink, DNP3KIT_F_APP_SIZE_OVERFLOW, oh->data_offset, need, drem, num, g, v, q, it->func);
            FAIL(it, DNP3KIT_ERR_TOO_LARGE);
        }
    }
    if (need > drem) {
        report(sink, DNP3KIT_F_APP_OBJECT_TRUNCATED, oh->data_offset, need, drem, num, g, v, q, it->func);
        if (!walked) {
            /* fixed-size, packed or index-only objects: the whole ones that fit */
            uint64_t each = (uint64_t)oh->prefix_size + oh->object_size;
            if (oh->bits) {
                valid = drem * 8 / oh->bits;
                valid_len = drem;
            } else if (each) {
                valid = drem / each;
                valid_len = valid * each;
            }
        }
        return partial(it, oh, valid, (size_t)valid_len, DNP3KIT_ERR_INVALID);
    }
    oh->data_len = (size_t)need;
    it->pos = oh->data_offset + oh->data_len;
    it->number++;
    return 1;
}

/* Functions whose requests carry no object headers at all. */
static bool takes_no_objects(uint8_t func)
{
    switch (func) {
    case DNP3KIT_FC_CONFIRM:
    case DNP3KIT_FC_COLD_RESTART:
    case DNP3KIT_FC_WARM_RESTART:
    case DNP3KIT_FC_DELAY_MEASURE:
    case DNP3KIT_FC_RECORD_CURRENT_TIME:
        return true;
    default:
        return false;
    }
}

/* Values with a defined range that one object can break. */
static void check_values(const uint8_t *frag, size_t len, const dnp3kit_app_header *h,
                         const dnp3kit_object_header *oh, const dnp3kit_sink *sink)
{
    if (!oh->has_data || !h->has_iin)
        return;
    bool control = (oh->group == 12 && (oh->variation == 1 || oh->variation == 2)) || oh->group == 41;
    if (!control)
        return;
    dnp3kit_point_iter pi;
    dnp3kit_point pt;
    dnp3kit_point_iter_init(&pi, frag, len, oh);
    while (dnp3kit_point_iter_next(&pi, &pt) == 1) {
        if (pt.has_status && pt.status != 0) {
            report(sink, DNP3KIT_F_APP_CONTROL_STATUS, pt.offset, 0, pt.status, (uint32_t)pt.index, oh->group,
                   oh->variation, oh->qualifier, h->func);
        }
    }
}

int dnp3kit_app_validate(const uint8_t *frag, size_t len, dnp3kit_app_summary *sum, const dnp3kit_sink *sink)
{
    dnp3kit_app_summary local;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof *sum);
    dnp3kit_app_header *h = &sum->header;
    int rc = dnp3kit_app_header_decode(frag, len, h, sink);
    if (rc != DNP3KIT_OK)
        return rc;
    sum->valid_len = h->header_len;
    if (!dnp3kit_app_func_name(h->func)) {
        report(sink, DNP3KIT_F_APP_UNKNOWN_FUNCTION, 1, 0, h->func, 0, 0, 0, 0, h->func);
        return DNP3KIT_ERR_UNSUPPORTED;
    }
    if (h->has_iin) {
        /* 4.2.2.4: solicited responses never carry UNS; unsolicited ones always do. */
        if ((h->func == DNP3KIT_FC_RESPONSE && h->uns) ||
            (h->func == DNP3KIT_FC_UNSOLICITED_RESPONSE && !h->uns))
            report(sink, DNP3KIT_F_APP_BAD_CONTROL_BITS, 0, 0, h->ctrl, 0, 0, 0, 0, h->func);
        /* 4.2.2.4: an unsolicited response is one fragment and is always confirmed. */
        if (h->func == DNP3KIT_FC_UNSOLICITED_RESPONSE && (!h->fir || !h->fin))
            report(sink, DNP3KIT_F_APP_UNSOLICITED_MULTI_FRAGMENT, 0, 0, h->ctrl, 0, 0, 0, 0, h->func);
        if (h->func == DNP3KIT_FC_UNSOLICITED_RESPONSE && !h->con)
            report(sink, DNP3KIT_F_APP_UNSOLICITED_WITHOUT_CON, 0, 0, h->ctrl, 0, 0, 0, 0, h->func);
        if (h->iin & (DNP3KIT_IIN_RESERVED_1 | DNP3KIT_IIN_RESERVED_2))
            report(sink, DNP3KIT_F_APP_IIN_RESERVED, 2, 0, h->iin, 0, 0, 0, 0, h->func);
        if (h->iin & (DNP3KIT_IIN_NO_FUNC_CODE_SUPPORT | DNP3KIT_IIN_OBJECT_UNKNOWN | DNP3KIT_IIN_PARAMETER_ERROR |
                      DNP3KIT_IIN_CONFIG_CORRUPT))
            report(sink, DNP3KIT_F_APP_IIN_ERROR, 2, 0, h->iin, 0, 0, 0, 0, h->func);
    } else {
        /* Requests are single fragments; CON is never set; UNS only on the
         * confirm of an unsolicited response. */
        if (!h->fir || !h->fin)
            report(sink, DNP3KIT_F_APP_MULTI_FRAGMENT_REQUEST, 0, 0, h->ctrl, 0, 0, 0, 0, h->func);
        if (h->con || (h->uns && h->func != DNP3KIT_FC_CONFIRM))
            report(sink, DNP3KIT_F_APP_BAD_CONTROL_BITS, 0, 0, h->ctrl, 0, 0, 0, 0, h->func);
    }

    dnp3kit_object_iter it;
    dnp3kit_object_header oh;
    dnp3kit_object_iter_init(&it, frag, len, h);
    if (!h->has_iin && takes_no_objects(h->func) && len > h->header_len)
        report(sink, DNP3KIT_F_APP_OBJECTS_NOT_EXPECTED, h->header_len, 0, h->ctrl, 0, 0, 0, 0, h->func);
    while ((rc = dnp3kit_object_iter_next(&it, &oh, sink)) == 1) {
        sum->object_headers++;
        if (oh.has_data)
            sum->points += oh.count;
        sum->valid_len = oh.data_offset + oh.data_len;
        check_values(frag, len, h, &oh, sink);
    }
    return rc < 0 ? rc : DNP3KIT_OK;
}
