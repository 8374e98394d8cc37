/*
 * dnp3-pcap fuzz (see fuzz.h and docs/dnp3-pcap.md).
 *
 * A case is a function of (--seed, case number) alone, so any case can be
 * made again: the worker process that runs cases in-process only publishes
 * the number of the case it is on (shared memory), and when it dies or
 * stalls the parent rebuilds that case, minimises it and writes the
 * reproducer. No fork and no IPC per case.
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dnp3kit/dnp3kit.h"
#include "dnp3kit/crc.h"
#include "replay.h"

#define CASE_MAX 16384
#define MAX_SEEDS 4096

/* ---- deterministic randomness ---- */

typedef struct rng { uint64_t s; } rng;
static uint64_t next64(rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static uint32_t below(rng *r, uint32_t n) { return n ? (uint32_t)(next64(r) % n) : 0; }

/* ---- seeds ---- */

typedef struct seed {
    uint8_t data[2048];
    size_t len;
    bool from_master;
} seed;

typedef struct fuzz_cfg {
    seed *seeds;
    size_t nseeds;
    size_t *req_idx;            /* seeds sent by a master */
    size_t nreq;
    size_t *rsp_idx;            /* seeds sent by an outstation */
    size_t nrsp;
    uint64_t seed;
    uint16_t master, outstation;
    unsigned layers;            /* bit 0 raw, 1 link, 2 transport, 3 app */
    bool answer_seq;            /* --role outstation: a solicited response takes seq (before mutation) */
    uint8_t seq;
} fuzz_cfg;

static void add_seed(fuzz_cfg *c, const uint8_t *p, size_t len, bool from_master)
{
    if (c->nseeds >= MAX_SEEDS || len > sizeof c->seeds[0].data || len < 2)
        return;
    seed *s = &c->seeds[c->nseeds++];
    memcpy(s->data, p, len);
    s->len = len;
    s->from_master = from_master;
}

static void builder_seeds(fuzz_cfg *c)
{
    uint8_t b[2048];
    int n;
#define ADD(expr, m) do { n = (expr); if (n > 0) add_seed(c, b, (size_t)n, m); } while (0)
    ADD(dnp3kit_build_integrity_poll(b, sizeof b, 1), true);
    ADD(dnp3kit_build_read_class(b, sizeof b, 2, 0xE), true);
    static const uint8_t groups[][2] = {{1, 2}, {3, 2}, {10, 2}, {20, 1}, {21, 1}, {30, 1}, {30, 5}, {40, 1}, {1, 0}, {30, 0}};
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        ADD(dnp3kit_build_read_range(b, sizeof b, 3, groups[i][0], groups[i][1], 0, 3), true);
    dnp3kit_crob cr = {.op = DNP3KIT_OP_LATCH_ON, .count = 1, .on_ms = 100};
    ADD(dnp3kit_build_crob(b, sizeof b, 4, DNP3KIT_FC_SELECT, 1, &cr), true);
    ADD(dnp3kit_build_crob(b, sizeof b, 4, DNP3KIT_FC_OPERATE, 1, &cr), true);
    ADD(dnp3kit_build_crob(b, sizeof b, 5, DNP3KIT_FC_DIRECT_OPERATE, 2, &cr), true);
    ADD(dnp3kit_build_analog_output(b, sizeof b, 6, DNP3KIT_FC_DIRECT_OPERATE, 0, DNP3KIT_AO_FLOAT32, 12.5), true);
    ADD(dnp3kit_build_analog_output(b, sizeof b, 6, DNP3KIT_FC_SELECT, 1, DNP3KIT_AO_INT16, 100), true);
    ADD(dnp3kit_build_freeze(b, sizeof b, 7, false, false), true);
    ADD(dnp3kit_build_unsolicited(b, sizeof b, 8, true, 0xE), true);
    ADD(dnp3kit_build_clear_restart(b, sizeof b, 9), true);
    ADD(dnp3kit_build_delay_measure(b, sizeof b, 10), true);
    ADD(dnp3kit_build_record_current_time(b, sizeof b, 11), true);
    ADD(dnp3kit_build_write_time(b, sizeof b, 12, 1, 1700000000000ull), true);
    ADD(dnp3kit_build_confirm(b, sizeof b, 13, false), true);
    /* responses */
    ADD(dnp3kit_build_null_response(b, sizeof b, 0xC1, DNP3KIT_FC_RESPONSE, 0x9000), false);
    ADD(dnp3kit_build_crob_response(b, sizeof b, 4, 0, 1, &cr), false);
    ADD(dnp3kit_build_time_delay_response(b, sizeof b, 10, 0, 2, 100), false);
    dnp3kit_point pts[4];
    memset(pts, 0, sizeof pts);
    for (int k = 0; k < 4; k++) {
        pts[k].index = (uint64_t)k;
        pts[k].nfields = 2;
        pts[k].fields[0].type = DNP3KIT_FT_FLAGS;
        pts[k].fields[0].v.u = 1;
        pts[k].fields[1].type = DNP3KIT_FT_I32;
        pts[k].fields[1].v.i = k * 1000;
        pts[k].has_flags = true;
        pts[k].flags = 1;
        pts[k].value_kind = DNP3KIT_VAL_INT;
        pts[k].i = k * 1000;
    }
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, b, sizeof b, 0xC0 | 1, DNP3KIT_FC_RESPONSE, 0);
    dnp3kit_app_write_range(&w, 30, 1, 0, pts, 4);
    ADD(dnp3kit_app_writer_finish(&w), false);
    dnp3kit_app_writer_init(&w, b, sizeof b, 0xF0 | 2, DNP3KIT_FC_UNSOLICITED_RESPONSE, 0x0400);
    dnp3kit_app_write_indexed(&w, 32, 1, 0x28, pts, 2);
    ADD(dnp3kit_app_writer_finish(&w), false);
#undef ADD
}

/* ---- building a case ---- */

typedef struct kase {
    uint8_t buf[CASE_MAX];
    size_t len;
    bool from_master;
    size_t frame_off[128];      /* start of each link frame as built (for minimising) */
    size_t nframes;
    const char *mutator;
} kase;

typedef struct segs {
    uint8_t s[96][250];
    size_t l[96];
    size_t n;
} segs;

static int seg_collect(void *user, const uint8_t *seg, size_t len)
{
    segs *ss = user;
    if (ss->n >= 96)
        return -1;
    memcpy(ss->s[ss->n], seg, len);
    ss->l[ss->n++] = len;
    return 0;
}

static void put_frame(kase *k, const fuzz_cfg *c, const uint8_t *user, size_t len)
{
    uint8_t ctrl = dnp3kit_link_ctrl(k->from_master, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA);
    uint16_t dst = k->from_master ? c->outstation : c->master, src = k->from_master ? c->master : c->outstation;
    if (k->len + DNP3KIT_LINK_MAX_FRAME > sizeof k->buf)
        return;
    int n = dnp3kit_link_build(ctrl, dst, src, user, len, k->buf + k->len, sizeof k->buf - k->len);
    if (n > 0) {
        if (k->nframes < 128)
            k->frame_off[k->nframes++] = k->len;
        k->len += (size_t)n;
    }
}

