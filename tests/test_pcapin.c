/*
 * Tests for pcaptools/pcapin.c and pcapout.c: captures written with the
 * writer are read back and the delivered bytes compared exactly; small pcap
 * files are built by hand in memory for link types the writer does not
 * produce; the shared real captures must read without error.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "dnp3kit/crc.h"
#include "pcapin.h"

/* ---- collecting what the reader delivers ---- */

#define RX_FLOWS 8
#define RX_GAPS 16

typedef struct rx {
    size_t opens, closes, datas, gaps, live, max_live;
    uint64_t missing;
    size_t findings[DNP3KIT_F_COUNT_];
    bool finding_from_a[DNP3KIT_F_COUNT_]; /* direction of the last finding of each code */
    /* per flow id 1..RX_FLOWS, per direction (0 = from a) */
    uint8_t *buf[RX_FLOWS][2];
    size_t len[RX_FLOWS][2], cap[RX_FLOWS][2];
    dpc_flow flow[RX_FLOWS];
    uint64_t close_frame[RX_FLOWS];
    /* gaps of flow 1: stream position and missing octets */
    size_t gap_at[RX_GAPS];
    uint64_t gap_missing[RX_GAPS];
    bool gap_from_a[RX_GAPS];
    size_t ngap1;
    size_t udp_datagrams;
    uint64_t hash; /* FNV-1a over every delivery (flow, direction, octets) */
    uint64_t ts[8]; /* capture time of the first deliveries */
} rx;

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001B3ull;
    return h;
}

static void rx_open(void *ctx, dpc_flow *f, const dpc_packet *pkt)
{
    rx *r = ctx;
    (void)pkt;
    r->opens++;
    r->live++;
    if (r->live > r->max_live)
        r->max_live = r->live;
    if (f->id >= 1 && f->id <= RX_FLOWS)
        r->flow[f->id - 1] = *f;
    f->user = r;
}

static void rx_data(void *ctx, dpc_flow *f, bool from_a, const uint8_t *p, size_t len, const dpc_packet *pkt)
{
    rx *r = ctx;
    assert_ptr_equal(f->user, r);
    assert_true(len > 0);
    if (r->datas < 8)
        r->ts[r->datas] = pkt->ts_us;
    r->datas++;
    uint8_t tag[5] = {(uint8_t)f->id, (uint8_t)(f->id >> 8), (uint8_t)(f->id >> 16), from_a, 0xA5};
    r->hash = fnv(fnv(r->hash, tag, sizeof tag), p, len);
    if (!f->tcp)
        r->udp_datagrams++;
    if (f->id < 1 || f->id > RX_FLOWS)
        return;
    int d = from_a ? 0 : 1, i = (int)f->id - 1;
    if (r->len[i][d] + len > r->cap[i][d]) {
        size_t nc = (r->len[i][d] + len) * 2;
        r->buf[i][d] = realloc(r->buf[i][d], nc);
        assert_non_null(r->buf[i][d]);
        r->cap[i][d] = nc;
    }
    memcpy(r->buf[i][d] + r->len[i][d], p, len);
    r->len[i][d] += len;
}

static void rx_gap(void *ctx, dpc_flow *f, bool from_a, uint64_t missing, const dpc_packet *pkt)
{
    rx *r = ctx;
    (void)pkt;
    assert_true(missing > 0);
    r->gaps++;
    r->missing += missing;
    if (f->id == 1 && r->ngap1 < RX_GAPS) {
        r->gap_at[r->ngap1] = r->len[0][from_a ? 0 : 1];
        r->gap_missing[r->ngap1] = missing;
        r->gap_from_a[r->ngap1] = from_a;
        r->ngap1++;
    }
}

static void rx_finding(void *ctx, dpc_flow *f, bool from_a, const dnp3kit_finding *fi, const dpc_packet *pkt)
{
    rx *r = ctx;
    (void)f;
    r->finding_from_a[fi->code < DNP3KIT_F_COUNT_ ? fi->code : 0] = from_a;
    (void)pkt;
    assert_true(fi->code < DNP3KIT_F_COUNT_);
    assert_int_equal(dnp3kit_finding_layer(fi->code), DNP3KIT_LAYER_CAPTURE);
    r->findings[fi->code]++;
}

static void rx_close(void *ctx, dpc_flow *f, const dpc_packet *pkt)
{
    rx *r = ctx;
    assert_ptr_equal(f->user, r);
    r->closes++;
    assert_true(r->live > 0);
    r->live--;
    if (f->id >= 1 && f->id <= RX_FLOWS)
        r->close_frame[f->id - 1] = pkt->frame;
    f->user = NULL;
}

static const dpc_callbacks rx_cb = {rx_open, rx_data, rx_gap, rx_finding, rx_close, NULL};

static void rx_free(rx *r)
{
    for (int i = 0; i < RX_FLOWS; i++)
        for (int d = 0; d < 2; d++)
            free(r->buf[i][d]);
    memset(r, 0, sizeof *r);
}

/* Flow `id`'s stream from a (d = 0) or b (d = 1) equals s[0..n). */
static void assert_stream(const rx *r, uint32_t id, int d, const void *s, size_t n)
{
    assert_int_equal(r->len[id - 1][d], n);
    if (n)
        assert_memory_equal(r->buf[id - 1][d], s, n);
}

static size_t capture_findings(const rx *r)
{
    return r->findings[DNP3KIT_F_IP_FRAGMENT_INCOMPLETE] + r->findings[DNP3KIT_F_IP_FRAGMENT_OVERLAP] +
           r->findings[DNP3KIT_F_IP_FRAGMENT_LIMIT] + r->findings[DNP3KIT_F_TCP_GAP] + r->findings[DNP3KIT_F_TCP_RETRANSMISSION] +
           r->findings[DNP3KIT_F_TCP_OUT_OF_ORDER] + r->findings[DNP3KIT_F_TCP_WINDOW_EXCEEDED] +
           r->findings[DNP3KIT_F_TCP_MIDSTREAM] + r->findings[DNP3KIT_F_PACKET_TRUNCATED] +
           r->findings[DNP3KIT_F_FLOW_LIMIT];
}

/* ---- temp dir and writer helpers ---- */

static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/dpc-test-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    DIR *d = opendir(tmpdir);
    if (d) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(tmpdir);
    return 0;
}

static const char *tpath(const char *name)
{
    static char p[512];
    snprintf(p, sizeof p, "%s/%s", tmpdir, name);
    return p;
}

static dpc_addr a4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
    dpc_addr x;
    memset(&x, 0, sizeof x);
    x.family = 4;
    x.ip[0] = a;
    x.ip[1] = b;
    x.ip[2] = c;
    x.ip[3] = d;
    x.port = port;
    return x;
}

static dpc_addr a6(uint8_t last, uint16_t port)
{
    dpc_addr x;
    memset(&x, 0, sizeof x);
    x.family = 6;
    x.ip[0] = 0x20;
    x.ip[1] = 0x01;
    x.ip[2] = 0x0d;
    x.ip[3] = 0xb8;
    x.ip[15] = last;
    x.port = port;
    return x;
}

static dpc_writer *wopen(const char *name)
{
    char err[256] = "";
    dpc_writer *w = dpc_writer_open(tpath(name), err, sizeof err);
    if (!w)
        fail_msg("dpc_writer_open: %s", err);
    return w;
}

static int read_path(const char *path, const dpc_options *opt, rx *r, dpc_stats *st)
{
    char err[256] = "";
    memset(r, 0, sizeof *r);
    int rc = dpc_read_file(path, opt, &rx_cb, r, st, err, sizeof err, NULL);
    if (rc != 0)
        print_message("read %s: rc %d: %s\n", path, rc, err);
    return rc;
}

static int read_tmp(const char *name, rx *r, dpc_stats *st)
{
    return read_path(tpath(name), NULL, r, st);
}

/* A client/server pair on the DNP3 port with a handshake. */
static int conn4(dpc_writer *w, bool handshake)
{
    dpc_addr c = a4(192, 0, 2, 1, 40000), s = a4(192, 0, 2, 2, 20000);
    int id = dpc_writer_tcp_open(w, &c, &s, handshake, 1000000);
    assert_true(id >= 0);
    return id;
}

static void send_at(dpc_writer *w, int c, bool cl, uint32_t rel, const char *s)
{
    assert_int_equal(dpc_writer_tcp_send_at(w, c, cl, rel, (const uint8_t *)s, strlen(s), 1000001), 0);
}

static void send_s(dpc_writer *w, int c, bool cl, const char *s)
{
    assert_int_equal(dpc_writer_tcp_send(w, c, cl, (const uint8_t *)s, strlen(s), 1000001), 0);
}

