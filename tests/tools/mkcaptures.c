/* dnp3-mkcaptures OUTDIR: writes the project's crafted captures, one per edge
 * case, with the core's builders and the pcap writer. Deterministic (fixed
 * timestamps and sequence numbers), so a test can regenerate them and compare
 * with the committed files. See captures/README.md for what each one holds. */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnp3kit/dnp3kit.h"
#include "pcapin.h"

#define MASTER 1
#define OUTSTATION 10
#define T0 1700000000000000ULL /* 2023-11-14T22:13:20Z in microseconds */

typedef struct sess {
    dpc_writer *w;
    int conn;
    bool udp;
    dpc_addr client, server;
    uint64_t ts;
    uint8_t tseq[2];  /* transport sequence per direction: [0] master, [1] outstation */
    uint8_t aseq;     /* master's application sequence */
    uint8_t useq;     /* outstation's unsolicited sequence */
    size_t segment;   /* TCP payload per segment, 0 = one per call */
} sess;

static const char *outdir;
static int failures;

static void die(const char *what)
{
    fprintf(stderr, "dnp3-mkcaptures: %s\n", what);
    exit(2);
}

static void open_sess(sess *s, const char *name, bool udp, bool v6)
{
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/%s.pcap", outdir, name);
    memset(s, 0, sizeof *s);
    s->w = dpc_writer_open(path, err, sizeof err);
    if (!s->w)
        die(err);
    s->udp = udp;
    s->ts = T0;
    s->client.family = s->server.family = v6 ? 6 : 4;
    if (v6) {
        static const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        memcpy(s->client.ip, c6, 16);
        memcpy(s->server.ip, c6, 16);
        s->server.ip[15] = 2;
    } else {
        static const uint8_t c4[4] = {192, 0, 2, 1}, s4[4] = {192, 0, 2, 10};
        memcpy(s->client.ip, c4, 4);
        memcpy(s->server.ip, s4, 4);
    }
    s->client.port = 40000;
    s->server.port = 20000;
    if (!udp) {
        s->conn = dpc_writer_tcp_open(s->w, &s->client, &s->server, true, s->ts);
        if (s->conn < 0)
            die("tcp open");
    }
}

static void close_sess(sess *s)
{
    s->ts += 1000;
    if (!s->udp)
        dpc_writer_tcp_close(s->w, s->conn, s->ts);
    if (dpc_writer_close(s->w) != 0)
        die("close");
}

/* Raw octets on the wire from one side, cut into TCP segments of s->segment. */
static void wire(sess *s, bool from_master, const uint8_t *p, size_t n)
{
    s->ts += 10000;
    if (s->udp) {
        if (from_master)
            dpc_writer_udp(s->w, &s->client, &s->server, p, n, s->ts);
        else
            dpc_writer_udp(s->w, &s->server, &s->client, p, n, s->ts);
        return;
    }
    size_t step = s->segment ? s->segment : n;
    for (size_t pos = 0; pos < n; pos += step) {
        size_t k = n - pos < step ? n - pos : step;
        dpc_writer_tcp_send(s->w, s->conn, from_master, p + pos, k, s->ts);
        s->ts += 100;
    }
}

/* Link frames of one fragment (segmented by the transport function). */
typedef struct frames {
    uint8_t buf[16384];
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

static void to_frames(sess *s, bool from_master, const uint8_t *frag, size_t len, frames *f)
{
    f->len = 0;
    f->from_master = from_master;
    f->dst = from_master ? OUTSTATION : MASTER;
    f->src = from_master ? MASTER : OUTSTATION;
    if (dnp3kit_transport_segment(frag, len, 249, &s->tseq[from_master ? 0 : 1], add_frame, f) != 0)
        die("segment");
}

static void send_frag(sess *s, bool from_master, const uint8_t *frag, int len)
{
    if (len < 0)
        die("builder failed");
    frames f;
    to_frames(s, from_master, frag, (size_t)len, &f);
    wire(s, from_master, f.buf, f.len);
}

static uint8_t next_seq(sess *s)
{
    uint8_t q = s->aseq;
    s->aseq = (uint8_t)((s->aseq + 1) & 0x0F);
    return q;
}

static dnp3kit_point pt2(uint64_t index, uint64_t flags, int64_t value)
{
    dnp3kit_point p;
    memset(&p, 0, sizeof p);
    p.index = index;
    p.nfields = 2;
    p.fields[0].type = DNP3KIT_FT_FLAGS;
    p.fields[0].v.u = flags;
    p.fields[1].v.i = value;
    return p;
}

static void set_field_types(dnp3kit_point *p, uint8_t g, uint8_t v)
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

/* Response with static data: g1v2 x4, g30v1 x3, g20v1 x2, g10v2 x2, g40v1 x1. */
static int static_response(uint8_t *buf, size_t cap, uint8_t seq, uint16_t iin)
{
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, buf, cap, dnp3kit_app_ctrl(true, true, false, false, seq), DNP3KIT_FC_RESPONSE, iin);
    dnp3kit_point p[4];
    for (int i = 0; i < 4; i++) {
        p[i] = pt2((uint64_t)i, (i & 1) ? 0x81 : 0x01, 0);
        set_field_types(&p[i], 1, 2);
    }
    dnp3kit_app_write_range(&w, 1, 2, 0, p, 4);
    for (int i = 0; i < 3; i++) {
        p[i] = pt2((uint64_t)i, 0x01, 1000 * (i + 1) - 1500);
        set_field_types(&p[i], 30, 1);
        p[i].fields[1].v.i = 1000 * (i + 1) - 1500;
    }
    dnp3kit_app_write_range(&w, 30, 1, 0, p, 3);
    for (int i = 0; i < 2; i++) {
        p[i] = pt2((uint64_t)i, 0x01, 0);
        set_field_types(&p[i], 20, 1);
        p[i].fields[1].v.u = 123456u + (unsigned)i;
    }
    dnp3kit_app_write_range(&w, 20, 1, 0, p, 2);
    for (int i = 0; i < 2; i++) {
        p[i] = pt2((uint64_t)i, i ? 0x81 : 0x01, 0);
        set_field_types(&p[i], 10, 2);
    }
    dnp3kit_app_write_range(&w, 10, 2, 0, p, 2);
    p[0] = pt2(0, 0x01, 0);
    set_field_types(&p[0], 40, 1);
    p[0].fields[1].v.i = 42;
    dnp3kit_app_write_range(&w, 40, 1, 0, p, 1);
    return dnp3kit_app_writer_finish(&w);
}