/* Application mutations on a copy of the fragment. */
static size_t mutate_app(rng *r, uint8_t *f, size_t len, size_t cap, const char **what)
{
    dnp3kit_app_header h;
    size_t hl = (len >= 2 && (f[1] == 129 || f[1] == 130 || f[1] == 131)) ? 4 : 2;
    /* object header positions of the original */
    size_t offs[32], n = 0;
    if (dnp3kit_app_header_decode(f, len, &h, NULL) == 0) {
        dnp3kit_object_iter it;
        dnp3kit_object_iter_init(&it, f, len, &h);
        dnp3kit_object_header oh;
        while (n < 32 && dnp3kit_object_iter_next(&it, &oh, NULL) == 1)
            offs[n++] = oh.offset;
    }
    static const uint8_t quals[] = {0x00, 0x01, 0x02, 0x06, 0x07, 0x08, 0x09, 0x17, 0x28, 0x39, 0x5B, 0x0B,
                                    0x03, 0x0F, 0x7F, 0x4B, 0x18};
    int rounds = 1 + (int)below(r, 3);
    for (int k = 0; k < rounds; k++) {
        uint32_t m = below(r, 11);
        size_t o = n ? offs[below(r, (uint32_t)n)] : hl;
        switch (m) {
        case 0: /* qualifier */
            if (o + 2 < len) f[o + 2] = quals[below(r, sizeof quals)];
            *what = "app-qualifier";
            break;
        case 1: /* range start/stop or count: swap, extremes */
            if (o + 4 < len) {
                uint32_t v = below(r, 4);
                if (v == 0 && o + 4 < len) { uint8_t t = f[o + 3]; f[o + 3] = f[o + 4]; f[o + 4] = t; if (f[o + 3] == f[o + 4]) f[o + 3]++; }
                else if (v == 1) f[o + 3] = 0xFF;
                else if (v == 2) f[o + 4] = 0xFF;
                else { f[o + 3] = (uint8_t)next64(r); f[o + 4] = (uint8_t)next64(r); }
            }
            *what = "app-range";
            break;
        case 2: /* group/variation */
            if (o + 1 < len) {
                if (below(r, 2)) f[o] = (uint8_t)below(r, 130); else f[o + 1] = (uint8_t)below(r, 12);
            }
            *what = "app-object";
            break;
        case 3: /* truncation */
            if (len > 2) len = 1 + below(r, (uint32_t)len - 1);
            *what = "app-truncate";
            break;
        case 4: /* function code */
            if (len >= 2) {
                static const uint8_t fc[] = {0, 1, 2, 3, 4, 5, 6, 13, 14, 20, 21, 22, 23, 24, 25, 33, 34, 99, 129, 130, 131, 200, 255};
                f[1] = fc[below(r, sizeof fc)];
            }
            *what = "app-function";
            break;
        case 5: /* IIN or control octet */
            if (len >= 4 && hl == 4) { f[2] = (uint8_t)next64(r); f[3] = (uint8_t)next64(r); }
            else if (len >= 1) f[0] = (uint8_t)next64(r);
            *what = "app-iin-control";
            break;
        case 6: { /* zero-size objects with huge counts */
            static const uint8_t zs[][5] = {{60, 1, 0x09, 0xFF, 0xFF}, {1, 0, 0x08, 0xFF, 0xFF}, {30, 0, 0x09, 0xFF, 0xFF},
                                            {110, 0, 0x5B, 0xFF, 0x00}, {0, 254, 0x09, 0xFF, 0xFF}};
            const uint8_t *z = zs[below(r, 5)];
            size_t at = below(r, 2) ? len : o;
            if (at > len) at = len;
            size_t add = 5 + (z[2] == 0x09 ? 2 : 0);
            if (len + add <= cap) {
                memmove(f + at + add, f + at, len - at);
                memcpy(f + at, z, 5);
                if (add == 7) { f[at + 5] = 0xFF; f[at + 6] = 0xFF; }
                len += add;
            }
            *what = "app-zero-size-huge-count";
            break;
        }
        case 7: /* size prefix / free format zero size */
            if (o + 5 < len) { f[o + 2] = 0x5B; f[o + 3] = 1; f[o + 4] = 0; f[o + 5] = 0; }
            *what = "app-size-prefix";
            break;
        case 8: /* count fields to extremes */
            if (o + 6 < len) {
                f[o + 2] = below(r, 2) ? 0x09 : 0x08;
                memset(f + o + 3, 0xFF, f[o + 2] == 0x09 ? 4 : 2);
            }
            *what = "app-count";
            break;
        case 9: /* append random object data */
            for (uint32_t a = below(r, 24); a && len < cap; a--)
                f[len++] = (uint8_t)next64(r);
            *what = "app-append";
            break;
        default: /* flip one octet after the header */
            if (len > hl) f[hl + below(r, (uint32_t)(len - hl))] ^= (uint8_t)(1u << below(r, 8));
            *what = "app-bitflip";
            break;
        }
    }
    return len;
}

/* Build case number idx. */
static void make_case(const fuzz_cfg *c, uint64_t idx, bool requests_only, kase *k)
{
    rng r = {c->seed * 0x2545F4914F6CDD1Dull ^ (idx + 1) * 0x9E3779B97F4A7C15ull};
    next64(&r);
    k->len = 0;
    k->nframes = 0;
    const seed *s;
    if (requests_only && c->nreq)
        s = &c->seeds[c->req_idx[below(&r, (uint32_t)c->nreq)]];
    else
        s = &c->seeds[below(&r, (uint32_t)c->nseeds)];
    k->from_master = s->from_master;
    uint8_t frag[4096];
    size_t flen = s->len;
    memcpy(frag, s->data, flen);
    /* A master drops a response whose SEQ is not its request's (clause 4.2.2.4.4),
     * so answers carry the request's SEQ; the app mutators may still change it. */
    if (c->answer_seq && flen >= 2 && frag[1] == DNP3KIT_FC_RESPONSE)
        frag[0] = (uint8_t)((frag[0] & 0xF0) | (c->seq & 0x0F));
    /* pick a layer among the enabled ones */
    unsigned layer;
    do
        layer = below(&r, 10) < 4 ? 3 : below(&r, 3);
    while (!(c->layers & (1u << layer)));
    k->mutator = "none";
    if (layer == 3)
        flen = mutate_app(&r, frag, flen, sizeof frag, &k->mutator);
    segs *ss = malloc(sizeof *ss);
    if (!ss)
        return;
    ss->n = 0;
    uint8_t tseq = (uint8_t)below(&r, 64);
    size_t maxp = below(&r, 4) ? DNP3KIT_TRANSPORT_MAX_PAYLOAD : 1 + below(&r, 249);
    dnp3kit_transport_segment(frag, flen, maxp, &tseq, seg_collect, ss);
    if (layer == 2) {
        uint32_t m = below(&r, 8);
        size_t i = below(&r, (uint32_t)ss->n);
        switch (m) {
        case 0: /* drop */
            if (ss->n > 1) { memmove(&ss->s[i], &ss->s[i + 1], (ss->n - i - 1) * sizeof ss->s[0]);
                             memmove(&ss->l[i], &ss->l[i + 1], (ss->n - i - 1) * sizeof ss->l[0]); ss->n--; }
            else ss->s[0][0] &= (uint8_t)~DNP3KIT_TRANSPORT_FIN;
            k->mutator = "transport-drop"; break;
        case 1: /* duplicate */
            if (ss->n < 96) { memmove(&ss->s[i + 1], &ss->s[i], (ss->n - i) * sizeof ss->s[0]);
                              memmove(&ss->l[i + 1], &ss->l[i], (ss->n - i) * sizeof ss->l[0]); ss->n++; }
            k->mutator = "transport-duplicate"; break;
        case 2: { /* reorder */
            size_t j = below(&r, (uint32_t)ss->n);
            uint8_t t[250]; size_t tl = ss->l[i];
            memcpy(t, ss->s[i], 250); memcpy(ss->s[i], ss->s[j], 250); memcpy(ss->s[j], t, 250);
            ss->l[i] = ss->l[j]; ss->l[j] = tl;
            k->mutator = "transport-reorder"; break;
        }
        case 3: ss->s[i][0] = (uint8_t)((ss->s[i][0] & 0xC0) | below(&r, 64)); k->mutator = "transport-seq"; break;
        case 4: ss->s[i][0] ^= DNP3KIT_TRANSPORT_FIR; k->mutator = "transport-fir"; break;
        case 5: ss->s[i][0] ^= DNP3KIT_TRANSPORT_FIN; k->mutator = "transport-fin"; break;
        case 6: /* endless non-FIN: more than the maximum message */
            ss->n = 0;
            for (size_t q = 0; q < 12; q++) {
                ss->s[q][0] = (uint8_t)((q == 0 ? DNP3KIT_TRANSPORT_FIR : 0) | (q & 0x3F));
                memset(ss->s[q] + 1, (int)(0xA0 + q), 249);
                ss->l[q] = 250;
                ss->n++;
            }
            k->mutator = "transport-endless"; break;
        default: /* empty segment / header only */
            ss->l[i] = 1; k->mutator = "transport-empty"; break;
        }
    }
    for (size_t i = 0; i < ss->n; i++) {
        size_t before = k->len;
        put_frame(k, c, ss->s[i], ss->l[i]);
        if (layer == 1 && k->len > before && below(&r, (uint32_t)ss->n) == 0) {
            /* link: mutate the header or data, then fix the CRCs */
            uint8_t *fr = k->buf + before;
            uint32_t m = below(&r, 5);
            if (m == 0) fr[2] = (uint8_t)next64(&r);                       /* LEN */
            else if (m == 1) fr[3] = (uint8_t)next64(&r);                  /* control */
            else if (m == 2) { fr[4] = (uint8_t)next64(&r); fr[5] = 0xFF; } /* destination */
            else if (m == 3) fr[6] = (uint8_t)next64(&r);                  /* source */
            else if (k->len - before > 12) fr[10 + below(&r, (uint32_t)(k->len - before - 12))] ^= 0x55;
            uint16_t crc = dnp3kit_crc16(fr, 8);
            fr[8] = (uint8_t)crc; fr[9] = (uint8_t)(crc >> 8);
            size_t pos = 10;
            while (pos + 2 < k->len - before) {
                size_t bl = k->len - before - pos - 2 > 16 ? 16 : k->len - before - pos - 2;
                crc = dnp3kit_crc16(fr + pos, bl);
                fr[pos + bl] = (uint8_t)crc; fr[pos + bl + 1] = (uint8_t)(crc >> 8);
                pos += bl + 2;
            }
            k->mutator = "link-fixed-crc";
        }
    }
    if (layer == 1 && !strcmp(k->mutator, "none") && k->nframes) {
        /* a link-only function with odd fields */
        uint8_t ctrl = (uint8_t)((k->from_master ? 0xC0 : 0x40) | below(&r, 16));
        if (k->len + 20 <= sizeof k->buf) {
            int n = dnp3kit_link_build(ctrl, c->outstation, c->master, NULL, 0, k->buf + k->len, 20);
            if (n > 0) k->len += (size_t)n;
        }
        k->mutator = "link-function";
    }
    free(ss);
    if (layer == 0) {
        /* raw octets: flips, insertions, deletions, CRCs left wrong */
        for (uint32_t q = 1 + below(&r, 8); q && k->len; q--) {
            size_t at = below(&r, (uint32_t)k->len);
            uint32_t m = below(&r, 3);
            if (m == 0) k->buf[at] = (uint8_t)next64(&r);
            else if (m == 1 && k->len < sizeof k->buf) { memmove(k->buf + at + 1, k->buf + at, k->len - at); k->buf[at] = (uint8_t)next64(&r); k->len++; }
            else { memmove(k->buf + at, k->buf + at + 1, k->len - at - 1); k->len--; }
        }
        k->mutator = "raw";
    }
}

