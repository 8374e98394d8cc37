/* DNP3 stream engine: capture payloads through every layer of the core. */
#include "engine.h"
#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

/* One direction of traffic between two link addresses: its reassembler. */
typedef struct half_assoc {
    uint16_t src, dst;
    dnp3kit_reassembler r;
    uint8_t *buf; /* max_message octets */
} half_assoc;

/* One association (master, outstation): its session analyzer. The roles come
 * from the application function codes, not from the DIR bit, so a station
 * that sets DIR wrongly still lands in the right association. */
typedef struct assoc {
    uint16_t master, outstation;
    dnp3kit_analyzer analyzer;
} assoc;

typedef struct flow_state {
    dnp3kit_link_parser lp[2]; /* [0] from a, [1] from b */
    half_assoc *halves[2 * DPE_MAX_ASSOCS];
    size_t nhalves;
    assoc *assocs[DPE_MAX_ASSOCS];
    size_t nassocs;
    bool limit_reported;
} flow_state;

struct dpe_engine {
    dpe_options opt;
    dpe_callbacks cb;
    void *ctx;
    dpe_stats stats;
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *pctx;
    /* context of the finding sink currently in use */
    dpe_where where;
    dpe_fragment *cur_frag; /* findings also recorded here while a fragment is processed */
    dpe_fragment frag;      /* reused: no allocation per fragment */
};

void dpe_options_default(dpe_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_message = DNP3KIT_DEFAULT_MAX_MESSAGE;
    o->threads = 1;
}

dpe_engine *dpe_new(const dpe_options *o, const dpe_callbacks *cb, void *ctx)
{
    dpe_engine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    if (o)
        e->opt = *o;
    else
        dpe_options_default(&e->opt);
    if (e->opt.max_message < 16)
        e->opt.max_message = 16;
    if (cb)
        e->cb = *cb;
    e->ctx = ctx;
    return e;
}

void dpe_free(dpe_engine *e) { free(e); }

const dpe_stats *dpe_get_stats(const dpe_engine *e) { return &e->stats; }

/* Every finding of the core passes here: counted, attached to the fragment
 * being processed, and handed to the consumer with its context. */
static void sink_fn(void *user, const dnp3kit_finding *f)
{
    dpe_engine *e = user;
    if ((unsigned)f->code < DNP3KIT_F_COUNT_) {
        e->stats.findings[f->code]++;
        e->stats.by_severity[dnp3kit_finding_severity(f->code)]++;
    }
    bool attached = e->cur_frag && e->cur_frag->nfindings < DPE_MAX_FRAG_FINDINGS;
    if (attached)
        e->cur_frag->findings[e->cur_frag->nfindings++] = *f;
    if (e->cb.on_finding) {
        e->where.in_fragment = attached;
        e->cb.on_finding(e->ctx, &e->where, f);
        e->where.in_fragment = false;
    }
}

static dnp3kit_sink engine_sink(dpe_engine *e)
{
    dnp3kit_sink s = {sink_fn, e};
    return s;
}

static void set_where(dpe_engine *e, const dpc_flow *f, bool from_a, const dpc_packet *pkt)
{
    e->where.flow = f;
    e->where.from_a = from_a;
    e->where.pkt = pkt;
    e->where.has_link = false;
}

static void limit_reached(dpe_engine *e, flow_state *fs, uint64_t limit)
{
    if (fs->limit_reported)
        return;
    fs->limit_reported = true;
    dnp3kit_finding f = {.code = DNP3KIT_F_FLOW_LIMIT, .offset = SIZE_MAX, .expected = limit, .actual = limit + 1};
    dnp3kit_sink s = engine_sink(e);
    dnp3kit_report(&s, &f);
}

static half_assoc *find_half(dpe_engine *e, flow_state *fs, uint16_t src, uint16_t dst)
{
    for (size_t i = 0; i < fs->nhalves; i++)
        if (fs->halves[i]->src == src && fs->halves[i]->dst == dst)
            return fs->halves[i];
    if (fs->nhalves == 2 * DPE_MAX_ASSOCS) {
        limit_reached(e, fs, 2 * DPE_MAX_ASSOCS);
        return NULL;
    }
    half_assoc *h = calloc(1, sizeof *h);
    uint8_t *buf = malloc(e->opt.max_message);
    if (!h || !buf) {
        free(h);
        free(buf);
        return NULL;
    }
    h->src = src;
    h->dst = dst;
    h->buf = buf;
    dnp3kit_reassembler_init(&h->r, buf, e->opt.max_message);
    fs->halves[fs->nhalves++] = h;
    return h;
}

