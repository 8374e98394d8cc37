/*
 * Capture input for dnp3-pcap: reads pcap and pcapng through libpcap,
 * decodes Ethernet (802.1Q/QinQ), Linux SLL/SLL2, raw IPv4/IPv6 and BSD
 * null/loopback, IPv4 and IPv6, and delivers DNP3-bearing payloads:
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

#define DPC_MAX_FLOWS 4096
#define DPC_TCP_WINDOW (256 * 1024)
#define DPC_MAX_PORTS 16

typedef struct dpc_addr {
    uint8_t family;   /* 4 or 6 */
    uint8_t ip[16];   /* IPv4 in the first 4 octets */
    uint16_t port;
} dpc_addr;

/* "192.0.2.1:20000" or "[2001:db8::1]:20000" */
int dpc_addr_format(const dpc_addr *a, char *buf, size_t cap);

typedef struct dpc_flow {
    uint32_t id;            /* 1-based, in order of first appearance */
    bool tcp;               /* else UDP */
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
    /* Capture-layer finding (TCP_*, PACKET_TRUNCATED, FLOW_LIMIT). f may be NULL;
     * from_a: the direction it concerns (true when it concerns none). */
    void (*on_finding)(void *ctx, dpc_flow *f, bool from_a, const dnp3kit_finding *fi, const dpc_packet *pkt);
    /* Flow ends (FIN/RST seen and drained, evicted, or end of file); release f->user. */
    void (*on_flow_close)(void *ctx, dpc_flow *f, const dpc_packet *pkt);
} dpc_callbacks;

typedef struct dpc_options {
    uint16_t ports[DPC_MAX_PORTS]; /* DNP3 ports; default {20000} */
    size_t nports;
    bool any_port;          /* also flows on other ports whose first payload holds a valid link header */
    bool udp;               /* include UDP (default true) */
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
 * mid-way yields what was read and returns -1 with errbuf set.
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

/* ---- writing captures (crafted captures, session recording, benchmarks) ---- */

/* Writes Ethernet/IPv4|IPv6/TCP|UDP packets with consistent TCP sequence numbers
 * through libpcap's dump API. */
typedef struct dpc_writer dpc_writer;

dpc_writer *dpc_writer_open(const char *path, char *errbuf, size_t errcap);
/* Initial sequence numbers for connections opened after this call (default:
 * fixed values derived from the connection id). Lets tests cross 2^32. */
void dpc_writer_set_isn(dpc_writer *w, uint32_t client_isn, uint32_t server_isn);
/* Declare a TCP connection between client and server; writes the three-way
 * handshake when handshake is true. Returns a connection id >= 0. */
int dpc_writer_tcp_open(dpc_writer *w, const dpc_addr *client, const dpc_addr *server, bool handshake,
                        uint64_t ts_us);
/* One TCP segment carrying p[0..len) from client (from_client) or server. */
int dpc_writer_tcp_send(dpc_writer *w, int conn, bool from_client, const uint8_t *p, size_t len,
                        uint64_t ts_us);
/* A segment with explicit sequence offset relative to the direction's ISN+1
 * (to craft retransmissions, reordering, gaps). */
int dpc_writer_tcp_send_at(dpc_writer *w, int conn, bool from_client, uint32_t rel_seq, const uint8_t *p,
                           size_t len, uint64_t ts_us);
/* FIN from both sides. */
int dpc_writer_tcp_close(dpc_writer *w, int conn, uint64_t ts_us);
int dpc_writer_udp(dpc_writer *w, const dpc_addr *src, const dpc_addr *dst, const uint8_t *p, size_t len,
                   uint64_t ts_us);
int dpc_writer_close(dpc_writer *w);

#endif
