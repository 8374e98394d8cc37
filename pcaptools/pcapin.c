/*
 * Capture input: peels the link, IP and TCP/UDP headers off each record and
 * turns DNP3 flows into in-order byte streams (TCP) or datagrams (UDP). See
 * pcapin.h for the contract.
 *
 * Records: libpcap opens and validates every file and reads pcapng; classic
 * pcap records are walked by a tight loop here (libpcap's per-record freads
 * alone were slower than the throughput target, see "classic pcap fast
 * path"), and a small pcapng block reader takes over where libpcap 1.10
 * refuses mixed interfaces (see "pcapng fallback").
 *
 * Memory: one calloc per read holds the whole flow table (DPC_MAX_FLOWS
 * entries, hash buckets, LRU links). In-order TCP data is handed to the
 * consumer straight from the record buffer; only segments that arrive
 * ahead of a hole are copied, at most DPC_TCP_WINDOW octets per direction
 * and OOO_TOTAL_MAX octets over all flows.
 */
#define _GNU_SOURCE /* fopencookie: streams are read through a FILE that reports when it would wait */
#include "pcapin.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef DPC_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef DPC_HAVE_ZSTD
#include <zstd.h>
#endif

#include "dnp3kit/crc.h"
#include "dnp3kit/link.h"
#include "ipfrag.h"

/* Global cap on copied out-of-order data, so that many flows each holding a
 * window's worth cannot add up to gigabytes (4096 x 2 x 256 KiB). */
#define OOO_TOTAL_MAX ((uint64_t)64 * 1024 * 1024)
/* Two buckets per flow keeps chains short; a power of two for masking. */
#define NBUCKETS 8192u
#define PROGRESS_STEP ((uint64_t)1 << 20)

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif

enum { ST_FREE = 0, ST_PENDING, ST_DNP3, ST_IGNORED };

/* A copied out-of-order segment, kept sorted by sequence number. */
typedef struct seg {
    struct seg *next;
    uint32_t seq;
    uint32_t len;
    dpc_packet pkt; /* the packet that carried it */
    uint8_t data[];
} seg;

/* One direction of a TCP connection. */
typedef struct half {
    seg *ooo;
    size_t ooo_bytes;
    uint32_t isn, next, fin_seq;
    bool syn;     /* isn valid */
    bool started; /* next valid */
    bool fin;     /* fin_seq valid */
} half;

/* Canonical 5-tuple: the lower (ip, port) endpoint first, so both directions
 * hash and compare equal. Built and compared as 64-bit words, in registers:
 * byte-wise building followed by word-wise hashing stalled store forwarding. */
typedef struct fkey {
    uint64_t w[5]; /* lower address (2 words), upper address (2), ports | family | protocol */
    bool src_lo;   /* the packet's source is the lower endpoint (not part of the key) */
} fkey;

typedef struct entry {
    dpc_flow f;
    fkey k;
    int32_t hnext;      /* hash chain */
    int32_t prev, next; /* LRU list (head = most recent); free list uses next */
    uint8_t state;
    bool a_lo; /* f.a is the key's lower endpoint */
    half h[2]; /* [0]: octets sent by f.a */
} entry;

typedef struct reader {
    const dpc_options *opt;
    const dpc_callbacks *cb;
    void *ctx;
    dpc_stats *st;
    int dlt;
    dpc_packet pkt;
    uint64_t ports[65536 / 64]; /* bitmap of DNP3 ports */
    uint64_t ooo_total;
    uint32_t next_id;
    int32_t free_head, lru_head, lru_tail;
    int32_t bucket[NBUCKETS];
    entry e[DPC_MAX_FLOWS];
    entry *live[DPC_MAX_FLOWS]; /* scratch for close_all */
    ipf_table *frag;            /* IP fragments being reassembled; allocated at the first one */
    bool frag_oom;              /* ipf_new failed: fragments are reported, not reassembled */
} reader;

/* A parsed IP endpoint pair, handed from the IP layer to TCP/UDP. */
typedef struct ippair {
    uint8_t family;
    const uint8_t *src, *dst; /* 4 or 16 octets */
    bool short_;              /* captured fewer octets than the IP header announces */
} ippair;

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

void dpc_options_default(dpc_options *o)
{
    memset(o, 0, sizeof *o);
    o->ports[0] = 20000;
    o->nports = 1;
    o->any_port = false;
    o->udp = true;
}

/* ---- reporting ---- */

static void report(reader *r, dpc_flow *f, bool from_a, dnp3kit_finding_code code, uint64_t expected,
                   uint64_t actual, uint32_t index)
{
    if (!r->cb->on_finding)
        return;
    dnp3kit_finding fi;
    memset(&fi, 0, sizeof fi);
    fi.code = code;
    fi.offset = SIZE_MAX;
    fi.expected = expected;
    fi.actual = actual;
    fi.index = index;
    r->cb->on_finding(r->ctx, f, from_a, &fi, &r->pkt);
}

static void truncated(reader *r, uint64_t need, uint64_t have)
{
    report(r, NULL, true, DNP3KIT_F_PACKET_TRUNCATED, need, have, 0);
}

static void deliver(reader *r, entry *e, bool from_a, const uint8_t *p, size_t n)
{
    if (n == 0)
        return;
    r->st->payload_bytes += n;
    if (r->cb->on_data)
        r->cb->on_data(r->ctx, &e->f, from_a, p, n, &r->pkt);
}

static void gap(reader *r, entry *e, bool from_a, half *h, uint32_t missing)
{
    if (r->cb->on_gap)
        r->cb->on_gap(r->ctx, &e->f, from_a, missing, &r->pkt);
    report(r, &e->f, from_a, DNP3KIT_F_TCP_GAP, h->next, missing, 0);
}

/* ---- flow table ---- */

static bool dnp3_port(const reader *r, uint16_t port) { return (r->ports[port >> 6] >> (port & 63)) & 1; }

/* A payload that opens with a whole, CRC-valid link header (clause 9.2.4.1). */
static bool looks_dnp3(const uint8_t *p, size_t n)
{
    return n >= DNP3KIT_LINK_HEADER_LEN && p[0] == 0x05 && p[1] == 0x64 && p[2] >= 5 &&
           dnp3kit_crc16_check(p, 8);
}

/* Five independent multiplies rather than a chain: this runs once per packet. */
static uint32_t key_hash(const fkey *k)
{
    const uint64_t *w = k->w;
    uint64_t h = w[0] * 0x9E3779B97F4A7C15ull + w[1] * 0xC2B2AE3D27D4EB4Full + w[2] * 0x165667B19E3779F9ull +
                 w[3] * 0xD6E8FEB86659FD93ull + w[4] * 0xFF51AFD7ED558CCDull;
    return (uint32_t)(h >> 32) ^ (uint32_t)(h >> 7);
}

static bool key_eq(const fkey *x, const fkey *y)
{
    const uint64_t *a = x->w, *b = y->w;
    return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4])) == 0;
}

static void make_key(fkey *k, uint8_t family, uint8_t proto, const uint8_t *src, uint16_t sport,
                     const uint8_t *dst, uint16_t dport)
{
    uint64_t s0, s1 = 0, d0, d1 = 0;
    if (family == 6) {
        memcpy(&s0, src, 8);
        memcpy(&s1, src + 8, 8);
        memcpy(&d0, dst, 8);
        memcpy(&d1, dst + 8, 8);
    } else {
        uint32_t a, b;
        memcpy(&a, src, 4);
        memcpy(&b, dst, 4);
        s0 = a;
        d0 = b;
    }
    /* Any total order will do, as long as both directions agree on it. */
    bool lo = s0 != d0 ? s0 < d0 : s1 != d1 ? s1 < d1 : sport <= dport;
    k->src_lo = lo;
    k->w[0] = lo ? s0 : d0;
    k->w[1] = lo ? s1 : d1;
    k->w[2] = lo ? d0 : s0;
    k->w[3] = lo ? d1 : s1;
    k->w[4] = (uint64_t)(lo ? sport : dport) | (uint64_t)(lo ? dport : sport) << 16 | (uint64_t)family << 32 |
              (uint64_t)proto << 40;
}

static void lru_unlink(reader *r, int32_t i)
{
    entry *e = &r->e[i];
    if (e->prev >= 0)
        r->e[e->prev].next = e->next;
    else
        r->lru_head = e->next;
    if (e->next >= 0)
        r->e[e->next].prev = e->prev;
    else
        r->lru_tail = e->prev;
}

static void lru_push(reader *r, int32_t i)
{
    entry *e = &r->e[i];
    e->prev = -1;
    e->next = r->lru_head;
    if (r->lru_head >= 0)
        r->e[r->lru_head].prev = i;
    r->lru_head = i;
    if (r->lru_tail < 0)
        r->lru_tail = i;
}

static void touch(reader *r, entry *e)
{
    int32_t i = (int32_t)(e - r->e);
    if (r->lru_head != i) {
        lru_unlink(r, i);
        lru_push(r, i);
    }
}

static entry *lookup(reader *r, const fkey *k, uint32_t hash)
{
    for (int32_t i = r->bucket[hash & (NBUCKETS - 1)]; i >= 0; i = r->e[i].hnext)
        if (key_eq(&r->e[i].k, k))
            return &r->e[i];
    return NULL;
}

