/* dnp3-mkbench: the benchmark capture and two small measuring helpers.
 *
 *   dnp3-mkbench [--sessions=N] [--no-wrap] OUT.pcap [MB]
 *                                  write a clean capture of at least MB MiB
 *                                  (default 220) with the core's builders and
 *                                  the project's pcap writer; --sessions=N:
 *                                  N master/outstation pairs (1-64, default 64);
 *                                  --no-wrap: a fragment whose segments would
 *                                  wrap the transport sequence from 63 to 0
 *                                  starts at 0 instead (a FIR segment may carry
 *                                  any sequence number), which Wireshark 4.0's
 *                                  built-in dnp3 needs to reassemble it
 *   dnp3-mkbench --read FILE       read FILE with read(2) in 1 MiB blocks (the
 *                                  "C read loop" baseline); prints the octets
 *   dnp3-mkbench --pcap-read FILE  read FILE's records through libpcap
 *                                  (pcap_next_ex), touching each record; the
 *                                  "libpcap read loop" reference
 *   dnp3-mkbench --rss CMD [ARG..] run CMD, then print its peak RSS (getrusage)
 *                                  to stderr as "maxrss_kb N"; exit status is CMD's
 *
 * The capture: NSESS (or --sessions) master/outstation pairs, each on its own TCP connection
 * between distinct IPv4 addresses, interleaved packet by packet (a fixed-seed
 * PRNG picks the next session; each session's packets keep their order). Each
 * session runs a realistic mix of exchanges:
 *   - integrity polls (class 1/2/3/0) answered by static data g1v2, g30v1,
 *     g30v5, g20v1, g40v1 (sometimes preceded by events), 1-3 fragments of up
 *     to 2048 octets, each spanning several link frames; multi-fragment
 *     responses and responses with events set CON and are confirmed;
 *   - event polls (class 1/2/3) answered by g2v2 and g32v3 (CON + confirm) or
 *     a null response;
 *   - CROB select/operate pairs and direct-operate analog outputs (echoed);
 *   - unsolicited responses with events (CON + UNS confirm);
 *   - link status keep-alives, time synchronisation (LAN procedure).
 * TCP payloads are cut the way stacks do: per message the segment size cycles
 * through 1460, 537, 90 and "whole" (the writer splits at the 1460 MSS), so
 * link frames straddle segments. Everything is deterministic (fixed seed and
 * timestamps), and `dnp3-pcap check` must find nothing in it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dnp3kit/dnp3kit.h"
#include "pcapin.h"

#define NSESS 64 /* sessions by default and at most (--sessions=N) */
#define MAX_FRAG DNP3KIT_DEFAULT_MAX_MESSAGE /* what dnp3-pcap reassembles by default */
#define T0 1700000000000000ULL               /* 2023-11-14T22:13:20Z in microseconds */
#define PKT_OVERHEAD (16 + 14 + 20 + 20)      /* pcap record + Ethernet + IPv4 + TCP */
#define WRITER_MSS 1460

/* Database sizes (upper bounds; each outstation draws its own). */
#define MAX_BIN 400
#define MAX_AI 200
#define MAX_AF 100
#define MAX_CNT 160
#define MAX_AO 24
#define MAX_EVENTS 40

/* Queue of packets a session has produced but not yet put on the wire. */
#define QBYTES 65536
#define QPKTS 2048

typedef struct sess {
    int conn;
    dpc_addr client, server;
    uint16_t master, outstation;
    uint8_t tseq[2]; /* transport sequence per direction: [0] master, [1] outstation */
    uint8_t aseq;    /* master's application sequence */
    uint8_t useq;    /* outstation's unsolicited sequence */
    unsigned cut[2]; /* position in the segment-size cycle, per direction */
    bool started;
    uint64_t rng;
    uint64_t clock_ms; /* device time for event stamps */
    /* point database */
    unsigned nbin, nai, naf, ncnt, nao, ncrob;
    uint8_t bin[MAX_BIN];
    int32_t ai[MAX_AI];
    float af[MAX_AF];
    uint32_t cnt[MAX_CNT];
    int32_t ao[MAX_AO];
    /* pending packets */
    uint8_t q[QBYTES];
    uint16_t qlen[QPKTS];
    bool qfrom_master[QPKTS];
    size_t nq, qhead, qused, qoff;
} sess;