/* Event response: g2v2 (binary event with time) and g32v3 (analog event with time). */
static int event_response(uint8_t *buf, size_t cap, uint8_t ctrl, uint8_t func, uint16_t iin)
{
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, buf, cap, ctrl, func, iin);
    dnp3kit_point p[2];
    for (int i = 0; i < 2; i++) {
        memset(&p[i], 0, sizeof p[i]);
        set_field_types(&p[i], 2, 2);
        p[i].index = (uint64_t)(i * 3);
        p[i].fields[0].v.u = i ? 0x01 : 0x81;
        p[i].fields[1].v.u = 1700000000123ULL + (uint64_t)i;
    }
    dnp3kit_app_write_indexed(&w, 2, 2, 0x28, p, 2);
    memset(&p[0], 0, sizeof p[0]);
    set_field_types(&p[0], 32, 3);
    p[0].index = 1;
    p[0].fields[0].v.u = 0x01;
    p[0].fields[1].v.i = -77;
    p[0].fields[2].v.u = 1700000000456ULL;
    dnp3kit_app_write_indexed(&w, 32, 3, 0x28, p, 1);
    return dnp3kit_app_writer_finish(&w);
}

static int null_response(uint8_t *buf, size_t cap, uint8_t seq, bool con, uint16_t iin)
{
    return dnp3kit_build_null_response(buf, cap, dnp3kit_app_ctrl(true, true, con, false, seq), DNP3KIT_FC_RESPONSE,
                                       iin);
}

/* A read and its static response: a clean exchange used as background. */
static void clean_poll(sess *s)
{
    uint8_t req[64], rsp[2048];
    uint8_t q = next_seq(s);
    send_frag(s, true, req, dnp3kit_build_integrity_poll(req, sizeof req, q));
    send_frag(s, false, rsp, static_response(rsp, sizeof rsp, q, 0));
}

/* ---- the captures ---- */