/* ---- the in-process target: the whole core over one byte stream ---- */

static void null_write(void *u, const char *s, size_t n)
{
    uint64_t *h = u;
    *h += n + (n ? (uint8_t)s[0] : 0);
}

static void count_finding(void *u, const dnp3kit_finding *f)
{
    uint64_t *h = u;
    *h += (uint64_t)f->code + 1;
}

uint64_t fz_run_core(const uint8_t *p, size_t len)
{
    uint64_t h = 0;
    dnp3kit_sink sink = {count_finding, &h};
    dnp3kit_link_parser lp;
    dnp3kit_link_parser_init(&lp);
    static uint8_t mbuf[2][DNP3KIT_DEFAULT_MAX_MESSAGE];
    dnp3kit_reassembler r[2];
    dnp3kit_reassembler_init(&r[0], mbuf[0], sizeof mbuf[0]);
    dnp3kit_reassembler_init(&r[1], mbuf[1], sizeof mbuf[1]);
    dnp3kit_analyzer an;
    dnp3kit_analyzer_init(&an);
    dnp3kit_out out = {null_write, &h};
    dnp3kit_link_frame lf;
    while (len > 0) {
        if (dnp3kit_link_parser_step(&lp, &p, &len, &lf, &sink) != 1 || !lf.crc_ok || lf.user_len == 0)
            continue;
        const uint8_t *msg;
        size_t ml;
        int d = lf.dir ? 0 : 1;
        if (dnp3kit_reassembler_push(&r[d], lf.user, lf.user_len, &msg, &ml, &sink) != 1)
            continue;
        dnp3kit_app_summary sum;
        int v = dnp3kit_app_validate(msg, ml, &sum, &sink);
        dnp3kit_app_header ah;
        if (dnp3kit_app_header_decode(msg, ml, &ah, NULL) == 0) {
            dnp3kit_analyzer_feed(&an, lf.dir, lf.dst >= 0xFFFD, msg, ml, &ah, &sink);
            dnp3kit_object_iter it;
            dnp3kit_object_iter_init(&it, msg, ml, &ah);
            dnp3kit_object_header oh;
            while (dnp3kit_object_iter_next(&it, &oh, &sink) == 1) {
                dnp3kit_point_iter pi;
                dnp3kit_point_iter_init(&pi, msg, ml, &oh);
                dnp3kit_point pt;
                uint64_t np = 0;
                while (np++ < 4096 && dnp3kit_point_iter_next(&pi, &pt) == 1) {
                    h += pt.index + pt.value_kind;
                    if (pt.nfields && oh.info) {
                        uint8_t enc[512];
                        int e = dnp3kit_point_encode(oh.info, oh.variation, &pt, enc, sizeof enc);
                        h += (uint64_t)(e > 0 ? e : 0);
                    }
                }
            }
        }
        if (v != DNP3KIT_OK || (h & 7) == 0) /* render the broken ones and a sample of the rest */
            dnp3kit_render_fragment_text(msg, ml, NULL, &out);
    }
    dnp3kit_link_parser_finish(&lp, &sink);
    dnp3kit_reassembler_finish(&r[0], &sink);
    dnp3kit_reassembler_finish(&r[1], &sink);
    dnp3kit_analyzer_finish(&an, &sink);
    return h;
}

/* ---- options, reproducers, reporting ---- */

typedef struct fopts {
    const char *target;         /* "self" or tcp://HOST:PORT */
    const char *listen_port;    /* --role outstation */
    const char *capture;
    const char *outdir;
    const char *replay;         /* --replay FILE (--target self) */
    const char *restart;        /* --restart CMD (live): restarts the target to minimise */
    size_t history;             /* --history N: cases kept per connection */
    uint64_t seed, count;
    double duration;
    int timeout_ms;
    bool json, quiet, progress;
    unsigned layers;
    bool stop_on_find;
    dpc_options cap;
} fopts;

typedef struct fstats {
    uint64_t cases, crashes, hangs, silences, closes, restarts;
    size_t exchange_cases, repro_cases, repro_octets; /* the first live finding */
    uint64_t trials;
    uint64_t t0;
    char first_repro[512];
} fstats;

static volatile sig_atomic_t fz_stop;
static void fz_sig(int s)
{
    (void)s;
    fz_stop = 1;
}