static dpc_writer *W;
static uint64_t now_us = T0;
static uint64_t out_bytes = 24; /* pcap file header */
static uint64_t grng = 0x9E3779B97F4A7C15ULL;

static void die(const char *what)
{
    fprintf(stderr, "dnp3-mkbench: %s\n", what);
    exit(2);
}

static uint64_t rnd(uint64_t *s)
{
    /* xorshift64* */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static unsigned below(uint64_t *s, unsigned n) { return (unsigned)((rnd(s) >> 32) % n); }

/* ---- the packet queue ---- */

static void queue_packet(sess *s, bool from_master, const uint8_t *p, size_t n)
{
    if (s->nq == QPKTS || s->qused + n > QBYTES || n > UINT16_MAX)
        die("session queue overflow");
    memcpy(s->q + s->qused, p, n);
    s->qused += n;
    s->qlen[s->nq] = (uint16_t)n;
    s->qfrom_master[s->nq] = from_master;
    s->nq++;
}

/* Octets of one message from one side, cut into TCP segments (cycle 1460, 537, 90, whole). */
static void wire(sess *s, bool from_master, const uint8_t *p, size_t n)
{
    static const size_t cycle[4] = {1460, 537, 90, 0};
    unsigned *c = &s->cut[from_master ? 0 : 1];
    size_t step = cycle[(*c)++ % 4];
    if (step == 0)
        step = n;
    for (size_t pos = 0; pos < n; pos += step)
        queue_packet(s, from_master, p + pos, n - pos < step ? n - pos : step);
}

/* Put the session's next queued packet on the wire. */
static void emit_one(sess *s)
{
    size_t n = s->qlen[s->qhead];
    bool fm = s->qfrom_master[s->qhead];
    if (dpc_writer_tcp_send(W, s->conn, fm, s->q + s->qoff, n, now_us) != 0)
        die("tcp send");
    out_bytes += n + PKT_OVERHEAD * ((n + WRITER_MSS - 1) / WRITER_MSS);
    s->qoff += n;
    if (++s->qhead == s->nq)
        s->nq = s->qhead = s->qused = s->qoff = 0;
    now_us += 5 + below(&grng, 60);
}

/* ---- link frames of one fragment ---- */

typedef struct frames {
    uint8_t buf[8192];
    size_t len;
    bool from_master;
    uint16_t dst, src;
} frames;

static int add_frame(void *user, const uint8_t *seg, size_t len)
{
    frames *f = user;
    uint8_t ctrl = dnp3kit_link_ctrl(f->from_master, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA);
    int n = dnp3kit_link_build(ctrl, f->dst, f->src, seg, len, f->buf + f->len, sizeof f->buf - f->len);
    if (n < 0)
        return n;
    f->len += (size_t)n;
    return 0;
}

static bool no_wrap; /* --no-wrap */

static void send_frag(sess *s, bool from_master, const uint8_t *frag, int len)
{
    if (len < 0)
        die("builder failed");
    if (len > MAX_FRAG)
        die("fragment over the maximum message size");
    frames f;
    f.len = 0;
    f.from_master = from_master;
    f.dst = from_master ? s->outstation : s->master;
    f.src = from_master ? s->master : s->outstation;
    uint8_t *tseq = &s->tseq[from_master ? 0 : 1];
    unsigned nseg = len ? ((unsigned)len + DNP3KIT_TRANSPORT_MAX_PAYLOAD - 1) / DNP3KIT_TRANSPORT_MAX_PAYLOAD : 1;
    if (no_wrap && *tseq + nseg > 64)
        *tseq = 0;
    if (dnp3kit_transport_segment(frag, (size_t)len, DNP3KIT_TRANSPORT_MAX_PAYLOAD, tseq,
                                  add_frame, &f) != 0)
        die("segment");
    wire(s, from_master, f.buf, f.len);
}

static uint8_t next_seq(sess *s)
{
    uint8_t q = s->aseq;
    s->aseq = (uint8_t)((s->aseq + 1) & 0x0F);
    return q;
}

/* ---- points ---- */

static void set_types(dnp3kit_point *p, uint8_t g, uint8_t v)
{
    const dnp3kit_object_info *info = dnp3kit_catalog_find(g, v);
    if (!info)
        die("catalogue row missing");
    uint8_t k = 0;
    for (; k < DNP3KIT_MAX_FIELDS && info->fields[k].type != DNP3KIT_FT_END; k++) {
        p->fields[k].type = info->fields[k].type;
        p->fields[k].name = info->fields[k].name;
    }
    p->nfields = k;
}

/* Point templates per group/variation, typed once. */
static dnp3kit_point pts[MAX_BIN];
static dnp3kit_point tpl_g1v2, tpl_g30v1, tpl_g30v5, tpl_g20v1, tpl_g40v1, tpl_g2v2, tpl_g32v3;

static void init_templates(void)
{
    struct { dnp3kit_point *p; uint8_t g, v; } t[] = {
        {&tpl_g1v2, 1, 2},   {&tpl_g30v1, 30, 1}, {&tpl_g30v5, 30, 5}, {&tpl_g20v1, 20, 1},
        {&tpl_g40v1, 40, 1}, {&tpl_g2v2, 2, 2},   {&tpl_g32v3, 32, 3},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        memset(t[i].p, 0, sizeof *t[i].p);
        set_types(t[i].p, t[i].g, t[i].v);
    }
}

/* The database drifts between polls. */
static void drift(sess *s)
{
    for (unsigned k = 0; k < 4; k++) {
        s->bin[below(&s->rng, s->nbin)] ^= 0x80;
        s->ai[below(&s->rng, s->nai)] += (int32_t)below(&s->rng, 201) - 100;
        s->af[below(&s->rng, s->naf)] += ((float)below(&s->rng, 2001) - 1000.0f) / 100.0f;
        s->cnt[below(&s->rng, s->ncnt)] += below(&s->rng, 50);
    }
    s->clock_ms += 100 + below(&s->rng, 900);
}

/* Fill pts[0..n) for points start..start+n-1 of one static block. */
static void fill_static(sess *s, uint8_t g, uint8_t v, unsigned start, unsigned n)
{
    for (unsigned k = 0; k < n; k++) {
        unsigned i = start + k;
        dnp3kit_point *p = &pts[k];
        switch (g * 10 + v) {
        case 12:
            *p = tpl_g1v2;
            p->fields[0].v.u = s->bin[i];
            break;
        case 301:
            *p = tpl_g30v1;
            p->fields[0].v.u = DNP3KIT_FLAG_ONLINE;
            p->fields[1].v.i = s->ai[i];
            break;
        case 305:
            *p = tpl_g30v5;
            p->fields[0].v.u = DNP3KIT_FLAG_ONLINE;
            p->fields[1].v.f = s->af[i];
            break;
        case 201:
            *p = tpl_g20v1;
            p->fields[0].v.u = DNP3KIT_FLAG_ONLINE;
            p->fields[1].v.u = s->cnt[i];
            break;
        case 401:
            *p = tpl_g40v1;
            p->fields[0].v.u = DNP3KIT_FLAG_ONLINE;
            p->fields[1].v.i = s->ao[i];
            break;
        default:
            die("static block");
        }
        p->index = i;
    }
}

/* Events g2v2 then g32v3 (qualifier 0x28), n binary + m analog. */
static void write_events(sess *s, dnp3kit_app_writer *w, unsigned nb, unsigned na)
{
    for (unsigned k = 0; k < nb; k++) {
        unsigned i = below(&s->rng, s->nbin);
        s->bin[i] ^= 0x80;
        pts[k] = tpl_g2v2;
        pts[k].index = i;
        pts[k].fields[0].v.u = (s->bin[i] & 0x80) | DNP3KIT_FLAG_ONLINE;
        pts[k].fields[1].v.u = s->clock_ms + k;
    }
    if (nb)
        dnp3kit_app_write_indexed(w, 2, 2, 0x28, pts, nb);
    for (unsigned k = 0; k < na; k++) {
        unsigned i = below(&s->rng, s->nai);
        s->ai[i] += (int32_t)below(&s->rng, 2001) - 1000;
        pts[k] = tpl_g32v3;
        pts[k].index = i;
        pts[k].fields[0].v.u = DNP3KIT_FLAG_ONLINE;
        pts[k].fields[1].v.i = s->ai[i];
        pts[k].fields[2].v.u = s->clock_ms + k;
    }
    if (na)
        dnp3kit_app_write_indexed(w, 32, 3, 0x28, pts, na);
}

static size_t events_size(unsigned nb, unsigned na)
{
    return (nb ? 5 + nb * (2 + 7) : 0) + (na ? 5 + na * (2 + 11) : 0);
}

/* ---- exchanges ---- */

static void confirm(sess *s, uint8_t seq, bool uns)
{
    uint8_t req[16];
    send_frag(s, true, req, dnp3kit_build_confirm(req, sizeof req, seq, uns));
}

/* Integrity poll: request, then the static database in as many fragments as it takes. */
static void integrity_poll(sess *s, uint16_t iin)
{
    static uint8_t req[64], rsp[MAX_FRAG];
    uint8_t q = next_seq(s);
    send_frag(s, true, req, dnp3kit_build_integrity_poll(req, sizeof req, q));

    struct { uint8_t g, v; unsigned n; } blocks[5] = {
        {1, 2, s->nbin}, {30, 1, s->nai}, {30, 5, s->naf}, {20, 1, s->ncnt}, {40, 1, s->nao},
    };
    struct { uint8_t frag, block; unsigned start, n; } piece[32];
    size_t npiece = 0;
    unsigned nb = below(&s->rng, 3) == 0 ? 1 + below(&s->rng, MAX_EVENTS / 2) : 0;
    unsigned na = nb ? below(&s->rng, MAX_EVENTS / 2) : 0;
    /* plan: greedy packing with the worst-case range header (7 octets) */
    uint8_t nfrag = 1;
    size_t room = MAX_FRAG - 4 - events_size(nb, na);
    for (uint8_t b = 0; b < 5; b++) {
        const dnp3kit_object_info *info = dnp3kit_catalog_find(blocks[b].g, blocks[b].v);
        size_t os = dnp3kit_object_size(info, blocks[b].v);
        unsigned start = 0;
        while (start < blocks[b].n) {
            if (room < 7 + os) {
                nfrag++;
                room = MAX_FRAG - 4;
            }
            unsigned n = (unsigned)((room - 7) / os);
            if (n > blocks[b].n - start)
                n = blocks[b].n - start;
            if (npiece == sizeof piece / sizeof piece[0])
                die("too many pieces");
            piece[npiece].frag = (uint8_t)(nfrag - 1);
            piece[npiece].block = b;
            piece[npiece].start = start;
            piece[npiece].n = n;
            npiece++;
            room -= 7 + n * os;
            start += n;
        }
    }
    size_t pi = 0;
    for (uint8_t fr = 0; fr < nfrag; fr++) {
        bool fir = fr == 0, fin = fr == nfrag - 1;
        bool con = nfrag > 1 || nb + na > 0; /* every fragment of a multi-fragment response */
        uint8_t fseq = (uint8_t)((q + fr) & 0x0F);
        dnp3kit_app_writer w;
        dnp3kit_app_writer_init(&w, rsp, sizeof rsp, dnp3kit_app_ctrl(fir, fin, con, false, fseq),
                                DNP3KIT_FC_RESPONSE, iin);
        if (fir)
            write_events(s, &w, nb, na);
        for (; pi < npiece && piece[pi].frag == fr; pi++) {
            uint8_t g = blocks[piece[pi].block].g, v = blocks[piece[pi].block].v;
            fill_static(s, g, v, piece[pi].start, piece[pi].n);
            dnp3kit_app_write_range(&w, g, v, piece[pi].start, pts, piece[pi].n);
        }
        send_frag(s, false, rsp, dnp3kit_app_writer_finish(&w));
        if (con)
            confirm(s, fseq, false);
    }
}

static void event_poll(sess *s)
{
    static uint8_t req[64], rsp[MAX_FRAG];
    uint8_t q = next_seq(s);
    send_frag(s, true, req, dnp3kit_build_read_class(req, sizeof req, q, 0xE));
    unsigned nb = below(&s->rng, 4) ? below(&s->rng, MAX_EVENTS) : 0;
    unsigned na = below(&s->rng, 4) ? below(&s->rng, MAX_EVENTS) : 0;
    bool con = nb + na > 0;
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, rsp, sizeof rsp, dnp3kit_app_ctrl(true, true, con, false, q), DNP3KIT_FC_RESPONSE,
                            0);
    write_events(s, &w, nb, na);
    send_frag(s, false, rsp, dnp3kit_app_writer_finish(&w));
    if (con)
        confirm(s, q, false);
}