static void free_segs(reader *r, half *h)
{
    seg *s = h->ooo;
    while (s) {
        seg *n = s->next;
        r->ooo_total -= s->len;
        free(s);
        s = n;
    }
    h->ooo = NULL;
    h->ooo_bytes = 0;
}

/* ---- TCP reassembly (one direction) ---- */

/* Deliver buffered segments that have become contiguous with h->next.
 * own_pkt: attribute each to the packet that carried it. That is right when a
 * hole has been declared lost (the data behind it was complete when it
 * arrived); when a late packet fills the hole, the data completes with that
 * packet, the current one. */
static void drain_as(reader *r, entry *e, bool from_a, half *h, bool own_pkt)
{
    seg *s;
    dpc_packet cur = r->pkt;
    while ((s = h->ooo) != NULL && (int32_t)(s->seq - h->next) <= 0) {
        h->ooo = s->next;
        h->ooo_bytes -= s->len;
        r->ooo_total -= s->len;
        uint32_t dup = h->next - s->seq;
        if (dup < s->len) {
            if (own_pkt)
                r->pkt = s->pkt;
            deliver(r, e, from_a, s->data + dup, s->len - dup);
            h->next += s->len - dup;
        }
        free(s);
    }
    r->pkt = cur;
}

static void drain(reader *r, entry *e, bool from_a, half *h) { drain_as(r, e, from_a, h, false); }

/* Give up waiting for holes: deliver everything buffered, a gap before each hole. */
static void flush(reader *r, entry *e, bool from_a, half *h)
{
    drain(r, e, from_a, h);
    while (h->ooo) {
        gap(r, e, from_a, h, h->ooo->seq - h->next);
        h->next = h->ooo->seq;
        drain_as(r, e, from_a, h, true);
    }
}

/* Copy a segment that lies ahead of h->next into the sorted list. Returns false
 * when an already buffered segment covers it entirely (a retransmission). */
static bool buffer(reader *r, half *h, uint32_t seq, const uint8_t *p, size_t n)
{
    uint32_t off = seq - h->next;
    seg **pp = &h->ooo;
    for (seg *s = h->ooo; s; pp = &s->next, s = s->next) {
        uint32_t soff = s->seq - h->next;
        if (soff <= off && (uint64_t)soff + s->len >= (uint64_t)off + n)
            return false;
        if (soff > off)
            break;
    }
    seg *ns = malloc(sizeof *ns + n);
    if (!ns)
        return true; /* the hole stays open and turns into a gap later */
    ns->seq = seq;
    ns->len = (uint32_t)n;
    ns->pkt = r->pkt;
    memcpy(ns->data, p, n);
    ns->next = *pp;
    *pp = ns;
    h->ooo_bytes += n;
    r->ooo_total += n;
    return true;
}

/* Deliver a segment at or behind h->next: drop what was already delivered. */
static void in_order(reader *r, entry *e, bool from_a, half *h, uint32_t seq, const uint8_t *p, size_t n)
{
    uint32_t dup = h->next - seq;
    if (dup >= n) {
        report(r, &e->f, h == &e->h[0], DNP3KIT_F_TCP_RETRANSMISSION, h->next, n, 0);
        return;
    }
    if (dup) {
        report(r, &e->f, h == &e->h[0], DNP3KIT_F_TCP_RETRANSMISSION, h->next, dup, 0);
        p += dup;
        n -= dup;
    }
    deliver(r, e, from_a, p, n);
    h->next += (uint32_t)n;
    if (h->ooo)
        drain(r, e, from_a, h);
}

static void segment(reader *r, entry *e, bool from_a, half *h, uint32_t seq, const uint8_t *p, size_t n)
{
    int32_t d = (int32_t)(seq - h->next);
    if (d <= 0) {
        in_order(r, e, from_a, h, seq, p, n);
        return;
    }
    uint64_t end = (uint64_t)d + n;
    if (end > DPC_TCP_WINDOW || h->ooo_bytes + n > DPC_TCP_WINDOW || r->ooo_total + n > OOO_TOTAL_MAX) {
        report(r, &e->f, h == &e->h[0], DNP3KIT_F_TCP_WINDOW_EXCEEDED, h->next, end, 0);
        flush(r, e, from_a, h);
        d = (int32_t)(seq - h->next);
        if (d > 0) {
            gap(r, e, from_a, h, (uint32_t)d);
            h->next = seq;
        }
        in_order(r, e, from_a, h, seq, p, n);
        return;
    }
    if (buffer(r, h, seq, p, n))
        report(r, &e->f, h == &e->h[0], DNP3KIT_F_TCP_OUT_OF_ORDER, h->next, (uint64_t)d, 0);
    else
        report(r, &e->f, h == &e->h[0], DNP3KIT_F_TCP_RETRANSMISSION, h->next, n, 0);
}

/* The receiver has acknowledged octets of h up to ack: a hole below ack was
 * received by the endpoint but never captured, and will not be sent again.
 * Declare it now (instead of holding the data behind it to the end of the
 * capture) and deliver what is buffered behind it. */
static void acked_past_hole(reader *r, entry *e, bool from_a, half *h, uint32_t ack)
{
    while (h->ooo && (int32_t)(ack - h->next) > 0) {
        uint32_t upto = (int32_t)(h->ooo->seq - ack) < 0 ? h->ooo->seq : ack;
        if ((int32_t)(upto - h->next) > 0) {
            gap(r, e, from_a, h, upto - h->next);
            h->next = upto;
        }
        drain_as(r, e, from_a, h, true);
    }
}

/* End of a direction: flush buffered data and report octets missing before a seen FIN. */
static void finish_half(reader *r, entry *e, bool from_a, half *h)
{
    if (!h->started)
        return;
    flush(r, e, from_a, h);
    if (h->fin && (int32_t)(h->fin_seq - h->next) > 0) {
        gap(r, e, from_a, h, h->fin_seq - h->next);
        h->next = h->fin_seq;
    }
}

/* ---- flow lifetime ---- */

static void release(reader *r, entry *e)
{
    int32_t i = (int32_t)(e - r->e);
    int32_t *pp = &r->bucket[key_hash(&e->k) & (NBUCKETS - 1)];
    while (*pp != i)
        pp = &r->e[*pp].hnext;
    *pp = e->hnext;
    lru_unlink(r, i);
    free_segs(r, &e->h[0]);
    free_segs(r, &e->h[1]);
    memset(e, 0, sizeof *e);
    e->next = r->free_head;
    r->free_head = i;
}

static void close_flow(reader *r, entry *e)
{
    if (e->state == ST_DNP3) {
        if (e->f.tcp) {
            finish_half(r, e, true, &e->h[0]);
            finish_half(r, e, false, &e->h[1]);
        }
        if (r->cb->on_flow_close)
            r->cb->on_flow_close(r->ctx, &e->f, &r->pkt);
    }
    release(r, e);
}

static void open_flow(reader *r, entry *e)
{
    e->state = ST_DNP3;
    e->f.id = ++r->next_id;
    r->st->flows++;
    if (r->cb->on_flow_open)
        r->cb->on_flow_open(r->ctx, &e->f, &r->pkt);
}

static entry *create(reader *r, const fkey *k, uint32_t hash, bool tcp, const ippair *ip, uint16_t sport,
                     uint16_t dport)
{
    if (r->free_head < 0) {
        /* Table full: the least recently used flow makes room. Pending and
         * ignored flows carry nothing the consumer knows about, so only a
         * DNP3 flow's eviction is worth a finding. */
        entry *old = &r->e[r->lru_tail];
        if (old->state == ST_DNP3)
            report(r, &old->f, true, DNP3KIT_F_FLOW_LIMIT, DPC_MAX_FLOWS, DPC_MAX_FLOWS, old->f.id);
        close_flow(r, old);
    }
    int32_t i = r->free_head;
    entry *e = &r->e[i];
    r->free_head = e->next;
    memset(e, 0, sizeof *e);
    e->k = *k;
    e->a_lo = k->src_lo;
    e->hnext = r->bucket[hash & (NBUCKETS - 1)];
    r->bucket[hash & (NBUCKETS - 1)] = i;
    lru_push(r, i);
    e->state = ST_PENDING;
    e->f.tcp = tcp;
    size_t alen = ip->family == 6 ? 16 : 4;
    e->f.a.family = e->f.b.family = ip->family;
    memcpy(e->f.a.ip, ip->src, alen);
    memcpy(e->f.b.ip, ip->dst, alen);
    e->f.a.port = sport;
    e->f.b.port = dport;
    return e;
}

static bool is_from_a(const entry *e, const fkey *k) { return e->a_lo == k->src_lo; }

/* ---- transport layer ---- */