void fz_usage(FILE *out)
{
    fprintf(out,
            "usage: dnp3-pcap fuzz [OPTIONS] [CAPTURE]\n"
            "\n"
            "Mutate DNP3 at every layer and run it against a target. Seeds: the fragments of\n"
            "CAPTURE, or the catalogue's builders when none is given.\n"
            "  --target self           the dnp3kit core in-process (default): cases run in a\n"
            "                          forked worker, restarted when it crashes or hangs\n"
            "  --target tcp://H:P      a live outstation; after each case a probe: a READ whose\n"
            "                          SEQ no request of the case carries, answered with that SEQ\n"
            "  --history N             live: the last N cases of the connection make the exchange a\n"
            "                          reproducer starts from (default 8)\n"
            "  --restart CMD           live: shell command that (re)starts the target, so that a\n"
            "                          crash's exchange can be minimised (cases dropped, then the\n"
            "                          failing case shrunk); without it only silences are minimised\n"
            "  --role outstation --listen PORT\n"
            "                          act as an outstation and answer a connecting master with\n"
            "                          mutated responses (liveness: it keeps asking)\n"
            "  --seed N                deterministic: the same seed gives the same cases (default 1)\n"
            "  --count N               stop after N cases    --duration S   stop after S seconds\n"
            "                          (default: 100000 cases when neither is given)\n"
            "  --layers L,...          raw,link,transport,app (default all)\n"
            "  --timeout MS            hang limit (self) / probe timeout (live), default 1000\n"
            "  --out DIR               where reproducers go (default .)\n"
            "  --keep-going            go on after a finding when the target is still reachable\n"
            "  --json                  JSON summary on stdout    -q  no progress lines\n"
            "  --replay FILE           (--target self) run a reproducer through the core again in a\n"
            "                          child: exit 1 when it still crashes or hangs, 0 when not\n"
            "  -p, --port N            DNP3 ports of CAPTURE (default 20000)\n"
            "Every crash, hang or silence is saved as DIR/dnp3fuzz-SEED-CASE-KIND.pcap, minimised;\n"
            "`dnp3-pcap replay --role master --target H:P FILE` plays it back (live targets),\n"
            "`dnp3-pcap fuzz --replay FILE` runs it through the core again (self).\n"
            "Test hook: DNP3KIT_FUZZ_SELFTEST=crash|hang makes the self worker abort/hang on a\n"
            "frame carrying application function code 99 (see docs/dnp3-pcap.md).\n"
            "exit: 0 no finding, 1 findings (reproducers written), 2 usage, capture or connection error\n");
}

/* A reproducer capture DIR/dnp3fuzz-SEED-CASE-KIND.pcap with its TCP
 * connection open (192.0.2.1:40000 -> 192.0.2.10:20000, fixed times, so the
 * same case always gives the same file). */
static dpc_writer *open_repro(const fopts *o, uint64_t idx, const char *kind, char *path, size_t pcap, int *conn,
                              uint64_t *ts)
{
    snprintf(path, pcap, "%s/dnp3fuzz-%" PRIu64 "-%" PRIu64 "-%s.pcap", o->outdir, o->seed, idx, kind);
    char err[256];
    dpc_writer *w = dpc_writer_open(path, err, sizeof err);
    if (!w) {
        fprintf(stderr, "dnp3-pcap fuzz: cannot write %s: %s\n", path, err);
        return NULL;
    }
    dpc_addr cl = {.family = 4, .ip = {192, 0, 2, 1}, .port = 40000};
    dpc_addr sv = {.family = 4, .ip = {192, 0, 2, 10}, .port = 20000};
    *ts = 1700000000000000ull;
    *conn = dpc_writer_tcp_open(w, &cl, &sv, true, *ts);
    return w;
}

static int write_repro(const fopts *o, const fstats *st, uint64_t idx, const char *kind, const uint8_t *p,
                       size_t len, bool from_master, const uint8_t *answer, size_t alen, char *path, size_t pcap)
{
    (void)st;
    uint64_t ts;
    int conn;
    dpc_writer *w = open_repro(o, idx, kind, path, pcap, &conn, &ts);
    if (!w)
        return -1;
    if (answer && alen)
        dpc_writer_tcp_send(w, conn, true, answer, alen, ts += 1000);
    /* in chunks of at most 1400 octets, as TCP would carry them */
    for (size_t off = 0; off < len; off += 1400)
        dpc_writer_tcp_send(w, conn, from_master, p + off, len - off > 1400 ? 1400 : len - off, ts += 1000);
    dpc_writer_tcp_close(w, conn, ts + 1000);
    return dpc_writer_close(w);
}

static void progress_line(const fopts *o, const fstats *st, bool final)
{
    if (o->quiet && !final)
        return;
    double secs = (double)(rp_now_ms() - st->t0) / 1000.0;
    fprintf(stderr, "%sdnp3-pcap fuzz: %" PRIu64 " cases, %.0f cases/s, %.1f s, crashes %" PRIu64 ", hangs %" PRIu64
                    ", silences %" PRIu64 "%s",
            o->progress && !final ? "\r" : "", st->cases, secs > 0 ? (double)st->cases / secs : 0.0, secs, st->crashes,
            st->hangs, st->silences, o->progress && !final ? "" : "\n");
}

/* ---- --target self ---- */

typedef struct shared_state {
    volatile uint64_t current;  /* case the worker is running */
    volatile uint64_t done;     /* cases finished by the worker */
    volatile uint64_t sink;
} shared_state;

/*
 * Test hook (docs/dnp3-pcap.md, "Testing the fuzzer"): DNP3KIT_FUZZ_SELFTEST=crash
 * or =hang makes the in-process worker (never the core) abort or hang on a
 * marker input: a stream holding a link frame whose first segment carries
 * application function code 99 (unassigned). Read only by the fuzz worker and
 * the children that minimise and replay its findings.
 */
static int selftest_mode; /* 0 off, 1 crash, 2 hang */
static bool selftest_hit(const uint8_t *p, size_t len)
{
    for (size_t j = 0; j + 12 < len; j++)
        if (p[j] == 0x05 && p[j + 1] == 0x64 && p[j + 2] >= 8 && (p[j + 10] & 0x40) && p[j + 12] == 99)
            return true;
    return false;
}
static void selftest_check(const uint8_t *p, size_t len)
{
    if (!selftest_mode || !selftest_hit(p, len))
        return;
    if (selftest_mode == 1)
        abort();
    for (;;)
        pause();
}

/* Does this stream crash or hang the core? Runs it in a child: 1 crash, 2 hang, 0 fine. */
static int try_in_child(const uint8_t *p, size_t len, int timeout_ms)
{
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        alarm((unsigned)(timeout_ms / 1000 + 1));
        selftest_check(p, len);
        volatile uint64_t h = fz_run_core(p, len);
        (void)h;
        _exit(0);
    }
    int status;
    uint64_t dl = rp_now_ms() + (uint64_t)timeout_ms;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (rp_now_ms() > dl) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return 2;
        }
        usleep(1000);
    }
    if (WIFSIGNALED(status))
        return WTERMSIG(status) == SIGALRM ? 2 : 1;
    return WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* Shrink a failing stream: drop whole frames, then cut the tail, keeping the failure. */
static size_t minimise(uint8_t *p, size_t len, int kind, int timeout_ms)
{
    uint8_t *t = malloc(len ? len : 1);
    if (!t)
        return len;
    int budget = 64;
    /* drop frames (boundaries: 0x05 0x64) from the front */
    for (size_t at = 0; at < len && budget > 0;) {
        size_t next = at + 1;
        while (next + 1 < len && !(p[next] == 0x05 && p[next + 1] == 0x64))
            next++;
        if (next + 1 >= len)
            break;
        memcpy(t, p, at);
        memcpy(t + at, p + next, len - next);
        budget--;
        if (try_in_child(t, len - (next - at), timeout_ms) == kind) {
            memcpy(p, t, len - (next - at));
            len -= next - at;
        } else {
            at = next;
        }
    }
    /* cut the tail in halves */
    for (size_t cut = len / 2; cut > 0 && budget > 0; cut /= 2) {
        budget--;
        if (cut < len && try_in_child(p, len - cut, timeout_ms) == kind)
            len -= cut;
    }
    free(t);
    return len;
}

static void worker(const fuzz_cfg *c, shared_state *sh, uint64_t from, uint64_t to)
{
    kase *k = malloc(sizeof *k);
    if (!k)
        _exit(3);
    uint64_t acc = 0;
    for (uint64_t i = from; i < to; i++) {
        sh->current = i;
        make_case(c, i, false, k);
        selftest_check(k->buf, k->len);
        acc += fz_run_core(k->buf, k->len);
        sh->done = i + 1;
    }
    sh->sink = acc;
    free(k);
    _exit(0);
}