static void unsolicited(sess *s)
{
    static uint8_t rsp[MAX_FRAG];
    unsigned nb = below(&s->rng, 8);
    unsigned na = 1 + below(&s->rng, 12);
    uint8_t u = s->useq;
    s->useq = (uint8_t)((s->useq + 1) & 0x0F);
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, rsp, sizeof rsp, dnp3kit_app_ctrl(true, true, true, true, u),
                            DNP3KIT_FC_UNSOLICITED_RESPONSE, 0);
    write_events(s, &w, nb, na);
    send_frag(s, false, rsp, dnp3kit_app_writer_finish(&w));
    confirm(s, u, true);
}

static void crob_sbo(sess *s)
{
    static const uint8_t ops[4][2] = {
        {DNP3KIT_OP_PULSE_ON, DNP3KIT_TCC_CLOSE},
        {DNP3KIT_OP_PULSE_ON, DNP3KIT_TCC_TRIP},
        {DNP3KIT_OP_LATCH_ON, DNP3KIT_TCC_NUL},
        {DNP3KIT_OP_LATCH_OFF, DNP3KIT_TCC_NUL},
    };
    unsigned k = below(&s->rng, 4);
    dnp3kit_crob c = {.op = ops[k][0], .tcc = ops[k][1], .count = 1, .on_ms = 100 * (1 + below(&s->rng, 10)),
                      .off_ms = 100};
    uint16_t index = (uint16_t)below(&s->rng, s->ncrob);
    uint8_t req[64], rsp[64];
    uint8_t q = next_seq(s);
    send_frag(s, true, req, dnp3kit_build_crob(req, sizeof req, q, DNP3KIT_FC_SELECT, index, &c));
    send_frag(s, false, rsp, dnp3kit_build_crob_response(rsp, sizeof rsp, q, 0, index, &c));
    q = next_seq(s);
    send_frag(s, true, req, dnp3kit_build_crob(req, sizeof req, q, DNP3KIT_FC_OPERATE, index, &c));
    send_frag(s, false, rsp, dnp3kit_build_crob_response(rsp, sizeof rsp, q, 0, index, &c));
}