/* ---- TCP via the writer ---- */

static void test_in_order(void **state)
{
    (void)state;
    dpc_writer *w = wopen("inorder.pcap");
    int c = conn4(w, true);
    send_s(w, c, true, "hello ");
    send_s(w, c, false, "world!");
    send_s(w, c, true, "again");
    assert_int_equal(dpc_writer_tcp_close(w, c, 1000002), 0);
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    dpc_stats st;
    assert_int_equal(read_tmp("inorder.pcap", &r, &st), 0);
    assert_int_equal(r.opens, 1);
    assert_int_equal(r.closes, 1);
    assert_stream(&r, 1, 0, "hello again", 11);
    assert_stream(&r, 1, 1, "world!", 6);
    assert_int_equal(capture_findings(&r), 0);
    assert_true(r.flow[0].tcp);
    assert_int_equal(r.flow[0].a.port, 40000);
    assert_int_equal(r.flow[0].b.port, 20000);
    assert_int_equal(st.packets, 3 + 3 + 3);
    assert_int_equal(st.flows, 1);
    assert_int_equal(st.payload_bytes, 17);
    assert_int_equal(st.dnp3_packets, 8); /* the last ACK follows the close */
    char buf[64];
    dpc_addr_format(&r.flow[0].a, buf, sizeof buf);
    assert_string_equal(buf, "192.0.2.1:40000");
    rx_free(&r);
}

static void test_split_large(void **state)
{
    (void)state;
    uint8_t big[5000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7 + 3);
    dpc_writer *w = wopen("split.pcap");
    int c = conn4(w, true);
    assert_int_equal(dpc_writer_tcp_send(w, c, false, big, sizeof big, 5), 0);
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    dpc_stats st;
    assert_int_equal(read_tmp("split.pcap", &r, &st), 0);
    assert_int_equal(st.packets, 3 + 4); /* 1460 * 3 + 620 */
    assert_stream(&r, 1, 1, big, sizeof big);
    assert_int_equal(r.datas, 4);
    assert_int_equal(capture_findings(&r), 0);
    assert_int_equal(r.closes, 1); /* end of file */
    rx_free(&r);
}

static void test_retransmission_full(void **state)
{
    (void)state;
    dpc_writer *w = wopen("retx.pcap");
    int c = conn4(w, true);
    send_at(w, c, true, 0, "abcdef");
    send_at(w, c, true, 0, "abcdef");
    send_at(w, c, true, 2, "cd");
    send_at(w, c, true, 6, "gh");
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    assert_int_equal(read_tmp("retx.pcap", &r, NULL), 0);
    assert_stream(&r, 1, 0, "abcdefgh", 8);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_RETRANSMISSION], 2);
    assert_int_equal(r.gaps, 0);
    rx_free(&r);
}

static void test_retransmission_partial(void **state)
{
    (void)state;
    dpc_writer *w = wopen("retxp.pcap");
    int c = conn4(w, true);
    send_at(w, c, true, 0, "abcdef");
    send_at(w, c, true, 3, "defghi");
    send_at(w, c, true, 8, "ijk");
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    assert_int_equal(read_tmp("retxp.pcap", &r, NULL), 0);
    assert_stream(&r, 1, 0, "abcdefghijk", 11);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_RETRANSMISSION], 2);
    assert_int_equal(r.gaps, 0);
    rx_free(&r);
}

static void test_reordering(void **state)
{
    (void)state;
    dpc_writer *w = wopen("reorder.pcap");
    int c = conn4(w, true);
    send_at(w, c, true, 10, "klmno");
    send_at(w, c, true, 5, "fghij");
    send_at(w, c, true, 5, "fghij"); /* duplicate of a buffered segment */
    send_at(w, c, true, 0, "abcde");
    send_at(w, c, false, 3, "DEF");
    send_at(w, c, false, 0, "ABC");
    send_s(w, c, true, "p");
    assert_int_equal(dpc_writer_tcp_close(w, c, 9), 0);
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    assert_int_equal(read_tmp("reorder.pcap", &r, NULL), 0);
    assert_stream(&r, 1, 0, "abcdefghijklmnop", 16);
    assert_stream(&r, 1, 1, "ABCDEF", 6);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_OUT_OF_ORDER], 3);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_RETRANSMISSION], 1);
    assert_int_equal(r.gaps, 0);
    assert_int_equal(r.closes, 1);
    rx_free(&r);
}

static void test_gap_at_close(void **state)
{
    (void)state;
    dpc_writer *w = wopen("gap.pcap");
    int c = conn4(w, true);
    send_at(w, c, true, 0, "abc");
    send_at(w, c, true, 6, "ghi");
    send_at(w, c, false, 0, "xyz");
    assert_int_equal(dpc_writer_tcp_close(w, c, 9), 0);
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    assert_int_equal(read_tmp("gap.pcap", &r, NULL), 0);
    assert_stream(&r, 1, 0, "abcghi", 6);
    assert_stream(&r, 1, 1, "xyz", 3);
    assert_int_equal(r.gaps, 1);
    assert_int_equal(r.ngap1, 1);
    assert_int_equal(r.gap_at[0], 3);
    assert_int_equal(r.gap_missing[0], 3);
    assert_true(r.gap_from_a[0]);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_GAP], 1);
    assert_true(r.finding_from_a[DNP3KIT_F_TCP_GAP]);
    assert_int_equal(r.closes, 1);
    rx_free(&r);

    /* the same hole in the server's direction is reported for that direction */
    w = wopen("gap_b.pcap");
    c = conn4(w, true);
    send_at(w, c, true, 0, "abc");
    send_at(w, c, false, 0, "xyz");
    send_at(w, c, false, 6, "uvw");
    assert_int_equal(dpc_writer_tcp_close(w, c, 9), 0);
    assert_int_equal(dpc_writer_close(w), 0);
    assert_int_equal(read_tmp("gap_b.pcap", &r, NULL), 0);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_GAP], 1);
    assert_false(r.finding_from_a[DNP3KIT_F_TCP_GAP]);
    rx_free(&r);
}

static void test_gap_window_exceeded(void **state)
{
    (void)state;
    static uint8_t mid[1000];
    memset(mid, 'm', sizeof mid);
    dpc_writer *w = wopen("window.pcap");
    int c = conn4(w, true);
    send_at(w, c, true, 0, "abc");
    assert_int_equal(dpc_writer_tcp_send_at(w, c, true, 10, mid, sizeof mid, 3), 0);
    /* Ends beyond the window: the reader stops waiting for octets 3..9. */
    send_at(w, c, true, DPC_TCP_WINDOW, "xyz");
    send_at(w, c, true, DPC_TCP_WINDOW + 3, "!");
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    assert_int_equal(read_tmp("window.pcap", &r, NULL), 0);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_WINDOW_EXCEEDED], 1);
    assert_int_equal(r.ngap1, 2);
    assert_int_equal(r.gap_at[0], 3);
    assert_int_equal(r.gap_missing[0], 7);
    assert_int_equal(r.gap_at[1], 1003);
    assert_int_equal(r.gap_missing[1], DPC_TCP_WINDOW - 1010);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_GAP], 2);
    assert_int_equal(r.len[0][0], 3 + 1000 + 4);
    assert_memory_equal(r.buf[0][0], "abc", 3);
    assert_memory_equal(r.buf[0][0] + 3, mid, sizeof mid);
    assert_memory_equal(r.buf[0][0] + 1003, "xyz!", 4);
    rx_free(&r);
}

static void test_midstream(void **state)
{
    (void)state;
    dpc_writer *w = wopen("midstream.pcap");
    int c = conn4(w, false);
    send_s(w, c, false, "tail of a frame");
    send_s(w, c, true, "request");
    send_s(w, c, false, "+more");
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    assert_int_equal(read_tmp("midstream.pcap", &r, NULL), 0);
    assert_int_equal(r.opens, 1);
    /* a = the first sender seen, here the server */
    assert_int_equal(r.flow[0].a.port, 20000);
    assert_stream(&r, 1, 0, "tail of a frame+more", 20);
    assert_stream(&r, 1, 1, "request", 7);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_MIDSTREAM], 2);
    assert_int_equal(r.gaps, 0);
    rx_free(&r);
}

