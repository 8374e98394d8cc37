/*
 * The DNP3 stream engine of dnp3-pcap: payload octets of each flow direction
 * -> link parser -> transport reassembler per (flow, master, outstation,
 * direction) -> application validation -> session analyzer per association.
 * Every finding is delivered with its context (pcap frame, flow, link
 * addresses); every reassembled fragment is delivered with its findings.
 *
 * Bounds: DPE_MAX_ASSOCS associations per flow and twice as many
 * (source, destination) directions, each holding one message buffer of
 * max_message octets (further ones are ignored with a FLOW_LIMIT finding);
 * each flow direction holds one partial link frame.
 */
#ifndef DNP3KIT_ENGINE_H
#define DNP3KIT_ENGINE_H
#include "dnp3kit/dnp3kit.h"
#include "pcapin.h"

#define DPE_MAX_ASSOCS 16
#define DPE_MAX_FRAG_FINDINGS 32

typedef struct dpe_options {
    size_t max_message;          /* transport maximum message size (default 2048) */
    unsigned threads;            /* 1: all on the calling thread; 2: reading and DNP3
                                    processing on two threads (same results) */
} dpe_options;

/* Context of a finding. */
typedef struct dpe_where {
    const dpc_flow *flow;        /* NULL for findings not tied to a flow */
    bool from_a;                 /* direction within the flow */
    const dpc_packet *pkt;       /* packet being processed (NULL at end of file) */
    bool has_link;               /* link addresses known */
    uint16_t link_src, link_dst;
    bool in_fragment;            /* on_finding: also recorded in the fragment being built (its findings) */
} dpe_where;

/* A reassembled application fragment. */
typedef struct dpe_fragment {
    dpe_where where;
    bool from_master;            /* sent by the master (by function code; DIR bit when undecodable) */
    const uint8_t *data;
    size_t len;
    int status;                  /* dnp3kit_app_validate's result */
    dnp3kit_app_summary sum;
    uint32_t segments;           /* transport segments it came from */
    bool tentative;              /* the user data of a frame with a reserved link function
                                    (dnp3kit_link_reserved_fragment), decoded as if it were
                                    user data: not reassembled, no session rules, not counted,
                                    no findings of its own (the frame's link_reserved_function
                                    is reported with the link) */
    uint8_t link_func;           /* tentative: that frame's link function code */
    size_t nfindings;            /* findings raised on this fragment (app + session) */
    dnp3kit_finding findings[DPE_MAX_FRAG_FINDINGS];
} dpe_fragment;

typedef struct dpe_callbacks {
    void (*on_link)(void *ctx, const dpe_where *w, const dnp3kit_link_frame *f);
    void (*on_fragment)(void *ctx, const dpe_fragment *frag);
    void (*on_finding)(void *ctx, const dpe_where *w, const dnp3kit_finding *f);
    /* A stream (pipe) is waiting for its writer, or has not paused for a while
     * (pcapin.h, on_idle): flush what was written so far. May be NULL. */
    void (*on_idle)(void *ctx);
} dpe_callbacks;

typedef struct dpe_stats {
    uint64_t link_frames, bad_link_frames, fragments, bad_fragments;
    uint64_t findings[DNP3KIT_F_COUNT_];
    uint64_t by_severity[3];
} dpe_stats;

typedef struct dpe_engine dpe_engine;

void dpe_options_default(dpe_options *o);
dpe_engine *dpe_new(const dpe_options *o, const dpe_callbacks *cb, void *ctx);
void dpe_free(dpe_engine *e);

/* Run one capture through the engine (flows are closed at its end).
 * Returns dpc_read_file's result; errbuf explains a failure. */
int dpe_run_file(dpe_engine *e, const char *path, const dpc_options *po, dpc_stats *cstats, char *errbuf,
                 size_t errcap, void (*progress)(void *ctx, uint64_t done, uint64_t total), void *pctx);
int dpe_run_mem(dpe_engine *e, const uint8_t *p, size_t len, const dpc_options *po, dpc_stats *cstats,
                char *errbuf, size_t errcap);

const dpe_stats *dpe_get_stats(const dpe_engine *e);

/* The engine's pcapin callbacks, for callers that drive dpc_read_* themselves. */
const dpc_callbacks *dpe_capture_callbacks(void);

#endif