static void analog_output(sess *s)
{
    uint8_t req[64], echo[64];
    uint8_t q = next_seq(s);
    uint16_t index = (uint16_t)below(&s->rng, s->nao);
    int32_t value = (int32_t)below(&s->rng, 200001) - 100000;
    int n = dnp3kit_build_analog_output(req, sizeof req, q, DNP3KIT_FC_DIRECT_OPERATE, index, DNP3KIT_AO_INT32,
                                        value);
    send_frag(s, true, req, n);
    /* the echo: the same objects behind a response header */
    echo[0] = dnp3kit_app_ctrl(true, true, false, false, q);
    echo[1] = DNP3KIT_FC_RESPONSE;
    echo[2] = echo[3] = 0;
    memcpy(echo + 4, req + 2, (size_t)n - 2);
    send_frag(s, false, echo, n + 2);
    s->ao[index] = value;
}

static void link_status(sess *s)
{
    uint8_t fr[16];
    int k = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS),
                               s->outstation, s->master, NULL, 0, fr, sizeof fr);
    if (k < 0)
        die("link build");
    wire(s, true, fr, (size_t)k);
    k = dnp3kit_link_build(dnp3kit_link_ctrl(false, false, false, false, DNP3KIT_LINK_SEC_LINK_STATUS), s->master,
                           s->outstation, NULL, 0, fr, sizeof fr);
    if (k < 0)
        die("link build");
    wire(s, false, fr, (size_t)k);
}