static void test_seq_wraparound(void **state)
{
    (void)state;
    dpc_writer *w = wopen("wrap.pcap");
    dpc_writer_set_isn(w, 0xFFFFFFF0u, 0xFFFFFFFEu);
    int c = conn4(w, true);
    /* client data occupies sequence numbers 0xFFFFFFF1 .. 0x00000012 */
    send_s(w, c, true, "0123456789");      /* up to 0xFFFFFFFA */
    send_at(w, c, true, 20, "klmnopqrst"); /* past 2^32, ahead of a hole */
    send_at(w, c, true, 10, "abcdefghij"); /* fills it, crossing 2^32 */
    send_at(w, c, true, 5, "56789abc");    /* old: partial retransmission */
    send_s(w, c, false, "server side crosses immediately");
    assert_int_equal(dpc_writer_tcp_close(w, c, 7), 0);
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    assert_int_equal(read_tmp("wrap.pcap", &r, NULL), 0);
    assert_stream(&r, 1, 0, "0123456789abcdefghijklmnopqrst", 30);
    assert_stream(&r, 1, 1, "server side crosses immediately", 31);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_OUT_OF_ORDER], 1);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_RETRANSMISSION], 1);
    assert_int_equal(r.gaps, 0);
    assert_int_equal(r.closes, 1);
    rx_free(&r);
}

static void test_udp(void **state)
{
    (void)state;
    dpc_writer *w = wopen("udp.pcap");
    dpc_addr m = a4(10, 0, 0, 1, 20000), o = a4(10, 0, 0, 2, 20000), x = a4(10, 0, 0, 3, 5353);
    assert_int_equal(dpc_writer_udp(w, &m, &o, (const uint8_t *)"req", 3, 1), 0);
    assert_int_equal(dpc_writer_udp(w, &o, &m, (const uint8_t *)"resp", 4, 2), 0);
    assert_int_equal(dpc_writer_udp(w, &x, &m, (const uint8_t *)"mdns", 4, 3), 0); /* port 20000 */
    dpc_addr y = a4(10, 0, 0, 3, 5353), z = a4(10, 0, 0, 4, 5353);
    assert_int_equal(dpc_writer_udp(w, &y, &z, (const uint8_t *)"other", 5, 4), 0);
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    dpc_stats st;
    assert_int_equal(read_tmp("udp.pcap", &r, &st), 0);
    assert_int_equal(r.opens, 2);
    assert_int_equal(r.udp_datagrams, 3);
    assert_false(r.flow[0].tcp);
    assert_stream(&r, 1, 0, "req", 3);
    assert_stream(&r, 1, 1, "resp", 4);
    assert_stream(&r, 2, 0, "mdns", 4);
    assert_int_equal(st.dnp3_packets, 3);
    assert_int_equal(st.packets, 4);
    rx_free(&r);

    dpc_options opt;
    dpc_options_default(&opt);
    opt.udp = false;
    assert_int_equal(read_path(tpath("udp.pcap"), &opt, &r, &st), 0);
    assert_int_equal(r.opens, 0);
    assert_int_equal(r.datas, 0);
    rx_free(&r);
}

static void test_ipv6(void **state)
{
    (void)state;
    dpc_writer *w = wopen("v6.pcap");
    dpc_addr c = a6(1, 40001), s = a6(2, 20000);
    int id = dpc_writer_tcp_open(w, &c, &s, true, 10);
    assert_true(id >= 0);
    send_s(w, id, true, "v6 request");
    send_s(w, id, false, "v6 response");
    assert_int_equal(dpc_writer_tcp_close(w, id, 11), 0);
    assert_int_equal(dpc_writer_udp(w, &c, &s, (const uint8_t *)"dgram", 5, 12), 0);
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    assert_int_equal(read_tmp("v6.pcap", &r, NULL), 0);
    assert_int_equal(r.opens, 2);
    assert_int_equal(r.closes, 2);
    assert_int_equal(r.flow[0].a.family, 6);
    assert_stream(&r, 1, 0, "v6 request", 10);
    assert_stream(&r, 1, 1, "v6 response", 11);
    assert_stream(&r, 2, 0, "dgram", 5);
    assert_int_equal(capture_findings(&r), 0);
    char buf[64];
    dpc_addr_format(&r.flow[0].a, buf, sizeof buf);
    assert_string_equal(buf, "[2001:db8::1]:40001");
    rx_free(&r);
}

static void test_fin_close_and_reuse(void **state)
{
    (void)state;
    dpc_writer *w = wopen("reuse.pcap");
    int c1 = conn4(w, true);
    send_s(w, c1, true, "first");
    assert_int_equal(dpc_writer_tcp_close(w, c1, 5), 0); /* frames 1..7 */
    int c2 = conn4(w, true);                              /* same 5-tuple, new ISNs */
    send_s(w, c2, true, "second");
    send_s(w, c2, false, "reply");
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    assert_int_equal(read_tmp("reuse.pcap", &r, NULL), 0);
    assert_int_equal(r.opens, 2);
    assert_int_equal(r.closes, 2);
    assert_stream(&r, 1, 0, "first", 5);
    assert_stream(&r, 2, 0, "second", 6);
    assert_stream(&r, 2, 1, "reply", 5);
    /* closed at the server's FIN (frame 6), not at the end of the file */
    assert_int_equal(r.close_frame[0], 6);
    assert_int_equal(r.close_frame[1], 12);
    assert_int_equal(capture_findings(&r), 0);
    rx_free(&r);
}

static void test_many_flows(void **state)
{
    (void)state;
    const int extra = 100;
    dpc_writer *w = wopen("many.pcap");
    for (int i = 0; i < DPC_MAX_FLOWS + extra; i++) {
        dpc_addr c = a4(10, 1, (uint8_t)(i >> 8), (uint8_t)i, 40000), s = a4(10, 2, 0, 1, 20000);
        int id = dpc_writer_tcp_open(w, &c, &s, false, (uint64_t)i);
        assert_true(id >= 0);
        send_s(w, id, true, "x");
    }
    /* the first flow again: it was evicted, so it comes back as a new flow */
    send_s(w, 0, true, "y");
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    dpc_stats st;
    assert_int_equal(read_tmp("many.pcap", &r, &st), 0);
    assert_int_equal(r.opens, DPC_MAX_FLOWS + extra + 1);
    assert_int_equal(r.closes, r.opens);
    assert_int_equal(r.max_live, DPC_MAX_FLOWS);
    assert_int_equal(r.findings[DNP3KIT_F_FLOW_LIMIT], extra + 1);
    assert_int_equal(st.payload_bytes, DPC_MAX_FLOWS + extra + 1);
    assert_int_equal(st.flows, DPC_MAX_FLOWS + extra + 1);
    rx_free(&r);
}

/* A link header with a good CRC: 05 64 LEN CTRL DST SRC CRC. */
static size_t link_header(uint8_t *out)
{
    const uint8_t h[8] = {0x05, 0x64, 0x05, 0xC9, 0x01, 0x00, 0x02, 0x00};
    memcpy(out, h, 8);
    uint16_t crc = dnp3kit_crc16(h, 8);
    out[8] = (uint8_t)crc;
    out[9] = (uint8_t)(crc >> 8);
    return 10;
}