static void tcp_packet(reader *r, const ippair *ip, const uint8_t *t, size_t len)
{
    if (len < 20) {
        if (len < 4 || dnp3_port(r, be16(t)) || dnp3_port(r, be16(t + 2)) || r->opt->any_port)
            truncated(r, 20, len);
        return;
    }
    uint16_t sport = be16(t), dport = be16(t + 2);
    bool portmatch = dnp3_port(r, sport) || dnp3_port(r, dport);
    if (!portmatch && !r->opt->any_port)
        return;
    size_t doff = (size_t)(t[12] >> 4) * 4;
    uint8_t flags = t[13];
    uint32_t seq = be32(t + 4);

    fkey k;
    make_key(&k, ip->family, 6, ip->src, sport, ip->dst, dport);
    uint32_t hash = key_hash(&k);
    entry *e = lookup(r, &k, hash);

    if (doff < 20 || doff > len || ip->short_) {
        if (portmatch || (e && e->state == ST_DNP3))
            truncated(r, doff < 20 ? 20 : doff, len);
        return;
    }
    const uint8_t *p = t + doff;
    size_t n = len - doff;

    if (e) {
        bool fa = is_from_a(e, &k);
        half *h = &e->h[fa ? 0 : 1];
        /* A SYN with a new ISN on a known 5-tuple is a new connection (port reuse). */
        if ((flags & TH_SYN) && h->started && (!h->syn || h->isn != seq)) {
            close_flow(r, e);
            e = NULL;
        }
    }
    if (!e) {
        /* Pure ACK/FIN/RST segments never open a flow: they are typically the
         * tail of a connection already closed. */
        if (!(flags & TH_SYN) && n == 0)
            return;
        if (!portmatch && n > 0 && !looks_dnp3(p, n))
            return;
        e = create(r, &k, hash, true, ip, sport, dport);
        if (portmatch)
            open_flow(r, e);
    } else {
        touch(r, e);
    }
    if (e->state == ST_IGNORED) {
        if (flags & TH_RST)
            release(r, e);
        return;
    }
    if (e->state == ST_PENDING && n > 0) {
        if (!looks_dnp3(p, n)) {
            e->state = ST_IGNORED;
            free_segs(r, &e->h[0]);
            free_segs(r, &e->h[1]);
            return;
        }
        open_flow(r, e);
    }

    bool fa = is_from_a(e, &k);
    half *h = &e->h[fa ? 0 : 1];
    if (flags & TH_SYN) {
        if (!h->syn) {
            h->syn = true;
            h->isn = seq;
            if (!h->started) {
                h->started = true;
                h->next = seq + 1;
            }
        }
        seq++; /* the SYN occupies one sequence number; data (if any) follows it */
    }
    if (e->state == ST_PENDING) {
        if (flags & TH_RST)
            release(r, e);
        return;
    }
    r->st->dnp3_packets++;
    /* The ACK speaks of data sent before this packet: handle it first. */
    if (flags & TH_ACK) {
        half *o = &e->h[fa ? 1 : 0];
        if (o->started && o->ooo)
            acked_past_hole(r, e, !fa, o, be32(t + 8));
    }
    if (n > 0) {
        if (!h->started) {
            h->started = true;
            h->next = seq;
            report(r, &e->f, h == &e->h[0], DNP3KIT_F_TCP_MIDSTREAM, 0, 0, 0);
        }
        segment(r, e, fa, h, seq, p, n);
    }
    if ((flags & TH_FIN) && !h->fin) {
        h->fin = true;
        h->fin_seq = seq + (uint32_t)n;
    }
    if (flags & TH_RST) {
        close_flow(r, e);
        return;
    }
    /* Both sides said FIN and everything up to both FINs is delivered. */
    const half *x = &e->h[0], *y = &e->h[1];
    if (x->fin && y->fin && (!x->started || (int32_t)(x->fin_seq - x->next) <= 0) &&
        (!y->started || (int32_t)(y->fin_seq - y->next) <= 0))
        close_flow(r, e);
}

static void udp_packet(reader *r, const ippair *ip, const uint8_t *u, size_t len)
{
    if (len < 8) {
        if (len < 4 || dnp3_port(r, be16(u)) || dnp3_port(r, be16(u + 2)) || r->opt->any_port)
            truncated(r, 8, len);
        return;
    }
    if (!r->opt->udp)
        return;
    uint16_t sport = be16(u), dport = be16(u + 2);
    bool portmatch = dnp3_port(r, sport) || dnp3_port(r, dport);
    if (!portmatch && !r->opt->any_port)
        return;
    size_t ulen = be16(u + 4);
    fkey k;
    make_key(&k, ip->family, 17, ip->src, sport, ip->dst, dport);
    uint32_t hash = key_hash(&k);
    entry *e = lookup(r, &k, hash);
    if (ulen < 8 || ulen > len || ip->short_) {
        if (portmatch || e)
            truncated(r, ulen < 8 ? 8 : ulen, len);
        return;
    }
    const uint8_t *p = u + 8;
    size_t n = ulen - 8;
    if (!e) {
        if (!portmatch && !looks_dnp3(p, n))
            return;
        e = create(r, &k, hash, false, ip, sport, dport);
        open_flow(r, e);
    } else {
        touch(r, e);
    }
    r->st->dnp3_packets++;
    deliver(r, e, is_from_a(e, &k), p, n);
}

static void l4(reader *r, const ippair *ip, uint8_t proto, const uint8_t *p, size_t len)
{
    if (proto == 6)
        tcp_packet(r, ip, p, len);
    else if (proto == 17)
        udp_packet(r, ip, p, len);
}

/* ---- IP fragments (ipfrag.c) ---- */

/* A dropped datagram is reported when it concerns DNP3: its first fragment
 * shows a DNP3 port or a known flow, or (first fragment missing) its
 * addresses are those of a DNP3 flow. Others stay silent, as unfragmented
 * non-DNP3 traffic does. */
static void frag_fail(void *ctx, const ipf_fail *x)
{
    reader *r = ctx;
    entry *hit = NULL;
    bool from_a = true, relevant = false;
    if (x->head && x->headlen >= 4 && (x->proto == 6 || x->proto == 17)) {
        uint16_t sport = be16(x->head), dport = be16(x->head + 2);
        fkey k;
        make_key(&k, x->family, x->proto, x->src, sport, x->dst, dport);
        entry *e = lookup(r, &k, key_hash(&k));
        if (e && e->state == ST_DNP3) {
            hit = e;
            from_a = is_from_a(e, &k);
        }
        relevant = hit || dnp3_port(r, sport) || dnp3_port(r, dport);
    } else {
        size_t n = x->family == 6 ? 16 : 4;
        for (int32_t i = r->lru_head; i >= 0 && !hit; i = r->e[i].next) {
            entry *e = &r->e[i];
            if (e->state != ST_DNP3 || e->f.a.family != x->family)
                continue;
            if (!memcmp(e->f.a.ip, x->src, n) && !memcmp(e->f.b.ip, x->dst, n))
                hit = e;
            else if (!memcmp(e->f.b.ip, x->src, n) && !memcmp(e->f.a.ip, x->dst, n)) {
                hit = e;
                from_a = false;
            }
        }
        relevant = hit != NULL;
    }
    if (relevant && r->cb->on_finding)
        r->cb->on_finding(r->ctx, hit ? &hit->f : NULL, from_a, &x->f, &r->pkt);
}

static void ipv6_chain(reader *r, const ippair *ip, uint8_t nh, const uint8_t *p, size_t off, size_t end,
                       bool frag);

static void fragment(reader *r, const ipf_frag *fr)
{
    /* Only TCP and UDP can carry DNP3 (IPv6: or extension headers before them). */
    if (fr->proto != 6 && fr->proto != 17 && (fr->family == 4 || (fr->proto != 0 && fr->proto != 43 && fr->proto != 60)))
        return;
    if (!r->frag && !r->frag_oom) {
        ipf_limits lim = {r->opt->frag_memory, r->opt->frag_datagrams, r->opt->frag_timeout_us};
        r->frag = ipf_new(&lim);
        r->frag_oom = !r->frag;
    }
    if (!r->frag)
        return;
    size_t n = 0;
    uint8_t proto = 0;
    uint8_t *d = ipf_add(r->frag, fr, r->pkt.ts_us, r->pkt.frame, frag_fail, r, &n, &proto);
    if (!d)
        return;
    ippair ip = {fr->family, fr->src, fr->dst, false};
    if (fr->family == 4)
        l4(r, &ip, proto, d, n);
    else
        ipv6_chain(r, &ip, proto, d, 0, n, false);
    free(d);
}

/* ---- network layer ---- */

static void ipv4(reader *r, const uint8_t *p, size_t len)
{
    if (len < 20 || (p[0] >> 4) != 4) {
        truncated(r, 20, len);
        return;
    }
    size_t ihl = (size_t)(p[0] & 15) * 4;
    size_t tot = be16(p + 2);
    if (tot == 0)
        tot = len; /* segmentation offload captures leave it zero */
    if (ihl < 20 || ihl > len || tot < ihl) {
        truncated(r, ihl < 20 ? 20 : ihl, len);
        return;
    }
    uint16_t fw = be16(p + 6);
    if (fw & 0x3FFF) { /* MF or an offset: one fragment of a datagram */
        if (tot <= len) { /* one cut short by the snap length stays missing: its datagram is reported */
            ipf_frag fr = {4, p + 12, p + 16, be16(p + 4), p[9], (uint32_t)(fw & 0x1FFF) * 8, (fw & 0x2000) != 0,
                           p + ihl, tot - ihl};
            fragment(r, &fr);
        }
        return;
    }
    ippair ip = {4, p + 12, p + 16, tot > len};
    size_t avail = tot > len ? len : tot; /* also drops Ethernet padding */
    l4(r, &ip, p[9], p + ihl, avail - ihl);
}

/* IPv6 extension headers from p[off] (next header nh) up to the upper layer.
 * frag: the fixed header, when a fragment header may follow (not inside a
 * reassembled datagram, whose fragmentable part cannot hold another). */
