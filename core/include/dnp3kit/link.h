/*
 * Link layer (IEEE 1815-2012 clause 9): FT3 frames of up to 292 octets.
 *
 *   0x05 0x64 LEN CTRL DST(le16) SRC(le16) CRC(le16) | blocks of <=16 octets, each + CRC
 *
 * Two entry points (STYLE.md): dnp3kit_link_decode() for one complete frame at
 * the start of a buffer (what the dissector needs), and a streaming parser that
 * accepts any chunking and resynchronises after garbage (master, pcap tools).
 */
#ifndef DNP3KIT_LINK_H
#define DNP3KIT_LINK_H
#include "dnp3kit/common.h"
#ifdef __cplusplus
extern "C" {
#endif
DNP3KIT_API_BEGIN

#define DNP3KIT_LINK_HEADER_LEN 10
#define DNP3KIT_LINK_MAX_FRAME 292   /* 10 + 250 + 16 * 2 */
#define DNP3KIT_LINK_MAX_USER 250
#define DNP3KIT_LINK_START1 0x05
#define DNP3KIT_LINK_START2 0x64

#define DNP3KIT_LINK_CTRL_DIR 0x80
#define DNP3KIT_LINK_CTRL_PRM 0x40
#define DNP3KIT_LINK_CTRL_FCB 0x20 /* primary */
#define DNP3KIT_LINK_CTRL_FCV 0x10 /* primary */
#define DNP3KIT_LINK_CTRL_DFC 0x10 /* secondary */

#define DNP3KIT_ADDR_SELF 0xFFFC
#define DNP3KIT_ADDR_BCAST_NOCONF 0xFFFD  /* broadcast, application confirm optional */
#define DNP3KIT_ADDR_BCAST_CONF 0xFFFE    /* broadcast, confirm required */
#define DNP3KIT_ADDR_BCAST_ALL 0xFFFF     /* broadcast, no confirm */
#define DNP3KIT_ADDR_MAX_UNICAST 0xFFEF   /* 0..65519 */

/* Link function codes: primary (PRM=1) table 9-1, secondary (PRM=0) table 9-2. */
#define DNP3KIT_LINK_PRI_FUNCS(X)                                                    \
    X(RESET_LINK_STATES, 0, "RESET_LINK_STATES")                                     \
    X(TEST_LINK_STATES, 2, "TEST_LINK_STATES")                                       \
    X(CONFIRMED_USER_DATA, 3, "CONFIRMED_USER_DATA")                                 \
    X(UNCONFIRMED_USER_DATA, 4, "UNCONFIRMED_USER_DATA")                             \
    X(REQUEST_LINK_STATUS, 9, "REQUEST_LINK_STATUS")
#define DNP3KIT_LINK_SEC_FUNCS(X)                                                    \
    X(ACK, 0, "ACK")                                                                 \
    X(NACK, 1, "NACK")                                                               \
    X(LINK_STATUS, 11, "LINK_STATUS")                                                \
    X(NOT_SUPPORTED, 15, "NOT_SUPPORTED")

enum {
#define DNP3KIT_X(n, v, s) DNP3KIT_LINK_PRI_##n = v,
    DNP3KIT_LINK_PRI_FUNCS(DNP3KIT_X)
#undef DNP3KIT_X
#define DNP3KIT_X(n, v, s) DNP3KIT_LINK_SEC_##n = v,
    DNP3KIT_LINK_SEC_FUNCS(DNP3KIT_X)
#undef DNP3KIT_X
};

typedef struct dnp3kit_link_frame {
    uint8_t len;        /* LENGTH field: octets after it, excluding CRCs */
    uint8_t ctrl;       /* raw control octet */
    bool dir, prm, fcb, fcv, dfc;
    uint8_t func;       /* control & 0x0F */
    uint16_t dst, src;
    uint16_t header_crc;
    bool crc_ok;        /* header and every block CRC good */
    size_t frame_len;   /* octets on the wire, CRCs included */
    size_t user_len;    /* LEN - 5 */
    uint8_t user[DNP3KIT_LINK_MAX_USER]; /* CRC-stripped user data (transport segment) */
} dnp3kit_link_frame;

/* Wire length of a frame whose LENGTH field is len (len >= 5). */
size_t dnp3kit_link_wire_len(uint8_t len);

/* Name of a link function ("UNCONFIRMED_USER_DATA"); "RESERVED" if none. */
const char *dnp3kit_link_func_name(bool prm, uint8_t func);
/* Is the function code reserved or obsolete for this PRM (tables 9-1, 9-2:
 * primary 1, 5-8, 10-15; secondary 2-10, 12-14)? Such frames get
 * link_reserved_function; a station discards them. */
bool dnp3kit_link_func_reserved(bool prm, uint8_t func);
/* The application fragment a frame of a reserved function would carry if its
 * octets were user data (table 9-1 defines no other reading of octets after
 * the header): only when every CRC is good and the user data is one whole
 * transport segment (FIR and FIN, at least the 2 octets of an application
 * header). Then *frag, *len point into f->user and it returns true. Nothing
 * is reassembled: the receiver discards the frame, so a consumer shows this
 * decoding as tentative and feeds no transport or session state with it. */
bool dnp3kit_link_reserved_fragment(const dnp3kit_link_frame *f, const uint8_t **frag, size_t *len);

/*
 * Decode one complete frame starting at p[0] (which must be 0x05 0x64).
 * Returns the wire length consumed (> 0) when a frame with a valid header was
 * decoded (out->crc_ok tells whether every block CRC was good: a frame with a
 * bad block CRC must be discarded, per clause 9.2.4.2), DNP3KIT_ERR_INCOMPLETE
 * when len is too short for the frame the header announces, DNP3KIT_ERR_INVALID
 * when p does not start with 0x05 0x64 or LENGTH < 5, DNP3KIT_ERR_CRC when the
 * header CRC is bad. Findings (header/block CRC, LEN, function/FCV/address
 * rules) go to sink with offsets relative to p.
 */
int dnp3kit_link_decode(const uint8_t *p, size_t len, dnp3kit_link_frame *out,
                        const dnp3kit_sink *sink);

/*
 * Streaming parser. Zero-fill (or dnp3kit_link_parser_init) before use.
 * Holds at most one partial frame (292 octets); never allocates.
 */
typedef struct dnp3kit_link_parser {
    uint8_t _buf[DNP3KIT_LINK_MAX_FRAME];
    size_t _have;        /* octets in _buf */
    uint64_t _garbage;   /* skipped octets not yet reported */
    uint64_t _offset;    /* stream offset of the next octet to consume */
    uint64_t frames;     /* counters, for reports */
    uint64_t bad_frames;
    uint64_t garbage_octets;
} dnp3kit_link_parser;

void dnp3kit_link_parser_init(dnp3kit_link_parser *lp);

/*
 * Consume octets from *p (advancing *p and decreasing *len) until one frame is
 * complete or the input is used up. Returns 1 when *out holds a frame (check
 * out->crc_ok), 0 when all input was consumed without completing one.
 * Call again with the remaining input after a 1. Finding offsets are stream
 * offsets (octets consumed by this parser since init/reset).
 */
int dnp3kit_link_parser_step(dnp3kit_link_parser *lp, const uint8_t **p, size_t *len,
                             dnp3kit_link_frame *out, const dnp3kit_sink *sink);

/* Drop any partial frame (e.g. after a TCP gap); reports LINK_TRUNCATED_FRAME and pending garbage. */
void dnp3kit_link_parser_reset(dnp3kit_link_parser *lp, const dnp3kit_sink *sink);
/* End of stream: report what is pending (partial frame, garbage). */
void dnp3kit_link_parser_finish(dnp3kit_link_parser *lp, const dnp3kit_sink *sink);

/* Build a frame. ctrl is the full control octet (DIR|PRM|FCB|FCV|func).
 * Returns the wire length written, or DNP3KIT_ERR_BUFFER / DNP3KIT_ERR_ARG (user_len > 250). */
int dnp3kit_link_build(uint8_t ctrl, uint16_t dst, uint16_t src, const uint8_t *user,
                       size_t user_len, uint8_t *out, size_t cap);

/* Control octet helper. */
static inline uint8_t dnp3kit_link_ctrl(bool dir, bool prm, bool fcb, bool fcv_dfc, uint8_t func)
{
    return (uint8_t)((dir ? 0x80 : 0) | (prm ? 0x40 : 0) | (fcb ? 0x20 : 0) | (fcv_dfc ? 0x10 : 0) |
                     (func & 0x0F));
}

DNP3KIT_API_END
#ifdef __cplusplus
}
#endif
#endif
