/* Two-stage pipeline for dpe_run_file: the calling thread reads the capture
 * (libpcap/pcap parsing, IP, TCP reassembly) and records what it delivers as
 * events in fixed-size chunks; a worker thread replays the events, in order,
 * into the engine (link, transport, application, session). One producer, one
 * consumer, FIFO: the engine sees exactly the sequence of calls it would see
 * single-threaded, so reports are identical. Memory: NCHUNKS x CHUNK_SIZE. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

#define CHUNK_SIZE (1u << 20)
#define NCHUNKS 8
#define FLOW_BUCKETS 8192

enum { EV_OPEN = 1, EV_DATA, EV_GAP, EV_FINDING, EV_CLOSE, EV_PROGRESS, EV_IDLE };

/* Event header; payload (data octets, a finding or a flow) follows, padded to 8. */
typedef struct ev {
    uint8_t type;
    uint8_t from_a;
    uint8_t has_flow;
    uint32_t flow_id;
    uint32_t len;       /* payload octets */
    uint64_t missing;   /* EV_GAP; EV_PROGRESS: octets read (total in pkt.ts_us) */
    dpc_packet pkt;
} ev;

typedef struct chunk {
    uint8_t *buf;
    size_t used;
    bool full;          /* handed to the consumer */
} chunk;

/* The consumer's copy of a flow (the reader's may be gone when an event is replayed). */
typedef struct wflow {
    dpc_flow f;
    struct wflow *next;
} wflow;

typedef struct pipe {
    const dpc_callbacks *cb; /* the engine's callbacks */
    void *ctx;
    chunk chunks[NCHUNKS];
    size_t prod, cons;       /* chunk indices (mod NCHUNKS) */
    bool done;               /* producer finished */
    bool failed;             /* out of memory: fall back to direct calls */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    wflow *flows[FLOW_BUCKETS];
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *pctx;
} pipe_t;

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* ---- producer side ---- */

static void hand_over(pipe_t *pp)
{
    pthread_mutex_lock(&pp->mu);
    pp->chunks[pp->prod].full = true;
    pp->prod = (pp->prod + 1) % NCHUNKS;
    pthread_cond_broadcast(&pp->cv);
    while (pp->chunks[pp->prod].full)
        pthread_cond_wait(&pp->cv, &pp->mu);
    pp->chunks[pp->prod].used = 0;
    pthread_mutex_unlock(&pp->mu);
}

static void put(pipe_t *pp, const ev *e, const void *payload)
{
    size_t need = pad8(sizeof *e) + pad8(e->len);
    chunk *c = &pp->chunks[pp->prod];
    if (c->used + need > CHUNK_SIZE) {
        hand_over(pp);
        c = &pp->chunks[pp->prod];
    }
    memcpy(c->buf + c->used, e, sizeof *e);
    if (payload && e->len) /* test both: gcc inlines NULL from p_gap/p_close and warns */
        memcpy(c->buf + c->used + pad8(sizeof *e), payload, e->len);
    c->used += need;
}

static void ev_init(ev *e, uint8_t type, const dpc_flow *f, bool from_a, const dpc_packet *pkt)
{
    memset(e, 0, sizeof *e);
    e->type = type;
    e->from_a = from_a;
    e->has_flow = f != NULL;
    e->flow_id = f ? f->id : 0;
    if (pkt)
        e->pkt = *pkt;
}

static void p_open(void *ctx, dpc_flow *f, const dpc_packet *pkt)
{
    ev e;
    ev_init(&e, EV_OPEN, f, true, pkt);
    e.len = sizeof *f;
    put(ctx, &e, f);
}

static void p_data(void *ctx, dpc_flow *f, bool from_a, const uint8_t *p, size_t len, const dpc_packet *pkt)
{
    pipe_t *pp = ctx;
    /* A delivery larger than a chunk is split; the engine takes any chunking. */
    size_t max = CHUNK_SIZE - pad8(sizeof(ev)) - 8;
    while (len > 0) {
        size_t n = len < max ? len : max;
        ev e;
        ev_init(&e, EV_DATA, f, from_a, pkt);
        e.len = (uint32_t)n;
        put(pp, &e, p);
        p += n;
        len -= n;
    }
}

static void p_gap(void *ctx, dpc_flow *f, bool from_a, uint64_t missing, const dpc_packet *pkt)
{
    ev e;
    ev_init(&e, EV_GAP, f, from_a, pkt);
    e.missing = missing;
    put(ctx, &e, NULL);
}

static void p_finding(void *ctx, dpc_flow *f, bool from_a, const dnp3kit_finding *fi, const dpc_packet *pkt)
{
    ev e;
    ev_init(&e, EV_FINDING, f, from_a, pkt);
    e.len = sizeof *fi;
    put(ctx, &e, fi);
}

static void p_close(void *ctx, dpc_flow *f, const dpc_packet *pkt)
{
    ev e;
    ev_init(&e, EV_CLOSE, f, true, pkt);
    put(ctx, &e, NULL);
}

/* Progress goes through the pipe like any event: the consumer reports it in
 * order with the findings and records it prints, so all output (and the
 * progress line a terminal shows between it) comes from one thread. */
static void p_progress(void *ctx, uint64_t done, uint64_t total)
{
    ev e;
    ev_init(&e, EV_PROGRESS, NULL, true, NULL);
    e.missing = done;
    e.pkt.ts_us = total;
    put(ctx, &e, NULL);
}

/* The reader waits for a stream's writer (or has not paused for a while):
 * hand the partly filled chunk over now, with an idle event at its end, so
 * the consumer processes and flushes everything read so far instead of
 * waiting for the chunk to fill. */