static void ipv6_chain(reader *r, const ippair *ip, uint8_t nh, const uint8_t *p, size_t off, size_t end,
                       bool frag)
{
    for (;;) {
        if (nh == 0 || nh == 43 || nh == 60) { /* hop-by-hop, routing, destination options */
            if (off + 8 > end) {
                truncated(r, off + 8, end);
                return;
            }
            size_t hl = ((size_t)p[off + 1] + 1) * 8;
            nh = p[off];
            off += hl;
            if (off > end) {
                truncated(r, off, end);
                return;
            }
        } else if (nh == 44) { /* fragment header (RFC 8200 4.5) */
            if (off + 8 > end) {
                truncated(r, off + 8, end);
                return;
            }
            uint16_t fw = be16(p + off + 2);
            if (!frag)
                return;
            if (fw & 0xFFF9) { /* an offset or M: one fragment; atomic ones (neither) are whole */
                if (!ip->short_) {
                    ipf_frag fr = {6, ip->src, ip->dst, be32(p + off + 4), p[off], (uint32_t)(fw & 0xFFF8),
                                   (fw & 1) != 0, p + off + 8, end - off - 8};
                    fragment(r, &fr);
                }
                return;
            }
            nh = p[off];
            off += 8;
        } else {
            break;
        }
    }
    l4(r, ip, nh, p + off, end - off);
}

static void ipv6(reader *r, const uint8_t *p, size_t len)
{
    if (len < 40 || (p[0] >> 4) != 6) {
        truncated(r, 40, len);
        return;
    }
    size_t plen = be16(p + 4);
    size_t tot = plen ? 40 + plen : len; /* zero: jumbogram or offload */
    ippair ip = {6, p + 8, p + 24, tot > len};
    size_t end = tot > len ? len : tot;
    ipv6_chain(r, &ip, p[6], p, 40, end, true);
}

static void network(reader *r, uint16_t etype, const uint8_t *p, size_t len)
{
    if (etype == 0x0800)
        ipv4(r, p, len);
    else if (etype == 0x86DD)
        ipv6(r, p, len);
}

/* Ethernet-style payload: skip 802.1Q / 802.1ad / legacy QinQ tags first. */
static void ethertype(reader *r, uint16_t etype, const uint8_t *p, size_t len)
{
    while (etype == 0x8100 || etype == 0x88A8 || etype == 0x9100) {
        if (len < 4) {
            truncated(r, 4, len);
            return;
        }
        etype = be16(p + 2);
        p += 4;
        len -= 4;
    }
    network(r, etype, p, len);
}

/* LINKTYPE_RTAC_SERIAL (capture.h): one serial line is one flow, a byte
 * stream per direction; a = the recording side (events DATA_TX_*). */
static void rtac_serial(reader *r, const uint8_t *p, size_t len)
{
    static const uint8_t none[16];
    if (len < DPC_RTAC_HEADER) {
        truncated(r, DPC_RTAC_HEADER, len);
        return;
    }
    uint8_t ev = p[8];
    bool tx = ev == DPC_RTAC_TX || ev == 0x03; /* DATA_TX_START, DATA_TX_END */
    if (!tx && ev != DPC_RTAC_RX && ev != 0x04) /* status changes, capture notes: no line data */
        return;
    fkey k;
    make_key(&k, 0, 0, none, tx ? 1 : 2, none, tx ? 2 : 1);
    uint32_t hash = key_hash(&k);
    entry *e = lookup(r, &k, hash);
    if (!e) {
        ippair ip = {0, none, none, false};
        fkey ka;
        make_key(&ka, 0, 0, none, 1, none, 2);
        e = create(r, &ka, hash, true, &ip, 1, 2);
        e->f.serial = true;
        open_flow(r, e);
    } else {
        touch(r, e);
    }
    r->st->dnp3_packets++;
    deliver(r, e, is_from_a(e, &k), p + DPC_RTAC_HEADER, len - DPC_RTAC_HEADER);
}

static void datalink(reader *r, const uint8_t *p, size_t len)
{
    switch (r->dlt) {
    case DPC_LINKTYPE_RTAC_SERIAL:
        rtac_serial(r, p, len);
        return;
    case DLT_EN10MB:
        if (len < 14) {
            truncated(r, 14, len);
            return;
        }
        ethertype(r, be16(p + 12), p + 14, len - 14);
        return;
    case DLT_LINUX_SLL:
        if (len < 16) {
            truncated(r, 16, len);
            return;
        }
        ethertype(r, be16(p + 14), p + 16, len - 16);
        return;
    case DLT_LINUX_SLL2:
        if (len < 20) {
            truncated(r, 20, len);
            return;
        }
        ethertype(r, be16(p), p + 20, len - 20);
        return;
    case DLT_NULL:
    case DLT_LOOP: {
        /* The family is in the capturing host's byte order (NULL) or network
         * order (LOOP), and files travel between hosts: accept either. IPv6's
         * AF_INET6 differs per BSD: 24, 28 or 30. */
        if (len < 4) {
            truncated(r, 4, len);
            return;
        }
        uint32_t fam = le32(p);
        if (fam > 0xFFFF)
            fam = be32(p);
        if (fam == 2)
            ipv4(r, p + 4, len - 4);
        else if (fam == 24 || fam == 28 || fam == 30)
            ipv6(r, p + 4, len - 4);
        return;
    }
    default: /* raw IP: the version nibble says which */
        if (len < 1) {
            truncated(r, 1, len);
            return;
        }
        if ((p[0] >> 4) == 4)
            ipv4(r, p, len);
        else if ((p[0] >> 4) == 6)
            ipv6(r, p, len);
        else
            truncated(r, 20, len);
        return;
    }
}

static bool supported(int dlt)
{
    return dlt == DPC_LINKTYPE_RTAC_SERIAL || dlt == DLT_EN10MB || dlt == DLT_LINUX_SLL || dlt == DLT_LINUX_SLL2 || dlt == DLT_NULL ||
           dlt == DLT_LOOP || dlt == DLT_RAW || dlt == DLT_IPV4 || dlt == DLT_IPV6;
}

/* ---- driver ---- */

static int cmp_id(const void *x, const void *y)
{
    uint32_t a = (*(entry *const *)x)->f.id, b = (*(entry *const *)y)->f.id;
    return a < b ? -1 : a > b;
}

/* End of input: close what is still open, in order of appearance. */
static void close_all(reader *r)
{
    entry **live = r->live;
    size_t n = 0;
    for (int32_t i = r->lru_head; i >= 0; i = r->e[i].next)
        live[n++] = &r->e[i];
    qsort(live, n, sizeof live[0], cmp_id);
    for (size_t i = 0; i < n; i++)
        close_flow(r, live[i]);
}

static void seterr(char *errbuf, size_t errcap, const char *msg)
{
    if (errbuf && errcap)
        snprintf(errbuf, errcap, "%s", msg);
}

/* One packet of any reader: count it, decode it, report progress. */
static void packet(reader *r, int dlt, uint64_t ts_us, uint32_t caplen, uint32_t wirelen, const uint8_t *data)
{
    r->pkt.frame++;
    r->pkt.ts_us = ts_us;
    r->pkt.caplen = caplen;
    r->pkt.wirelen = wirelen;
    r->st->packets++;
    r->st->bytes += caplen;
    r->dlt = dlt;
    if (r->frag && ipf_pending(r->frag))
        ipf_expire(r->frag, ts_us, frag_fail, r);
    datalink(r, data, caplen);
}

/* ---- pcapng fallback ----
 *
 * libpcap 1.10 refuses a pcapng file whose interfaces differ in snap length
 * or link type (what mergecap writes, e.g. shared/captures/ipal_transcriber).
 * When that happens mid-file, this small block reader reopens the input,
 * skips the records libpcap already delivered and carries on with the same
 * flow state, taking each packet's link type from its own interface. */

#define NG_MAX_BLOCK (16u * 1024 * 1024)

typedef struct ngif {
    int dlt;
    uint32_t snaplen;
    uint8_t tsresol; /* if_tsresol: 10^-v, or 2^-(v & 0x7F) when the high bit is set */
    int64_t tsoffset;
} ngif;

typedef struct ngreader {
    FILE *f;
    bool swap;
    ngif *ifs;
    size_t nifs, capifs;
    uint8_t *buf;
    size_t cap;
} ngreader;

static uint32_t ng32(const ngreader *g, const uint8_t *p) { return g->swap ? be32(p) : le32(p); }
static uint16_t ng16(const ngreader *g, const uint8_t *p)
{
    return g->swap ? be16(p) : (uint16_t)(p[0] | p[1] << 8);
}

static uint64_t ng_ts_us(const ngif *i, uint64_t ticks)
{
    uint64_t us;
    if (i->tsresol & 0x80) {
        unsigned v = i->tsresol & 0x7F;
        if (v > 63)
            return 0;
        uint64_t whole = v ? ticks >> v : ticks, frac = v ? ticks & (((uint64_t)1 << v) - 1) : 0;
        us = whole * 1000000u + (v <= 40 ? (frac * 1000000u) >> v : 0);
    } else {
        unsigned v = i->tsresol;
        us = ticks;
        for (unsigned k = v; k > 6; k--)
            us /= 10;
        for (unsigned k = v; k < 6; k++)
            us *= 10;
    }
    return us + (uint64_t)i->tsoffset * 1000000u; /* wraps rather than overflow on hostile input */
}

