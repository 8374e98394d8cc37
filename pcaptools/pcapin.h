/*
 * Capture input for dnp3-pcap: reads pcap and pcapng through libpcap,
 * decodes Ethernet (802.1Q/QinQ), Linux SLL/SLL2, raw IPv4/IPv6 and BSD
 * null/loopback, IPv4 and IPv6 (fragments reassembled, bounded: ipfrag.h),
 * and delivers DNP3-bearing payloads:
 * TCP as in-order byte streams per direction (reassembled by sequence number,
 * retransmissions dropped, out-of-order segments buffered within a bounded
 * window, gaps reported), UDP as datagrams.
 *
 * Bounds (documented in docs/dnp3-pcap.md): at most DPC_MAX_FLOWS flows at
 * once (least recently used evicted with a FLOW_LIMIT finding), at most
 * DPC_TCP_WINDOW octets of out-of-order data buffered per direction.
 */
#ifndef DNP3KIT_PCAPIN_H
#define DNP3KIT_PCAPIN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dnp3kit/common.h"
#include "capture.h" /* dpc_addr, and the writer the tools share */

#define DPC_MAX_FLOWS 4096
#define DPC_TCP_WINDOW (256 * 1024)
#define DPC_MAX_PORTS 16

typedef struct dpc_flow {
    uint32_t id;            /* 1-based, in order of first appearance */
    bool tcp;               /* a byte stream (TCP or serial); else UDP datagrams */
    bool serial;            /* a serial line (LINKTYPE_RTAC_SERIAL): a = the recording side */
    dpc_addr a, b;          /* a = the endpoint that sent the first packet seen */
    void *user;             /* for the consumer; set in on_flow_open */
} dpc_flow;

/* Per-packet context handed with every callback. */
typedef struct dpc_packet {
    uint64_t frame;         /* 1-based pcap frame number */
    uint64_t ts_us;         /* capture time, microseconds since the epoch */
    uint32_t caplen, wirelen;
} dpc_packet;

typedef struct dpc_callbacks {
    /* A new flow; set f->user. May be NULL. */
    void (*on_flow_open)(void *ctx, dpc_flow *f, const dpc_packet *pkt);
    /* In-order payload octets travelling from `from_a ? f->a : f->b`. TCP: any chunking; UDP: one datagram. */
    void (*on_data)(void *ctx, dpc_flow *f, bool from_a, const uint8_t *p, size_t len, const dpc_packet *pkt);
    /* TCP octets missing before the next on_data of this direction (consumer resets its parser). */
    void (*on_gap)(void *ctx, dpc_flow *f, bool from_a, uint64_t missing, const dpc_packet *pkt);
    /* Capture-layer finding (TCP_*, PACKET_TRUNCATED, FLOW_LIMIT, IP_FRAGMENT_*). f may be NULL;
     * from_a: the direction it concerns (true when it concerns none). */
    void (*on_finding)(void *ctx, dpc_flow *f, bool from_a, const dnp3kit_finding *fi, const dpc_packet *pkt);
    /* Flow ends (FIN/RST seen and drained, evicted, or end of file); release f->user. */
    void (*on_flow_close)(void *ctx, dpc_flow *f, const dpc_packet *pkt);
    /* Reading a stream (a pipe, FIFO, socket or terminal: standard input or a
     * path that is not a regular file): called between packets when no more
     * input is ready (the reader is about to wait for the writer), and at
     * least every DPC_IDLE_MAX_US while input keeps coming, so a consumer
     * flushes its output within a bounded delay of the packet that caused
     * it. Never called for regular files or memory. May be NULL. */
    void (*on_idle)(void *ctx);
} dpc_callbacks;

#define DPC_IDLE_MAX_US 100000

typedef struct dpc_options {
    uint16_t ports[DPC_MAX_PORTS]; /* DNP3 ports; default {20000} */
    size_t nports;
    bool any_port;          /* also flows on other ports whose first payload holds a valid link header */
    bool udp;               /* include UDP (default true) */
    /* IP fragment reassembly bounds (ipfrag.h); 0 = the default */
    size_t frag_memory;     /* fragment octets held at once (IPF_MEMORY) */
    size_t frag_datagrams;  /* datagrams held at once (IPF_MAX_DATAGRAMS) */
    uint64_t frag_timeout_us; /* capture time from a datagram's first fragment (IPF_TIMEOUT_US) */
} dpc_options;

void dpc_options_default(dpc_options *o);

typedef struct dpc_stats {
    uint64_t packets, bytes;          /* all packets read and their captured octets */
    uint64_t dnp3_packets, payload_bytes;
    uint64_t flows;
} dpc_stats;

/*
 * Read a capture file from start to end, calling cb. Returns 0 on success,
 * -1 when the file cannot be opened or read as pcap/pcapng (errbuf holds
 * libpcap's message), -2 for an unsupported link type. A file that breaks off
 * mid-way yields what was read and returns -1 with errbuf set. A gzip'd file
 * (built with zlib) is inflated first, up to 1 GiB. path "-" is standard
 * input; a stream (see on_idle) is read as it arrives, never seeked.
 * progress: when non-NULL, called about once per 1 MiB with (octets read, file size).
 */
int dpc_read_file(const char *path, const dpc_options *opt, const dpc_callbacks *cb, void *ctx,
                  dpc_stats *stats, char *errbuf, size_t errcap,
                  void (*progress)(void *ctx, uint64_t done, uint64_t total));

/*
 * Read from memory (fuzzing, tests): same as dpc_read_file for a buffer that
 * holds a whole pcap or pcapng file (via fmemopen).
 */
int dpc_read_mem(const uint8_t *p, size_t len, const dpc_options *opt, const dpc_callbacks *cb,
                 void *ctx, dpc_stats *stats, char *errbuf, size_t errcap);

#endif