static void clean_session(void)
{
    sess s;
    open_sess(&s, "clean_session", false, false);
    uint8_t req[512], rsp[4096];
    uint8_t q;
    /* startup: integrity poll answered with DEVICE_RESTART, cleared by the master */
    q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_integrity_poll(req, sizeof req, q));
    send_frag(&s, false, rsp, static_response(rsp, sizeof rsp, q, DNP3KIT_IIN_DEVICE_RESTART));
    q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_clear_restart(req, sizeof req, q));
    send_frag(&s, false, rsp, null_response(rsp, sizeof rsp, q, false, 0));
    /* class 1 events, confirmed */
    q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_read_class(req, sizeof req, q, 0x2));
    send_frag(&s, false, rsp,
              event_response(rsp, sizeof rsp, dnp3kit_app_ctrl(true, true, true, false, q), DNP3KIT_FC_RESPONSE, 0));
    send_frag(&s, true, req, dnp3kit_build_confirm(req, sizeof req, q, false));
    /* select-before-operate of a CROB, then direct operate of an analog output */
    dnp3kit_crob c = {.op = DNP3KIT_OP_PULSE_ON, .tcc = DNP3KIT_TCC_CLOSE, .count = 1, .on_ms = 100, .off_ms = 100};
    q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_crob(req, sizeof req, q, DNP3KIT_FC_SELECT, 3, &c));
    send_frag(&s, false, rsp, dnp3kit_build_crob_response(rsp, sizeof rsp, q, 0, 3, &c));
    q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_crob(req, sizeof req, q, DNP3KIT_FC_OPERATE, 3, &c));
    send_frag(&s, false, rsp, dnp3kit_build_crob_response(rsp, sizeof rsp, q, 0, 3, &c));
    q = next_seq(&s);
    int n = dnp3kit_build_analog_output(req, sizeof req, q, DNP3KIT_FC_DIRECT_OPERATE, 2, DNP3KIT_AO_INT16, -1234);
    send_frag(&s, true, req, n);
    memcpy(rsp, req, (size_t)n);
    /* the echo: same objects behind a response header */
    {
        uint8_t echo[512];
        echo[0] = dnp3kit_app_ctrl(true, true, false, false, q);
        echo[1] = DNP3KIT_FC_RESPONSE;
        echo[2] = echo[3] = 0;
        memcpy(echo + 4, req + 2, (size_t)n - 2);
        send_frag(&s, false, echo, n + 2);
    }
    /* unsolicited event report, confirmed with UNS */
    uint8_t u = s.useq++;
    send_frag(&s, false, rsp,
              event_response(rsp, sizeof rsp, dnp3kit_app_ctrl(true, true, true, true, u),
                             DNP3KIT_FC_UNSOLICITED_RESPONSE, 0));
    send_frag(&s, true, req, dnp3kit_build_confirm(req, sizeof req, u, true));
    /* a two-fragment response of 400 analog inputs, each fragment confirmed;
     * written with small TCP segments so frames straddle segment boundaries */
    q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_read_range(req, sizeof req, q, 30, 1, 0, 399));
    s.segment = 100;
    for (int part = 0; part < 2; part++) {
        uint8_t fseq = (uint8_t)((q + part) & 0x0F);
        dnp3kit_app_writer w;
        dnp3kit_app_writer_init(&w, rsp, sizeof rsp, dnp3kit_app_ctrl(part == 0, part == 1, true, false, fseq),
                                DNP3KIT_FC_RESPONSE, 0);
        dnp3kit_point p[200];
        for (int i = 0; i < 200; i++) {
            memset(&p[i], 0, sizeof p[i]);
            set_field_types(&p[i], 30, 1);
            p[i].fields[0].v.u = 0x01;
            p[i].fields[1].v.i = part * 200 + i;
        }
        dnp3kit_app_write_range(&w, 30, 1, (uint32_t)(part * 200), p, 200);
        send_frag(&s, false, rsp, dnp3kit_app_writer_finish(&w));
        send_frag(&s, true, req, dnp3kit_build_confirm(req, sizeof req, fseq, false));
    }
    s.aseq = (uint8_t)((q + 1) & 0x0F);
    /* several frames in one TCP segment: a read and, in one segment, its response */
    s.segment = 0;
    q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_read_class(req, sizeof req, q, 0xE));
    frames f1;
    to_frames(&s, false, rsp, (size_t)null_response(rsp, sizeof rsp, q, false, 0), &f1);
    frames f2 = f1;
    /* link status request/response from the master's keep-alive in the same segment */
    uint8_t ls[16];
    int k = dnp3kit_link_build(dnp3kit_link_ctrl(false, false, false, false, DNP3KIT_LINK_SEC_LINK_STATUS), MASTER,
                               OUTSTATION, NULL, 0, ls, sizeof ls);
    memcpy(f2.buf + f2.len, ls, (size_t)k);
    f2.len += (size_t)k;
    k = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS),
                           OUTSTATION, MASTER, NULL, 0, ls, sizeof ls);
    wire(&s, true, ls, (size_t)k);
    wire(&s, false, f2.buf, f2.len);
    /* time sync (LAN procedure) and a cold restart */
    q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_record_current_time(req, sizeof req, q));
    send_frag(&s, false, rsp, null_response(rsp, sizeof rsp, q, false, 0));
    q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_write_time(req, sizeof req, q, 3, 1700000000500ULL));
    send_frag(&s, false, rsp, null_response(rsp, sizeof rsp, q, false, 0));
    q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_restart(req, sizeof req, q, true));
    send_frag(&s, false, rsp, dnp3kit_build_time_delay_response(rsp, sizeof rsp, q, 0, 1, 5));
    close_sess(&s);
}

static void tcp_split(void)
{
    sess s;
    open_sess(&s, "tcp_split_frames", false, false);
    /* every frame cut into 1-, 3- and 7-octet segments */
    size_t sizes[] = {1, 3, 7};
    for (size_t i = 0; i < 3; i++) {
        s.segment = sizes[i];
        clean_poll(&s);
    }
    /* then many frames in one segment per direction: a request with a link
     * status request behind it; the link status answer and a three-frame
     * response in one segment */
    s.segment = 0;
    uint8_t req[64], rsp[4096];
    frames a, b;
    uint8_t q = next_seq(&s);
    to_frames(&s, true, req, (size_t)dnp3kit_build_read_range(req, sizeof req, q, 30, 1, 0, 119), &a);
    int k = dnp3kit_link_build(dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS),
                               OUTSTATION, MASTER, NULL, 0, a.buf + a.len, sizeof a.buf - a.len);
    a.len += (size_t)k;
    wire(&s, true, a.buf, a.len);
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, rsp, sizeof rsp, dnp3kit_app_ctrl(true, true, false, false, q), DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_point p[120];
    for (int i = 0; i < 120; i++) {
        memset(&p[i], 0, sizeof p[i]);
        set_field_types(&p[i], 30, 1);
        p[i].fields[0].v.u = 1;
        p[i].fields[1].v.i = i * 3;
    }
    dnp3kit_app_write_range(&w, 30, 1, 0, p, 120);
    b.len = 0;
    k = dnp3kit_link_build(dnp3kit_link_ctrl(false, false, false, false, DNP3KIT_LINK_SEC_LINK_STATUS), MASTER,
                           OUTSTATION, NULL, 0, b.buf, sizeof b.buf);
    frames r;
    to_frames(&s, false, rsp, (size_t)dnp3kit_app_writer_finish(&w), &r);
    memcpy(b.buf + k, r.buf, r.len);
    b.len = (size_t)k + r.len;
    wire(&s, false, b.buf, b.len);
    close_sess(&s);
}