static int fuzz_self(const fuzz_cfg *c, const fopts *o, fstats *st)
{
    shared_state *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED) {
        fprintf(stderr, "dnp3-pcap fuzz: mmap: %s\n", strerror(errno));
        return FZ_EXIT_ERROR;
    }
    uint64_t end = o->count ? o->count : UINT64_MAX;
    uint64_t next = 0, last_prog = rp_now_ms();
    int rc = FZ_EXIT_CLEAN;
    kase *k = malloc(sizeof *k);
    if (!k) {
        munmap(sh, sizeof *sh);
        return FZ_EXIT_ERROR;
    }
    while (next < end && !fz_stop) {
        sh->current = next;
        sh->done = next;
        fflush(NULL);
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "dnp3-pcap fuzz: fork: %s\n", strerror(errno));
            rc = FZ_EXIT_ERROR;
            break;
        }
        if (pid == 0)
            worker(c, sh, next, end);
        uint64_t seen = sh->current, seen_at = rp_now_ms();
        int status = 0;
        bool exited = false, hung = false, timeup = false;
        while (!exited) {
            usleep(2000);
            pid_t w = waitpid(pid, &status, WNOHANG);
            if (w == pid) {
                exited = true;
                break;
            }
            uint64_t now = rp_now_ms();
            st->cases = sh->done;
            if (sh->current != seen) {
                seen = sh->current;
                seen_at = now;
            } else if (now - seen_at > (uint64_t)o->timeout_ms) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                hung = true;
                break;
            }
            if (fz_stop || (o->duration > 0 && (double)(now - st->t0) >= o->duration * 1000.0)) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                timeup = true;
                break;
            }
            if (now - last_prog >= 1000) {
                progress_line(o, st, false);
                last_prog = now;
            }
        }
        st->cases = sh->done;
        if (timeup)
            break;
        if (exited && WIFEXITED(status) && WEXITSTATUS(status) == 0)
            break; /* all cases done */
        /* the worker died (or hung) on case `current` */
        uint64_t bad = sh->current;
        make_case(c, bad, false, k);
        int kind = hung ? 2 : 1;
        const char *kname = hung ? "hang" : "crash";
        if (hung)
            st->hangs++;
        else
            st->crashes++;
        size_t mlen = k->len, olen = k->len;
        if (try_in_child(k->buf, k->len, o->timeout_ms) == kind)
            mlen = minimise(k->buf, k->len, kind, o->timeout_ms);
        char path[512];
        write_repro(o, st, bad, kname, k->buf, mlen, k->from_master, NULL, 0, path, sizeof path);
        if (!st->first_repro[0])
            snprintf(st->first_repro, sizeof st->first_repro, "%s", path);
        fprintf(stderr, "%sdnp3-pcap fuzz: case %" PRIu64 " (%s) %s the core (%s); reproducer %s (%zu octets, minimised from %zu)\n",
                o->progress ? "\n" : "", bad, k->mutator, hung ? "hangs" : "crashes",
                hung ? "time limit" : (WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exit"), path, mlen, olen);
        rc = FZ_EXIT_FOUND;
        next = bad + 1;
        st->cases = next;
        if (o->stop_on_find)
            break;
        st->restarts++; /* a fresh worker goes on from the next case */
    }
    free(k);
    munmap(sh, sizeof *sh);
    return rc;
}

/* ---- --target tcp:// ---- */

/*
 * A unit is what one case puts on the wire: the case's octets, then the probe
 * (300 zero octets and a READ whose SEQ no request of the case carries). The
 * probe is answered by a response with that SEQ or the target is not alive.
 * The last --history units sent on a connection are the exchange that a
 * finding's reproducer starts from.
 */
typedef struct unit {
    uint8_t *p;
    size_t len, case_len;
    uint8_t seq;
    uint64_t idx;
} unit;

static uint8_t g_rot;

static int unit_make(rp_conn *conn, const uint8_t *cp, size_t clen, uint64_t idx, unit *u)
{
    u->p = malloc(clen + DNP3KIT_LINK_MAX_FRAME * 2 + 64);
    if (!u->p)
        return -1;
    memcpy(u->p, cp, clen);
    uint16_t avoid = rp_seqs_in(cp, clen);
    uint8_t seq = g_rot & 0x0F;
    for (int t = 0; t < 16 && (avoid >> seq & 1); t++)
        seq = (uint8_t)((seq + 1) & 0x0F);
    g_rot = (uint8_t)(seq + 1);
    int n = rp_probe_build(conn, seq, u->p + clen, DNP3KIT_LINK_MAX_FRAME * 2 + 64);
    if (n < 0) {
        free(u->p);
        u->p = NULL;
        return -1;
    }
    u->len = clen + (size_t)n;
    u->case_len = clen;
    u->seq = seq;
    u->idx = idx;
    return 0;
}

/* Send a unit and judge its probe: 1 alive, 0 silent (after a second chance), -1 closed. */
static int unit_run(rp_conn *conn, const unit *u, int timeout_ms)
{
    if (rp_send_raw(conn, u->p, u->len) != 0)
        return -1;
    int a = rp_probe_wait(conn, u->seq, timeout_ms);
    if (a == 0) /* a slow target: one more chance with a fresh probe */
        a = rp_probe_read(conn, rp_seqs_in(u->p, u->case_len) | (uint16_t)(1u << u->seq), timeout_ms);
    return a;
}

typedef struct live {
    const fopts *o;
    const fuzz_cfg *c;
    fstats *st;
    pid_t kids[64];
    int nkids;
} live;

static int connect_target(live *L, rp_conn *conn, bool may_restart)
{
    char err[256];
    uint64_t until = rp_now_ms() + 5000;
    bool restarted = false;
    for (;;) {
        int fd = rp_tcp_connect(L->o->target, L->o->timeout_ms, err, sizeof err);
        if (fd >= 0) {
            rp_conn_init(conn, fd, true, L->c->master, L->c->outstation);
            return 0;
        }
        if (!restarted && may_restart && L->o->restart && L->nkids < 64) {
            fflush(NULL);
            pid_t pid = fork();
            if (pid == 0) {
                setsid();
                execl("/bin/sh", "sh", "-c", L->o->restart, (char *)NULL);
                _exit(127);
            }
            if (pid > 0) {
                L->kids[L->nkids++] = pid;
                L->st->restarts++;
            }
            restarted = true;
            until = rp_now_ms() + 5000;
        }
        if ((!restarted && rp_now_ms() > until - 4500) || rp_now_ms() > until)
            return -1;
        /* reap restarted targets that died, so that a dead one is not a zombie */
        for (int i = 0; i < L->nkids; i++)
            if (L->kids[i] > 0 && waitpid(L->kids[i], NULL, WNOHANG) == L->kids[i])
                L->kids[i] = -1;
        usleep(20000);
    }
}

/* Does this exchange still make the target fail? A fresh connection (the
 * target restarted by --restart when it is gone), then every unit. */
static bool trial(live *L, unit *us, size_t n, uint64_t *trials)
{
    rp_conn *conn = malloc(sizeof *conn);
    if (!conn)
        return false;
    (*trials)++;
    bool failed = false;
    if (connect_target(L, conn, true) == 0 && rp_probe_read(conn, 0xFFFF & ~1u, L->o->timeout_ms) == 1) {
        for (size_t i = 0; i < n && !failed; i++) {
            /* re-make the unit's probe for this connection's transport sequence */
            unit u;
            if (unit_make(conn, us[i].p, us[i].case_len, us[i].idx, &u) != 0)
                break;
            failed = unit_run(conn, &u, L->o->timeout_ms) != 1;
            free(u.p);
        }
    }
    rp_conn_close(conn);
    free(conn);
    return failed;
}

/* Minimise an exchange whose last unit failed: drop cases while the failure
 * still reproduces, then shrink the failing case's octets (drop its frames,
 * cut its tail). Needs --restart when the failure kills the target. */