static void p_idle(void *ctx)
{
    pipe_t *pp = ctx;
    ev e;
    ev_init(&e, EV_IDLE, NULL, true, NULL);
    put(pp, &e, NULL);
    hand_over(pp);
}

static const dpc_callbacks producer_cb = {p_open, p_data, p_gap, p_finding, p_close, p_idle};

/* ---- consumer side ---- */

static wflow **slot(pipe_t *pp, uint32_t id)
{
    wflow **w = &pp->flows[id % FLOW_BUCKETS];
    while (*w && (*w)->f.id != id)
        w = &(*w)->next;
    return w;
}

static void replay(pipe_t *pp, const uint8_t *b, size_t used)
{
    const dpc_callbacks *cb = pp->cb;
    size_t pos = 0;
    while (pos < used) {
        ev e;
        memcpy(&e, b + pos, sizeof e);
        const uint8_t *pay = b + pos + pad8(sizeof e);
        pos += pad8(sizeof e) + pad8(e.len);
        const dpc_packet *pkt = e.pkt.frame ? &e.pkt : NULL;
        wflow **ws = e.has_flow ? slot(pp, e.flow_id) : NULL;
        dpc_flow *f = ws && *ws ? &(*ws)->f : NULL;
        switch (e.type) {
        case EV_OPEN: {
            wflow *w = calloc(1, sizeof *w);
            if (!w)
                break;
            memcpy(&w->f, pay, sizeof w->f);
            w->f.user = NULL;
            w->next = *ws;
            *ws = w;
            if (cb->on_flow_open)
                cb->on_flow_open(pp->ctx, &w->f, pkt);
            break;
        }
        case EV_DATA:
            if (f && cb->on_data)
                cb->on_data(pp->ctx, f, e.from_a, pay, e.len, pkt);
            break;
        case EV_GAP:
            if (f && cb->on_gap)
                cb->on_gap(pp->ctx, f, e.from_a, e.missing, pkt);
            break;
        case EV_FINDING: {
            dnp3kit_finding fi;
            memcpy(&fi, pay, sizeof fi);
            if (cb->on_finding)
                cb->on_finding(pp->ctx, f, e.from_a, &fi, pkt);
            break;
        }
        case EV_IDLE:
            if (cb->on_idle)
                cb->on_idle(pp->ctx);
            break;
        case EV_PROGRESS:
            if (pp->progress)
                pp->progress(pp->pctx, e.missing, e.pkt.ts_us);
            break;
        case EV_CLOSE:
            if (f) {
                if (cb->on_flow_close)
                    cb->on_flow_close(pp->ctx, f, pkt);
                wflow *w = *ws;
                *ws = w->next;
                free(w);
            }
            break;
        }
    }
}

static void *consumer(void *arg)
{
    pipe_t *pp = arg;
    for (;;) {
        pthread_mutex_lock(&pp->mu);
        while (!pp->chunks[pp->cons].full && !pp->done)
            pthread_cond_wait(&pp->cv, &pp->mu);
        bool have = pp->chunks[pp->cons].full;
        pthread_mutex_unlock(&pp->mu);
        if (!have)
            break; /* done and drained */
        chunk *c = &pp->chunks[pp->cons];
        replay(pp, c->buf, c->used);
        pthread_mutex_lock(&pp->mu);
        c->full = false;
        c->used = 0;
        pp->cons = (pp->cons + 1) % NCHUNKS;
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
    }
    return NULL;
}

int dpe_pipeline_read_file(const char *path, const dpc_options *opt, const dpc_callbacks *cb, void *ctx,
                           dpc_stats *stats, char *errbuf, size_t errcap,
                           void (*progress)(void *ctx, uint64_t done, uint64_t total))
{
    pipe_t *pp = calloc(1, sizeof *pp);
    if (!pp)
        return dpc_read_file(path, opt, cb, ctx, stats, errbuf, errcap, progress);
    for (int i = 0; i < NCHUNKS; i++) {
        pp->chunks[i].buf = malloc(CHUNK_SIZE);
        if (!pp->chunks[i].buf)
            pp->failed = true;
    }
    pthread_t th;
    if (!pp->failed) {
        pthread_mutex_init(&pp->mu, NULL);
        pthread_cond_init(&pp->cv, NULL);
        pp->cb = cb;
        pp->ctx = ctx;
        if (pthread_create(&th, NULL, consumer, pp) != 0) {
            pthread_mutex_destroy(&pp->mu);
            pthread_cond_destroy(&pp->cv);
            pp->failed = true;
        }
    }
    int rc;
    if (pp->failed) {
        /* No memory or no thread: the same work on this thread. */
        rc = dpc_read_file(path, opt, cb, ctx, stats, errbuf, errcap, progress);
    } else {
        /* progress is queued as an event (p_progress) and reported by the
         * consumer with the caller's ctx */
        pp->progress = progress;
        pp->pctx = ctx;
        rc = dpc_read_file(path, opt, &producer_cb, pp, stats, errbuf, errcap, progress ? p_progress : NULL);
        pthread_mutex_lock(&pp->mu);
        if (pp->chunks[pp->prod].used > 0) {
            pp->chunks[pp->prod].full = true;
            pp->prod = (pp->prod + 1) % NCHUNKS;
        }
        pp->done = true;
        pthread_cond_broadcast(&pp->cv);
        pthread_mutex_unlock(&pp->mu);
        pthread_join(th, NULL);
        pthread_mutex_destroy(&pp->mu);
        pthread_cond_destroy(&pp->cv);
    }
    for (int i = 0; i < FLOW_BUCKETS; i++) {
        while (pp->flows[i]) {
            wflow *w = pp->flows[i];
            pp->flows[i] = w->next;
            free(w);
        }
    }
    for (int i = 0; i < NCHUNKS; i++)
        free(pp->chunks[i].buf);
    free(pp);
    return rc;
}