/* One defect in a response (raw fragment), after a clean exchange. */
static void bad_response_capture(const char *name, const char *hex_objects)
{
    sess s;
    open_sess(&s, name, false, false);
    clean_poll(&s);
    uint8_t req[64], rsp[512];
    uint8_t q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_read_class(req, sizeof req, q, 0x1));
    rsp[0] = dnp3kit_app_ctrl(true, true, false, false, q);
    rsp[1] = DNP3KIT_FC_RESPONSE;
    rsp[2] = rsp[3] = 0;
    size_t n = 4;
    for (const char *h = hex_objects; *h;) {
        while (*h == ' ')
            h++;
        if (!*h)
            break;
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1)
            die("hex");
        rsp[n++] = (uint8_t)v;
        h += 2;
    }
    send_frag(&s, false, rsp, (int)n);
    close_sess(&s);
}

/* Frames of a clean exchange, with one frame's octets changed. */
static void corrupt_capture(const char *name, int which, size_t octet, uint8_t mask, bool shorten_len)
{
    sess s;
    open_sess(&s, name, false, false);
    clean_poll(&s);
    uint8_t req[64], rsp[2048];
    uint8_t q = next_seq(&s);
    frames f;
    int n = which == 0 ? dnp3kit_build_integrity_poll(req, sizeof req, q) : static_response(rsp, sizeof rsp, q, 0);
    to_frames(&s, which == 0, which == 0 ? req : rsp, (size_t)n, &f);
    if (shorten_len) {
        /* LENGTH 4 with a header CRC that matches it */
        f.buf[2] = 4;
        uint16_t c = dnp3kit_crc16(f.buf, 8);
        f.buf[8] = (uint8_t)c;
        f.buf[9] = (uint8_t)(c >> 8);
    } else {
        f.buf[octet] ^= mask;
    }
    if (which == 0) {
        wire(&s, true, f.buf, f.len);
    } else {
        send_frag(&s, true, req, dnp3kit_build_integrity_poll(req, sizeof req, q));
        wire(&s, false, f.buf, f.len);
    }
    clean_poll(&s);
    close_sess(&s);
}

/* Transport games on a three-segment response. */
static void transport_capture(const char *name, int game)
{
    sess s;
    open_sess(&s, name, false, false);
    clean_poll(&s);
    uint8_t req[64], rsp[4096];
    uint8_t q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_read_range(req, sizeof req, q, 30, 1, 0, 119));
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, rsp, sizeof rsp, dnp3kit_app_ctrl(true, true, false, false, q), DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_point p[120];
    for (int i = 0; i < 120; i++) {
        memset(&p[i], 0, sizeof p[i]);
        set_field_types(&p[i], 30, 1);
        p[i].fields[0].v.u = 1;
        p[i].fields[1].v.i = i;
    }
    dnp3kit_app_write_range(&w, 30, 1, 0, p, 120);
    int n = dnp3kit_app_writer_finish(&w); /* 609 octets: 3 segments */
    frames f;
    to_frames(&s, false, rsp, (size_t)n, &f);
    size_t f1 = dnp3kit_link_wire_len(f.buf[2]);
    size_t f2 = dnp3kit_link_wire_len(f.buf[f1 + 2]);
    switch (game) {
    case 0: /* sequence gap: the middle segment is lost */
        wire(&s, false, f.buf, f1);
        wire(&s, false, f.buf + f1 + f2, f.len - f1 - f2);
        break;
    case 1: /* the FIR segment is lost: the rest arrives without FIR */
        wire(&s, false, f.buf + f1, f.len - f1);
        break;
    case 2: /* the FIN segment never arrives */
        wire(&s, false, f.buf, f1 + f2);
        break;
    }
    close_sess(&s);
}

static void too_large(void)
{
    sess s;
    open_sess(&s, "transport_message_too_large", false, false);
    uint8_t req[64];
    static uint8_t rsp[3000];
    uint8_t q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_read_class(req, sizeof req, q, 0x1));
    /* 3000 octets of g110v250 octet strings: over the default 2048 limit */
    rsp[0] = dnp3kit_app_ctrl(true, true, false, false, q);
    rsp[1] = DNP3KIT_FC_RESPONSE;
    rsp[2] = rsp[3] = 0;
    memset(rsp + 4, 0x41, sizeof rsp - 4);
    send_frag(&s, false, rsp, (int)sizeof rsp);
    clean_poll(&s);
    close_sess(&s);
}

static void response_without_request(void)
{
    sess s;
    open_sess(&s, "response_without_request", false, false);
    uint8_t rsp[2048];
    send_frag(&s, false, rsp, static_response(rsp, sizeof rsp, 5, 0));
    close_sess(&s);
}