static size_t minimise_live(live *L, unit *us, size_t n, uint64_t *trials)
{
    int budget = 48;
    /* the failing case alone? */
    if (n > 1 && trial(L, &us[n - 1], 1, trials)) {
        for (size_t i = 0; i + 1 < n; i++)
            free(us[i].p);
        us[0] = us[n - 1];
        n = 1;
    }
    for (size_t i = 0; n > 1 && i + 1 < n && budget > 0; budget--) {
        unit drop = us[i];
        memmove(&us[i], &us[i + 1], (n - i - 1) * sizeof *us);
        if (trial(L, us, n - 1, trials)) {
            free(drop.p);
            n--;
        } else {
            memmove(&us[i + 1], &us[i], (n - i - 1) * sizeof *us);
            us[i] = drop;
            i++;
        }
    }
    /* shrink the failing case */
    unit *u = &us[n - 1];
    uint8_t *t = malloc(u->case_len + 1);
    if (!t)
        return n;
    size_t len = u->case_len;
    for (size_t at = 0; at < len && budget > 0;) {
        size_t next = at + 1;
        while (next + 1 < len && !(u->p[next] == 0x05 && u->p[next + 1] == 0x64))
            next++;
        if (next + 1 >= len)
            break;
        memcpy(t, u->p, at);
        memcpy(t + at, u->p + next, len - next);
        uint8_t *keep = u->p;
        size_t keep_len = u->case_len;
        u->p = t;
        u->case_len = len - (next - at);
        budget--;
        bool f = trial(L, us, n, trials);
        u->p = keep;
        u->case_len = keep_len;
        if (f) {
            memcpy(u->p, t, len - (next - at));
            len -= next - at;
            u->case_len = len;
        } else {
            at = next;
        }
    }
    for (size_t cut = len / 2; cut > 0 && budget > 0; cut /= 2) {
        if (cut >= len)
            continue;
        budget--;
        size_t keep_len = u->case_len;
        u->case_len = len - cut;
        if (trial(L, us, n, trials))
            len -= cut;
        u->case_len = keep_len;
        u->case_len = len;
    }
    free(t);
    return n;
}

/* The reproducer: each unit (case + probe) as the master's octets. */
static int write_units(const fopts *o, uint64_t idx, const char *kind, unit *us, size_t n, const fuzz_cfg *c,
                       size_t *octets, char *path, size_t pcap)
{
    uint64_t ts;
    int conn;
    dpc_writer *w = open_repro(o, idx, kind, path, pcap, &conn, &ts);
    if (!w)
        return -1;
    rp_conn *v = malloc(sizeof *v);
    *octets = 0;
    for (size_t i = 0; v && i < n; i++) {
        rp_conn_init(v, -1, true, c->master, c->outstation);
        v->tseq = (uint8_t)i;
        unit u;
        if (unit_make(v, us[i].p, us[i].case_len, us[i].idx, &u) != 0)
            continue;
        for (size_t off = 0; off < u.len; off += 1400)
            dpc_writer_tcp_send(w, conn, true, u.p + off, u.len - off > 1400 ? 1400 : u.len - off, ts += 1000);
        *octets += us[i].case_len;
        free(u.p);
    }
    free(v);
    dpc_writer_tcp_close(w, conn, ts + 1000);
    return dpc_writer_close(w);
}

static int fuzz_tcp(const fuzz_cfg *c, const fopts *o, fstats *st)
{
    rp_conn *conn = malloc(sizeof *conn);
    kase *k = malloc(sizeof *k);
    size_t H = o->history ? o->history : 1;
    unit *hist = calloc(H, sizeof *hist);
    live L = {.o = o, .c = c, .st = st};
    if (!conn || !k || !hist) {
        free(conn);
        free(k);
        free(hist);
        return FZ_EXIT_ERROR;
    }
    char err[256];
    int fd = rp_tcp_connect(o->target, o->timeout_ms, err, sizeof err);
    if (fd < 0) {
        fprintf(stderr, "dnp3-pcap fuzz: %s\n", err);
        free(conn);
        free(k);
        free(hist);
        return FZ_EXIT_ERROR;
    }
    rp_conn_init(conn, fd, true, c->master, c->outstation);
    if (rp_probe_read(conn, 0, o->timeout_ms) != 1) {
        fprintf(stderr, "dnp3-pcap fuzz: %s does not answer a READ before fuzzing\n", o->target);
        rp_conn_close(conn);
        free(conn);
        free(k);
        free(hist);
        return FZ_EXIT_ERROR;
    }
    int rc = FZ_EXIT_CLEAN;
    uint64_t last_prog = rp_now_ms();
    uint64_t end = o->count ? o->count : UINT64_MAX;
    size_t nh = 0; /* units in hist (oldest first) */
    for (uint64_t i = 0; i < end && !fz_stop; i++) {
        uint64_t now = rp_now_ms();
        if (o->duration > 0 && (double)(now - st->t0) >= o->duration * 1000.0)
            break;
        if (now - last_prog >= 1000) {
            progress_line(o, st, false);
            last_prog = now;
        }
        make_case(c, i, true, k);
        k->from_master = true;
        if (nh == H) {
            free(hist[0].p);
            memmove(hist, hist + 1, (H - 1) * sizeof *hist);
            nh--;
        }
        if (unit_make(conn, k->buf, k->len, i, &hist[nh]) != 0)
            break;
        nh++;
        int alive = unit_run(conn, &hist[nh - 1], o->timeout_ms);
        st->cases = i + 1;
        if (alive == 1)
            continue;
        const char *kind = alive == 0 ? "silence" : NULL;
        rp_conn_close(conn);
        if (!kind) {
            /* the connection closed: a target may close on garbage; if it accepts again, go on */
            usleep(50000);
            if (connect_target(&L, conn, false) == 0 && rp_probe_read(conn, 0, o->timeout_ms) == 1) {
                st->closes++;
                for (size_t q = 0; q < nh; q++)
                    free(hist[q].p);
                nh = 0;
                continue;
            }
            rp_conn_close(conn);
            kind = "crash";
        }
        if (!strcmp(kind, "crash"))
            st->crashes++;
        else
            st->silences++;
        size_t exch = nh, n = nh;
        uint64_t trials = 0;
        if (o->restart || !strcmp(kind, "silence"))
            n = minimise_live(&L, hist, nh, &trials);
        size_t octets = 0, ex_octets = 0;
        for (size_t q = 0; q < exch && q < n; q++)
            (void)q;
        char path[512];
        write_units(o, i, kind, hist, n, c, &octets, path, sizeof path);
        if (!st->first_repro[0]) {
            snprintf(st->first_repro, sizeof st->first_repro, "%s", path);
            st->exchange_cases = exch;
            st->repro_cases = n;
            st->repro_octets = octets;
            st->trials = trials;
        }
        (void)ex_octets;
        fprintf(stderr, "%sdnp3-pcap fuzz: case %" PRIu64 " (%s): target %s; reproducer %s (%zu of the last %zu cases, "
                        "%zu case octets, %" PRIu64 " minimising trials)\n",
                o->progress ? "\n" : "", i, k->mutator,
                !strcmp(kind, "crash") ? "is gone (connection closed, reconnect refused)" : "went silent", path, n, exch,
                octets, trials);
        for (size_t q = 0; q < n; q++)
            free(hist[q].p);
        nh = 0;
        rc = FZ_EXIT_FOUND;
        if (o->stop_on_find || connect_target(&L, conn, true) != 0)
            break;
    }
    for (size_t q = 0; q < nh; q++)
        free(hist[q].p);
    rp_conn_close(conn);
    for (int q = 0; q < L.nkids; q++)
        if (L.kids[q] > 0) {
            kill(-L.kids[q], SIGTERM);
            kill(L.kids[q], SIGTERM);
            waitpid(L.kids[q], NULL, 0);
        }
    free(conn);
    free(k);
    free(hist);
    return rc;
}

/* ---- --role outstation: fuzz a master ---- */