static void time_sync(sess *s)
{
    uint8_t req[64], rsp[64];
    uint8_t q = next_seq(s);
    send_frag(s, true, req, dnp3kit_build_record_current_time(req, sizeof req, q));
    send_frag(s, false, rsp,
              dnp3kit_build_null_response(rsp, sizeof rsp, dnp3kit_app_ctrl(true, true, false, false, q),
                                          DNP3KIT_FC_RESPONSE, 0));
    q = next_seq(s);
    send_frag(s, true, req, dnp3kit_build_write_time(req, sizeof req, q, 3, (now_us / 1000) & 0xFFFFFFFFFFFFULL));
    send_frag(s, false, rsp,
              dnp3kit_build_null_response(rsp, sizeof rsp, dnp3kit_app_ctrl(true, true, false, false, q),
                                          DNP3KIT_FC_RESPONSE, 0));
}

/* Startup: integrity poll answered with DEVICE_RESTART, which the master clears. */
static void startup(sess *s)
{
    uint8_t req[64], rsp[64];
    integrity_poll(s, DNP3KIT_IIN_DEVICE_RESTART);
    uint8_t q = next_seq(s);
    send_frag(s, true, req, dnp3kit_build_clear_restart(req, sizeof req, q));
    send_frag(s, false, rsp,
              dnp3kit_build_null_response(rsp, sizeof rsp, dnp3kit_app_ctrl(true, true, false, false, q),
                                          DNP3KIT_FC_RESPONSE, 0));
}