static bool ng_add_if(ngreader *g, const uint8_t *b, size_t n)
{
    if (n < 8)
        return false;
    if (g->nifs == g->capifs) {
        size_t nc = g->capifs ? g->capifs * 2 : 8;
        ngif *ni = realloc(g->ifs, nc * sizeof *ni);
        if (!ni)
            return false;
        g->ifs = ni;
        g->capifs = nc;
    }
    ngif *i = &g->ifs[g->nifs++];
    uint16_t lt = ng16(g, b);
    i->dlt = lt == 101 ? DLT_RAW : lt; /* LINKTYPE_ values equal DLT_ ones on Linux but RAW */
    i->snaplen = ng32(g, b + 4);
    i->tsresol = 6;
    i->tsoffset = 0;
    for (size_t o = 8; o + 4 <= n;) {
        uint16_t code = ng16(g, b + o), olen = ng16(g, b + o + 2);
        if (code == 0 || o + 4 + olen > n)
            break;
        if (code == 9 && olen >= 1)
            i->tsresol = b[o + 4];
        else if (code == 14 && olen >= 8)
            i->tsoffset = (int64_t)((uint64_t)ng32(g, b + o + (g->swap ? 4 : 8)) << 32 |
                                    ng32(g, b + o + (g->swap ? 8 : 4)));
        o += 4 + (((size_t)olen + 3) & ~(size_t)3);
    }
    return true;
}

/* Next packet record: 1 with *out filled, 0 at the end, -1 on a broken file. */
typedef struct ngpkt {
    int dlt;
    uint64_t ts_us;
    uint32_t caplen, wirelen;
    const uint8_t *data;
} ngpkt;

static int ng_next(ngreader *g, ngpkt *out, char *err, size_t errcap)
{
    for (;;) {
        uint8_t h[12];
        size_t got = fread(h, 1, 8, g->f);
        if (got == 0)
            return 0;
        if (got < 8)
            goto truncated;
        uint32_t type = le32(h);
        if (type == 0x0A0D0D0A) {
            if (fread(h + 8, 1, 4, g->f) != 4)
                goto truncated;
            uint32_t bom = le32(h + 8);
            if (bom == 0x1A2B3C4D)
                g->swap = false;
            else if (bom == 0x4D3C2B1A)
                g->swap = true;
            else {
                snprintf(err, errcap, "pcapng: bad byte-order magic");
                return -1;
            }
            g->nifs = 0; /* a new section has its own interfaces */
        } else {
            type = ng32(g, h);
        }
        uint32_t total = ng32(g, h + 4);
        size_t have = type == 0x0A0D0D0A ? 12 : 8;
        if (total < 12 || total % 4 || total > NG_MAX_BLOCK || total < have) {
            snprintf(err, errcap, "pcapng: bad block length %u", total);
            return -1;
        }
        size_t n = total - have; /* rest of the block, trailing length included */
        if (n > g->cap) {
            uint8_t *nb = realloc(g->buf, n);
            if (!nb) {
                snprintf(err, errcap, "out of memory");
                return -1;
            }
            g->buf = nb;
            g->cap = n;
        }
        if (fread(g->buf, 1, n, g->f) != n)
            goto truncated;
        const uint8_t *b = g->buf;
        size_t body = n - 4;
        if (type == 1) { /* interface description */
            if (!ng_add_if(g, b, body)) {
                snprintf(err, errcap, "pcapng: bad interface block");
                return -1;
            }
            continue;
        }
        uint32_t ifid, caplen, wirelen;
        uint64_t ticks;
        size_t hdr;
        if (type == 6) { /* enhanced packet */
            if (body < 20)
                goto bad;
            ifid = ng32(g, b);
            ticks = (uint64_t)ng32(g, b + 4) << 32 | ng32(g, b + 8);
            caplen = ng32(g, b + 12);
            wirelen = ng32(g, b + 16);
            hdr = 20;
        } else if (type == 2) { /* obsolete packet block */
            if (body < 20)
                goto bad;
            ifid = ng16(g, b);
            ticks = (uint64_t)ng32(g, b + 4) << 32 | ng32(g, b + 8);
            caplen = ng32(g, b + 12);
            wirelen = ng32(g, b + 16);
            hdr = 20;
        } else if (type == 3) { /* simple packet: interface 0, no time */
            if (body < 4 || g->nifs == 0)
                goto bad;
            ifid = 0;
            ticks = 0;
            wirelen = ng32(g, b);
            caplen = wirelen;
            if (g->ifs[0].snaplen && caplen > g->ifs[0].snaplen)
                caplen = g->ifs[0].snaplen;
            if (caplen > body - 4)
                caplen = (uint32_t)(body - 4);
            hdr = 4;
        } else {
            continue; /* statistics, name resolution, custom ... */
        }
        if (ifid >= g->nifs || caplen > body - hdr)
            goto bad;
        out->dlt = g->ifs[ifid].dlt;
        out->ts_us = type == 3 ? 0 : ng_ts_us(&g->ifs[ifid], ticks);
        out->caplen = caplen;
        out->wirelen = wirelen;
        out->data = b + hdr;
        return 1;
    }
truncated:
    snprintf(err, errcap, "pcapng: truncated file");
    return -1;
bad:
    snprintf(err, errcap, "pcapng: malformed packet block");
    return -1;
}

/* Where the input came from, so the fallback can open it again. */
typedef struct source {
    const char *path;
    const uint8_t *mem;
    size_t len;
} source;

static FILE *reopen(const source *src)
{
    if (src->path)
        return fopen(src->path, "rb");
    /* fmemopen wants a non-const buffer even for reading; "r" never writes. */
    return fmemopen((void *)(uintptr_t)src->mem, src->len, "r");
}

static bool is_pcapng(const source *src)
{
    uint8_t m[4] = {0};
    if (src->path) {
        FILE *f = fopen(src->path, "rb");
        if (!f)
            return false;
        size_t got = fread(m, 1, 4, f);
        fclose(f);
        if (got != 4)
            return false;
    } else if (src->len >= 4) {
        memcpy(m, src->mem, 4);
    }
    return le32(m) == 0x0A0D0D0A;
}

/* Continue with the pcapng reader after libpcap delivered `skip` records. */
static int ng_continue(reader *r, const source *src, uint64_t skip, char *errbuf, size_t errcap)
{
    ngreader g;
    memset(&g, 0, sizeof g);
    g.f = reopen(src);
    if (!g.f)
        return -1;
    char err[128] = "";
    ngpkt pk;
    int rc;
    uint64_t seen = 0;
    while ((rc = ng_next(&g, &pk, err, sizeof err)) == 1) {
        if (seen++ < skip)
            continue;
        if (supported(pk.dlt))
            packet(r, pk.dlt, pk.ts_us, pk.caplen, pk.wirelen, pk.data);
        else { /* still count it, so frame numbers match other tools */
            r->pkt.frame++;
            r->st->packets++;
            r->st->bytes += pk.caplen;
        }
    }
    fclose(g.f);
    free(g.buf);
    free(g.ifs);
    if (rc < 0) {
        seterr(errbuf, errcap, err);
        return -1;
    }
    return 0;
}

/* ---- classic pcap fast path ----
 *
 * libpcap opens and validates every file (and maps its link type), but its
 * per-record fread pair costs more than the whole rest of this reader: on a
 * 200 MB capture pcap_next_ex alone ran at about a fifth of a plain read.
 * For the classic format (four magics: micro/nano, either byte order) the
 * records are therefore walked here, over a large read() buffer or directly
 * in memory. Setting DNP3KIT_PCAP_USE_LIBPCAP in the environment forces the
 * libpcap path (the tests compare both). */

#define REC_MAX (256u * 1024)   /* libpcap's largest snap length */
/* read() in chunks small enough that the copy is still in L2 when parsed
 * (1 MiB chunks measured ~25% slower); the buffer also holds the largest record. */
#define RCHUNK (128u * 1024)
#define RBUF_SIZE (REC_MAX + 16 + RCHUNK)

typedef struct rbuf {
    int fd;               /* -1: memory */
    const uint8_t *mem;   /* memory input, or buf */
    size_t len;           /* valid octets at mem */
    size_t pos;           /* next record */
    uint8_t *buf;
    uint64_t base;        /* file offset of mem[0] */
    bool eof;
} rbuf;

/* Make n octets at b->pos contiguous; returns how many are available (< n at the end). */
static size_t fill(rbuf *b, size_t n)
{
    if (b->fd < 0 || b->len - b->pos >= n || b->eof)
        return b->len - b->pos < n ? b->len - b->pos : n;
    size_t keep = b->len - b->pos;
    memmove(b->buf, b->buf + b->pos, keep);
    b->base += b->pos;
    b->pos = 0;
    b->len = keep;
    while (b->len < n && !b->eof) {
        size_t room = RBUF_SIZE - b->len;
        ssize_t got = read(b->fd, b->buf + b->len, room < RCHUNK ? room : RCHUNK);
        if (got <= 0)
            b->eof = true;
        else
            b->len += (size_t)got;
    }
    return b->len < n ? b->len : n;
}

