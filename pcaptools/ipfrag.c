/*
 * IP fragment reassembly (see ipfrag.h for the contract and the bounds).
 *
 * Each datagram keeps its received octets in one buffer (grown as fragments
 * extend it, never past IPF_MAX_OCTETS) and a sorted list of the disjoint
 * pieces received. Datagrams are found through a small hash table and kept
 * on an age list (oldest first) for timeouts and eviction. Fragments are rare
 * in DNP3 traffic; nothing here runs for unfragmented packets.
 */
#include "ipfrag.h"

#include <stdlib.h>
#include <string.h>

#define NBUCKETS 2048u

typedef struct piece {
    uint32_t lo, hi; /* [lo, hi) */
} piece;

typedef struct dgram {
    struct dgram *hnext;       /* hash chain */
    struct dgram *older, *newer;
    uint8_t family, proto;     /* proto: part of the IPv4 key; IPv6: from the first fragment */
    uint8_t src[16], dst[16];
    uint32_t id;
    uint64_t first_ts;
    uint64_t first_frame;
    uint8_t *data;
    size_t cap;
    uint32_t end;              /* the datagram's length, when have_end */
    bool have_end;
    bool failed;               /* already reported; absorbs its fragments until the timeout */
    uint32_t npieces;
    piece pieces[IPF_MAX_PIECES];
} dgram;

struct ipf_table {
    ipf_limits lim;
    size_t memory;             /* sum of data capacities */
    size_t count;
    dgram *oldest, *newest;
    dgram *bucket[NBUCKETS];
};

ipf_table *ipf_new(const ipf_limits *lim)
{
    ipf_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (lim)
        t->lim = *lim;
    if (!t->lim.memory)
        t->lim.memory = IPF_MEMORY;
    if (!t->lim.datagrams)
        t->lim.datagrams = IPF_MAX_DATAGRAMS;
    if (!t->lim.timeout_us)
        t->lim.timeout_us = IPF_TIMEOUT_US;
    return t;
}

static size_t alen(uint8_t family) { return family == 6 ? 16 : 4; }

static uint32_t hash(uint8_t family, const uint8_t *src, const uint8_t *dst, uint32_t id)
{
    uint32_t h = 2166136261u ^ family;
    for (size_t i = 0; i < alen(family); i++)
        h = (h ^ src[i] ^ ((uint32_t)dst[i] << 8)) * 16777619u;
    h = (h ^ id) * 16777619u;
    return (h ^ (h >> 15)) & (NBUCKETS - 1);
}

static dgram **find(ipf_table *t, const ipf_frag *fr)
{
    uint8_t proto = fr->family == 4 ? fr->proto : 0;
    dgram **pp = &t->bucket[hash(fr->family, fr->src, fr->dst, fr->id)];
    for (; *pp; pp = &(*pp)->hnext) {
        dgram *d = *pp;
        if (d->family == fr->family && d->id == fr->id && (fr->family == 6 || d->proto == proto) &&
            !memcmp(d->src, fr->src, alen(fr->family)) && !memcmp(d->dst, fr->dst, alen(fr->family)))
            return pp;
    }
    return pp;
}

static void release_data(ipf_table *t, dgram *d)
{
    t->memory -= d->cap;
    free(d->data);
    d->data = NULL;
    d->cap = 0;
}

static void unlink_free(ipf_table *t, dgram *d)
{
    dgram **pp = &t->bucket[hash(d->family, d->src, d->dst, d->id)];
    while (*pp != d)
        pp = &(*pp)->hnext;
    *pp = d->hnext;
    if (d->older)
        d->older->newer = d->newer;
    else
        t->oldest = d->newer;
    if (d->newer)
        d->newer->older = d->older;
    else
        t->newest = d->older;
    release_data(t, d);
    t->count--;
    free(d);
}

static uint32_t received(const dgram *d)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->npieces; i++)
        n += d->pieces[i].hi - d->pieces[i].lo;
    return n;
}