static void test_any_port(void **state)
{
    (void)state;
    uint8_t hdr[10];
    link_header(hdr);
    uint8_t bad[10];
    memcpy(bad, hdr, 10);
    bad[8] ^= 1;
    dpc_writer *w = wopen("anyport.pcap");
    dpc_addr c = a4(10, 0, 0, 1, 41000), s = a4(10, 0, 0, 2, 30000);
    int dnp = dpc_writer_tcp_open(w, &c, &s, true, 1);
    dpc_addr c2 = a4(10, 0, 0, 1, 41001), s2 = a4(10, 0, 0, 2, 80);
    int http = dpc_writer_tcp_open(w, &c2, &s2, true, 1);
    dpc_addr c3 = a4(10, 0, 0, 1, 41002), s3 = a4(10, 0, 0, 2, 30001);
    int badcrc = dpc_writer_tcp_open(w, &c3, &s3, false, 1);
    assert_int_equal(dpc_writer_tcp_send(w, http, true, (const uint8_t *)"GET / HTTP/1.0\r\n", 16, 2), 0);
    assert_int_equal(dpc_writer_tcp_send(w, dnp, true, hdr, 10, 2), 0);
    assert_int_equal(dpc_writer_tcp_send(w, http, false, hdr, 10, 2), 0); /* too late: flow decided */
    assert_int_equal(dpc_writer_tcp_send(w, dnp, false, (const uint8_t *)"anything", 8, 3), 0);
    assert_int_equal(dpc_writer_tcp_send(w, badcrc, true, bad, 10, 3), 0);
    dpc_addr u1 = a4(10, 0, 0, 5, 30002), u2 = a4(10, 0, 0, 6, 30003);
    assert_int_equal(dpc_writer_udp(w, &u1, &u2, hdr, 10, 4), 0);
    assert_int_equal(dpc_writer_udp(w, &u2, &u1, (const uint8_t *)"reply", 5, 5), 0); /* known flow */
    assert_int_equal(dpc_writer_udp(w, &u2, &c, (const uint8_t *)"nope", 4, 6), 0);
    assert_int_equal(dpc_writer_close(w), 0);

    rx r;
    assert_int_equal(read_tmp("anyport.pcap", &r, NULL), 0);
    assert_int_equal(r.opens, 0);
    rx_free(&r);

    dpc_options opt;
    dpc_options_default(&opt);
    opt.any_port = true;
    assert_int_equal(read_path(tpath("anyport.pcap"), &opt, &r, NULL), 0);
    assert_int_equal(r.opens, 2);
    assert_int_equal(r.flow[0].b.port, 30000);
    assert_stream(&r, 1, 0, hdr, 10);
    assert_stream(&r, 1, 1, "anything", 8);
    assert_false(r.flow[1].tcp);
    assert_stream(&r, 2, 0, hdr, 10);
    assert_stream(&r, 2, 1, "reply", 5);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_MIDSTREAM], 0);
    rx_free(&r);

    /* a port list selects too */
    dpc_options_default(&opt);
    opt.ports[0] = 80;
    opt.ports[1] = 30001;
    opt.nports = 2;
    assert_int_equal(read_path(tpath("anyport.pcap"), &opt, &r, NULL), 0);
    assert_int_equal(r.opens, 2);
    assert_stream(&r, 1, 0, "GET / HTTP/1.0\r\n", 16);
    assert_stream(&r, 1, 1, hdr, 10);
    assert_stream(&r, 2, 0, bad, 10);
    rx_free(&r);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void test_truncated_file(void **state)
{
    (void)state;
    dpc_writer *w = wopen("trunc.pcap");
    int c = conn4(w, true);
    send_s(w, c, true, "complete");
    send_s(w, c, true, "cut short");
    assert_int_equal(dpc_writer_close(w), 0);
    size_t len;
    uint8_t *all = slurp(tpath("trunc.pcap"), &len);

    rx r;
    char err[256] = "";
    /* cut inside the last record's data */
    uint8_t *t = tu_tail_copy(all, len - 4);
    memset(&r, 0, sizeof r);
    assert_int_equal(dpc_read_mem(t, len - 4, NULL, &rx_cb, &r, NULL, err, sizeof err), -1);
    assert_true(err[0] != 0);
    assert_stream(&r, 1, 0, "complete", 8); /* what came before is kept */
    assert_int_equal(r.closes, 1);
    tu_free_tail(t);
    rx_free(&r);

    /* every prefix, through both record readers: no crash, no over-read,
     * and the same verdict and octets from each */
    for (size_t n = 0; n < len; n++) {
        t = tu_tail_copy(all, n);
        rx l;
        memset(&r, 0, sizeof r);
        memset(&l, 0, sizeof l);
        int rc = dpc_read_mem(t, n, NULL, &rx_cb, &r, NULL, err, sizeof err);
        setenv("DNP3KIT_PCAP_USE_LIBPCAP", "1", 1);
        int lrc = dpc_read_mem(t, n, NULL, &rx_cb, &l, NULL, err, sizeof err);
        unsetenv("DNP3KIT_PCAP_USE_LIBPCAP");
        assert_true(rc == 0 || rc == -1);
        assert_int_equal(rc, lrc);
        assert_int_equal(r.opens, r.closes);
        assert_true(r.hash == l.hash);
        tu_free_tail(t);
        rx_free(&r);
        rx_free(&l);
    }

    /* not a capture at all */
    memset(all, 0x5A, len);
    memset(&r, 0, sizeof r);
    err[0] = 0;
    assert_int_equal(dpc_read_mem(all, len, NULL, &rx_cb, &r, NULL, err, sizeof err), -1);
    assert_true(err[0] != 0);
    free(all);

    /* no such file */
    assert_int_equal(read_path(tpath("does-not-exist.pcap"), NULL, &r, NULL), -1);
}

static void test_empty_file(void **state)
{
    (void)state;
    FILE *f = fopen(tpath("empty.pcap"), "wb");
    assert_non_null(f);
    fclose(f);
    rx r;
    assert_int_equal(read_tmp("empty.pcap", &r, NULL), -1);

    /* a global header and no records: a valid, empty capture */
    dpc_writer *w = wopen("header-only.pcap");
    assert_int_equal(dpc_writer_close(w), 0);
    dpc_stats st;
    assert_int_equal(read_tmp("header-only.pcap", &r, &st), 0);
    assert_int_equal(st.packets, 0);
    assert_int_equal(r.opens, 0);

    char err[64];
    assert_int_equal(dpc_read_mem((const uint8_t *)"", 0, NULL, NULL, NULL, NULL, err, sizeof err), -1);
}

static void progress_cb(void *ctx, uint64_t done, uint64_t total)
{
    uint64_t *v = ctx; /* [calls, last done, total] */
    assert_true(done >= v[1]);
    assert_true(done <= total);
    v[0]++;
    v[1] = done;
    v[2] = total;
}

static void test_progress(void **state)
{
    (void)state;
    static uint8_t chunk[1400];
    memset(chunk, 'p', sizeof chunk);
    dpc_writer *w = wopen("progress.pcap");
    int c = conn4(w, true);
    for (int i = 0; i < 2500; i++) /* ~3.6 MB */
        assert_int_equal(dpc_writer_tcp_send(w, c, true, chunk, sizeof chunk, (uint64_t)i), 0);
    assert_int_equal(dpc_writer_close(w), 0);
    uint64_t v[3] = {0, 0, 0};
    dpc_stats st;
    char err[128];
    assert_int_equal(dpc_read_file(tpath("progress.pcap"), NULL, NULL, v, &st, err, sizeof err, progress_cb),
                     0);
    struct stat sb;
    assert_int_equal(stat(tpath("progress.pcap"), &sb), 0);
    assert_true(v[0] >= 3 && v[0] <= 6);
    assert_int_equal(v[1], (uint64_t)sb.st_size);
    assert_int_equal(v[2], (uint64_t)sb.st_size);
    assert_int_equal(st.payload_bytes, 2500u * sizeof chunk);
}

/* ---- hand-built captures in memory ---- */

typedef struct mcap {
    uint8_t b[8192];
    size_t n;
} mcap;