static int classic(reader *r, rbuf *b, bool swap, bool nano, int dlt, char *errbuf, size_t errcap,
                   void (*progress)(void *, uint64_t, uint64_t), uint64_t total)
{
    uint64_t next_progress = PROGRESS_STEP;
    for (;;) {
        size_t have = fill(b, 16);
        if (have == 0)
            return 0;
        if (have < 16) {
            if (errbuf && errcap)
                snprintf(errbuf, errcap, "truncated dump file; tried to read 16 header bytes, only got %zu",
                         have);
            return -1;
        }
        const uint8_t *h = b->mem + b->pos;
        uint32_t sec = swap ? be32(h) : le32(h), frac = swap ? be32(h + 4) : le32(h + 4);
        uint32_t caplen = swap ? be32(h + 8) : le32(h + 8), wirelen = swap ? be32(h + 12) : le32(h + 12);
        if (caplen > REC_MAX) {
            if (errbuf && errcap)
                snprintf(errbuf, errcap, "invalid packet capture length %u, bigger than maximum of %u", caplen,
                         REC_MAX);
            return -1;
        }
        have = fill(b, 16 + (size_t)caplen);
        if (have < 16 + (size_t)caplen) {
            if (errbuf && errcap)
                snprintf(errbuf, errcap, "truncated dump file; tried to read %u captured bytes, only got %zu",
                         caplen, have - 16);
            return -1;
        }
        h = b->mem + b->pos;
        b->pos += 16 + (size_t)caplen;
        packet(r, dlt, (uint64_t)sec * 1000000u + (nano ? frac / 1000u : frac), caplen, wirelen, h + 16);
        if (progress) {
            uint64_t done = b->base + b->pos;
            if (done >= next_progress) {
                progress(r->ctx, done, total);
                next_progress = done + PROGRESS_STEP;
            }
        }
    }
}

/* True, with swap and nano set, when the input is classic pcap with a standard magic. */
static bool classic_magic(const uint8_t m[4], bool *swap, bool *nano)
{
    uint32_t v = le32(m);
    *swap = v == 0xD4C3B2A1u || v == 0x4D3CB2A1u;
    *nano = v == 0xA1B23C4Du || v == 0x4D3CB2A1u;
    return v == 0xA1B2C3D4u || v == 0xA1B23C4Du || *swap;
}

/* Try the fast path; returns 1 if it ran (rc in *rc), 0 to use libpcap. */
static int try_classic(reader *r, const source *src, int dlt, int *rc, char *errbuf, size_t errcap,
                       void (*progress)(void *, uint64_t, uint64_t), uint64_t total)
{
    if (getenv("DNP3KIT_PCAP_USE_LIBPCAP"))
        return 0;
    bool swap, nano;
    rbuf b;
    memset(&b, 0, sizeof b);
    b.fd = -1;
    if (src->path) {
        b.fd = open(src->path, O_RDONLY);
        if (b.fd < 0)
            return 0;
        b.buf = malloc(RBUF_SIZE);
        if (!b.buf) {
            close(b.fd);
            return 0;
        }
        b.mem = b.buf;
        if (fill(&b, 24) < 24 || !classic_magic(b.mem, &swap, &nano)) {
            close(b.fd);
            free(b.buf);
            return 0;
        }
    } else {
        if (src->len < 24 || !classic_magic(src->mem, &swap, &nano))
            return 0;
        b.mem = src->mem;
        b.len = src->len;
    }
    b.pos = 24;
    *rc = classic(r, &b, swap, nano, dlt, errbuf, errcap, progress, total);
    if (b.fd >= 0)
        close(b.fd);
    free(b.buf);
    return 1;
}

static int run(pcap_t *pc, const source *src, const dpc_options *opt, const dpc_callbacks *cb, void *ctx,
               dpc_stats *stats, char *errbuf, size_t errcap, void (*progress)(void *, uint64_t, uint64_t),
               uint64_t total)
{
    static const dpc_callbacks none;
    dpc_options defopt;
    dpc_stats scratch;
    if (!opt) {
        dpc_options_default(&defopt);
        opt = &defopt;
    }
    if (!stats)
        stats = &scratch;
    memset(stats, 0, sizeof *stats);

    int dlt = pcap_datalink(pc);
    if (!supported(dlt)) {
        if (errbuf && errcap) {
            const char *name = pcap_datalink_val_to_name(dlt);
            snprintf(errbuf, errcap, "unsupported link type %d (%s)", dlt, name ? name : "unknown");
        }
        return -2;
    }
    reader *r = calloc(1, sizeof *r);
    if (!r) {
        seterr(errbuf, errcap, "out of memory");
        return -1;
    }
    r->opt = opt;
    r->cb = cb ? cb : &none;
    r->ctx = ctx;
    r->st = stats;
    r->dlt = dlt;
    for (size_t i = 0; i < opt->nports && i < DPC_MAX_PORTS; i++)
        r->ports[opt->ports[i] >> 6] |= (uint64_t)1 << (opt->ports[i] & 63);
    for (size_t i = 0; i < NBUCKETS; i++)
        r->bucket[i] = -1;
    r->lru_head = r->lru_tail = -1;
    for (int32_t i = 0; i < DPC_MAX_FLOWS; i++)
        r->e[i].next = i + 1 < DPC_MAX_FLOWS ? i + 1 : -1;
    r->free_head = 0;

    int ret = 0;
    if (try_classic(r, src, dlt, &ret, errbuf, errcap, progress, total))
        goto done;

    FILE *fp = pcap_file(pc);
    /* Progress runs on a cheap running estimate (record header + data);
     * ftell is consulted only when the estimate crosses the next MiB. */
    uint64_t approx = 24, next_progress = PROGRESS_STEP;
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1) {
        packet(r, dlt, (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec, hdr->caplen, hdr->len,
               data);
        approx += (uint64_t)hdr->caplen + 16;
        if (progress && approx >= next_progress) {
            long pos = fp ? ftell(fp) : -1;
            uint64_t done = pos >= 0 ? (uint64_t)pos : approx;
            progress(ctx, done, total);
            next_progress = approx + PROGRESS_STEP;
        }
    }
    if (rc == PCAP_ERROR) {
        seterr(errbuf, errcap, pcap_geterr(pc));
        ret = -1;
        if (is_pcapng(src) && ng_continue(r, src, stats->packets, errbuf, errcap) == 0) {
            ret = 0;
            seterr(errbuf, errcap, "");
        }
    }
done:
    if (r->frag)
        ipf_finish(r->frag, frag_fail, r);
    close_all(r);
    if (progress)
        progress(ctx, total, total);
    ipf_free(r->frag);
    free(r);
    return ret;
}

#ifdef DPC_HAVE_ZLIB
/* A gzip'd capture (what tshark reads too) is inflated into memory, at most
 * DPC_GZ_MAX octets, and read like any other: every reader path (classic,
 * pcapng, libpcap) then sees plain octets. */
#define DPC_GZ_MAX (1024u * 1024u * 1024u)

/* gzerror's message starts with the path; the caller names the file already. */
static const char *gz_msg(const char *m, const char *path)
{
    size_t n = strlen(path);
    return strncmp(m, path, n) == 0 && m[n] == ':' && m[n + 1] == ' ' ? m + n + 2 : m;
}

static uint8_t *gz_inflate(const char *path, size_t *len, char *errbuf, size_t errcap)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        snprintf(errbuf, errcap, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1u << 20, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf)
            break;
        if (n == cap) {
            if (cap >= DPC_GZ_MAX) {
                snprintf(errbuf, errcap, "more than %u MiB once decompressed (gunzip it first)", DPC_GZ_MAX >> 20);
                free(buf);
                gzclose(gz);
                return NULL;
            }
            uint8_t *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb, cap *= 2;
        }
        int got = gzread(gz, buf + n, (unsigned)(cap - n));
        if (got < 0) {
            int zerr;
            const char *m = gzerror(gz, &zerr);
            /* what inflated before the damage is kept: a truncated download still reads */
            snprintf(errbuf, errcap, "gzip: %s after %zu octets", gz_msg(m, path), n);
            break;
        }
        if (got == 0) {
            int zerr;
            const char *m = gzerror(gz, &zerr);
            if (zerr != Z_OK) /* a stream cut short ends with Z_BUF_ERROR, not a failed read */
                snprintf(errbuf, errcap, "gzip: %s after %zu octets", gz_msg(m, path), n);
            break;
        }
        n += (size_t)got;
    }
    gzclose(gz);
    if (!buf)
        snprintf(errbuf, errcap, "out of memory inflating the gzip'd capture");
    *len = n;
    return buf;
}
#endif

/* Compressed captures by their magic, never their name: n octets at m. */
static bool is_gzip(const uint8_t *m, size_t n) { return n >= 2 && m[0] == 0x1f && m[1] == 0x8b; }
static bool is_zstd(const uint8_t *m, size_t n)
{
    return n >= 4 && m[0] == 0x28 && m[1] == 0xB5 && m[2] == 0x2F && m[3] == 0xFD;
}

#if defined(DPC_HAVE_ZLIB) || defined(DPC_HAVE_ZSTD)
/* The first four octets of a file, to tell a compressed capture by its magic
 * (never by its name). */
static bool file_magic(const char *path, uint8_t m[4])
{
    memset(m, 0, 4);
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : NULL;
    if (!f)
        return false;
    size_t got = fread(m, 1, 4, f);
    fclose(f);
    return got >= 2;
}
#endif