/* TCP retransmission (whole and partial) and reordering; DNP3 must decode cleanly. */
static void tcp_retrans_reorder(void)
{
    sess s;
    open_sess(&s, "tcp_retransmission_reorder", false, false);
    clean_poll(&s);
    uint8_t req[64], rsp[2048];
    uint8_t q = next_seq(&s);
    frames fm, fo;
    to_frames(&s, true, req, (size_t)dnp3kit_build_integrity_poll(req, sizeof req, q), &fm);
    to_frames(&s, false, rsp, (size_t)static_response(rsp, sizeof rsp, q, 0), &fo);
    /* request: sent, then retransmitted whole */
    uint32_t mbase = 0, obase = 0;
    /* relative sequence offsets: what clean_poll already sent (sizes do not
     * depend on sequence numbers) */
    {
        uint8_t r2[64], p2[2048];
        frames a, b;
        sess tmp = s;
        to_frames(&tmp, true, r2, (size_t)dnp3kit_build_integrity_poll(r2, sizeof r2, 0), &a);
        to_frames(&tmp, false, p2, (size_t)static_response(p2, sizeof p2, 0, 0), &b);
        mbase = (uint32_t)a.len;
        obase = (uint32_t)b.len;
    }
    s.ts += 10000;
    dpc_writer_tcp_send_at(s.w, s.conn, true, mbase, fm.buf, fm.len, s.ts);
    s.ts += 10000;
    dpc_writer_tcp_send_at(s.w, s.conn, true, mbase, fm.buf, fm.len, s.ts);
    /* response: three pieces sent 3, 1, 2; then piece 2 again overlapping piece 3 */
    size_t a = 20, b = 50;
    s.ts += 10000;
    dpc_writer_tcp_send_at(s.w, s.conn, false, obase + (uint32_t)b, fo.buf + b, fo.len - b, s.ts);
    s.ts += 100;
    dpc_writer_tcp_send_at(s.w, s.conn, false, obase, fo.buf, a, s.ts);
    s.ts += 100;
    dpc_writer_tcp_send_at(s.w, s.conn, false, obase + (uint32_t)a, fo.buf + a, b - a, s.ts);
    s.ts += 100;
    dpc_writer_tcp_send_at(s.w, s.conn, false, obase + (uint32_t)a, fo.buf + a, fo.len - a, s.ts);
    close_sess(&s);
}

/* TCP octets lost in the middle of a frame: the link parser resynchronises. */
static void tcp_gap(void)
{
    sess s;
    open_sess(&s, "tcp_gap", false, false);
    clean_poll(&s);
    uint8_t req[64], rsp[2048];
    uint8_t q = next_seq(&s);
    send_frag(&s, true, req, dnp3kit_build_integrity_poll(req, sizeof req, q));
    frames fo;
    to_frames(&s, false, rsp, (size_t)static_response(rsp, sizeof rsp, q, 0), &fo);
    uint32_t obase;
    {
        sess tmp = s;
        frames b;
        tmp.tseq[1] = 0;
        to_frames(&tmp, false, rsp, (size_t)static_response(rsp, sizeof rsp, 0, 0), &b);
        obase = (uint32_t)b.len;
    }
    s.ts += 10000;
    dpc_writer_tcp_send_at(s.w, s.conn, false, obase, fo.buf, 30, s.ts);
    s.ts += 100;
    dpc_writer_tcp_send_at(s.w, s.conn, false, obase + 40, fo.buf + 40, fo.len - 40, s.ts);
    close_sess(&s);
}

/* The outstation's clock read (READ g50v1): what `dnp3-pcap replay
 * --ignore-time` must disregard when a live device answers with its own time. */
static void read_time(void)
{
    sess s;
    open_sess(&s, "read_time", false, false);
    uint8_t req[64], rsp[64];
    uint8_t q = next_seq(&s);
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, req, sizeof req, dnp3kit_app_ctrl(true, true, false, false, q), DNP3KIT_FC_READ, -1);
    dnp3kit_app_write_count_header(&w, 50, 1, 1);
    send_frag(&s, true, req, dnp3kit_app_writer_finish(&w));
    dnp3kit_app_writer_init(&w, rsp, sizeof rsp, dnp3kit_app_ctrl(true, true, false, false, q), DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_point p;
    memset(&p, 0, sizeof p);
    set_field_types(&p, 50, 1);
    p.fields[0].v.u = T0 / 1000 + 1234; /* ms since the epoch */
    dnp3kit_app_write_counted(&w, 50, 1, &p, 1);
    send_frag(&s, false, rsp, dnp3kit_app_writer_finish(&w));
    close_sess(&s);
}

static void udp_ipv6(void)
{
    sess s;
    open_sess(&s, "udp_ipv6_session", true, true);
    clean_poll(&s);
    clean_poll(&s);
    close_sess(&s);
}

/* One fragment sent to another link address than the peer's. */
static void send_frag_to(sess *s, bool from_master, const uint8_t *frag, int len, uint16_t dst)
{
    if (len < 0)
        die("builder failed");
    frames f;
    f.len = 0;
    f.from_master = from_master;
    f.dst = dst;
    f.src = from_master ? MASTER : OUTSTATION;
    if (dnp3kit_transport_segment(frag, (size_t)len, 249, &s->tseq[from_master ? 0 : 1], add_frame, &f) != 0)
        die("segment");
    wire(s, from_master, f.buf, f.len);
}

/* A header-only link frame (no user data). */
static void link_only(sess *s, bool from_master, uint8_t ctrl, uint16_t dst)
{
    uint8_t b[16];
    int n = dnp3kit_link_build(ctrl, dst, from_master ? MASTER : OUTSTATION, NULL, 0, b, sizeof b);
    if (n < 0)
        die("link build");
    wire(s, from_master, b, (size_t)n);
}

/* One frame of control octet ctrl (a reserved function) whose user data is
 * the transport header th and the fragment: a station discards it, so the
 * session's transport sequence is left as it was. */
static void reserved_frame(sess *s, bool from_master, uint8_t ctrl, uint8_t th, const uint8_t *frag, int len)
{
    uint8_t user[250], b[300];
    if (len < 0 || len > 249)
        die("builder failed");
    user[0] = th;
    memcpy(user + 1, frag, (size_t)len);
    int n = dnp3kit_link_build(ctrl, from_master ? OUTSTATION : MASTER, from_master ? MASTER : OUTSTATION, user,
                               (size_t)len + 1, b, sizeof b);
    if (n < 0)
        die("link build");
    wire(s, from_master, b, (size_t)n);
}