static void put16be(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32be(uint8_t *p, uint32_t v)
{
    put16be(p, (uint16_t)(v >> 16));
    put16be(p + 2, (uint16_t)v);
}

static void put32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void mc_init(mcap *m, uint32_t linktype)
{
    memset(m, 0, sizeof *m);
    put32le(m->b, 0xA1B2C3D4);
    m->b[4] = 2;
    m->b[6] = 4;
    put32le(m->b + 16, 65535);
    put32le(m->b + 20, linktype);
    m->n = 24;
}

/* One record: caplen octets of p, claiming wirelen on the wire. */
static void mc_add(mcap *m, const uint8_t *p, size_t caplen, size_t wirelen)
{
    assert_true(m->n + 16 + caplen <= sizeof m->b);
    uint8_t *r = m->b + m->n;
    put32le(r, 1700000000);
    put32le(r + 4, (uint32_t)(m->n & 0xFFFF));
    put32le(r + 8, (uint32_t)caplen);
    put32le(r + 12, (uint32_t)wirelen);
    memcpy(r + 16, p, caplen);
    m->n += 16 + caplen;
}

/* IPv4 header (optionally with ihl_words > 5 of options) + UDP + payload;
 * checksums left zero (the reader does not check them). */
static size_t ip4_udp(uint8_t *o, size_t ihl_words, uint16_t frag, uint16_t sport, uint16_t dport,
                      const char *pl)
{
    size_t n = strlen(pl), ihl = ihl_words * 4;
    memset(o, 0, ihl + 8);
    o[0] = (uint8_t)(0x40 | ihl_words);
    put16be(o + 2, (uint16_t)(ihl + 8 + n));
    put16be(o + 6, frag);
    o[8] = 64;
    o[9] = 17;
    o[12] = 10, o[15] = 1;
    o[16] = 10, o[19] = 2;
    for (size_t i = 20; i < ihl; i++)
        o[i] = 1; /* NOP options */
    uint8_t *u = o + ihl;
    put16be(u, sport);
    put16be(u + 2, dport);
    put16be(u + 4, (uint16_t)(8 + n));
    memcpy(u + 8, pl, n);
    return ihl + 8 + n;
}

static size_t ip4_tcp(uint8_t *o, uint8_t flags, uint32_t seq, uint16_t sport, uint16_t dport, const char *pl)
{
    size_t n = strlen(pl);
    memset(o, 0, 40);
    o[0] = 0x45;
    put16be(o + 2, (uint16_t)(40 + n));
    o[8] = 64;
    o[9] = 6;
    o[12] = 10, o[15] = 1;
    o[16] = 10, o[19] = 2;
    uint8_t *t = o + 20;
    put16be(t, sport);
    put16be(t + 2, dport);
    put32be(t + 4, seq);
    t[12] = 0x50;
    t[13] = flags;
    memcpy(t + 20, pl, n);
    return 40 + n;
}

/* IPv6 + ext headers (each 8 octets: hop-by-hop, destination options, and a
 * fragment header when frag_word is not 0xFFFF) + UDP. */
static size_t ip6_udp(uint8_t *o, bool exts, uint16_t frag_word, uint16_t dport, const char *pl)
{
    size_t n = strlen(pl), off = 40;
    memset(o, 0, 40);
    o[0] = 0x60;
    o[7] = 64;
    o[8] = 0x20, o[9] = 0x01, o[23] = 1;
    o[24] = 0x20, o[25] = 0x01, o[39] = 2;
    uint8_t *nh = o + 6;
    if (exts) {
        *nh = 0; /* hop-by-hop */
        memset(o + off, 0, 8);
        nh = o + off;
        off += 8;
        *nh = 60; /* destination options, 16 octets */
        memset(o + off, 0, 16);
        o[off + 1] = 1;
        nh = o + off;
        off += 16;
    }
    if (frag_word != 0xFFFF) {
        *nh = 44;
        memset(o + off, 0, 8);
        put16be(o + off + 2, frag_word);
        nh = o + off;
        off += 8;
    }
    *nh = 17;
    uint8_t *u = o + off;
    put16be(u, 40000);
    put16be(u + 2, dport);
    put16be(u + 4, (uint16_t)(8 + n));
    memcpy(u + 8, pl, n);
    size_t total = off + 8 + n;
    put16be(o + 4, (uint16_t)(total - 40));
    return total;
}

static int read_mc(const mcap *m, const dpc_options *opt, rx *r, dpc_stats *st)
{
    char err[256] = "";
    memset(r, 0, sizeof *r);
    uint8_t *t = tu_tail_copy(m->b, m->n);
    int rc = dpc_read_mem(t, m->n, opt, &rx_cb, r, st, err, sizeof err);
    tu_free_tail(t);
    if (rc != 0)
        print_message("read_mem: rc %d: %s\n", rc, err);
    return rc;
}

/* All delivered datagrams of all flows, concatenated in flow order. */
static void concat(const rx *r, char *out, size_t cap)
{
    size_t n = 0;
    for (int i = 0; i < RX_FLOWS; i++)
        for (int d = 0; d < 2; d++)
            if (r->len[i][d] && n + r->len[i][d] < cap) {
                memcpy(out + n, r->buf[i][d], r->len[i][d]);
                n += r->len[i][d];
            }
    out[n] = 0;
}

static void test_link_sll(void **state)
{
    (void)state;
    mcap m;
    uint8_t pk[256];
    mc_init(&m, 113); /* LINKTYPE_LINUX_SLL */
    memset(pk, 0, 16);
    put16be(pk + 14, 0x0800);
    size_t n = ip4_udp(pk + 16, 5, 0, 40000, 20000, "sll");
    mc_add(&m, pk, 16 + n, 16 + n);
    memset(pk, 0, 16);
    put16be(pk + 14, 0x86DD);
    n = ip6_udp(pk + 16, false, 0xFFFF, 20000, "sll6");
    mc_add(&m, pk, 16 + n, 16 + n);
    rx r;
    char all[128];
    assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
    concat(&r, all, sizeof all);
    assert_string_equal(all, "sllsll6");
    rx_free(&r);

    mc_init(&m, 276); /* LINKTYPE_LINUX_SLL2 */
    memset(pk, 0, 20);
    put16be(pk, 0x0800);
    n = ip4_udp(pk + 20, 5, 0, 40000, 20000, "sll2");
    mc_add(&m, pk, 20 + n, 20 + n);
    assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
    concat(&r, all, sizeof all);
    assert_string_equal(all, "sll2");
    assert_int_equal(capture_findings(&r), 0);
    rx_free(&r);
}

static void test_link_null_loop(void **state)
{
    (void)state;
    uint8_t pk[256];
    rx r;
    char all[128];
    const uint32_t linktypes[] = {0 /* NULL */, 108 /* LOOP */};
    for (int lt = 0; lt < 2; lt++) {
        mcap m;
        mc_init(&m, linktypes[lt]);
        /* AF_INET in both byte orders */
        put32le(pk, 2);
        size_t n = ip4_udp(pk + 4, 5, 0, 40000, 20000, "a");
        mc_add(&m, pk, 4 + n, 4 + n);
        put32be(pk, 2);
        n = ip4_udp(pk + 4, 5, 0, 40000, 20000, "b");
        mc_add(&m, pk, 4 + n, 4 + n);
        /* AF_INET6 as the BSDs number it: 24, 28, 30, either order */
        const uint32_t fams[] = {24, 28, 30};
        const char *tags[] = {"c", "d", "e"};
        for (int i = 0; i < 3; i++) {
            if (i == 1)
                put32be(pk, fams[i]);
            else
                put32le(pk, fams[i]);
            n = ip6_udp(pk + 4, false, 0xFFFF, 20000, tags[i]);
            mc_add(&m, pk, 4 + n, 4 + n);
        }
        /* TCP over loopback too */
        put32le(pk, 2);
        n = ip4_tcp(pk + 4, 0x02, 100, 40001, 20000, "");
        mc_add(&m, pk, 4 + n, 4 + n);
        n = ip4_tcp(pk + 4, 0x18, 101, 40001, 20000, "tcp");
        mc_add(&m, pk, 4 + n, 4 + n);
        put32le(pk, 7); /* unknown family: skipped */
        mc_add(&m, pk, 4 + n, 4 + n);
        assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
        concat(&r, all, sizeof all);
        assert_string_equal(all, "abcdetcp");
        assert_int_equal(capture_findings(&r), 0);
        rx_free(&r);
    }
}

static void test_link_raw(void **state)
{
    (void)state;
    uint8_t pk[256];
    rx r;
    char all[128];
    mcap m;
    const uint32_t linktypes[] = {101 /* RAW */, 228 /* IPV4 */, 229 /* IPV6 */};
    for (int lt = 0; lt < 3; lt++) {
        mc_init(&m, linktypes[lt]);
        size_t n;
        if (lt != 2) {
            n = ip4_udp(pk, 5, 0, 40000, 20000, "raw4");
            mc_add(&m, pk, n, n);
        }
        if (lt != 1) {
            n = ip6_udp(pk, false, 0xFFFF, 20000, "raw6");
            mc_add(&m, pk, n, n);
        }
        assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
        concat(&r, all, sizeof all);
        assert_string_equal(all, lt == 0 ? "raw4raw6" : lt == 1 ? "raw4" : "raw6");
        rx_free(&r);
    }
}

static void test_link_vlan(void **state)
{
    (void)state;
    uint8_t pk[256];
    rx r;
    char all[128];
    mcap m;
    mc_init(&m, 1);
    /* 802.1Q */
    memset(pk, 0, 12);
    put16be(pk + 12, 0x8100);
    put16be(pk + 14, 0x0064);
    put16be(pk + 16, 0x0800);
    size_t n = ip4_udp(pk + 18, 5, 0, 40000, 20000, "q");
    mc_add(&m, pk, 18 + n, 18 + n);
    /* 802.1ad outer + 802.1Q inner, carrying IPv6 */
    put16be(pk + 12, 0x88A8);
    put16be(pk + 14, 0x0001);
    put16be(pk + 16, 0x8100);
    put16be(pk + 18, 0x0002);
    put16be(pk + 20, 0x86DD);
    n = ip6_udp(pk + 22, false, 0xFFFF, 20000, "qinq");
    mc_add(&m, pk, 22 + n, 22 + n);
    /* plain, with Ethernet padding after a short datagram */
    put16be(pk + 12, 0x0800);
    n = ip4_udp(pk + 14, 5, 0, 40001, 20000, "pad");
    memset(pk + 14 + n, 0xEE, 60 - 14 - n);
    mc_add(&m, pk, 60, 60);
    /* ARP: not IP, skipped quietly */
    put16be(pk + 12, 0x0806);
    mc_add(&m, pk, 42, 42);
    assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
    concat(&r, all, sizeof all);
    assert_string_equal(all, "qqinqpad");
    assert_int_equal(capture_findings(&r), 0);
    rx_free(&r);
}

static void test_ip_options_fragments_exts(void **state)
{
    (void)state;
    uint8_t pk[256];
    rx r;
    char all[128];
    mcap m;
    mc_init(&m, 101);
    size_t n = ip4_udp(pk, 7, 0, 40000, 20000, "opts");
    mc_add(&m, pk, n, n);
    n = ip4_udp(pk, 5, 0x2000, 40000, 20000, "MF"); /* first fragment, more follow */
    mc_add(&m, pk, n, n);
    n = ip4_udp(pk, 5, 0x0003, 40000, 20000, "late"); /* non-first fragment */
    mc_add(&m, pk, n, n);
    n = ip4_udp(pk, 5, 0x4000, 40000, 20000, "DF");
    mc_add(&m, pk, n, n);
    n = ip6_udp(pk, true, 0xFFFF, 20000, "ext");
    mc_add(&m, pk, n, n);
    n = ip6_udp(pk, true, 0x0001, 20000, "frag6"); /* M set: skipped */
    mc_add(&m, pk, n, n);
    n = ip6_udp(pk, false, 0x0000, 20000, "atomic"); /* atomic fragment: whole */
    mc_add(&m, pk, n, n);
    assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
    concat(&r, all, sizeof all);
    assert_string_equal(all, "optsDFextatomic");
    /* "MF" and "late" are pieces of one IPv4 datagram with a hole between
     * them, "frag6" the first of an IPv6 one: both reported at the end */
    assert_int_equal(r.findings[DNP3KIT_F_IP_FRAGMENT_INCOMPLETE], 2);
    assert_int_equal(capture_findings(&r), 2);
    rx_free(&r);
}

/* ---- IP fragment reassembly ---- */

/* A UDP datagram 10.0.0.1:40000 -> 10.0.0.2:dport carrying pl, as its IP payload. */
static size_t udp_payload(uint8_t *u, uint16_t dport, const char *pl)
{
    size_t n = strlen(pl);
    put16be(u, 40000);
    put16be(u + 2, dport);
    put16be(u + 4, (uint16_t)(8 + n));
    put16be(u + 6, 0);
    memcpy(u + 8, pl, n);
    return 8 + n;
}

/* One IPv4 fragment of datagram `id`: l4[lo, hi), MF when more. */
static void frag4(mcap *m, uint32_t sec, uint16_t id, const uint8_t *l4, size_t lo, size_t hi, bool more)
{
    uint8_t o[1600];
    memset(o, 0, 20);
    o[0] = 0x45;
    put16be(o + 2, (uint16_t)(20 + hi - lo));
    put16be(o + 4, id);
    put16be(o + 6, (uint16_t)((more ? 0x2000 : 0) | lo / 8));
    o[8] = 64;
    o[9] = 17;
    o[12] = 10, o[15] = 1;
    o[16] = 10, o[19] = 2;
    memcpy(o + 20, l4 + lo, hi - lo);
    mc_add(m, o, 20 + hi - lo, 20 + hi - lo);
    put32le(m->b + m->n - (36 + (hi - lo)) + 0, sec); /* the record's seconds */
}

static const char FRAG_TEXT[] = "reassembled from IPv4 fragments";

static void test_ip_fragments(void **state)
{
    (void)state;
    uint8_t l4[256], other[256];
    size_t n = udp_payload(l4, 20000, FRAG_TEXT); /* 8 + 31 = 39 octets */
    udp_payload(other, 5353, FRAG_TEXT);
    rx r;
    mcap m;
    mc_init(&m, 101);
    frag4(&m, 1700000000, 1, l4, 0, 16, true); /* in order */
    frag4(&m, 1700000000, 1, l4, 16, n, false);
    frag4(&m, 1700000000, 2, l4, 24, n, false); /* reverse order, the middle twice */
    frag4(&m, 1700000000, 2, l4, 8, 24, true);
    frag4(&m, 1700000000, 2, l4, 8, 24, true);
    frag4(&m, 1700000000, 2, l4, 0, 8, true);
    frag4(&m, 1700000000, 3, other, 0, 16, true); /* not DNP3, never completed: silent */
    assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
    assert_int_equal(r.udp_datagrams, 2);
    char want[128];
    snprintf(want, sizeof want, "%s%s", FRAG_TEXT, FRAG_TEXT);
    char all[256];
    concat(&r, all, sizeof all);
    assert_string_equal(all, want);
    assert_int_equal(capture_findings(&r), 0);
    rx_free(&r);

    /* overlap with other octets; a datagram past 65,535; a hole at the end;
     * a second fragment after the 30 s timeout (the late one is then alone) */
    uint8_t alt[256];
    memcpy(alt, l4, n);
    alt[20] ^= 0xFF;
    mc_init(&m, 101);
    uint8_t pk[128];
    size_t k = ip4_udp(pk, 5, 0, 40000, 20000, "whole"); /* makes the addresses a DNP3 flow's */
    mc_add(&m, pk, k, k);
    frag4(&m, 1700000000, 4, l4, 0, 24, true);
    frag4(&m, 1700000000, 4, alt, 16, n, false);
    frag4(&m, 1700000000, 4, l4, 16, n, false); /* absorbed: already reported */
    frag4(&m, 1700000000, 5, l4, 0, 16, true);
    /* offset 8191 x 8 = 65528, 16 octets: ends at 65544 */
    {
        uint8_t o[64];
        memset(o, 0, 20);
        o[0] = 0x45;
        put16be(o + 2, 36);
        put16be(o + 4, 5);
        put16be(o + 6, 0x1FFF);
        o[8] = 64;
        o[9] = 17;
        o[12] = 10, o[15] = 1;
        o[16] = 10, o[19] = 2;
        mc_add(&m, o, 36, 36);
    }
    frag4(&m, 1700000000, 6, l4, 0, 16, true);
    frag4(&m, 1700000010, 7, l4, 0, 16, true);
    frag4(&m, 1700000041, 7, l4, 16, n, false);
    assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
    assert_int_equal(r.udp_datagrams, 1);
    assert_int_equal(r.findings[DNP3KIT_F_IP_FRAGMENT_OVERLAP], 1);
    assert_int_equal(r.findings[DNP3KIT_F_IP_FRAGMENT_LIMIT], 1);
    /* 6 and 7 timed out; 7's late half alone at the end: its ports are
     * unknown, its addresses those of the DNP3 flow */
    assert_int_equal(r.findings[DNP3KIT_F_IP_FRAGMENT_INCOMPLETE], 3);
    rx_free(&r);
}

/* The bounds: datagrams held, memory held, pieces per datagram. */
static void test_ip_fragment_bounds(void **state)
{
    (void)state;
    uint8_t l4[1400];
    char text[1300];
    memset(text, 'x', sizeof text - 1);
    text[sizeof text - 1] = 0;
    size_t n = udp_payload(l4, 20000, text);
    rx r;
    mcap m;
    dpc_options o;
    dpc_options_default(&o);
    o.frag_datagrams = 2;
    mc_init(&m, 101);
    for (uint16_t id = 1; id <= 3; id++)
        frag4(&m, 1700000000, id, l4, 0, 16, true);
    assert_int_equal(read_mc(&m, &o, &r, NULL), 0);
    /* the third evicts the first; the other two end incomplete */
    assert_int_equal(r.findings[DNP3KIT_F_IP_FRAGMENT_LIMIT], 1);
    assert_int_equal(r.findings[DNP3KIT_F_IP_FRAGMENT_INCOMPLETE], 2);
    rx_free(&r);

    dpc_options_default(&o);
    o.frag_memory = 1400;
    mc_init(&m, 101);
    frag4(&m, 1700000000, 1, l4, 0, 512, true);
    frag4(&m, 1700000000, 2, l4, 0, 512, true);   /* 1024 held */
    frag4(&m, 1700000000, 2, l4, 512, n, false);  /* 2 grows to 1308: 1820 > 1400 drops the older, 1 */
    assert_int_equal(read_mc(&m, &o, &r, NULL), 0);
    assert_int_equal(r.findings[DNP3KIT_F_IP_FRAGMENT_LIMIT], 1);
    assert_int_equal(r.udp_datagrams, 1); /* 2 completed */
    assert_int_equal(capture_findings(&r), 1);
    rx_free(&r);

    /* 65 disjoint 8-octet pieces: one more than IPF_MAX_PIECES */
    mc_init(&m, 101);
    for (size_t k = 0; k < 65; k++)
        frag4(&m, 1700000000, 9, l4, 16 * k, 16 * k + 8, true);
    assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
    assert_int_equal(r.findings[DNP3KIT_F_IP_FRAGMENT_LIMIT], 1);
    assert_int_equal(capture_findings(&r), 1);
    rx_free(&r);
}


/* pcapng block helpers (little-endian section) */
static void ng_block(mcap *m, uint32_t type, const uint8_t *body, size_t n)
{
    size_t padded = (n + 3) & ~(size_t)3, total = 12 + padded;
    assert_true(m->n + total <= sizeof m->b);
    uint8_t *b = m->b + m->n;
    put32le(b, type);
    put32le(b + 4, (uint32_t)total);
    memset(b + 8, 0, padded);
    memcpy(b + 8, body, n);
    put32le(b + 8 + padded, (uint32_t)total);
    m->n += total;
}

static void ng_epb(mcap *m, uint32_t ifid, uint64_t ticks, const uint8_t *p, size_t n)
{
    uint8_t body[512];
    put32le(body, ifid);
    put32le(body + 4, (uint32_t)(ticks >> 32));
    put32le(body + 8, (uint32_t)ticks);
    put32le(body + 12, (uint32_t)n);
    put32le(body + 16, (uint32_t)n);
    memcpy(body + 20, p, n);
    ng_block(m, 6, body, 20 + n);
}

/* What mergecap writes: interfaces with different link types and snap
 * lengths in one section. libpcap 1.10 stops at the second interface; the
 * reader's pcapng fallback must carry on with per-interface link types. */
static void test_pcapng_mixed_interfaces(void **state)
{
    (void)state;
    mcap m;
    memset(&m, 0, sizeof m);
    uint8_t shb[16] = {0x4D, 0x3C, 0x2B, 0x1A, 1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    ng_block(&m, 0x0A0D0D0A, shb, sizeof shb);
    uint8_t idb0[8] = {1, 0, 0, 0, 0xFF, 0xFF, 0, 0}; /* Ethernet, snaplen 65535 */
    ng_block(&m, 1, idb0, sizeof idb0);
    uint8_t pk[256];
    memset(pk, 0, 14);
    put16be(pk + 12, 0x0800);
    size_t n = ip4_udp(pk + 14, 5, 0, 40000, 20000, "eth");
    ng_epb(&m, 0, 1700000000123456ull, pk, 14 + n);
    /* raw IP, snaplen 1000, nanosecond time stamps (if_tsresol = 9) */
    uint8_t idb1[20] = {101, 0, 0, 0, 0xE8, 0x03, 0, 0, 9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0};
    ng_block(&m, 1, idb1, sizeof idb1);
    n = ip4_udp(pk, 5, 0, 40001, 20000, "raw");
    ng_epb(&m, 1, 1700000000123456789ull, pk, n);
    uint8_t nrb[4] = {0, 0, 0, 0}; /* a name resolution block: skipped */
    ng_block(&m, 4, nrb, sizeof nrb);
    /* simple packet block: interface 0 */
    uint8_t spb[256];
    memset(pk, 0, 14);
    put16be(pk + 12, 0x0800);
    n = ip4_udp(pk + 14, 5, 0, 40002, 20000, "spb");
    put32le(spb, (uint32_t)(14 + n));
    memcpy(spb + 4, pk, 14 + n);
    ng_block(&m, 3, spb, 4 + 14 + n);

    rx r;
    dpc_stats st;
    assert_int_equal(read_mc(&m, NULL, &r, &st), 0);
    char all[64];
    concat(&r, all, sizeof all);
    assert_string_equal(all, "ethrawspb");
    assert_int_equal(st.packets, 3);
    assert_true(r.ts[0] == 1700000000123456ull);
    assert_true(r.ts[1] == 1700000000123456ull);
    rx_free(&r);

    /* the same bytes, cut inside the last block: an error, earlier packets kept */
    uint8_t *t = tu_tail_copy(m.b, m.n - 6);
    memset(&r, 0, sizeof r);
    char err[128] = "";
    assert_int_equal(dpc_read_mem(t, m.n - 6, NULL, &rx_cb, &r, NULL, err, sizeof err), -1);
    assert_true(err[0] != 0);
    assert_int_equal(r.datas, 2);
    tu_free_tail(t);
    rx_free(&r);
}

static void test_truncated_packets(void **state)
{
    (void)state;
    uint8_t pk[256];
    rx r;
    mcap m;
    mc_init(&m, 1);
    memset(pk, 0, sizeof pk);
    mc_add(&m, pk, 10, 60); /* runt Ethernet */
    put16be(pk + 12, 0x0800);
    size_t n = ip4_udp(pk + 14, 5, 0, 40000, 20000, "snapped payload");
    mc_add(&m, pk, 14 + n - 5, 14 + n); /* snap length cut the datagram */
    pk[14] = 0x4F;                      /* IHL 60 > captured */
    mc_add(&m, pk, 14 + 30, 14 + 30);
    pk[14] = 0x45;
    put16be(pk + 16, 10); /* total length below the header */
    mc_add(&m, pk, 14 + n, 14 + n);
    n = ip4_tcp(pk + 14, 0x18, 1, 40000, 20000, "tcp data");
    mc_add(&m, pk, 14 + 30, 14 + n); /* TCP header cut */
    pk[14 + 32] = 0xF0;              /* data offset 60 > segment */
    mc_add(&m, pk, 14 + n, 14 + n);
    n = ip4_tcp(pk + 14, 0x18, 1, 40000, 9999, "other port");
    mc_add(&m, pk, 14 + 30, 14 + n); /* not DNP3: no finding */
    n = ip6_udp(pk + 14, false, 0xFFFF, 20000, "x");
    put16be(pk + 12, 0x86DD);
    mc_add(&m, pk, 14 + 20, 14 + n); /* IPv6 header cut */
    assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
    assert_int_equal(r.datas, 0);
    assert_int_equal(r.findings[DNP3KIT_F_PACKET_TRUNCATED], 7);
    rx_free(&r);

    /* a snapped TCP segment in a flow leaves a hole that becomes a gap */
    mc_init(&m, 101);
    n = ip4_tcp(pk, 0x02, 999, 40000, 20000, "");
    mc_add(&m, pk, n, n);
    n = ip4_tcp(pk, 0x18, 1000, 40000, 20000, "abcd");
    mc_add(&m, pk, n - 2, n);
    n = ip4_tcp(pk, 0x18, 1004, 40000, 20000, "efgh");
    mc_add(&m, pk, n, n);
    assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
    assert_stream(&r, 1, 0, "efgh", 4);
    assert_int_equal(r.findings[DNP3KIT_F_PACKET_TRUNCATED], 1);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_GAP], 1);
    assert_int_equal(r.missing, 4);
    rx_free(&r);
}