/* Report d as dropped for `code` and stop collecting its octets. */
static void fail_dgram(ipf_table *t, dgram *d, dnp3kit_finding_code code, uint64_t expected, uint64_t actual,
                       uint8_t qualifier, ipf_fail_fn fn, void *ctx)
{
    if (d->failed)
        return;
    d->failed = true;
    if (fn) {
        ipf_fail x;
        memset(&x, 0, sizeof x);
        x.family = d->family;
        x.proto = d->proto;
        x.src = d->src;
        x.dst = d->dst;
        if (d->npieces && d->pieces[0].lo == 0) {
            x.head = d->data;
            x.headlen = d->pieces[0].hi;
        }
        x.f.code = code;
        x.f.offset = SIZE_MAX;
        x.f.expected = expected;
        x.f.actual = actual;
        x.f.index = (uint32_t)d->first_frame;
        x.f.func = d->family;
        x.f.qualifier = qualifier;
        fn(ctx, &x);
    }
    release_data(t, d);
    d->npieces = 0;
}

static void fail_incomplete(ipf_table *t, dgram *d, bool timed_out, ipf_fail_fn fn, void *ctx)
{
    fail_dgram(t, d, DNP3KIT_F_IP_FRAGMENT_INCOMPLETE, d->have_end ? d->end : 0, received(d), timed_out, fn, ctx);
}

void ipf_expire(ipf_table *t, uint64_t ts, ipf_fail_fn fn, void *ctx)
{
    while (t->oldest && ts > t->oldest->first_ts && ts - t->oldest->first_ts > t->lim.timeout_us) {
        dgram *d = t->oldest;
        fail_incomplete(t, d, true, fn, ctx);
        unlink_free(t, d);
    }
}

/* Make room for `need` more octets of data (or one more datagram when need is
 * 0) by dropping the oldest datagrams other than keep. False: cannot. */
static bool make_room(ipf_table *t, dgram *keep, size_t need, ipf_fail_fn fn, void *ctx)
{
    while (need ? t->memory + need > t->lim.memory : t->count >= t->lim.datagrams) {
        dgram *d = t->oldest;
        if (d == keep)
            d = d->newer;
        if (!d)
            return false;
        if (need)
            fail_dgram(t, d, DNP3KIT_F_IP_FRAGMENT_LIMIT, t->lim.memory, t->memory + need, IPF_LIM_MEMORY, fn,
                       ctx);
        else
            fail_dgram(t, d, DNP3KIT_F_IP_FRAGMENT_LIMIT, t->lim.datagrams, t->count + 1, IPF_LIM_DATAGRAMS, fn,
                       ctx);
        unlink_free(t, d);
    }
    return true;
}

/* Insert [lo, hi) into the sorted disjoint pieces, merging neighbours.
 * False when that would need more than IPF_MAX_PIECES pieces. */
static bool add_piece(dgram *d, uint32_t lo, uint32_t hi)
{
    uint32_t i = 0;
    while (i < d->npieces && d->pieces[i].hi < lo)
        i++;
    uint32_t j = i;
    while (j < d->npieces && d->pieces[j].lo <= hi) {
        if (d->pieces[j].lo < lo)
            lo = d->pieces[j].lo;
        if (d->pieces[j].hi > hi)
            hi = d->pieces[j].hi;
        j++;
    }
    /* pieces[i..j) merge into one */
    if (i == j) {
        if (d->npieces == IPF_MAX_PIECES)
            return false;
        memmove(&d->pieces[i + 1], &d->pieces[i], (d->npieces - i) * sizeof(piece));
        d->npieces++;
    } else if (j > i + 1) {
        memmove(&d->pieces[i + 1], &d->pieces[j], (d->npieces - j) * sizeof(piece));
        d->npieces -= j - i - 1;
    }
    d->pieces[i].lo = lo;
    d->pieces[i].hi = hi;
    return true;
}

/* Do the octets of [lo, hi) already held equal p? */
static bool consistent(const dgram *d, uint32_t lo, uint32_t hi, const uint8_t *p)
{
    for (uint32_t i = 0; i < d->npieces; i++) {
        uint32_t a = d->pieces[i].lo > lo ? d->pieces[i].lo : lo;
        uint32_t b = d->pieces[i].hi < hi ? d->pieces[i].hi : hi;
        if (a < b && memcmp(d->data + a, p + (a - lo), b - a) != 0)
            return false;
    }
    return true;
}