static assoc *find_assoc(dpe_engine *e, flow_state *fs, uint16_t master, uint16_t outstation)
{
    for (size_t i = 0; i < fs->nassocs; i++)
        if (fs->assocs[i]->master == master && fs->assocs[i]->outstation == outstation)
            return fs->assocs[i];
    if (fs->nassocs == DPE_MAX_ASSOCS) {
        limit_reached(e, fs, DPE_MAX_ASSOCS);
        return NULL;
    }
    assoc *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->master = master;
    a->outstation = outstation;
    dnp3kit_analyzer_init(&a->analyzer);
    fs->assocs[fs->nassocs++] = a;
    return a;
}

static void on_message(dpe_engine *e, flow_state *fs, const dnp3kit_link_frame *lf, const uint8_t *msg,
                       size_t len, uint32_t segments)
{
    dpe_fragment *fr = &e->frag;
    fr->where = e->where;
    fr->from_master = lf->dir;
    fr->data = msg;
    fr->len = len;
    fr->segments = segments;
    fr->tentative = false;
    fr->nfindings = 0;
    e->cur_frag = fr;
    dnp3kit_sink s = engine_sink(e);
    dnp3kit_fragment_info fi;
    dnp3kit_fragment_classify(msg, len, lf->src, lf->dst, lf->dir, &fi, &s);
    fr->status = fi.status;
    fr->sum = fi.sum;
    fr->from_master = fi.from_master;
    e->stats.fragments++;
    if (fr->status != DNP3KIT_OK)
        e->stats.bad_fragments++;
    if (fi.decodable) {
        /* Session rules need a decodable header; object-level defects do not stop them. */
        assoc *a = find_assoc(e, fs, fi.master, fi.outstation);
        if (a)
            dnp3kit_analyzer_feed(&a->analyzer, fi.from_master, fi.broadcast, msg, len, &fi.sum.header, &s);
    }
    e->cur_frag = NULL;
    if (e->cb.on_fragment)
        e->cb.on_fragment(e->ctx, fr);
}

/* A frame with a reserved link function whose user data is one whole segment:
 * the station discards it (table 9-1), so nothing is reassembled, no session
 * rule sees it and no finding but the link's is raised; consumers get it as a
 * tentative fragment. */
static void on_tentative(dpe_engine *e, const dnp3kit_link_frame *lf, const uint8_t *msg, size_t len)
{
    if (!e->cb.on_fragment)
        return;
    dpe_fragment *fr = &e->frag;
    fr->where = e->where;
    fr->data = msg;
    fr->len = len;
    fr->segments = 1;
    fr->tentative = true;
    dnp3kit_fragment_info fi;
    dnp3kit_fragment_classify(msg, len, lf->src, lf->dst, lf->dir, &fi, NULL);
    fr->status = fi.status;
    fr->sum = fi.sum;
    fr->from_master = fi.from_master;
    fr->nfindings = 0; /* the frame's link_reserved_function was reported with the link */
    fr->link_func = lf->func;
    e->cb.on_fragment(e->ctx, fr);
}

static void on_frame(dpe_engine *e, flow_state *fs, const dnp3kit_link_frame *lf)
{
    e->stats.link_frames++;
    e->where.has_link = true;
    e->where.link_src = lf->src;
    e->where.link_dst = lf->dst;
    if (e->cb.on_link)
        e->cb.on_link(e->ctx, &e->where, lf);
    if (!lf->crc_ok) {
        e->stats.bad_link_frames++;
        return; /* clause 9.2.4.2: a frame with a bad CRC is discarded */
    }
    const uint8_t *tf;
    size_t tl;
    if (dnp3kit_link_reserved_fragment(lf, &tf, &tl)) {
        on_tentative(e, lf, tf, tl);
        return;
    }
    if (!lf->prm || lf->user_len == 0 ||
        (lf->func != DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA && lf->func != DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA))
        return;
    half_assoc *h = find_half(e, fs, lf->src, lf->dst);
    if (!h)
        return;
    const uint8_t *msg;
    size_t len;
    dnp3kit_sink s = engine_sink(e);
    if (dnp3kit_reassembler_push(&h->r, lf->user, lf->user_len, &msg, &len, &s) == 1)
        on_message(e, fs, lf, msg, len, h->r.segments);
}

static void cap_flow_open(void *ctx, dpc_flow *f, const dpc_packet *pkt)
{
    (void)ctx;
    (void)pkt;
    flow_state *fs = calloc(1, sizeof *fs);
    if (fs) {
        dnp3kit_link_parser_init(&fs->lp[0]);
        dnp3kit_link_parser_init(&fs->lp[1]);
    }
    f->user = fs;
}