/* Frames with reserved link functions (tables 9-1, 9-2), between clean polls:
 * a DIRECT_OPERATE (g12v1 index 3 LATCH_ON, two data blocks) in primary
 * function 5 and a null RESPONSE in secondary function 14, each one whole
 * segment (FIR FIN: decoded as if user data), and a READ in primary function
 * 10 whose segment has FIR only (not decoded: it would need reassembly). */
static void reserved_function_capture(void)
{
    sess s;
    open_sess(&s, "link_reserved_function", false, false);
    clean_poll(&s);
    uint8_t req[64], rsp[64];
    dnp3kit_crob c = {.op = DNP3KIT_OP_LATCH_ON, .count = 1, .on_ms = 100};
    int n = dnp3kit_build_crob(req, sizeof req, 5, DNP3KIT_FC_DIRECT_OPERATE, 3, &c); /* SEQs of their own */
    reserved_frame(&s, true, dnp3kit_link_ctrl(true, true, false, false, 5), 0xC0 | 0x15, req, n);
    reserved_frame(&s, false, dnp3kit_link_ctrl(false, false, false, false, 14), 0xC0 | 0x2A, rsp,
                   null_response(rsp, sizeof rsp, 7, false, 0));
    reserved_frame(&s, true, dnp3kit_link_ctrl(true, true, false, false, 10), 0x40 | 0x16, req,
                   dnp3kit_build_read_class(req, sizeof req, 6, 0x1));
    clean_poll(&s);
    close_sess(&s);
}

/* Rules of the link layer and of unsolicited responses, one capture each,
 * after a clean exchange (docs/findings.md, rules table). */
static void rule_capture(const char *name, int rule)
{
    sess s;
    open_sess(&s, name, false, false);
    clean_poll(&s);
    uint8_t req[64], rsp[64];
    uint8_t q;
    switch (rule) {
    case 0: /* LINK_STATUS answered with bit 5 (FCB of a primary frame) set */
        link_only(&s, true, dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS),
                  OUTSTATION);
        link_only(&s, false, dnp3kit_link_ctrl(false, false, true, false, DNP3KIT_LINK_SEC_LINK_STATUS), MASTER);
        break;
    case 1: /* REQUEST_LINK_STATUS to the broadcast address 0xFFFF */
        link_only(&s, true, dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_REQUEST_LINK_STATUS),
                  DNP3KIT_ADDR_BCAST_ALL);
        break;
    case 2: /* a READ answered to 0xFFFF instead of the master */
        q = next_seq(&s);
        send_frag(&s, true, req, dnp3kit_build_read_class(req, sizeof req, q, 0x1));
        send_frag_to(&s, false, rsp, null_response(rsp, sizeof rsp, q, false, 0), DNP3KIT_ADDR_BCAST_ALL);
        break;
    case 4: /* an unsolicited response (FIR, FIN, UNS) without CON, so never confirmed */
        rsp[0] = dnp3kit_app_ctrl(true, true, false, true, s.useq);
        rsp[1] = DNP3KIT_FC_UNSOLICITED_RESPONSE;
        rsp[2] = rsp[3] = 0;
        send_frag(&s, false, rsp, 4);
        break;
    case 5: { /* a READ whose header CRC octets are 05 64: a false start for a parser hunting for a frame */
        frames f;
        int n = dnp3kit_build_integrity_poll(req, sizeof req, next_seq(&s));
        to_frames(&s, true, req, (size_t)n, &f);
        f.buf[8] = 0x05;
        f.buf[9] = 0x64;
        wire(&s, true, f.buf, f.len);
        clean_poll(&s);
        break;
    }
    case 6: /* a request with the reserved function code 0x50 and an object header */
        q = next_seq(&s);
        req[0] = dnp3kit_app_ctrl(true, true, false, false, q);
        req[1] = 0x50;
        req[2] = 60, req[3] = 1, req[4] = 0x06;
        send_frag(&s, true, req, 5);
        send_frag(&s, false, rsp, null_response(rsp, sizeof rsp, q, false, DNP3KIT_IIN_NO_FUNC_CODE_SUPPORT));
        break;
    case 3: /* an unsolicited response with FIR but not FIN, confirmed */
        rsp[0] = dnp3kit_app_ctrl(true, false, true, true, s.useq);
        rsp[1] = DNP3KIT_FC_UNSOLICITED_RESPONSE;
        rsp[2] = rsp[3] = 0;
        send_frag(&s, false, rsp, 4);
        req[0] = dnp3kit_app_ctrl(true, true, false, true, s.useq);
        req[1] = DNP3KIT_FC_CONFIRM;
        send_frag(&s, true, req, 2);
        break;
    }
    close_sess(&s);
}

/* ---- IP fragments ----
 *
 * A capture is first written whole by the writer, then copied record by
 * record with chosen frames cut into IP fragments: IPv4 fragments or an IPv6
 * fragment header (RFC 791, RFC 8200 4.5). Each cut lists its pieces in the
 * order they are written; a piece may repeat or overlap another, carry
 * altered octets, or come later in capture time. */