/* Queue the session's next exchange. */
static void next_exchange(sess *s)
{
    if (!s->started) {
        s->started = true;
        startup(s);
        return;
    }
    drift(s);
    unsigned r = below(&s->rng, 100);
    if (r < 20)
        integrity_poll(s, 0);
    else if (r < 62)
        event_poll(s);
    else if (r < 77)
        unsolicited(s);
    else if (r < 85)
        crob_sbo(s);
    else if (r < 90)
        analog_output(s);
    else if (r < 96)
        link_status(s);
    else
        time_sync(s);
}

static void init_sess(sess *s, unsigned i)
{
    memset(s, 0, sizeof *s);
    s->rng = 0xD1B54A32D192ED03ULL ^ ((uint64_t)(i + 1) * 0x9E3779B97F4A7C15ULL);
    (void)rnd(&s->rng);
    s->client.family = s->server.family = 4;
    /* masters in 10.1.0.0/16, outstations in 10.2.0.0/16 */
    s->client.ip[0] = 10;
    s->client.ip[1] = 1;
    s->client.ip[2] = (uint8_t)(i / 200);
    s->client.ip[3] = (uint8_t)(1 + i % 200);
    s->server.ip[0] = 10;
    s->server.ip[1] = 2;
    s->server.ip[2] = (uint8_t)(i / 200);
    s->server.ip[3] = (uint8_t)(1 + i % 200);
    s->client.port = (uint16_t)(40000 + 7 * i);
    s->server.port = 20000;
    s->master = (uint16_t)(1 + i % 4);
    s->outstation = (uint16_t)(100 + i);
    s->nbin = MAX_BIN / 4 + below(&s->rng, MAX_BIN * 3 / 4);
    s->nai = MAX_AI / 4 + below(&s->rng, MAX_AI * 3 / 4);
    s->naf = MAX_AF / 4 + below(&s->rng, MAX_AF * 3 / 4);
    s->ncnt = MAX_CNT / 4 + below(&s->rng, MAX_CNT * 3 / 4);
    s->nao = 4 + below(&s->rng, MAX_AO - 4);
    s->ncrob = 4 + below(&s->rng, 28);
    for (unsigned k = 0; k < s->nbin; k++)
        s->bin[k] = (uint8_t)(DNP3KIT_FLAG_ONLINE | (below(&s->rng, 2) ? 0x80 : 0));
    for (unsigned k = 0; k < s->nai; k++)
        s->ai[k] = (int32_t)below(&s->rng, 20001) - 10000;
    for (unsigned k = 0; k < s->naf; k++)
        s->af[k] = (float)below(&s->rng, 100000) / 64.0f;
    for (unsigned k = 0; k < s->ncnt; k++)
        s->cnt[k] = below(&s->rng, 1000000);
    for (unsigned k = 0; k < s->nao; k++)
        s->ao[k] = (int32_t)below(&s->rng, 2001) - 1000;
    s->clock_ms = T0 / 1000 + i * 17;
    s->conn = dpc_writer_tcp_open(W, &s->client, &s->server, true, now_us);
    if (s->conn < 0)
        die("tcp open");
    out_bytes += 3 * PKT_OVERHEAD;
    now_us += 50 + below(&grng, 200);
}

/* ---- helpers for run.sh ---- */