#ifdef DPC_HAVE_ZSTD
/* A zstd-compressed capture (FILE.pcap.zst), decompressed into memory like a
 * gzip'd one, at most DPC_ZST_MAX octets; frames may follow each other (zstd
 * concatenates them). What decompressed before damage or a cut is kept. */
#define DPC_ZST_MAX (1024u * 1024u * 1024u)

static uint8_t *zst_decompress(const char *path, size_t *len, char *errbuf, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errbuf, errcap, "cannot open: %s", strerror(errno));
        return NULL;
    }
    ZSTD_DStream *zs = ZSTD_createDStream();
    size_t inCap = ZSTD_DStreamInSize();
    uint8_t *in = malloc(inCap);
    size_t cap = 1u << 20, n = 0;
    uint8_t *buf = malloc(cap);
    size_t last = 1; /* ZSTD_decompressStream's last hint: 0 when a frame is complete */
    bool fed = false;
    if (!zs || !in || !buf) {
        snprintf(errbuf, errcap, "out of memory decompressing the zstd capture");
        goto fail;
    }
    ZSTD_initDStream(zs);
    for (;;) {
        size_t got = fread(in, 1, inCap, f);
        if (got == 0) {
            if (ferror(f))
                snprintf(errbuf, errcap, "zstd: read error after %zu octets", n);
            else if (!fed)
                snprintf(errbuf, errcap, "zstd: empty input");
            else if (last != 0)
                snprintf(errbuf, errcap, "zstd: unexpected end of file after %zu octets", n);
            break;
        }
        fed = true;
        ZSTD_inBuffer ib = {in, got, 0};
        while (ib.pos < ib.size) {
            if (n == cap) {
                if (cap >= DPC_ZST_MAX) {
                    snprintf(errbuf, errcap, "more than %u MiB once decompressed (unzstd it first)",
                             DPC_ZST_MAX >> 20);
                    goto fail;
                }
                uint8_t *nb = realloc(buf, cap * 2);
                if (!nb) {
                    snprintf(errbuf, errcap, "out of memory decompressing the zstd capture");
                    goto fail;
                }
                buf = nb, cap *= 2;
            }
            ZSTD_outBuffer ob = {buf, cap, n};
            last = ZSTD_decompressStream(zs, &ob, &ib);
            n = ob.pos;
            if (ZSTD_isError(last)) {
                snprintf(errbuf, errcap, "zstd: %s after %zu octets", ZSTD_getErrorName(last), n);
                goto done;
            }
        }
    }
done:
    fclose(f);
    ZSTD_freeDStream(zs);
    free(in);
    *len = n;
    return buf;
fail:
    fclose(f);
    ZSTD_freeDStream(zs);
    free(in);
    free(buf);
    return NULL;
}
#endif

#if defined(DPC_HAVE_ZLIB) || defined(DPC_HAVE_ZSTD)
/* A compressed capture, decompressed in memory, read like any other. */
static int read_inflated(uint8_t *buf, size_t len, const char *derr, const dpc_options *opt,
                         const dpc_callbacks *cb, void *ctx, dpc_stats *stats, char *errbuf, size_t errcap,
                         void (*progress)(void *ctx, uint64_t done, uint64_t total))
{
    int rc = dpc_read_mem(buf, len, opt, cb, ctx, stats, errbuf, errcap);
    free(buf);
    if (derr[0]) { /* the damaged compressed file is the cause of whatever the reader saw after it */
        seterr(errbuf, errcap, derr);
        rc = -1;
    }
    if (progress)
        progress(ctx, len, len);
    return rc;
}
#endif

/* ---- streams ----
 *
 * Standard input and paths that are not regular files (FIFOs, sockets,
 * /dev/fd/N of a pipe) are read through a FILE whose read function looks
 * before it blocks: when the writer has nothing more for now (poll says not
 * ready), or DPC_IDLE_MAX_US have passed since the last time, on_idle is
 * called first, so what the packets read so far produced is delivered and
 * flushed while the reader waits (tcpdump -U -w - | dnp3-pcap check -). The
 * reader calls read() for a record only after it has processed the ones
 * before it, so every finding of those is out by then. */
typedef struct stream {
    int fd;
    const dpc_callbacks *cb;  /* set once the capture's header is read */
    void *ctx;
    uint64_t last_idle_us;
    /* A gzip'd or zstd-compressed stream is decompressed as it comes, through
     * a fixed input buffer: memory stays bounded however long the stream. */
    bool started, eof, failed, member_done;
    int codec;                /* STREAM_PLAIN, STREAM_GZIP, STREAM_ZSTD: by the first octets */
    uint8_t *in;
    size_t in_len, in_pos;
    uint64_t out_total;       /* decompressed octets so far, for the error */
    char err[192];            /* why decompression stopped; reported after the packets before it */
#ifdef DPC_HAVE_ZLIB
    z_stream z;
    bool z_init;
#endif
#ifdef DPC_HAVE_ZSTD
    ZSTD_DStream *zs;
    size_t zlast;             /* ZSTD_decompressStream's last hint: 0 when a frame is complete */
#endif
} stream;

enum { STREAM_PLAIN, STREAM_GZIP, STREAM_ZSTD };
#define STREAM_IN (64u * 1024u)

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* read(2) from the stream, after telling the consumer when it would wait */
static ssize_t raw_read(stream *s, void *buf, size_t n)
{
    if (s->cb && s->cb->on_idle) {
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        uint64_t t = mono_us();
        if (poll(&p, 1, 0) == 0 || t - s->last_idle_us >= DPC_IDLE_MAX_US) {
            s->cb->on_idle(s->ctx);
            s->last_idle_us = t;
        }
    }
    for (;;) {
        ssize_t got = read(s->fd, buf, n);
        if (got < 0 && errno == EINTR)
            continue;
        return got;
    }
}

#if defined(DPC_HAVE_ZLIB) || defined(DPC_HAVE_ZSTD)
/* More compressed input, when what is buffered is used up: false at the end
 * of the stream (or on a read error, which is recorded). */
static bool refill(stream *s)
{
    if (s->in_pos < s->in_len)
        return true;
    if (s->eof)
        return false;
    ssize_t got = raw_read(s, s->in, STREAM_IN);
    if (got <= 0) {
        s->eof = true;
        if (got < 0) {
            s->failed = true;
            snprintf(s->err, sizeof s->err, "read: %s after %" PRIu64 " decompressed octets", strerror(errno),
                     s->out_total);
        }
        return false;
    }
    s->in_len = (size_t)got;
    s->in_pos = 0;
    return true;
}
#endif

#ifdef DPC_HAVE_ZLIB
/* gzip members one after another (gzip -c a b, pigz) inflate as one stream;
 * octets after a member that do not start another are ignored, as gunzip
 * and zlib's gzread ignore them. */
static ssize_t gz_stream_read(stream *s, char *buf, size_t n)
{
    for (;;) {
        if (s->member_done) {
            if (!refill(s))
                return 0;
            size_t rem = s->in_len - s->in_pos;
            if (rem < 2 && !s->eof) { /* one octet of what follows: read the next */
                memmove(s->in, s->in + s->in_pos, rem);
                s->in_len = rem, s->in_pos = 0;
                ssize_t got = raw_read(s, s->in + rem, STREAM_IN - rem);
                if (got <= 0)
                    s->eof = true;
                else
                    s->in_len += (size_t)got;
                rem = s->in_len;
            }
            if (rem < 2 || s->in[s->in_pos] != 0x1f || s->in[s->in_pos + 1] != 0x8b) {
                s->eof = true, s->in_pos = s->in_len; /* trailing octets, not a member: ignored */
                return 0;
            }
            if (inflateReset(&s->z) != Z_OK)
                return 0;
            s->member_done = false;
        }
        s->z.next_in = s->in + s->in_pos;
        s->z.avail_in = (uInt)(s->in_len - s->in_pos);
        s->z.next_out = (Bytef *)buf;
        s->z.avail_out = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
        size_t before = s->in_pos;
        int r = inflate(&s->z, Z_NO_FLUSH);
        size_t made = (size_t)((Bytef *)s->z.next_out - (Bytef *)buf);
        s->in_pos = s->in_len - s->z.avail_in;
        if (r == Z_BUF_ERROR && !made && s->in_pos == before && s->in_pos < s->in_len)
            r = Z_DATA_ERROR; /* input left and room for output, yet no progress: never loop on it */
        if (r == Z_STREAM_END)
            s->member_done = true;
        else if (r != Z_OK && r != Z_BUF_ERROR) {
            s->failed = true;
            snprintf(s->err, sizeof s->err, "gzip: %s after %" PRIu64 " octets", s->z.msg ? s->z.msg : "data error",
                     s->out_total + made);
        }
        s->out_total += made;
        if (made)
            return (ssize_t)made;
        if (s->failed)
            return 0;
        if (!s->member_done && s->in_pos == s->in_len && !refill(s)) {
            if (!s->failed) {
                s->failed = true;
                snprintf(s->err, sizeof s->err, "gzip: unexpected end of file after %" PRIu64 " octets",
                         s->out_total);
            }
            return 0;
        }
    }
}
#endif

