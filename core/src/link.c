/* Link layer (IEEE 1815-2012 clause 9): FT3 frame decoding, streaming parser
 * with resynchronisation, and the frame builder. */
#include <string.h>

#include "dnp3kit/crc.h"
#include "dnp3kit/link.h"
#include "internal.h"

size_t dnp3kit_link_wire_len(uint8_t len)
{
    size_t user = len >= 5 ? (size_t)len - 5 : 0;
    return DNP3KIT_LINK_HEADER_LEN + user + 2 * ((user + 15) / 16);
}

const char *dnp3kit_link_func_name(bool prm, uint8_t func)
{
    if (prm) {
        switch (func) {
#define X(n, v, s) case v: return s;
            DNP3KIT_LINK_PRI_FUNCS(X)
        }
    } else {
        switch (func) {
            DNP3KIT_LINK_SEC_FUNCS(X)
#undef X
        }
    }
    return "RESERVED";
}

bool dnp3kit_link_func_reserved(bool prm, uint8_t func)
{
    if (prm) {
        switch (func) {
#define X(n, v, s) case v: return false;
            DNP3KIT_LINK_PRI_FUNCS(X)
        }
    } else {
        switch (func) {
            DNP3KIT_LINK_SEC_FUNCS(X)
#undef X
        }
    }
    return true;
}