static int fuzz_master(const fuzz_cfg *c, const fopts *o, fstats *st)
{
    if (!c->nrsp) {
        fprintf(stderr, "dnp3-pcap fuzz: no response seeds\n");
        return FZ_EXIT_ERROR;
    }
    char err[256], *end;
    unsigned long port = strtoul(o->listen_port, &end, 10);
    uint16_t bound;
    if (*end || port > 65535) {
        fprintf(stderr, "dnp3-pcap fuzz: --listen takes a port\n");
        return FZ_EXIT_ERROR;
    }
    int lfd = rp_tcp_listen(NULL, (uint16_t)port, &bound, err, sizeof err);
    if (lfd < 0) {
        fprintf(stderr, "dnp3-pcap fuzz: %s\n", err);
        return FZ_EXIT_ERROR;
    }
    fprintf(stderr, "dnp3-pcap fuzz: listening on 127.0.0.1:%u\n", bound);
    rp_conn *conn = malloc(sizeof *conn);
    kase *k = malloc(sizeof *k);
    fuzz_cfg rc_cfg = *c;
    rc_cfg.req_idx = c->rsp_idx; /* cases from the response seeds */
    rc_cfg.nreq = c->nrsp;
    int rc = FZ_EXIT_CLEAN;
    uint64_t i = 0, last_prog = rp_now_ms();
    uint64_t endc = o->count ? o->count : UINT64_MAX;
    uint8_t lastreq[2048];
    size_t lastreq_len = 0;
    bool connected = false;
    while (conn && k && i < endc && !fz_stop) {
        uint64_t now = rp_now_ms();
        if (o->duration > 0 && (double)(now - st->t0) >= o->duration * 1000.0)
            break;
        if (!connected) {
            struct pollfd pf = {lfd, POLLIN, 0};
            int wait_ms = o->timeout_ms * 5;
            if (poll(&pf, 1, wait_ms) <= 0) {
                if (i > 0) {
                    /* the master did not come back */
                    st->silences++;
                    char path[512];
                    write_repro(o, st, i - 1, "master-gone", k->buf, k->len, false, lastreq, lastreq_len, path,
                                sizeof path);
                    if (!st->first_repro[0])
                        snprintf(st->first_repro, sizeof st->first_repro, "%s", path);
                    fprintf(stderr, "dnp3-pcap fuzz: the master stopped after case %" PRIu64 "; reproducer %s\n",
                            i - 1, path);
                    rc = FZ_EXIT_FOUND;
                    break;
                }
                continue;
            }
            int fd = accept(lfd, NULL, NULL);
            if (fd < 0)
                continue;
            rp_conn_init(conn, fd, false, c->outstation, c->master);
            connected = true;
        }
        const uint8_t *f;
        size_t n;
        int r = rp_recv_fragment(conn, rp_now_ms() + (uint64_t)o->timeout_ms * 5, &f, &n);
        if (r < 0) {
            rp_conn_close(conn);
            connected = false;
            st->closes++;
            continue;
        }
        if (r == 0) {
            st->silences++;
            char path[512];
            write_repro(o, st, i ? i - 1 : 0, "master-silent", k->buf, k->len, false, lastreq, lastreq_len, path,
                        sizeof path);
            if (!st->first_repro[0])
                snprintf(st->first_repro, sizeof st->first_repro, "%s", path);
            fprintf(stderr, "dnp3-pcap fuzz: the master went silent after case %" PRIu64 "; reproducer %s\n", i, path);
            rc = FZ_EXIT_FOUND;
            break;
        }
        if (r != 1 || n < 2 || f[1] == DNP3KIT_FC_CONFIRM)
            continue;
        /* the request as a frame, for the reproducer */
        lastreq_len = 0;
        {
            uint8_t ctrl = dnp3kit_link_ctrl(true, true, false, false, DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA);
            uint8_t seg[250];
            if (n <= 249) {
                seg[0] = 0xC0;
                memcpy(seg + 1, f, n);
                int fl = dnp3kit_link_build(ctrl, c->outstation, c->master, seg, n + 1, lastreq, sizeof lastreq);
                lastreq_len = fl > 0 ? (size_t)fl : 0;
            }
        }
        rc_cfg.answer_seq = true;
        rc_cfg.seq = f[0] & 0x0F;
        make_case(&rc_cfg, i, true, k);
        if (rp_send_raw(conn, k->buf, k->len) != 0) {
            rp_conn_close(conn);
            connected = false;
        }
        st->cases = ++i;
        if (rp_now_ms() - last_prog >= 1000) {
            progress_line(o, st, false);
            last_prog = rp_now_ms();
        }
    }
    if (conn)
        rp_conn_close(conn);
    close(lfd);
    free(conn);
    free(k);
    return rc;
}

/* ---- --target self --replay FILE: run a reproducer through the core again ---- */

static int replay_self(const fopts *o)
{
    rp_capture cap;
    char err[512];
    if (rp_capture_load(o->replay, &o->cap, &cap, err, sizeof err) != 0) {
        fprintf(stderr, "dnp3-pcap fuzz: %s\n", err);
        return FZ_EXIT_ERROR;
    }
    size_t len = 0;
    for (size_t i = 0; i < cap.nchunks; i++)
        len += cap.chunks[i].len;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) {
        rp_capture_free(&cap);
        return FZ_EXIT_ERROR;
    }
    len = 0;
    for (size_t i = 0; i < cap.nchunks; i++) {
        memcpy(buf + len, cap.chunks[i].data, cap.chunks[i].len);
        len += cap.chunks[i].len;
    }
    rp_capture_free(&cap);
    if (!len) {
        fprintf(stderr, "dnp3-pcap fuzz: no DNP3 payload in %s\n", o->replay);
        free(buf);
        return FZ_EXIT_ERROR;
    }
    int r = try_in_child(buf, len, o->timeout_ms);
    free(buf);
    const char *verdict = r == 1 ? "crash" : r == 2 ? "hang" : "survived";
    if (o->json)
        printf("{\"replay\":\"%s\",\"octets\":%zu,\"result\":\"%s\"}\n", o->replay, len, verdict);
    else
        printf("fuzz replay %s: %zu octets through the core in a child: %s\n", o->replay, len,
               r == 1 ? "it crashes" : r == 2 ? "it hangs (time limit)" : "it survives");
    return r ? FZ_EXIT_FOUND : FZ_EXIT_CLEAN;
}

/* ---- entry ---- */