static void test_unsupported_linktype(void **state)
{
    (void)state;
    mcap m;
    mc_init(&m, 147); /* USER0 */
    uint8_t pk[4] = {0};
    mc_add(&m, pk, 4, 4);
    rx r;
    char err[128] = "";
    memset(&r, 0, sizeof r);
    assert_int_equal(dpc_read_mem(m.b, m.n, NULL, &rx_cb, &r, NULL, err, sizeof err), -2);
    assert_true(err[0] != 0);
}

static void test_rst_and_pure_acks(void **state)
{
    (void)state;
    uint8_t pk[256];
    rx r;
    mcap m;
    mc_init(&m, 101);
    size_t n = ip4_tcp(pk, 0x10, 5, 40000, 20000, ""); /* stray ACK: no flow */
    mc_add(&m, pk, n, n);
    n = ip4_tcp(pk, 0x18, 5, 40000, 20000, "data");
    mc_add(&m, pk, n, n);
    n = ip4_tcp(pk, 0x18, 13, 40000, 20000, "late");
    mc_add(&m, pk, n, n);
    n = ip4_tcp(pk, 0x04, 17, 40000, 20000, ""); /* RST: flush with a gap, close */
    mc_add(&m, pk, n, n);
    n = ip4_tcp(pk, 0x10, 17, 40000, 20000, "");
    mc_add(&m, pk, n, n);
    assert_int_equal(read_mc(&m, NULL, &r, NULL), 0);
    assert_int_equal(r.opens, 1);
    assert_int_equal(r.closes, 1);
    assert_int_equal(r.close_frame[0], 4);
    assert_stream(&r, 1, 0, "datalate", 8);
    assert_int_equal(r.missing, 4);
    assert_int_equal(r.findings[DNP3KIT_F_TCP_MIDSTREAM], 1);
    rx_free(&r);
}