typedef struct fpiece {
    uint16_t lo, hi;   /* octets of the IP payload; lo a multiple of 8; hi 0: to the end;
                        * lo past the end: 16 zero octets there (a datagram too long) */
    uint8_t flip;      /* XOR into the piece's octets (an inconsistent overlap) */
    uint8_t last;      /* 1: MF/M clear although octets follow (a wrong end); else set from hi */
    uint32_t delay_s;  /* written this many seconds after the original */
} fpiece;

typedef struct fcut {
    uint64_t frame;    /* 1-based frame of the whole capture */
    const fpiece *p;
    size_t n;
} fcut;

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t ip4_checksum(const uint8_t *h)
{
    uint32_t acc = 0;
    for (int i = 0; i < 20; i += 2)
        acc += (uint32_t)(h[i] << 8 | h[i + 1]);
    while (acc >> 16)
        acc = (acc & 0xFFFF) + (acc >> 16);
    return (uint16_t)~acc;
}

static void dump(pcap_dumper_t *d, const struct pcap_pkthdr *h0, uint32_t delay_s, const uint8_t *f, size_t n)
{
    struct pcap_pkthdr h = *h0;
    h.ts.tv_sec += (time_t)delay_s;
    h.caplen = h.len = (bpf_u_int32)n;
    pcap_dump((u_char *)d, &h, f);
}

/* Write the Ethernet frame f (IPv4 or IPv6, no extension headers) as the
 * fragments of cut c. */
static void write_cut(pcap_dumper_t *d, const struct pcap_pkthdr *h, const uint8_t *f, size_t n, const fcut *c)
{
    bool v6 = f[12] == 0x86;
    size_t iph = v6 ? 40 : 20, pl = n - 14 - iph;
    const uint8_t *ip = f + 14, *pay = ip + iph;
    for (size_t i = 0; i < c->n; i++) {
        const fpiece *x = &c->p[i];
        bool beyond = x->lo >= pl;
        size_t hi = beyond ? x->lo + 16u : x->hi && x->hi < pl ? x->hi : pl, k = hi - x->lo;
        bool more = hi < pl && !x->last;
        uint8_t o[14 + 48 + 1600];
        memcpy(o, f, 14 + iph);
        uint8_t *oi = o + 14, *data;
        if (v6) {
            put16(oi + 4, (uint16_t)(8 + k));
            oi[6] = 44;
            uint8_t *fh = oi + 40;
            fh[0] = ip[6];
            fh[1] = 0;
            put16(fh + 2, (uint16_t)(x->lo | more));
            fh[4] = fh[5] = 0;
            put16(fh + 6, (uint16_t)c->frame); /* identification */
            data = fh + 8;
        } else {
            put16(oi + 2, (uint16_t)(20 + k));
            put16(oi + 6, (uint16_t)((more ? 0x2000 : 0) | x->lo / 8));
            put16(oi + 10, 0);
            put16(oi + 10, ip4_checksum(oi));
            data = oi + 20;
        }
        for (size_t j = 0; j < k; j++)
            data[j] = beyond ? 0 : pay[x->lo + j] ^ x->flip;
        dump(d, h, x->delay_s, o, (size_t)(data - o) + k);
    }
}

/* Rewrite OUTDIR/name.pcap with the frames of cuts fragmented. */
static void fragment_capture(const char *name, const fcut *cuts, size_t ncuts)
{
    char path[4096], tmp[4200], err[PCAP_ERRBUF_SIZE];
    snprintf(path, sizeof path, "%s/%s.pcap", outdir, name);
    snprintf(tmp, sizeof tmp, "%s.whole", path);
    if (rename(path, tmp) != 0)
        die("rename");
    pcap_t *in = pcap_open_offline(tmp, err);
    if (!in)
        die(err);
    pcap_dumper_t *d = pcap_dump_open(in, path);
    if (!d)
        die(pcap_geterr(in));
    struct pcap_pkthdr *h;
    const u_char *f;
    uint64_t frame = 0;
    while (pcap_next_ex(in, &h, &f) == 1) {
        frame++;
        const fcut *c = NULL;
        for (size_t i = 0; i < ncuts; i++)
            if (cuts[i].frame == frame)
                c = &cuts[i];
        if (c)
            write_cut(d, h, f, h->caplen, c);
        else
            pcap_dump((u_char *)d, h, f);
    }
    pcap_dump_close(d);
    pcap_close(in);
    unlink(tmp);
}

#define CUT(fr, arr) {fr, arr, sizeof arr / sizeof arr[0]}

/* Responses carried in IP fragments, every one reassemblable: dnp3-pcap must
 * decode them as if whole, with no finding. */
static void ip_fragment_captures(void)
{
    /* in order, in two; in reverse order, in three, the middle one twice (identical) */
    static const fpiece two[] = {{0, 48, 0, 0, 0}, {48, 0, 0, 0, 0}};
    static const fpiece rev3[] = {{64, 0, 0, 0, 0}, {32, 64, 0, 0, 0}, {32, 64, 0, 0, 0}, {0, 32, 0, 0, 0}};
    sess s;
    open_sess(&s, "ip_fragments", false, false);
    clean_poll(&s); /* frames 4, 5 */
    clean_poll(&s); /* 6, 7 */
    clean_poll(&s); /* 8, 9 */
    close_sess(&s);
    static const fcut c4[] = {CUT(5, two), CUT(7, rev3)};
    fragment_capture("ip_fragments", c4, 2);

    open_sess(&s, "ipv6_fragments", true, true);
    clean_poll(&s); /* frames 1, 2 */
    clean_poll(&s); /* 3, 4 */
    close_sess(&s);
    static const fcut c6[] = {CUT(2, two), CUT(4, rev3)};
    fragment_capture("ipv6_fragments", c6, 2);
}