bool dnp3kit_link_reserved_fragment(const dnp3kit_link_frame *f, const uint8_t **frag, size_t *len)
{
    if (!f->crc_ok || f->user_len < 3 || !dnp3kit_link_func_reserved(f->prm, f->func))
        return false;
    uint8_t th = f->user[0];
    if (!(th & 0x40) || !(th & 0x80)) /* FIR and FIN (clause 8.2.1.1) */
        return false;
    *frag = f->user + 1;
    *len = f->user_len - 1;
    return true;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* Rules of tables 9-1 and 9-2 that a single frame can break. */
static void check_semantics(const dnp3kit_link_frame *f, const dnp3kit_sink *sink)
{
    size_t user = f->user_len;
    if (f->prm) {
        bool want_fcv = false, want_data = false;
        switch (f->func) {
        case DNP3KIT_LINK_PRI_TEST_LINK_STATES: want_fcv = true; break;
        case DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA: want_fcv = true; want_data = true; break;
        case DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA: want_data = true; break;
        default: break;
        }
        if (dnp3kit_link_func_reserved(true, f->func)) {
            finding_at(sink, DNP3KIT_F_LINK_RESERVED_FUNCTION, 3, 0, f->len, 0, f->func);
        } else {
            if (f->fcv != want_fcv)
                finding_at(sink, DNP3KIT_F_LINK_FCV_MISMATCH, 3, want_fcv, f->fcv, 0, f->func);
            if (want_data && user == 0)
                finding_at(sink, DNP3KIT_F_LINK_MISSING_PAYLOAD, 2, 0, f->len, 0, f->func);
            if (!want_data && user > 0)
                finding_at(sink, DNP3KIT_F_LINK_UNEXPECTED_PAYLOAD, 2, 0, f->len, 0, f->func);
        }
    } else {
        switch (f->func) {
        case DNP3KIT_LINK_SEC_ACK:
        case DNP3KIT_LINK_SEC_NACK:
        case DNP3KIT_LINK_SEC_LINK_STATUS:
        case DNP3KIT_LINK_SEC_NOT_SUPPORTED:
            if (user > 0)
                finding_at(sink, DNP3KIT_F_LINK_UNEXPECTED_PAYLOAD, 2, 0, f->len, 0, f->func);
            break;
        default:
            finding_at(sink, DNP3KIT_F_LINK_RESERVED_FUNCTION, 3, 0, f->len, 0, f->func);
            break;
        }
        if (f->dfc)
            finding_at(sink, DNP3KIT_F_LINK_DFC_SET, 3, 0, f->ctrl, 0, f->func);
        /* Bit 5 is FCB only when PRM=1; on a secondary frame it is reserved. */
        if (f->ctrl & DNP3KIT_LINK_CTRL_FCB)
            finding_at(sink, DNP3KIT_F_LINK_SECONDARY_FCB, 3, 0, f->ctrl, 0, f->func);
    }
    /* A broadcast reaches many stations at once: none may link-confirm,
     * answer a link status request or reset, so only unconfirmed user data
     * goes there (and nothing a secondary station sends). */
    if (f->dst >= DNP3KIT_ADDR_BCAST_NOCONF && !(f->prm && f->func == DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA))
        finding_at(sink, DNP3KIT_F_LINK_BROADCAST_FUNCTION, 4, f->prm, f->dst, 0, f->func);
    /* 0xFFF0-0xFFFB are reserved (clause 9.2.5.3); a source can never be a
     * broadcast or the self address. */
    if (f->dst >= 0xFFF0 && f->dst <= 0xFFFB)
        finding_at(sink, DNP3KIT_F_LINK_RESERVED_ADDRESS, 4, 0, f->dst, 0, f->func);
    if (f->src >= 0xFFF0 && f->src <= 0xFFFB)
        finding_at(sink, DNP3KIT_F_LINK_RESERVED_ADDRESS, 6, 0, f->src, 0, f->func);
    else if (f->src >= DNP3KIT_ADDR_SELF)
        finding_at(sink, DNP3KIT_F_LINK_BROADCAST_SOURCE, 6, 0, f->src, 0, f->func);
}

/* Header already known to be complete (len >= 10). */
static int check_header(const uint8_t *p, const dnp3kit_sink *sink)
{
    uint16_t crc = dnp3kit_crc16(p, 8);
    uint16_t got = le16(p + 8);
    if (crc != got) {
        finding_at(sink, DNP3KIT_F_LINK_BAD_HEADER_CRC, 8, crc, got, 0, p[3] & 0x0F);
        return DNP3KIT_ERR_CRC;
    }
    if (p[2] < 5) {
        finding_at(sink, DNP3KIT_F_LINK_LEN_TOO_SMALL, 2, 5, p[2], 0, p[3] & 0x0F);
        return DNP3KIT_ERR_INVALID;
    }
    return DNP3KIT_OK;
}

/* Decode a frame whose header is already known to be valid and whose wire
 * octets are all present (the streaming parser checked both). */
static void decode_trusted(const uint8_t *p, size_t wire, dnp3kit_link_frame *out, const dnp3kit_sink *sink)
{
    out->len = p[2];
    out->ctrl = p[3];
    out->dir = (p[3] & DNP3KIT_LINK_CTRL_DIR) != 0;
    out->prm = (p[3] & DNP3KIT_LINK_CTRL_PRM) != 0;
    out->fcb = out->prm && (p[3] & DNP3KIT_LINK_CTRL_FCB) != 0;
    out->fcv = out->prm && (p[3] & DNP3KIT_LINK_CTRL_FCV) != 0;
    out->dfc = !out->prm && (p[3] & DNP3KIT_LINK_CTRL_DFC) != 0;
    out->func = p[3] & 0x0F;
    out->dst = le16(p + 4);
    out->src = le16(p + 6);
    out->header_crc = le16(p + 8);
    out->frame_len = wire;
    out->user_len = (size_t)p[2] - 5;
    out->crc_ok = true;

    /* Data blocks of 16 octets (the last one shorter), each followed by its CRC:
     * all checked in one call (several blocks per step), then copied out. */
    const uint8_t *q = p + DNP3KIT_LINK_HEADER_LEN;
    uint8_t *dst = out->user;
    size_t left = out->user_len;
    uint32_t bad = dnp3kit_crc16_check_blocks(q, left);
    uint32_t block = 1;
    while (left > 0) {
        size_t n = left < 16 ? left : 16;
        if (__builtin_expect(bad != 0, 0) && (bad & (1u << (block - 1)))) {
            out->crc_ok = false;
            finding_at(sink, DNP3KIT_F_LINK_BAD_BLOCK_CRC, (size_t)(q + n - p), dnp3kit_crc16(q, n),
                       le16(q + n), block, out->func);
        }
        if (n == 16)
            memcpy(dst, q, 16); /* fixed length: a couple of moves, not a memcpy call */
        else
            memcpy(dst, q, n);
        dst += n;
        q += n + 2;
        left -= n;
        block++;
    }
    check_semantics(out, sink);
}

int dnp3kit_link_decode(const uint8_t *p, size_t len, dnp3kit_link_frame *out, const dnp3kit_sink *sink)
{
    if (len >= 1 && p[0] != DNP3KIT_LINK_START1)
        return DNP3KIT_ERR_INVALID;
    if (len >= 2 && p[1] != DNP3KIT_LINK_START2)
        return DNP3KIT_ERR_INVALID;
    if (len < DNP3KIT_LINK_HEADER_LEN)
        return DNP3KIT_ERR_INCOMPLETE;
    int rc = check_header(p, sink);
    if (rc != DNP3KIT_OK)
        return rc;
    size_t wire = dnp3kit_link_wire_len(p[2]);
    if (len < wire)
        return DNP3KIT_ERR_INCOMPLETE;
    decode_trusted(p, wire, out, sink);
    return (int)wire;
}

/* ---- streaming parser ---- */

/* Adds the frame's stream offset to the offsets of findings reported inside it. */
struct shift {
    const dnp3kit_sink *inner;
    uint64_t base;
};

static void shift_fn(void *user, const dnp3kit_finding *f)
{
    const struct shift *s = user;
    dnp3kit_finding g = *f;
    if (g.offset != SIZE_MAX)
        g.offset = (size_t)(s->base + g.offset);
    s->inner->fn(s->inner->user, &g);
}

static dnp3kit_sink shifted(struct shift *s, const dnp3kit_sink *inner, uint64_t base)
{
    dnp3kit_sink out = {NULL, NULL};
    if (inner && inner->fn) {
        s->inner = inner;
        s->base = base;
        out.fn = shift_fn;
        out.user = s;
    }
    return out;
}

void dnp3kit_link_parser_init(dnp3kit_link_parser *lp) { memset(lp, 0, sizeof *lp); }

/* Report the run of skipped octets that ends at stream offset `end`. */
static void flush_garbage(dnp3kit_link_parser *lp, uint64_t end, const dnp3kit_sink *sink)
{
    if (lp->_garbage == 0)
        return;
    finding_at(sink, DNP3KIT_F_LINK_GARBAGE, (size_t)(end - lp->_garbage), 0, lp->_garbage, 0, 0);
    lp->garbage_octets += lp->_garbage;
    lp->_garbage = 0;
}

/* Index of the first 0x05 0x64 in p[0..n), or of a trailing lone 0x05, or n. */
static size_t hunt(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t *s = memchr(p + i, DNP3KIT_LINK_START1, n - i);
        if (!s)
            return n;
        i = (size_t)(s - p);
        if (i + 1 == n || p[i + 1] == DNP3KIT_LINK_START2)
            return i;
        i++;
    }
    return n;
}