/* ---- the shared real captures ---- */

typedef struct shared_row {
    char file[256];
    bool tcp, udp;
} shared_row;

static size_t manifest_rows(shared_row *rows, size_t cap)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/MANIFEST.md", DNP3KIT_SHARED_CAPTURES);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    static char line[16384];
    size_t n = 0;
    while (n < cap && fgets(line, sizeof line, f)) {
        /* | `file` | source | licence | sha256 | packets | transport | ... */
        if (strncmp(line, "| `", 3) != 0)
            continue;
        char *end = strchr(line + 3, '`');
        if (!end || (size_t)(end - (line + 3)) >= sizeof rows[n].file)
            continue;
        memset(&rows[n], 0, sizeof rows[n]);
        memcpy(rows[n].file, line + 3, (size_t)(end - (line + 3)));
        char *col = end;
        for (int i = 0; i < 5 && col; i++)
            col = strchr(col + 1, '|');
        if (!col)
            continue;
        char *colend = strchr(col + 1, '|');
        if (!colend)
            continue;
        *colend = 0;
        rows[n].tcp = strstr(col, "TCP") != NULL;
        rows[n].udp = strstr(col, "UDP") != NULL;
        n++;
    }
    fclose(f);
    return n;
}

static void walk_captures(const char *dir, size_t *count, int depth)
{
    DIR *d = opendir(dir);
    if (!d || depth > 6) {
        if (d)
            closedir(d);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (stat(p, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            walk_captures(p, count, depth + 1);
            continue;
        }
        size_t L = strlen(p);
        if (!((L > 5 && strcmp(p + L - 5, ".pcap") == 0) || (L > 7 && strcmp(p + L - 7, ".pcapng") == 0)))
            continue;
        for (int any = 0; any < 2; any++) {
            dpc_options opt;
            dpc_options_default(&opt);
            opt.any_port = any;
            rx r, l;
            dpc_stats st, lst;
            assert_int_equal(read_path(p, &opt, &r, &st), 0);
            assert_int_equal(r.opens, r.closes);
            assert_int_equal(r.findings[DNP3KIT_F_PACKET_TRUNCATED], 0);
            /* libpcap's own record loop must give exactly the same result */
            setenv("DNP3KIT_PCAP_USE_LIBPCAP", "1", 1);
            int rc = read_path(p, &opt, &l, &lst);
            unsetenv("DNP3KIT_PCAP_USE_LIBPCAP");
            assert_int_equal(rc, 0);
            assert_memory_equal(&st, &lst, sizeof st);
            assert_memory_equal(r.findings, l.findings, sizeof r.findings);
            assert_true(r.hash == l.hash);
            assert_int_equal(r.gaps, l.gaps);
            rx_free(&r);
            rx_free(&l);
        }
        (*count)++;
    }
    closedir(d);
}

/* dpc_writer_set_limit: whole records under the cap, one note when recording
 * stops, and rotation FILE -> FILE.1 -> FILE.2 with the newest in FILE. */
static unsigned notes;
static void count_note(void *user, const char *msg)
{
    (void)user;
    assert_non_null(strstr(msg, "reached the size cap of 4096 octets: recording stopped"));
    notes++;
}

static long fsize(const char *name)
{
    struct stat st;
    return stat(tpath(name), &st) == 0 ? (long)st.st_size : -1;
}

/* 100 datagrams of 100 octets (a record: 16 + 14 + 20 + 8 + 100 = 158 octets, 25 to a 4 KiB file) */
static void write_100(dpc_writer *w)
{
    dpc_addr m = a4(192, 0, 2, 1, 20000), o = a4(192, 0, 2, 2, 20000);
    uint8_t p[100];
    for (int i = 0; i < 100; i++) {
        memset(p, i, sizeof p);
        assert_int_equal(dpc_writer_udp(w, &m, &o, p, sizeof p, 1000000u + (uint64_t)i), 0);
    }
}

static void test_writer_cap_and_rotation(void **state)
{
    (void)state;
    rx r;
    dpc_stats st;
    dpc_writer *w = wopen("cap.pcap");
    notes = 0;
    dpc_writer_set_limit(w, 4096, 1, count_note, NULL);
    write_100(w);
    assert_true(dpc_writer_stopped(w));
    assert_int_equal(notes, 1);
    assert_int_equal(dpc_writer_close(w), 0);
    assert_int_equal(fsize("cap.pcap"), 24 + 25 * 158);
    assert_int_equal(read_tmp("cap.pcap", &r, &st), 0);
    assert_int_equal(r.udp_datagrams, 25);
    rx_free(&r);

    w = wopen("rot.pcap");
    notes = 0;
    dpc_writer_set_limit(w, 4096, 3, count_note, NULL);
    write_100(w);
    assert_false(dpc_writer_stopped(w));
    assert_int_equal(dpc_writer_close(w), 0);
    assert_int_equal(notes, 0);
    /* 4 files were written (1-25, 26-50, 51-75, 76-100); the first was dropped */
    static const char *const names[] = {"rot.pcap", "rot.pcap.1", "rot.pcap.2"};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fsize(names[i]), 24 + 25 * 158);
        assert_int_equal(read_tmp(names[i], &r, &st), 0);
        assert_int_equal(r.udp_datagrams, 25);
        /* newest first: FILE holds datagrams 75-99 (octets 75), FILE.2 holds 25-49 */
        assert_int_equal(r.buf[0][0][0], 75 - 25 * i);
        rx_free(&r);
    }
    assert_int_equal(fsize("rot.pcap.3"), -1);
}