int fz_main(int argc, char **argv)
{
    fopts o;
    memset(&o, 0, sizeof o);
    dpc_options_default(&o.cap);
    o.target = "self";
    o.outdir = ".";
    o.seed = 1;
    o.timeout_ms = 1000;
    o.layers = 0xF;
    o.stop_on_find = true;
    o.history = 8;
    const char *role = "master";
    bool ports_set = false;
    enum { O_TARGET = 256, O_ROLE, O_LISTEN, O_SEED, O_COUNT, O_DURATION, O_LAYERS, O_TIMEOUT, O_OUT, O_KEEP, O_JSON, O_REPLAY, O_RESTART, O_HISTORY };
    static const struct option lo[] = {
        {"target", required_argument, NULL, O_TARGET}, {"role", required_argument, NULL, O_ROLE},
        {"listen", required_argument, NULL, O_LISTEN}, {"seed", required_argument, NULL, O_SEED},
        {"count", required_argument, NULL, O_COUNT}, {"duration", required_argument, NULL, O_DURATION},
        {"layers", required_argument, NULL, O_LAYERS}, {"timeout", required_argument, NULL, O_TIMEOUT},
        {"out", required_argument, NULL, O_OUT}, {"keep-going", no_argument, NULL, O_KEEP},
        {"json", no_argument, NULL, O_JSON}, {"replay", required_argument, NULL, O_REPLAY},
        {"restart", required_argument, NULL, O_RESTART}, {"history", required_argument, NULL, O_HISTORY}, {"port", required_argument, NULL, 'p'},
        {"quiet", no_argument, NULL, 'q'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    optind = 1;
    int ch;
    char *end;
    while ((ch = getopt_long(argc, argv, "p:qh", lo, NULL)) != -1) {
        switch (ch) {
        case O_TARGET: o.target = optarg; break;
        case O_ROLE: role = optarg; break;
        case O_LISTEN: o.listen_port = optarg; break;
        case O_SEED: o.seed = strtoull(optarg, &end, 0); if (*end) goto bad; break;
        case O_COUNT: o.count = strtoull(optarg, &end, 10); if (*end) goto bad; break;
        case O_DURATION: o.duration = strtod(optarg, &end); if (*end || !(o.duration > 0)) goto bad; break;
        case O_TIMEOUT: o.timeout_ms = (int)strtol(optarg, &end, 10); if (*end || o.timeout_ms < 10) goto bad; break;
        case O_OUT: o.outdir = optarg; break;
        case O_KEEP: o.stop_on_find = false; break;
        case O_JSON: o.json = true; break;
        case O_REPLAY: o.replay = optarg; break;
        case O_RESTART: o.restart = optarg; break;
        case O_HISTORY: o.history = strtoul(optarg, &end, 10); if (*end || !o.history || o.history > 256) goto bad; break;
        case O_LAYERS: {
            o.layers = 0;
            char buf[128];
            snprintf(buf, sizeof buf, "%s", optarg);
            for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
                if (!strcmp(t, "raw")) o.layers |= 1;
                else if (!strcmp(t, "link")) o.layers |= 2;
                else if (!strcmp(t, "transport")) o.layers |= 4;
                else if (!strcmp(t, "app")) o.layers |= 8;
                else goto bad;
            }
            break;
        }
        case 'p': {
            if (!ports_set) { o.cap.nports = 0; ports_set = true; }
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || !v || v > 65535 || o.cap.nports >= DPC_MAX_PORTS) goto bad;
            o.cap.ports[o.cap.nports++] = (uint16_t)v;
            break;
        }
        case 'q': o.quiet = true; break;
        case 'h': fz_usage(stdout); return FZ_EXIT_CLEAN;
        default: fz_usage(stderr); return FZ_EXIT_ERROR;
        }
    }
    if (optind < argc)
        o.capture = argv[optind++];
    /* Every usage error names what was wrong before the usage text. */
    const char *why = NULL, *got = NULL;
    if (optind < argc)
        why = "more than one CAPTURE given";
    else if (strcmp(role, "master") && strcmp(role, "outstation"))
        why = "--role takes master or outstation", got = role;
    else if (!strcmp(role, "outstation") && !o.listen_port)
        why = "--role outstation needs --listen PORT";
    else if (strcmp(o.target, "self") && strncmp(o.target, "tcp://", 6))
        why = "--target takes self or tcp://HOST:PORT (with the scheme: tcp://127.0.0.1:20000)", got = o.target;
    if (why) {
        fprintf(stderr, "dnp3-pcap fuzz: %s%s%s%s\n", why, got ? "; got '" : "", got ? got : "", got ? "'" : "");
        fz_usage(stderr);
        return FZ_EXIT_ERROR;
    }
    if (!o.count && !(o.duration > 0))
        o.count = 100000;
    if (!strcmp(o.target, "self")) {
        const char *t = getenv("DNP3KIT_FUZZ_SELFTEST");
        selftest_mode = !t ? 0 : !strcmp(t, "crash") ? 1 : !strcmp(t, "hang") ? 2 : 0;
    }
    if (o.replay) {
        if (strcmp(o.target, "self") || o.capture) {
            fz_usage(stderr);
            return FZ_EXIT_ERROR;
        }
        return replay_self(&o);
    }
    o.progress = !o.quiet && isatty(STDERR_FILENO);
    signal(SIGPIPE, SIG_IGN);
    struct stat sb;
    if (stat(o.outdir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "dnp3-pcap fuzz: --out %s is not a directory\n", o.outdir);
        return FZ_EXIT_ERROR;
    }
    fuzz_cfg c;
    memset(&c, 0, sizeof c);
    c.seeds = calloc(MAX_SEEDS, sizeof *c.seeds);
    c.req_idx = calloc(MAX_SEEDS, sizeof *c.req_idx);
    c.rsp_idx = calloc(MAX_SEEDS, sizeof *c.rsp_idx);
    c.seed = o.seed;
    c.layers = o.layers;
    c.master = 1;
    c.outstation = 10;
    int rc = FZ_EXIT_ERROR;
    if (!c.seeds || !c.req_idx || !c.rsp_idx)
        goto out;
    if (o.capture) {
        rp_capture cap;
        char err[512];
        if (rp_capture_load(o.capture, &o.cap, &cap, err, sizeof err) != 0) {
            fprintf(stderr, "dnp3-pcap fuzz: %s\n", err);
            goto out;
        }
        bool addr = false;
        for (size_t i = 0; i < cap.nmsgs; i++) {
            if (cap.msgs[i].status != DNP3KIT_OK)
                continue;
            if (!addr && cap.msgs[i].from_master) {
                c.master = cap.msgs[i].src;
                c.outstation = cap.msgs[i].dst;
                addr = true;
            }
            add_seed(&c, cap.msgs[i].data, cap.msgs[i].len, cap.msgs[i].from_master);
        }
        rp_capture_free(&cap);
        if (!c.nseeds) {
            fprintf(stderr, "dnp3-pcap fuzz: no valid DNP3 fragments in %s to use as seeds\n", o.capture);
            goto out;
        }
    } else {
        builder_seeds(&c);
    }
    for (size_t i = 0; i < c.nseeds; i++) {
        if (c.seeds[i].from_master)
            c.req_idx[c.nreq++] = i;
        else
            c.rsp_idx[c.nrsp++] = i;
    }
    if (strcmp(o.target, "self") && !c.nreq) {
        fprintf(stderr, "dnp3-pcap fuzz: no master requests among the seeds\n");
        goto out;
    }
    struct sigaction sa = {.sa_handler = fz_sig};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fstats st;
    memset(&st, 0, sizeof st);
    st.t0 = rp_now_ms();
    if (!strcmp(role, "outstation"))
        rc = fuzz_master(&c, &o, &st);
    else if (!strcmp(o.target, "self"))
        rc = fuzz_self(&c, &o, &st);
    else
        rc = fuzz_tcp(&c, &o, &st);
    double secs = (double)(rp_now_ms() - st.t0) / 1000.0;
    if (o.progress)
        fputc('\n', stderr);
    if (o.json) {
        printf("{\"target\":\"%s\",\"role\":\"%s\",\"seed\":%" PRIu64 ",\"seeds\":%zu,\"cases\":%" PRIu64
               ",\"seconds\":%.3f,\"cases_per_s\":%.0f,\"crashes\":%" PRIu64 ",\"hangs\":%" PRIu64
               ",\"silences\":%" PRIu64 ",\"closes\":%" PRIu64 ",\"restarts\":%" PRIu64 ",\"exchange_cases\":%zu,\"repro_cases\":%zu,\"repro_octets\":%zu,\"trials\":%" PRIu64 ",\"reproducer\":",
               !strcmp(role, "outstation") ? "master" : o.target, role, o.seed, c.nseeds, st.cases, secs,
               secs > 0 ? (double)st.cases / secs : 0.0, st.crashes, st.hangs, st.silences, st.closes, st.restarts, st.exchange_cases, st.repro_cases, st.repro_octets, st.trials);
        if (st.first_repro[0])
            printf("\"%s\"", st.first_repro);
        else
            printf("null");
        printf(",\"result\":\"%s\"}\n", rc == FZ_EXIT_CLEAN ? "clean" : rc == FZ_EXIT_FOUND ? "found" : "error");
    } else {
        printf("fuzz %s: %" PRIu64 " cases in %.1f s (%.0f cases/s) from %zu seeds, seed %" PRIu64
               ": %" PRIu64 " crashes, %" PRIu64 " hangs, %" PRIu64 " silences, %" PRIu64 " connection closes%s%s\n",
               !strcmp(role, "outstation") ? "master" : o.target, st.cases, secs, secs > 0 ? (double)st.cases / secs : 0.0,
               c.nseeds, o.seed, st.crashes, st.hangs, st.silences, st.closes, st.first_repro[0] ? "; reproducer " : "",
               st.first_repro);
    }
out:
    free(c.seeds);
    free(c.req_idx);
    free(c.rsp_idx);
    return rc;
bad:
    fprintf(stderr, "dnp3-pcap fuzz: bad value for an option: '%s'\n", optarg);
    return FZ_EXIT_ERROR;
}
