/*
 * Session analyzer: checks across the messages of one association
 * (master address, outstation address) that no single fragment shows:
 * request/response SEQ matching, multi-fragment response order, confirms
 * of CON fragments, unsolicited SEQ continuity, SELECT/OPERATE pairing.
 * Sans-I/O: the caller feeds validated fragments in capture order.
 */
#ifndef DNP3KIT_ANALYZER_H
#define DNP3KIT_ANALYZER_H
#include "dnp3kit/common.h"
#include "dnp3kit/app.h"
#ifdef __cplusplus
extern "C" {
#endif
DNP3KIT_API_BEGIN

#define DNP3KIT_ANALYZER_SELECT_MAX 2048

typedef struct dnp3kit_analyzer {
    /* requests from the master */
    bool have_request;          /* a request awaits its response */
    uint8_t req_seq, req_func;
    bool req_seen;              /* any request seen (for continuity) */
    uint8_t last_req_seq;
    bool in_response;           /* inside a multi-fragment response */
    uint8_t resp_seq;
    /* application confirms awaited from the master */
    bool sol_con_pending, uns_con_pending;
    uint8_t sol_con_seq, uns_con_seq;
    /* unsolicited */
    bool uns_seen;
    uint8_t last_uns_seq;
    /* select-before-operate: the last SELECT's objects and whether its echo matched */
    bool select_valid;
    bool select_answered_ok;
    uint8_t select_seq;
    size_t select_len;
    uint8_t select_objs[DNP3KIT_ANALYZER_SELECT_MAX];
    /* counters */
    uint64_t requests, responses, unsolicited, confirms;
} dnp3kit_analyzer;

void dnp3kit_analyzer_init(dnp3kit_analyzer *a);

/*
 * Feed one complete application fragment whose header decoded (h).
 * from_master: direction (link DIR bit). broadcast: the request went to a
 * broadcast address, so no response is due. Findings go to sink with
 * offset 0 (the fragment).
 */
void dnp3kit_analyzer_feed(dnp3kit_analyzer *a, bool from_master, bool broadcast, const uint8_t *frag,
                           size_t len, const dnp3kit_app_header *h, const dnp3kit_sink *sink);

/* End of capture: reports unanswered requests and unconfirmed fragments. */
void dnp3kit_analyzer_finish(dnp3kit_analyzer *a, const dnp3kit_sink *sink);

/*
 * What every consumer of a link channel (pcap engine, Wireshark plugin)
 * decides about one reassembled fragment, decided once here: validation,
 * the sender's role by function code (responses come from the outstation,
 * everything else from the master; the DIR bit only when the function is
 * unknown), a LINK_DIR_MISMATCH finding when the DIR bit says otherwise, and
 * the association (master, outstation) whose analyzer the fragment feeds.
 */
typedef struct dnp3kit_fragment_info {
    int status;                /* dnp3kit_app_validate's result */
    dnp3kit_app_summary sum;
    bool decodable;            /* header whole and role known (a known function, or an unknown one
                                * below 0x80 with DIR=1: a request): role and association are meaningful */
    bool from_master;
    uint16_t master, outstation;
    bool broadcast;            /* sent to a broadcast address: no response due */
} dnp3kit_fragment_info;

void dnp3kit_fragment_classify(const uint8_t *frag, size_t len, uint16_t link_src, uint16_t link_dst,
                               bool link_dir, dnp3kit_fragment_info *out, const dnp3kit_sink *sink);

DNP3KIT_API_END
#ifdef __cplusplus
}
#endif
#endif