uint8_t *ipf_add(ipf_table *t, const ipf_frag *fr, uint64_t ts, uint64_t frame, ipf_fail_fn fn, void *ctx,
                 size_t *len, uint8_t *proto)
{
    ipf_expire(t, ts, fn, ctx);
    dgram **pp = find(t, fr);
    dgram *d = *pp;
    if (!d) {
        if (!make_room(t, NULL, 0, fn, ctx))
            return NULL;
        pp = find(t, fr); /* eviction may have changed the chain */
        d = calloc(1, sizeof *d);
        if (!d)
            return NULL;
        d->family = fr->family;
        d->proto = fr->family == 4 ? fr->proto : 0;
        memcpy(d->src, fr->src, alen(fr->family));
        memcpy(d->dst, fr->dst, alen(fr->family));
        d->id = fr->id;
        d->first_ts = ts;
        d->first_frame = frame;
        *pp = d;
        d->older = t->newest;
        if (t->newest)
            t->newest->newer = d;
        else
            t->oldest = d;
        t->newest = d;
        t->count++;
    }
    if (d->failed || (fr->more && fr->len == 0)) /* an empty middle fragment adds nothing */
        return NULL;
    uint64_t lo = fr->offset, hi = lo + fr->len;
    if (hi > IPF_MAX_OCTETS) {
        fail_dgram(t, d, DNP3KIT_F_IP_FRAGMENT_LIMIT, IPF_MAX_OCTETS, hi, IPF_LIM_OCTETS, fn, ctx);
        return NULL;
    }
    /* The last fragment fixes the end; every fragment must keep within it. */
    if ((!fr->more && d->have_end && hi != d->end) || (!fr->more && d->npieces && d->pieces[d->npieces - 1].hi > hi) ||
        (d->have_end && hi > d->end)) {
        fail_dgram(t, d, DNP3KIT_F_IP_FRAGMENT_OVERLAP, d->have_end ? d->end : 0, lo, 0, fn, ctx);
        return NULL;
    }
    if (hi > d->cap) {
        size_t ncap = d->cap * 2 > hi ? d->cap * 2 : (size_t)hi;
        if (ncap > IPF_MAX_OCTETS)
            ncap = IPF_MAX_OCTETS;
        if (!make_room(t, d, ncap - d->cap, fn, ctx)) {
            fail_dgram(t, d, DNP3KIT_F_IP_FRAGMENT_LIMIT, t->lim.memory, t->memory + (ncap - d->cap), IPF_LIM_MEMORY,
                       fn, ctx);
            return NULL;
        }
        uint8_t *nd = realloc(d->data, ncap);
        if (!nd)
            return NULL;
        t->memory += ncap - d->cap;
        d->data = nd;
        d->cap = ncap;
    }
    if (!consistent(d, (uint32_t)lo, (uint32_t)hi, fr->data)) {
        fail_dgram(t, d, DNP3KIT_F_IP_FRAGMENT_OVERLAP, d->have_end ? d->end : 0, lo, 0, fn, ctx);
        return NULL;
    }
    if (fr->len && !add_piece(d, (uint32_t)lo, (uint32_t)hi)) {
        fail_dgram(t, d, DNP3KIT_F_IP_FRAGMENT_LIMIT, IPF_MAX_PIECES, IPF_MAX_PIECES + 1, IPF_LIM_PIECES, fn, ctx);
        return NULL;
    }
    if (fr->len)
        memcpy(d->data + lo, fr->data, fr->len);
    if (!fr->more) {
        d->have_end = true;
        d->end = (uint32_t)hi;
    }
    if (lo == 0 && fr->family == 6)
        d->proto = fr->proto;
    if (!d->have_end || d->npieces != 1 || d->pieces[0].lo != 0 || d->pieces[0].hi != d->end)
        return NULL;
    uint8_t *out = d->data;
    *len = d->end;
    *proto = d->proto;
    t->memory -= d->cap;
    d->data = NULL;
    d->cap = 0;
    unlink_free(t, d);
    return out;
}

void ipf_finish(ipf_table *t, ipf_fail_fn fn, void *ctx)
{
    while (t->oldest) {
        dgram *d = t->oldest;
        fail_incomplete(t, d, false, fn, ctx);
        unlink_free(t, d);
    }
}

void ipf_free(ipf_table *t)
{
    if (!t)
        return;
    ipf_finish(t, NULL, NULL);
    free(t);
}

size_t ipf_pending(const ipf_table *t) { return t ? t->count : 0; }