static void cap_data(void *ctx, dpc_flow *f, bool from_a, const uint8_t *p, size_t len, const dpc_packet *pkt)
{
    dpe_engine *e = ctx;
    flow_state *fs = f->user;
    if (!fs)
        return;
    set_where(e, f, from_a, pkt);
    dnp3kit_link_parser *lp = &fs->lp[from_a ? 0 : 1];
    dnp3kit_sink s = engine_sink(e);
    dnp3kit_link_frame lf;
    while (len > 0) {
        e->where.has_link = false;
        if (dnp3kit_link_parser_step(lp, &p, &len, &lf, &s) == 1)
            on_frame(e, fs, &lf);
    }
    /* A datagram is self-contained: a frame cannot continue in the next one. */
    if (!f->tcp) {
        e->where.has_link = false;
        dnp3kit_link_parser_reset(lp, &s);
    }
}

static void cap_gap(void *ctx, dpc_flow *f, bool from_a, uint64_t missing, const dpc_packet *pkt)
{
    (void)missing;
    dpe_engine *e = ctx;
    flow_state *fs = f->user;
    if (!fs)
        return;
    set_where(e, f, from_a, pkt);
    dnp3kit_sink s = engine_sink(e);
    dnp3kit_link_parser_reset(&fs->lp[from_a ? 0 : 1], &s);
}

static void cap_finding(void *ctx, dpc_flow *f, bool from_a, const dnp3kit_finding *fi, const dpc_packet *pkt)
{
    dpe_engine *e = ctx;
    set_where(e, f, from_a, pkt);
    dnp3kit_sink s = engine_sink(e);
    dnp3kit_report(&s, fi);
}

static void cap_flow_close(void *ctx, dpc_flow *f, const dpc_packet *pkt)
{
    dpe_engine *e = ctx;
    flow_state *fs = f->user;
    if (!fs)
        return;
    dnp3kit_sink s = engine_sink(e);
    for (int d = 0; d < 2; d++) {
        set_where(e, f, d == 0, pkt);
        dnp3kit_link_parser_finish(&fs->lp[d], &s);
    }
    for (size_t i = 0; i < fs->nhalves; i++) {
        half_assoc *h = fs->halves[i];
        set_where(e, f, true, pkt);
        e->where.has_link = true;
        e->where.link_src = h->src;
        e->where.link_dst = h->dst;
        dnp3kit_reassembler_finish(&h->r, &s);
        free(h->buf);
        free(h);
    }
    for (size_t i = 0; i < fs->nassocs; i++) {
        assoc *a = fs->assocs[i];
        set_where(e, f, true, pkt);
        e->where.has_link = true;
        e->where.link_src = a->master;
        e->where.link_dst = a->outstation;
        dnp3kit_analyzer_finish(&a->analyzer, &s);
        free(a);
    }
    free(fs);
    f->user = NULL;
}

static void cap_idle(void *ctx)
{
    dpe_engine *e = ctx;
    if (e->cb.on_idle)
        e->cb.on_idle(e->ctx);
}

static const dpc_callbacks capture_cb = {
    .on_flow_open = cap_flow_open,
    .on_data = cap_data,
    .on_gap = cap_gap,
    .on_finding = cap_finding,
    .on_flow_close = cap_flow_close,
    .on_idle = cap_idle,
};

const dpc_callbacks *dpe_capture_callbacks(void) { return &capture_cb; }

static void progress_fn(void *ctx, uint64_t done, uint64_t total)
{
    dpe_engine *e = ctx;
    if (e->progress)
        e->progress(e->pctx, done, total);
}

int dpe_run_file(dpe_engine *e, const char *path, const dpc_options *po, dpc_stats *cstats, char *errbuf,
                 size_t errcap, void (*progress)(void *ctx, uint64_t done, uint64_t total), void *pctx)
{
    e->progress = progress;
    e->pctx = pctx;
    int rc = e->opt.threads >= 2
                 ? dpe_pipeline_read_file(path, po, &capture_cb, e, cstats, errbuf, errcap,
                                          progress ? progress_fn : NULL)
                 : dpc_read_file(path, po, &capture_cb, e, cstats, errbuf, errcap, progress ? progress_fn : NULL);
    e->progress = NULL;
    return rc;
}

int dpe_run_mem(dpe_engine *e, const uint8_t *p, size_t len, const dpc_options *po, dpc_stats *cstats,
                char *errbuf, size_t errcap)
{
    return dpc_read_mem(p, len, po, &capture_cb, e, cstats, errbuf, errcap);
}
