/*
 * dnp3-pcap replay: drive a live outstation with the requests of a recorded
 * association and compare its answers object by object (--role master), or
 * answer a live master with the recorded responses (--role outstation).
 *
 * Also the small pieces of DNP3-over-TCP plumbing that dnp3-pcap fuzz
 * shares: the capture model (every fragment and every raw payload chunk of a
 * capture, in order) and a blocking link/transport connection.
 */
#ifndef DNP3KIT_REPLAY_H
#define DNP3KIT_REPLAY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dnp3kit/dnp3kit.h"
#include "pcapin.h"

/* Exit codes of replay (documented in docs/dnp3-pcap.md). */
enum { RP_EXIT_SAME = 0, RP_EXIT_DIFFERENT = 1, RP_EXIT_ERROR = 2 };

/* ---- capture model ---- */

typedef struct rp_msg {
    uint32_t flow;          /* dpc_flow id */
    bool from_a;            /* direction within the flow */
    bool from_master;
    uint16_t src, dst;      /* link addresses */
    uint64_t frame, ts_us;
    int status;             /* dnp3kit_app_validate's result */
    uint8_t *data;
    size_t len;
} rp_msg;

typedef struct rp_chunk {   /* payload octets as the capture delivered them */
    uint32_t flow;
    bool from_a;
    uint64_t frame, ts_us;
    uint8_t *data;
    size_t len;
} rp_chunk;

typedef struct rp_capture {
    rp_msg *msgs;
    size_t nmsgs, capmsgs;
    rp_chunk *chunks;
    size_t nchunks, capchunks;
    uint32_t nflows;
    uint64_t link_defects;  /* link/transport findings (bad CRCs, sequence games, ...) */
    uint64_t bad_fragments; /* fragments that do not validate */
} rp_capture;

/* Load a capture. Returns 0, or -1 with err set (cannot read it). */
int rp_capture_load(const char *path, const dpc_options *po, rp_capture *c, char *err, size_t errcap);
void rp_capture_free(rp_capture *c);

/* ---- a DNP3 TCP connection (blocking, with deadlines) ---- */

typedef struct rp_conn {
    int fd;
    uint16_t local, remote;     /* link addresses: ours and the peer's */
    bool master;                /* our role: sets DIR on our frames */
    uint8_t tseq;               /* next transport sequence */
    dnp3kit_link_parser lp;
    dnp3kit_reassembler r;
    /* frames from another association (link addresses not ours): counted, and
     * the last one's addresses kept for the --map-addresses hint */
    uint64_t foreign;
    uint16_t foreign_src, foreign_dst;
    uint8_t rbuf[65536];
    uint8_t in[4096];
    size_t in_len, in_pos;
    bool closed;
    uint64_t link_status_seen;  /* LINK_STATUS answers received */
    uint64_t link_requests;     /* link requests answered */
} rp_conn;

/* Monotonic milliseconds. */
uint64_t rp_now_ms(void);
/* "HOST:PORT" or "tcp://HOST:PORT" -> connected socket within timeout_ms;
 * returns the fd or -1 with err set. */
int rp_tcp_connect(const char *hostport, int timeout_ms, char *err, size_t errcap);
/* Listening socket on 127.0.0.1 (or bind) :port; *bound gets the actual port. */
int rp_tcp_listen(const char *bind_addr, uint16_t port, uint16_t *bound, char *err, size_t errcap);

void rp_conn_init(rp_conn *c, int fd, bool master, uint16_t local, uint16_t remote);
void rp_conn_close(rp_conn *c);
/* Send all octets (0 or -1 when the peer is gone). */
int rp_send_raw(rp_conn *c, const uint8_t *p, size_t len);
/* Send one application fragment: transport segments in unconfirmed user data frames. */
int rp_send_fragment(rp_conn *c, const uint8_t *frag, size_t len);
/* Send REQUEST_LINK_STATUS. */
int rp_send_link_status_request(rp_conn *c);
/*
 * Wait for the next application fragment from the peer until deadline_ms.
 * Link requests from the peer are answered on the way. Returns 1 with
 * frag and len set (valid until the next call), 2 when a LINK_STATUS answer
 * arrived (link_status_seen counts them), 0 on timeout, -1 when the
 * connection closed or failed.
 */
int rp_recv_fragment(rp_conn *c, uint64_t deadline_ms, const uint8_t **frag, size_t *len);
/* Probe liveness: 300 zero octets (to end any partial frame), REQUEST_LINK_STATUS, wait for LINK_STATUS (fragments read meanwhile are dropped).
 * Returns 1 alive, 0 no answer, -1 closed. */
int rp_probe(rp_conn *c, int timeout_ms);

/* The SEQs (bit n set: SEQ n) of the application fragments that start in a
 * byte stream (first segments of link frames): a probe picks another one. */
uint16_t rp_seqs_in(const uint8_t *p, size_t len);
/* A probe that its answer cannot be confused with: 300 zero octets (they end
 * any partial frame the case left in the target's link parser), then an
 * application READ with no objects and application SEQ seq, built into out
 * (advances c->tseq). Returns the octet count or -1. */
int rp_probe_build(rp_conn *c, uint8_t seq, uint8_t *out, size_t cap);
/* Wait for the response (FC 129, FIR) carrying seq; confirms it when asked.
 * Anything else read meanwhile (answers to the case, unsolicited responses,
 * link status) is dropped. 1 alive, 0 no answer, -1 closed. */
int rp_probe_wait(rp_conn *c, uint8_t seq, int timeout_ms);
/* build + send + wait, with a SEQ outside avoid_seqs. */
int rp_probe_read(rp_conn *c, uint16_t avoid_seqs, int timeout_ms);

/* ---- the subcommand ---- */

/* argv[0] is "replay". */
int rp_main(int argc, char **argv);
void rp_usage(FILE *out);

#endif