/* Fragmented responses that cannot be reassembled, over UDP/IPv4: two
 * polls, the second one's response (frame 4, the last) cut. */
static void ip_fragment_failure(const char *name, const fpiece *p, size_t n)
{
    sess s;
    open_sess(&s, name, true, false);
    clean_poll(&s);
    clean_poll(&s);
    close_sess(&s);
    fcut c = {4, p, n};
    fragment_capture(name, &c, 1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: dnp3-mkcaptures OUTDIR\n");
        return 2;
    }
    outdir = argv[1];
    clean_session();
    tcp_split();
    udp_ipv6();
    read_time();
    tcp_retrans_reorder();
    tcp_gap();
    corrupt_capture("link_bad_header_crc", 0, 8, 0xFF, false);
    corrupt_capture("link_bad_block_crc", 1, 10 + 18 + 18 + 5, 0x01, false); /* third data block */
    corrupt_capture("link_len_too_small", 0, 0, 0, true);
    transport_capture("transport_sequence_gap", 0);
    transport_capture("transport_no_fir", 1);
    transport_capture("transport_fin_missing", 2);
    too_large();
    response_without_request();
    bad_response_capture("app_truncated_object", "1E 01 00 00 03 01 01 00 00 00 01 02 00 00 00");
    bad_response_capture("app_unknown_object", "63 01 00 00 00 01 02 03");
    bad_response_capture("app_range_start_gt_stop", "1E 01 00 05 02 01 01 00 00 00");
    bad_response_capture("app_count_size_overflow", "1E 06 09 FF FF FF FF 01 00 00 00 00 00 00 00 00");
    bad_response_capture("app_huge_count_tiny_payload", "1E 01 08 FF FF 01 D2 04 00 00");
    bad_response_capture("app_free_format_zero_size", "46 05 5B 01 00 00");
    bad_response_capture("app_zero_size_huge_count", "3C 01 09 FF FF FF FF");
    /* g30v1 (5 octets) under 0x5B declaring 3, then a well-formed g30v1 */
    bad_response_capture("app_size_prefix_mismatch", "1E 01 5B 01 03 00 01 02 03 1E 01 00 00 00 01 D2 04 00 00");
    /* g120v1 (challenge: 8 fixed octets) under 0x5B declaring 3 */
    bad_response_capture("app_sa_object_too_short", "78 01 5B 01 03 00 01 02 03");
    /* Values the plugin and decode name (dnp3kit/values.h): g0 attributes of
     * types UINT (2 and 4 octets), VSTR and FLT (0.1f), a g120v5 session key
     * status (AES_256, OK, HMAC_SHA256_16), a g120v7 error
     * (MAC_ALGORITHM_NOT_SUPPORTED), g121v1 statistics 0 and 1. */
    bad_response_capture("objects_named",
                         "00 F0 00 F0 F0 02 02 00 08 00 D4 00 D4 D4 02 04 01 00 00 00 "
                         "00 FA 00 FA FA 01 07 64 6E 70 33 6B 69 74 00 CB 00 CB CB 04 04 CD CC CC 3D "
                         "78 05 5B 01 0F 00 02 00 00 00 01 00 02 01 04 04 00 AA BB CC DD "
                         "78 07 5B 01 0F 00 01 00 00 00 01 00 01 00 05 00 00 00 00 00 00 "
                         "79 01 00 00 01 01 01 00 05 00 00 00 01 01 00 07 00 00 00");
    /* range code 4 (2-octet start/stop addresses 10-11) on g30v4, then a g30v4 0-0:
     * both decoded, the first flagged */
    bad_response_capture("app_range_address", "1E 04 04 0A 00 0B 00 01 00 02 00 1E 04 00 00 00 03 00");
    rule_capture("link_secondary_fcb", 0);
    rule_capture("link_broadcast_function", 1);
    rule_capture("app_response_to_broadcast", 2);
    rule_capture("app_unsolicited_multi_fragment", 3);
    rule_capture("app_unsolicited_without_con", 4);
    rule_capture("link_bad_header_crc_sync", 5);
    rule_capture("app_unknown_function", 6);
    reserved_function_capture();
    ip_fragment_captures();
    {
        /* the last fragment never captured */
        static const fpiece lost[] = {{0, 48, 0, 0, 0}};
        ip_fragment_failure("ip_fragment_incomplete", lost, 1);
        /* the second fragment 31 s after the first: past the 30 s timeout */
        static const fpiece late[] = {{0, 48, 0, 0, 0}, {48, 0, 0, 0, 31}};
        ip_fragment_failure("ip_fragment_timeout", late, 2);
        /* the third fragment overlaps the second with other octets */
        static const fpiece overlap[] = {{0, 32, 0, 0, 0}, {32, 64, 0, 0, 0}, {48, 0, 0x5A, 0, 0}};
        ip_fragment_failure("ip_fragment_overlap", overlap, 3);
        /* a fragment ending past octet 65,535 */
        static const fpiece huge[] = {{0, 48, 0, 0, 0}, {65528, 0, 0, 0, 0}};
        ip_fragment_failure("ip_fragment_too_large", huge, 2);
    }
    return failures ? 1 : 0;
}