static int read_loop(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        perror(path);
        return 2;
    }
    static uint8_t buf[1 << 20];
    uint64_t total = 0;
    uint8_t x = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            perror(path);
            close(fd);
            return 2;
        }
        if (n == 0)
            break;
        x ^= buf[n - 1];
        total += (uint64_t)n;
    }
    close(fd);
    printf("%" PRIu64 " octets (%u)\n", total, x);
    return 0;
}

static int pcap_read_loop(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *pc = pcap_open_offline(path, err);
    if (!pc) {
        fprintf(stderr, "%s: %s\n", path, err);
        return 2;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    uint64_t records = 0, octets = 0;
    unsigned x = 0;
    int rc;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1) {
        records++;
        octets += h->caplen;
        if (h->caplen)
            x ^= data[h->caplen - 1];
    }
    if (rc == PCAP_ERROR)
        fprintf(stderr, "%s: %s\n", path, pcap_geterr(pc));
    pcap_close(pc);
    printf("%" PRIu64 " records, %" PRIu64 " octets (%u)\n", records, octets, x);
    return rc == PCAP_ERROR ? 2 : 0;
}

static int run_rss(char **argv)
{
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        execvp(argv[0], argv);
        perror(argv[0]);
        _exit(127);
    }
    int st;
    struct rusage ru;
    if (wait4(pid, &st, 0, &ru) < 0) {
        perror("wait4");
        return 2;
    }
    fprintf(stderr, "maxrss_kb %ld\n", ru.ru_maxrss);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "--read"))
        return read_loop(argv[2]);
    if (argc >= 3 && !strcmp(argv[1], "--pcap-read"))
        return pcap_read_loop(argv[2]);
    if (argc >= 3 && !strcmp(argv[1], "--rss"))
        return run_rss(argv + 2);
    unsigned nsess = NSESS;
    while (argc >= 2 && !strncmp(argv[1], "--", 2)) {
        if (!strncmp(argv[1], "--sessions=", 11)) {
            char *end;
            unsigned long v = strtoul(argv[1] + 11, &end, 10);
            if (*end || v < 1 || v > NSESS)
                die("--sessions=N: N from 1 to 64");
            nsess = (unsigned)v;
        } else if (!strcmp(argv[1], "--no-wrap"))
            no_wrap = true;
        else
            break;
        argv++;
        argc--;
    }
    if (argc < 2 || argc > 3 || argv[1][0] == '-') {
        fprintf(stderr, "usage: dnp3-mkbench [--sessions=N] [--no-wrap] OUT.pcap [MB]\n"
                        "       (default 64 sessions, 220 MiB)\n"
                        "       dnp3-mkbench --read FILE\n"
                        "       dnp3-mkbench --pcap-read FILE\n"
                        "       dnp3-mkbench --rss CMD [ARGS...]\n");
        return 2;
    }
    double mb = 220;
    if (argc == 3) {
        char *end;
        mb = strtod(argv[2], &end);
        if (*end || !(mb > 0) || mb > 100000)
            die("MB must be a positive number");
    }
    uint64_t target = (uint64_t)(mb * 1048576.0);
    char err[256];
    W = dpc_writer_open(argv[1], err, sizeof err);
    if (!W)
        die(err);
    init_templates();
    static sess S[NSESS];
    for (unsigned i = 0; i < nsess; i++)
        init_sess(&S[i], i);
    /* Interleave: a random session puts its next packet on the wire; a session
     * with nothing queued first queues its next exchange. */
    while (out_bytes < target) {
        sess *s = &S[below(&grng, nsess)];
        if (s->qhead == s->nq)
            next_exchange(s);
        emit_one(s);
    }
    /* Drain: every exchange in progress completes, then the connections close. */
    for (unsigned i = 0; i < nsess; i++)
        while (S[i].qhead < S[i].nq)
            emit_one(&S[i]);
    for (unsigned i = 0; i < nsess; i++) {
        now_us += 100;
        if (dpc_writer_tcp_close(W, S[i].conn, now_us) != 0)
            die("tcp close");
    }
    if (dpc_writer_close(W) != 0)
        die("close");
    struct stat st;
    if (stat(argv[1], &st) == 0)
        fprintf(stderr, "dnp3-mkbench: %s: %.1f MiB\n", argv[1], (double)st.st_size / 1048576.0);
    return 0;
}
