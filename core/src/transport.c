/* Transport function (IEEE 1815-2012 clause 8): reassembly and segmentation. */
#include <string.h>

#include "dnp3kit/transport.h"
#include "internal.h"

/* Transport findings concern the segment's header octet: offset 0. */
static void report(const dnp3kit_sink *sink, dnp3kit_finding_code code, uint64_t expected, uint64_t actual,
                   uint32_t index)
{
    finding_at(sink, code, 0, expected, actual, index, 0);
}

void dnp3kit_reassembler_init(dnp3kit_reassembler *r, uint8_t *buf, size_t cap)
{
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->cap = cap;
}

void dnp3kit_reassembler_reset(dnp3kit_reassembler *r)
{
    r->len = 0;
    r->in_progress = false;
    r->discarding = false;
    r->have_last = false;
    r->segments = 0;
}

static void abandon(dnp3kit_reassembler *r)
{
    r->in_progress = false;
    r->len = 0;
    r->segments = 0;
    r->discarded++;
}

int dnp3kit_reassembler_push(dnp3kit_reassembler *r, const uint8_t *seg, size_t seg_len,
                             const uint8_t **msg, size_t *msg_len, const dnp3kit_sink *sink)
{
    if (!seg || seg_len == 0)
        return DNP3KIT_ERR_INVALID;
    dnp3kit_transport_header h = dnp3kit_transport_header_decode(seg[0]);
    const uint8_t *pay = seg + 1;
    size_t plen = seg_len - 1;

    /* A header-only FIN segment is legal (it ends a message); a header-only
     * segment without FIN carries nothing, which is worth noting. */
    if (plen == 0 && !h.fin)
        report(sink, DNP3KIT_F_TRANSPORT_EMPTY_SEGMENT, 0, h.seq, 0);

    if (h.fir) {
        /* FIR always starts a new message; a partial one is lost (8.2.3.3). */
        if (r->in_progress) {
            report(sink, DNP3KIT_F_TRANSPORT_PARTIAL_DISCARDED, 0, r->len, r->segments);
            abandon(r);
        }
        r->in_progress = true;
        r->discarding = false;
        r->len = 0;
        r->segments = 0;
    } else if (!r->in_progress) {
        if (r->discarding) {
            /* Rest of a message already reported as too large. */
            if (h.fin)
                r->discarding = false;
            r->last_seq = h.seq;
            return 0;
        }
        if (r->have_last && h.seq == r->last_seq) {
            report(sink, DNP3KIT_F_TRANSPORT_DUPLICATE_SEGMENT, r->last_seq, h.seq, 0);
            return 0;
        }
        report(sink, DNP3KIT_F_TRANSPORT_NO_FIR, 0, h.seq, 0);
        return 0;
    } else if (h.seq == r->last_seq) {
        /* Same sequence as the last accepted segment: a link-layer retry. */
        report(sink, DNP3KIT_F_TRANSPORT_DUPLICATE_SEGMENT, r->last_seq, h.seq, 0);
        return 0;
    } else if (h.seq != ((r->last_seq + 1) & 0x3F)) {
        /* 8.2.3.4: out-of-sequence segment discards the message in progress. */
        report(sink, DNP3KIT_F_TRANSPORT_SEQUENCE_GAP, (r->last_seq + 1) & 0x3F, h.seq, r->segments);
        abandon(r);
        r->have_last = true;
        r->last_seq = h.seq;
        return 0;
    }

    r->last_seq = h.seq;
    r->have_last = true;
    r->segments++;
    if (h.fir && h.fin && plen <= r->cap) {
        /* A whole message in one segment (most of them): no copy needed. */
        r->in_progress = false;
        r->len = 0;
        r->messages++;
        *msg = pay;
        *msg_len = plen;
        return 1;
    }
    if (plen > r->cap - r->len) {
        report(sink, DNP3KIT_F_TRANSPORT_MESSAGE_TOO_LARGE, r->cap, (uint64_t)r->len + plen, r->segments);
        abandon(r);
        r->discarding = !h.fin;
        return 0;
    }
    memcpy(r->buf + r->len, pay, plen);
    r->len += plen;
    if (!h.fin)
        return 0;
    r->in_progress = false;
    r->messages++;
    *msg = r->buf;
    *msg_len = r->len;
    return 1;
}

void dnp3kit_reassembler_finish(dnp3kit_reassembler *r, const dnp3kit_sink *sink)
{
    if (r->in_progress) {
        report(sink, DNP3KIT_F_TRANSPORT_INCOMPLETE, 0, r->len, r->segments);
        abandon(r);
    }
    r->discarding = false;
}

int dnp3kit_transport_segment(const uint8_t *msg, size_t msg_len, size_t max_payload, uint8_t *seq,
                              dnp3kit_segment_fn emit, void *user)
{
    if (max_payload < 1 || max_payload > DNP3KIT_TRANSPORT_MAX_PAYLOAD || !seq || !emit ||
        (msg_len > 0 && !msg))
        return DNP3KIT_ERR_ARG;
    uint8_t seg[1 + DNP3KIT_TRANSPORT_MAX_PAYLOAD];
    size_t pos = 0;
    bool first = true;
    do {
        size_t n = msg_len - pos < max_payload ? msg_len - pos : max_payload;
        bool fin = pos + n == msg_len;
        seg[0] = (uint8_t)((fin ? DNP3KIT_TRANSPORT_FIN : 0) | (first ? DNP3KIT_TRANSPORT_FIR : 0) |
                           (*seq & 0x3F));
        if (n)
            memcpy(seg + 1, msg + pos, n);
        *seq = (uint8_t)((*seq + 1) & 0x3F);
        int rc = emit(user, seg, n + 1);
        if (rc != 0)
            return rc;
        pos += n;
        first = false;
    } while (pos < msg_len);
    return DNP3KIT_OK;
}