static void test_shared_captures(void **state)
{
    (void)state;
    struct stat sb;
    if (stat(DNP3KIT_SHARED_CAPTURES, &sb) != 0) {
        print_message("shared captures absent: skipped\n");
        skip();
    }
    size_t count = 0;
    walk_captures(DNP3KIT_SHARED_CAPTURES, &count, 0);
    assert_true(count > 0);

    static shared_row rows[512];
    size_t n = manifest_rows(rows, 512);
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        char p[1024];
        int k = snprintf(p, sizeof p, "%s/%s", DNP3KIT_SHARED_CAPTURES, rows[i].file);
        if (k < 0 || (size_t)k >= sizeof p || stat(p, &sb) != 0)
            continue;
        dpc_options opt;
        dpc_options_default(&opt);
        if (strstr(rows[i].file, "p20001"))
            opt.ports[0] = 20001;
        rx r;
        dpc_stats st;
        assert_int_equal(read_path(p, &opt, &r, &st), 0);
        if (rows[i].tcp || rows[i].udp) {
            if (st.payload_bytes == 0)
                fail_msg("%s: no DNP3 payload delivered", rows[i].file);
            assert_true(st.flows > 0);
        }
        rx_free(&r);
        checked++;
    }
    assert_true(checked > 0);

    /* the Zeek trace in particular: TCP on port 20000, several sessions */
    char p[1024];
    snprintf(p, sizeof p, "%s/zeek/dnp3.pcap", DNP3KIT_SHARED_CAPTURES);
    if (stat(p, &sb) == 0) {
        rx r;
        dpc_stats st;
        assert_int_equal(read_path(p, NULL, &r, &st), 0);
        assert_true(st.payload_bytes > 0);
        assert_int_equal(st.packets, 214);
        assert_true(r.flow[0].tcp);
        rx_free(&r);
    }

    /* pcapng from mergecap: 13 interfaces with differing snap lengths, which
     * libpcap 1.10 refuses mid-file; every record must still be read */
    snprintf(p, sizeof p, "%s/ipal_transcriber/dnp3.pcap", DNP3KIT_SHARED_CAPTURES);
    if (stat(p, &sb) == 0) {
        rx r;
        dpc_stats st;
        assert_int_equal(read_path(p, NULL, &r, &st), 0);
        assert_int_equal(st.packets, 22);
        assert_int_equal(st.dnp3_packets, 22);
        assert_int_equal(st.payload_bytes, 522);
        rx_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_split_large),
        cmocka_unit_test(test_retransmission_full),
        cmocka_unit_test(test_retransmission_partial),
        cmocka_unit_test(test_reordering),
        cmocka_unit_test(test_gap_at_close),
        cmocka_unit_test(test_gap_window_exceeded),
        cmocka_unit_test(test_midstream),
        cmocka_unit_test(test_seq_wraparound),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_ipv6),
        cmocka_unit_test(test_fin_close_and_reuse),
        cmocka_unit_test(test_many_flows),
        cmocka_unit_test(test_any_port),
        cmocka_unit_test(test_truncated_file),
        cmocka_unit_test(test_empty_file),
        cmocka_unit_test(test_progress),
        cmocka_unit_test(test_link_sll),
        cmocka_unit_test(test_link_null_loop),
        cmocka_unit_test(test_link_raw),
        cmocka_unit_test(test_link_vlan),
        cmocka_unit_test(test_ip_options_fragments_exts),
        cmocka_unit_test(test_ip_fragments),
        cmocka_unit_test(test_ip_fragment_bounds),
        cmocka_unit_test(test_pcapng_mixed_interfaces),
        cmocka_unit_test(test_truncated_packets),
        cmocka_unit_test(test_unsupported_linktype),
        cmocka_unit_test(test_rst_and_pure_acks),
        cmocka_unit_test(test_writer_cap_and_rotation),
        cmocka_unit_test(test_shared_captures),
    };
    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
