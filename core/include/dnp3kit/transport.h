/*
 * Transport function (IEEE 1815-2012 clause 8): one header octet
 * FIN(0x80) FIR(0x40) SEQ(6 bits) in front of each link frame's user data.
 *
 * The reassembler is per association and direction; the caller owns its
 * message buffer, whose size is the maximum message size (default 2048), so
 * memory stays bounded whatever arrives.
 */
#ifndef DNP3KIT_TRANSPORT_H
#define DNP3KIT_TRANSPORT_H
#include "dnp3kit/common.h"
#ifdef __cplusplus
extern "C" {
#endif
DNP3KIT_API_BEGIN

#define DNP3KIT_TRANSPORT_FIN 0x80
#define DNP3KIT_TRANSPORT_FIR 0x40
#define DNP3KIT_TRANSPORT_MAX_PAYLOAD 249
#define DNP3KIT_DEFAULT_MAX_MESSAGE 2048

typedef struct dnp3kit_transport_header {
    bool fin, fir;
    uint8_t seq; /* 0..63 */
} dnp3kit_transport_header;

static inline dnp3kit_transport_header dnp3kit_transport_header_decode(uint8_t b)
{
    dnp3kit_transport_header h = {(b & 0x80) != 0, (b & 0x40) != 0, (uint8_t)(b & 0x3F)};
    return h;
}

typedef struct dnp3kit_reassembler {
    uint8_t *buf;        /* caller-owned, cap octets */
    size_t cap;          /* maximum message size */
    size_t len;          /* octets of the message in progress */
    bool in_progress;
    bool discarding;     /* message over the limit: drop segments until FIN/FIR */
    uint8_t last_seq;    /* sequence of the last accepted segment */
    bool have_last;      /* last_seq is meaningful (for duplicate detection) */
    uint32_t segments;   /* segments in the message in progress */
    uint64_t messages;   /* counters */
    uint64_t discarded;
} dnp3kit_reassembler;

/* buf/cap: caller-owned buffer, cap = maximum message size (>= 1). */
void dnp3kit_reassembler_init(dnp3kit_reassembler *r, uint8_t *buf, size_t cap);
void dnp3kit_reassembler_reset(dnp3kit_reassembler *r);

/*
 * Push one segment (a link frame's user data, transport header first).
 * Returns 1 when a message is complete: *msg and *msg_len point into r->buf
 * (or, for a message that fits in one FIR|FIN segment, into seg itself) and
 * stay valid until the next push or until seg is released. Returns 0 when no message completed
 * (more segments needed, or the segment was discarded with a finding).
 * Returns DNP3KIT_ERR_INVALID for an empty segment. Finding offsets are 0
 * (the transport header) relative to the segment.
 */
int dnp3kit_reassembler_push(dnp3kit_reassembler *r, const uint8_t *seg, size_t seg_len,
                             const uint8_t **msg, size_t *msg_len, const dnp3kit_sink *sink);

/* End of stream: reports TRANSPORT_INCOMPLETE if a message is in progress. */
void dnp3kit_reassembler_finish(dnp3kit_reassembler *r, const dnp3kit_sink *sink);

/*
 * Segmenter: split msg into segments of at most max_payload (1..249) octets,
 * starting at *seq (updated, mod 64). Each segment (header + payload) is
 * handed to emit; a non-zero return from emit stops and is returned.
 * An empty message yields one header-only FIR|FIN segment.
 */
typedef int (*dnp3kit_segment_fn)(void *user, const uint8_t *seg, size_t len);
int dnp3kit_transport_segment(const uint8_t *msg, size_t msg_len, size_t max_payload, uint8_t *seq,
                              dnp3kit_segment_fn emit, void *user);

DNP3KIT_API_END
#ifdef __cplusplus
}
#endif
#endif