/* A complete frame at p (header valid). */
static int emit(dnp3kit_link_parser *lp, const uint8_t *p, size_t wire, uint64_t start,
                dnp3kit_link_frame *out, const dnp3kit_sink *sink)
{
    struct shift s;
    dnp3kit_sink sk = shifted(&s, sink, start);
    flush_garbage(lp, start, sink);
    decode_trusted(p, wire, out, &sk);
    lp->frames++;
    if (!out->crc_ok)
        lp->bad_frames++;
    return 1;
}

int dnp3kit_link_parser_step(dnp3kit_link_parser *lp, const uint8_t **pp, size_t *lenp,
                             dnp3kit_link_frame *out, const dnp3kit_sink *sink)
{
    const uint8_t *p = *pp;
    size_t len = *lenp;
    int result = 0;

    while (len > 0 && result == 0) {
        if (lp->_have == 0) {
            /* Fast path: work on the caller's octets without copying. */
            size_t i = hunt(p, len);
            lp->_garbage += i;
            lp->_offset += i;
            p += i;
            len -= i;
            if (len == 0)
                break;
            if (len < DNP3KIT_LINK_HEADER_LEN) {
                memcpy(lp->_buf, p, len);
                lp->_have = len;
                lp->_offset += len;
                p += len;
                len = 0;
                break;
            }
            struct shift s;
            dnp3kit_sink sk = shifted(&s, sink, lp->_offset);
            if (check_header(p, &sk) != DNP3KIT_OK) {
                /* Not a frame we can trust: its octets count as skipped. */
                lp->_garbage += 2;
                lp->_offset += 2;
                p += 2;
                len -= 2;
                continue;
            }
            size_t wire = dnp3kit_link_wire_len(p[2]);
            if (len >= wire) {
                result = emit(lp, p, wire, lp->_offset, out, sink);
                lp->_offset += wire;
                p += wire;
                len -= wire;
            } else {
                memcpy(lp->_buf, p, len);
                lp->_have = len;
                lp->_offset += len;
                p += len;
                len = 0;
            }
            continue;
        }

        /* Slow path: a frame (or a header candidate) spans calls. */
        size_t need = lp->_have < DNP3KIT_LINK_HEADER_LEN ? DNP3KIT_LINK_HEADER_LEN
                                                           : dnp3kit_link_wire_len(lp->_buf[2]);
        size_t take = need - lp->_have;
        if (take > len)
            take = len;
        if (lp->_have == 1 && take > 0 && p[0] != DNP3KIT_LINK_START2) {
            /* The lone 0x05 was not a start after all. */
            lp->_garbage += 1;
            lp->_have = 0;
            continue;
        }
        memcpy(lp->_buf + lp->_have, p, take);
        lp->_have += take;
        lp->_offset += take;
        p += take;
        len -= take;
        if (lp->_have < need)
            break;
        uint64_t start = lp->_offset - lp->_have;
        if (need == DNP3KIT_LINK_HEADER_LEN) {
            struct shift s;
            dnp3kit_sink sk = shifted(&s, sink, start);
            if (check_header(lp->_buf, &sk) != DNP3KIT_OK) {
                /* Re-hunt inside the 8 buffered octets after the bad start. */
                lp->_garbage += 2;
                size_t rest = lp->_have - 2;
                size_t i = hunt(lp->_buf + 2, rest);
                lp->_garbage += i;
                memmove(lp->_buf, lp->_buf + 2 + i, rest - i);
                lp->_have = rest - i;
                continue;
            }
            if (dnp3kit_link_wire_len(lp->_buf[2]) > DNP3KIT_LINK_HEADER_LEN)
                continue; /* header good; collect the data blocks */
        }
        result = emit(lp, lp->_buf, lp->_have, start, out, sink);
        lp->_have = 0;
    }
    *pp = p;
    *lenp = len;
    return result;
}