#ifdef DPC_HAVE_ZSTD
/* zstd frames one after another decompress as one stream (as zstd -d does). */
static ssize_t zst_stream_read(stream *s, char *buf, size_t n)
{
    for (;;) {
        ZSTD_inBuffer ib = {s->in, s->in_len, s->in_pos};
        ZSTD_outBuffer ob = {buf, n, 0};
        size_t r = ZSTD_decompressStream(s->zs, &ob, &ib);
        bool moved = ib.pos != s->in_pos || ob.pos != 0;
        s->in_pos = ib.pos;
        if (!moved && !ZSTD_isError(r) && s->in_pos < s->in_len) {
            s->failed = true; /* input left and room for output, yet no progress: never loop on it */
            snprintf(s->err, sizeof s->err, "zstd: no progress after %" PRIu64 " octets", s->out_total);
            return 0;
        }
        if (!moved && !ZSTD_isError(r))
            r = s->zlast; /* an idle call after a frame's end hints at the next frame: not a cut */
        if (ZSTD_isError(r)) {
            s->failed = true;
            snprintf(s->err, sizeof s->err, "zstd: %s after %" PRIu64 " octets", ZSTD_getErrorName(r),
                     s->out_total + ob.pos);
        } else
            s->zlast = r;
        s->out_total += ob.pos;
        if (ob.pos)
            return (ssize_t)ob.pos;
        if (s->failed)
            return 0;
        if (ob.pos == 0 && s->in_pos == s->in_len && !refill(s)) {
            if (!s->failed && s->zlast != 0) {
                s->failed = true;
                snprintf(s->err, sizeof s->err, "zstd: unexpected end of file after %" PRIu64 " octets",
                         s->out_total);
            }
            return 0;
        }
    }
}
#endif

/* The first octets decide: plain, gzip (1f 8b) or zstd (28 b5 2f fd). */
static bool stream_start(stream *s)
{
    s->started = true;
    s->in = calloc(1, STREAM_IN);
    if (!s->in)
        return false;
    while (s->in_len < 4) {
        ssize_t got = raw_read(s, s->in + s->in_len, STREAM_IN - s->in_len);
        if (got <= 0) {
            s->eof = true;
            break;
        }
        s->in_len += (size_t)got;
    }
#ifdef DPC_HAVE_ZLIB
    if (is_gzip(s->in, s->in_len)) {
        if (inflateInit2(&s->z, 15 + 16) != Z_OK) /* 16: a gzip header and trailer */
            return false;
        s->z_init = true;
        s->codec = STREAM_GZIP;
    }
#endif
#ifdef DPC_HAVE_ZSTD
    if (is_zstd(s->in, s->in_len)) {
        s->zs = ZSTD_createDStream();
        if (!s->zs)
            return false;
        ZSTD_initDStream(s->zs);
        s->zlast = 1;
        s->codec = STREAM_ZSTD;
    }
#endif
    return true;
}

static ssize_t stream_read(void *cookie, char *buf, size_t n)
{
    stream *s = cookie;
    if (!s->started && !stream_start(s)) {
        errno = ENOMEM;
        return -1;
    }
    switch (s->codec) {
#ifdef DPC_HAVE_ZLIB
    case STREAM_GZIP: return gz_stream_read(s, buf, n);
#endif
#ifdef DPC_HAVE_ZSTD
    case STREAM_ZSTD: return zst_stream_read(s, buf, n);
#endif
    default:
        break;
    }
    if (s->in_pos < s->in_len) { /* the octets read to tell the format */
        size_t k = s->in_len - s->in_pos < n ? s->in_len - s->in_pos : n;
        memcpy(buf, s->in + s->in_pos, k);
        s->in_pos += k;
        return (ssize_t)k;
    }
    return raw_read(s, buf, n);
}

static void stream_free(stream *s)
{
#ifdef DPC_HAVE_ZLIB
    if (s->z_init)
        inflateEnd(&s->z);
#endif
#ifdef DPC_HAVE_ZSTD
    if (s->zs)
        ZSTD_freeDStream(s->zs);
#endif
    free(s->in);
    free(s);
}

/* A stream to read as it comes: "-" when standard input is not a regular
 * file, or a path that is not one. *fd is the descriptor (opened for a path). */
static bool open_stream(const char *path, int *fd)
{
    struct stat sb;
    if (!strcmp(path, "-")) {
        if (fstat(STDIN_FILENO, &sb) == 0 && S_ISREG(sb.st_mode))
            return false;
        *fd = STDIN_FILENO;
        return true;
    }
    if (stat(path, &sb) != 0 || S_ISREG(sb.st_mode))
        return false;
    *fd = open(path, O_RDONLY);
    return *fd >= 0;
}

static int read_stream(int fd, bool own, const dpc_options *opt, const dpc_callbacks *cb, void *ctx,
                       dpc_stats *stats, char *errbuf, size_t errcap,
                       void (*progress)(void *ctx, uint64_t done, uint64_t total))
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    stream *s = calloc(1, sizeof *s);
    cookie_io_functions_t io = {.read = stream_read};
    FILE *f = s ? fopencookie(s, "r", io) : NULL;
    if (!f) {
        seterr(errbuf, errcap, "out of memory");
        if (s)
            stream_free(s);
        if (own)
            close(fd);
        return -1;
    }
    s->fd = fd;
    pcap_t *pc = pcap_fopen_offline(f, perr);
    int rc = -1;
    if (!pc) {
        fclose(f);
        /* the first octets are still in s->in: a plain stream reads the rest past it */
        bool gz = s->codec == STREAM_PLAIN && is_gzip(s->in, s->in_len);
        bool zst = s->codec == STREAM_PLAIN && is_zstd(s->in, s->in_len);
        if (s->err[0]) /* a compressed stream damaged before the capture's header */
            seterr(errbuf, errcap, s->err);
        else if (gz || zst) /* built without the library that would decompress it */
            snprintf(errbuf, errcap, "%s input on a pipe is not decompressed: %s FILE | dnp3-pcap ... -, or name the file",
                     gz ? "gzip'd" : "zstd-compressed", gz ? "zcat" : "zstdcat");
        else
            seterr(errbuf, errcap, perr);
    } else {
        s->cb = cb;
        s->ctx = ctx;
        source src = {NULL, NULL, 0}; /* neither the fast path nor a second pass: a stream reads once */
        rc = run(pc, &src, opt, cb, ctx, stats, errbuf, errcap, progress, 0);
        pcap_close(pc); /* closes f */
        if (s->err[0]) { /* the damaged compressed stream is the cause of whatever the reader saw after it */
            seterr(errbuf, errcap, s->err);
            rc = -1;
        }
    }
    stream_free(s);
    if (own)
        close(fd);
    return rc;
}

int dpc_read_file(const char *path, const dpc_options *opt, const dpc_callbacks *cb, void *ctx,
                  dpc_stats *stats, char *errbuf, size_t errcap,
                  void (*progress)(void *ctx, uint64_t done, uint64_t total))
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    if (stats)
        memset(stats, 0, sizeof *stats);
    int sfd;
    if (open_stream(path, &sfd))
        return read_stream(sfd, sfd != STDIN_FILENO, opt, cb, ctx, stats, errbuf, errcap, progress);
#if defined(DPC_HAVE_ZLIB) || defined(DPC_HAVE_ZSTD)
    uint8_t magic[4];
    if (file_magic(path, magic)) {
        size_t len = 0;
        char derr[256] = "";
        uint8_t *buf = NULL;
        bool compressed = false;
#ifdef DPC_HAVE_ZLIB
        if (is_gzip(magic, sizeof magic)) { /* file_magic zero-fills what the file lacks */
            compressed = true;
            buf = gz_inflate(path, &len, derr, sizeof derr);
        }
#endif
#ifdef DPC_HAVE_ZSTD
        if (is_zstd(magic, sizeof magic)) {
            compressed = true;
            buf = zst_decompress(path, &len, derr, sizeof derr);
        }
#endif
        if (compressed) {
            if (!buf) {
                seterr(errbuf, errcap, derr);
                return -1;
            }
            return read_inflated(buf, len, derr, opt, cb, ctx, stats, errbuf, errcap, progress);
        }
    }
#endif
    pcap_t *pc = pcap_open_offline(path, perr);
    if (!pc) {
        seterr(errbuf, errcap, perr);
        return -1;
    }
    struct stat sb;
    uint64_t total = stat(path, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    source src = {path, NULL, 0};
    int rc = run(pc, &src, opt, cb, ctx, stats, errbuf, errcap, progress, total);
    pcap_close(pc);
    return rc;
}

int dpc_read_mem(const uint8_t *p, size_t len, const dpc_options *opt, const dpc_callbacks *cb,
                 void *ctx, dpc_stats *stats, char *errbuf, size_t errcap)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    if (stats)
        memset(stats, 0, sizeof *stats);
    if (!p || len == 0) {
        seterr(errbuf, errcap, "empty capture");
        return -1;
    }
    source src = {NULL, p, len};
    FILE *f = reopen(&src);
    if (!f) {
        seterr(errbuf, errcap, "fmemopen failed");
        return -1;
    }
    pcap_t *pc = pcap_fopen_offline(f, perr);
    if (!pc) {
        fclose(f);
        seterr(errbuf, errcap, perr);
        return -1;
    }
    int rc = run(pc, &src, opt, cb, ctx, stats, errbuf, errcap, NULL, len);
    pcap_close(pc); /* closes f */
    return rc;
}