static void drop_partial(dnp3kit_link_parser *lp, const dnp3kit_sink *sink)
{
    uint64_t end = lp->_offset;
    if (lp->_have >= 2) {
        uint64_t start = end - lp->_have;
        flush_garbage(lp, start, sink);
        size_t want = lp->_have >= DNP3KIT_LINK_HEADER_LEN ? dnp3kit_link_wire_len(lp->_buf[2])
                                                            : DNP3KIT_LINK_HEADER_LEN;
        finding_at(sink, DNP3KIT_F_LINK_TRUNCATED_FRAME, (size_t)start, want, lp->_have, 0,
               lp->_have > 3 ? (uint8_t)(lp->_buf[3] & 0x0F) : 0);
    } else {
        lp->_garbage += lp->_have;
        flush_garbage(lp, end, sink);
    }
    lp->_have = 0;
}

void dnp3kit_link_parser_reset(dnp3kit_link_parser *lp, const dnp3kit_sink *sink)
{
    drop_partial(lp, sink);
}

void dnp3kit_link_parser_finish(dnp3kit_link_parser *lp, const dnp3kit_sink *sink)
{
    drop_partial(lp, sink);
}

int dnp3kit_link_build(uint8_t ctrl, uint16_t dst, uint16_t src, const uint8_t *user, size_t user_len,
                       uint8_t *out, size_t cap)
{
    if (user_len > DNP3KIT_LINK_MAX_USER || (user_len > 0 && !user))
        return DNP3KIT_ERR_ARG;
    size_t wire = dnp3kit_link_wire_len((uint8_t)(user_len + 5));
    if (!out || cap < wire)
        return DNP3KIT_ERR_BUFFER;
    out[0] = DNP3KIT_LINK_START1;
    out[1] = DNP3KIT_LINK_START2;
    out[2] = (uint8_t)(user_len + 5);
    out[3] = ctrl;
    out[4] = (uint8_t)dst;
    out[5] = (uint8_t)(dst >> 8);
    out[6] = (uint8_t)src;
    out[7] = (uint8_t)(src >> 8);
    uint16_t crc = dnp3kit_crc16(out, 8);
    out[8] = (uint8_t)crc;
    out[9] = (uint8_t)(crc >> 8);
    uint8_t *q = out + DNP3KIT_LINK_HEADER_LEN;
    for (size_t pos = 0; pos < user_len;) {
        size_t n = user_len - pos < 16 ? user_len - pos : 16;
        memcpy(q, user + pos, n);
        crc = dnp3kit_crc16(q, n);
        q[n] = (uint8_t)crc;
        q[n + 1] = (uint8_t)(crc >> 8);
        q += n + 2;
        pos += n;
    }
    return (int)wire;
}
