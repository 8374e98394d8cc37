/*
 * The first pass: every PDU goes through the same layers, in the same order,
 * as in dnp3-pcap's engine (link decode -> transport reassembler per
 * (conversation, source, destination) -> dnp3kit_app_validate -> session
 * analyzer per (conversation, master, outstation)), and everything the core
 * reports is stored with the PDU (file scope). Later visits, in any order,
 * draw the tree from the PDU's octets and that record only, so trees never
 * depend on the order packets are revisited in.
 *
 * Findings the core can only give at the end of a stream (transport message
 * without FIN, unanswered request, unconfirmed CON fragment) are added to the
 * last PDU of their stream by the post-sequential-pass hook, so they show on
 * revisits (GUI, tshark -2) but not in a single pass.
 */
#include "dnp3kit-ws.h"

#include <string.h>

#define MAX_COLLECT 96
#define MAX_HALVES 32
#define MAX_ASSOCS 16

typedef struct collect {
    dnp3kit_finding f[MAX_COLLECT];
    uint32_t n;
} collect;

static void collect_fn(void *user, const dnp3kit_finding *f)
{
    collect *c = user;
    if (c->n < MAX_COLLECT)
        c->f[c->n++] = *f;
}

typedef struct half {
    uint16_t src, dst;
    dnp3kit_reassembler r;
    uint8_t *buf;
    uint32_t *frames;     /* frame of each segment of the message in progress */
    uint32_t nframes, capframes;
    dk_pdu **segs;        /* PDUs of its segments so far (for their "reassembled in") */
    uint32_t nsegs, capsegs;
    dk_pdu *last;         /* last PDU that fed it */
} half;

typedef struct pending {
    bool valid;
    uint8_t seq;
    uint32_t frame;
    dk_frag *frag;
} pending;

typedef struct assoc {
    uint16_t master, outstation;
    dnp3kit_analyzer an;
    dk_pdu *last;
    /* tracking */
    bool req_valid;
    uint8_t req_seq, req_func;
    uint32_t req_frame;
    nstime_t req_ts;
    dk_frag *req_frag;
    bool in_resp;
    uint8_t resp_seq;
    pending select, sol_con, uns_con;
} assoc;

typedef struct conv_state {
    uint64_t garbage[2]; /* octets skipped per direction, reported with the next frame */
    half *halves[MAX_HALVES];
    uint32_t nhalves;
    assoc *assocs[MAX_ASSOCS];
    uint32_t nassocs;
    dk_pdu *last[2];
    bool limit_reported;
} conv_state;

static wmem_list_t *all_convs; /* of conv_state, file scope */
static bool finished;

static void init_routine(void)
{
    all_convs = wmem_list_new(wmem_file_scope());
    finished = false;
}

static void append_findings(dk_pdu *p, const dnp3kit_finding *f, uint32_t n, bool deferred)
{
    if (n == 0 || !p)
        return;
    dnp3kit_finding *nf = wmem_alloc(wmem_file_scope(), (p->nfindings + n) * sizeof *nf);
    if (p->nfindings)
        memcpy(nf, p->findings, p->nfindings * sizeof *nf);
    memcpy(nf + p->nfindings, f, n * sizeof *nf);
    p->findings = nf;
    p->nfindings += n;
    if (deferred)
        p->ndeferred += n;
}

/* End of the first pass: what the core reports at the end of a stream. */
static void postseq_routine(void)
{
    if (!all_convs || finished)
        return;
    finished = true;
    for (wmem_list_frame_t *it = wmem_list_head(all_convs); it; it = wmem_list_frame_next(it)) {
        conv_state *cs = wmem_list_frame_data(it);
        collect c;
        dnp3kit_sink s = {collect_fn, &c};
        for (int d = 0; d < 2; d++) {
            /* octets skipped at the end of a stream */
            if (cs->garbage[d]) {
                dnp3kit_finding g = {.code = DNP3KIT_F_LINK_GARBAGE, .offset = 0, .actual = cs->garbage[d]};
                append_findings(cs->last[d], &g, 1, true);
                cs->garbage[d] = 0;
            }
        }
        for (uint32_t i = 0; i < cs->nhalves; i++) {
            c.n = 0;
            dnp3kit_reassembler_finish(&cs->halves[i]->r, &s);
            append_findings(cs->halves[i]->last, c.f, c.n, true);
        }
        for (uint32_t i = 0; i < cs->nassocs; i++) {
            c.n = 0;
            dnp3kit_analyzer_finish(&cs->assocs[i]->an, &s);
            append_findings(cs->assocs[i]->last, c.f, c.n, true);
        }
    }
}

void dk_tracking_register(void)
{
    register_init_routine(init_routine);
    register_postseq_cleanup_routine(postseq_routine);
}

static conv_state *get_conv(packet_info *pinfo)
{
    conversation_t *conv = find_or_create_conversation(pinfo);
    conv_state *cs = conversation_get_proto_data(conv, proto_dnp3kit);
    if (!cs) {
        cs = wmem_new0(wmem_file_scope(), conv_state);
        conversation_add_proto_data(conv, proto_dnp3kit, cs);
        if (all_convs)
            wmem_list_append(all_convs, cs);
    }
    return cs;
}

/* 0 or 1: which way this packet goes within its conversation. */
static int direction(packet_info *pinfo)
{
    int c = cmp_address(&pinfo->src, &pinfo->dst);
    if (c == 0)
        c = pinfo->srcport < pinfo->destport ? -1 : pinfo->srcport > pinfo->destport;
    return c > 0;
}

static void limit(conv_state *cs, collect *c, uint64_t lim)
{
    if (cs->limit_reported)
        return;
    cs->limit_reported = true;
    dnp3kit_finding f = {.code = DNP3KIT_F_FLOW_LIMIT, .offset = SIZE_MAX, .expected = lim, .actual = lim + 1};
    collect_fn(c, &f);
}

static half *find_half(conv_state *cs, uint16_t src, uint16_t dst, collect *c)
{
    for (uint32_t i = 0; i < cs->nhalves; i++)
        if (cs->halves[i]->src == src && cs->halves[i]->dst == dst)
            return cs->halves[i];
    if (cs->nhalves == MAX_HALVES) {
        limit(cs, c, MAX_HALVES);
        return NULL;
    }
    half *h = wmem_new0(wmem_file_scope(), half);
    h->src = src;
    h->dst = dst;
    /* The buffer comes with the first message that needs one (below). */
    guint cap = dk_max_fragment < DNP3KIT_TRANSPORT_MAX_PAYLOAD ? DNP3KIT_TRANSPORT_MAX_PAYLOAD
              : dk_max_fragment > DK_MAX_FRAGMENT_LIMIT ? DK_MAX_FRAGMENT_LIMIT : dk_max_fragment;
    dnp3kit_reassembler_init(&h->r, NULL, cap);
    cs->halves[cs->nhalves++] = h;
    return h;
}

static assoc *find_assoc(conv_state *cs, uint16_t master, uint16_t outstation, collect *c)
{
    for (uint32_t i = 0; i < cs->nassocs; i++)
        if (cs->assocs[i]->master == master && cs->assocs[i]->outstation == outstation)
            return cs->assocs[i];
    if (cs->nassocs == MAX_ASSOCS) {
        limit(cs, c, MAX_ASSOCS);
        return NULL;
    }
    assoc *a = wmem_new0(wmem_file_scope(), assoc);
    a->master = master;
    a->outstation = outstation;
    dnp3kit_analyzer_init(&a->an);
    cs->assocs[cs->nassocs++] = a;
    return a;
}

/* Request/response, SELECT/OPERATE and CON/CONFIRM links (clause 4.2.2.4, 4.4.3). */
static void track(assoc *a, dk_frag *fr, const dnp3kit_app_header *h, packet_info *pinfo)
{
    uint32_t now = pinfo->num;
    if (fr->from_master) {
        if (h->func == DNP3KIT_FC_CONFIRM) {
            pending *p = h->uns ? &a->uns_con : &a->sol_con;
            if (p->valid && p->seq == h->seq) {
                fr->confirms = p->frame;
                if (p->frag && !p->frag->confirm_in)
                    p->frag->confirm_in = now;
                p->valid = false;
            }
            return;
        }
        if (h->has_iin)
            return;
        a->req_valid = true;
        a->req_seq = h->seq;
        a->req_func = h->func;
        a->req_frame = now;
        a->req_ts = pinfo->abs_ts;
        a->req_frag = fr;
        a->in_resp = false;
        if (h->func == DNP3KIT_FC_SELECT) {
            a->select = (pending){true, h->seq, now, fr};
        } else if (h->func == DNP3KIT_FC_OPERATE) {
            if (a->select.valid && h->seq == ((a->select.seq + 1) & 0x0F)) {
                fr->select_in = a->select.frame;
                if (a->select.frag && !a->select.frag->operate_in)
                    a->select.frag->operate_in = now;
            }
        } else {
            a->select.valid = false;
        }
        return;
    }
    if (h->func == DNP3KIT_FC_UNSOLICITED_RESPONSE || (h->func == DNP3KIT_FC_AUTHENTICATE_RESP && h->uns)) {
        if (h->con)
            a->uns_con = (pending){true, h->seq, now, fr};
        return;
    }
    if (!h->has_iin)
        return;
    bool linked = false;
    if (a->req_valid && h->fir && h->seq == a->req_seq)
        linked = true;
    else if (a->req_frag && a->in_resp && !h->fir && h->seq == ((a->resp_seq + 1) & 0x0F))
        linked = true;
    if (linked) {
        fr->request_in = a->req_frame;
        nstime_delta(&fr->response_time, &pinfo->abs_ts, &a->req_ts);
        fr->req_func = a->req_func;
        if (a->req_frag && !a->req_frag->response_in)
            a->req_frag->response_in = now;
        a->in_resp = !h->fin;
        a->resp_seq = h->seq;
    } else {
        a->in_resp = false;
    }
    a->req_valid = false;
    if (h->con)
        a->sol_con = (pending){true, h->seq, now, fr};
}

static void on_message(conv_state *cs, const dnp3kit_link_frame *lf, const uint8_t *msg, size_t len, half *h,
                       dk_pdu *rec, collect *c, packet_info *pinfo)
{
    dnp3kit_sink s = {collect_fn, c};
    dk_frag *fr = wmem_new0(wmem_file_scope(), dk_frag);
    fr->data = wmem_memdup(wmem_file_scope(), msg, len ? len : 1);
    fr->len = (uint32_t)len;
    fr->segments = h->r.segments;
    fr->nframes = h->nframes;
    fr->frames = wmem_memdup(wmem_file_scope(), h->frames ? h->frames : &fr->nframes,
                             (h->nframes ? h->nframes : 1) * sizeof(uint32_t));
    fr->req_func = -1;
    /* the same decision as dnp3-pcap's engine: validation, role, DIR check, association */
    dnp3kit_fragment_info fi;
    dnp3kit_fragment_classify(msg, len, lf->src, lf->dst, lf->dir, &fi, &s);
    fr->status = fi.status;
    fr->sum = fi.sum;
    fr->from_master = fi.from_master;
    rec->frag = fr;
    const dnp3kit_app_header *ah = &fr->sum.header;
    if (fi.decodable) {
        fr->decodable = true;
        assoc *a = find_assoc(cs, fi.master, fi.outstation, c);
        if (a) {
            dnp3kit_analyzer_feed(&a->an, fi.from_master, fi.broadcast, msg, len, ah, &s);
            track(a, fr, ah, pinfo);
            a->last = rec;
        }
    }
}

/* One entry per segment (a frame carrying two segments is listed twice, as
 * Wireshark's reassembly lists its fragments: dnp3.al.fragment, .count). */
static void add_frame(half *h, uint32_t num)
{
    if (h->nframes == h->capframes) {
        h->capframes = h->capframes ? 2 * h->capframes : 8;
        h->frames = wmem_realloc(wmem_file_scope(), h->frames, h->capframes * sizeof(uint32_t));
    }
    h->frames[h->nframes++] = num;
}

/* Remember a segment's PDU; when its message completes, every earlier one
 * links to the frame that completed it. */
static void add_seg(half *h, dk_pdu *rec)
{
    if (h->nsegs == h->capsegs) {
        h->capsegs = h->capsegs ? 2 * h->capsegs : 8;
        h->segs = wmem_realloc(wmem_file_scope(), h->segs, h->capsegs * sizeof *h->segs);
    }
    h->segs[h->nsegs++] = rec;
}

static bool is_start(const uint8_t *p, size_t n) { return n >= 2 && p[0] == 0x05 && p[1] == 0x64; }

/* The octets the header is judged on: a bad header cut short by a false start
 * is judged on all 10 of its octets (hdr). */
static int decode_start(const uint8_t *p, uint32_t n, const uint8_t *hdr, dnp3kit_link_frame *lf,
                        const dnp3kit_sink *s)
{
    if (!is_start(p, n))
        return DNP3KIT_ERR_INVALID;
    if (hdr && n < DNP3KIT_LINK_HEADER_LEN)
        return dnp3kit_link_decode(hdr, DNP3KIT_LINK_HEADER_LEN, lf, s);
    return dnp3kit_link_decode(p, n, lf, s);
}

static bool bad_header(const uint8_t *p, uint32_t n, const uint8_t *hdr)
{
    return is_start(p, n) && (n >= DNP3KIT_LINK_HEADER_LEN || hdr);
}

dk_pdu *dk_first_pass(tvbuff_t *tvb, packet_info *pinfo, bool udp, bool datagram_end, const uint8_t *hdr)
{
    conv_state *cs = get_conv(pinfo);
    int d = direction(pinfo);
    uint32_t n = tvb_captured_length(tvb);
    const uint8_t *p = tvb_get_ptr(tvb, 0, n);
    dk_pdu *rec = wmem_new0(wmem_file_scope(), dk_pdu);
    collect link;
    link.n = 0;
    dnp3kit_sink ls = {collect_fn, &link};
    dnp3kit_link_frame lf;
    int rc = decode_start(p, n, hdr, &lf, &ls);
    collect c;
    c.n = 0;
    if (rc > 0 || rc == DNP3KIT_ERR_INCOMPLETE) {
        /* What was skipped before this frame, as the streaming parser reports it. */
        if (cs->garbage[d]) {
            dnp3kit_finding g = {.code = DNP3KIT_F_LINK_GARBAGE, .offset = 0, .actual = cs->garbage[d]};
            collect_fn(&c, &g);
            cs->garbage[d] = 0;
        }
    }
    for (uint32_t i = 0; i < link.n; i++)
        collect_fn(&c, &link.f[i]);
    if (rc > 0) {
        rec->kind = DK_PDU_FRAME;
        if (lf.crc_ok && lf.prm && lf.user_len > 0 &&
            (lf.func == DNP3KIT_LINK_PRI_UNCONFIRMED_USER_DATA || lf.func == DNP3KIT_LINK_PRI_CONFIRMED_USER_DATA)) {
            half *h = find_half(cs, lf.src, lf.dst, &c);
            if (h) {
                const uint8_t *msg = NULL;
                size_t mlen = 0;
                collect tc;
                tc.n = 0;
                dnp3kit_sink ts = {collect_fn, &tc};
                bool fir = (lf.user[0] & DNP3KIT_TRANSPORT_FIR) != 0;
                /* Only a message of several segments is copied: its half gets
                 * its buffer (dk_max_fragment octets) when the first one starts. */
                if (!h->buf && fir && !(lf.user[0] & DNP3KIT_TRANSPORT_FIN)) {
                    h->buf = wmem_alloc(wmem_file_scope(), h->r.cap);
                    h->r.buf = h->buf;
                }
                int r = dnp3kit_reassembler_push(&h->r, lf.user, lf.user_len, &msg, &mlen, &ts);
                bool refused = false;
                for (uint32_t i = 0; i < tc.n; i++) {
                    dnp3kit_finding_code fc = tc.f[i].code;
                    if (fc == DNP3KIT_F_TRANSPORT_DUPLICATE_SEGMENT || fc == DNP3KIT_F_TRANSPORT_NO_FIR ||
                        fc == DNP3KIT_F_TRANSPORT_SEQUENCE_GAP || fc == DNP3KIT_F_TRANSPORT_MESSAGE_TOO_LARGE)
                        refused = true;
                    collect_fn(&c, &tc.f[i]);
                }
                if (!refused && (r == 1 || h->r.in_progress)) {
                    rec->seg_accepted = true;
                    if (fir)
                        h->nframes = h->nsegs = 0;
                    add_frame(h, pinfo->num);
                    add_seg(h, rec);
                } else if (!h->r.in_progress) {
                    h->nframes = h->nsegs = 0;
                }
                h->last = rec;
                if (r == 1) {
                    on_message(cs, &lf, msg, mlen, h, rec, &c, pinfo);
                    for (uint32_t i = 0; i + 1 < h->nsegs; i++)
                        h->segs[i]->reassembled_in = pinfo->num;
                    h->nframes = h->nsegs = 0;
                }
            }
        }
        const uint8_t *tm;
        size_t tl;
        if (dnp3kit_link_reserved_fragment(&lf, &tm, &tl)) {
            /* The station discards it (table 9-1): no reassembly, no session
             * state, no findings but the link's; shown as if user data. */
            dk_frag *fr = wmem_new0(wmem_file_scope(), dk_frag);
            fr->data = wmem_memdup(wmem_file_scope(), tm, tl);
            fr->len = (uint32_t)tl;
            fr->segments = 1;
            fr->req_func = -1;
            dnp3kit_fragment_info fi;
            dnp3kit_fragment_classify(tm, tl, lf.src, lf.dst, lf.dir, &fi, NULL);
            fr->status = fi.status;
            fr->sum = fi.sum;
            fr->from_master = fi.from_master;
            fr->decodable = fi.decodable;
            rec->tentative = fr;
            rec->link_func = lf.func;
        }
    } else if (rc == DNP3KIT_ERR_INCOMPLETE) {
        /* A valid header whose frame the datagram cuts off. */
        rec->kind = DK_PDU_TRUNCATED;
        dnp3kit_finding t = {.code = DNP3KIT_F_LINK_TRUNCATED_FRAME, .offset = 0,
                             .expected = dnp3kit_link_wire_len(p[2]), .actual = n,
                             .func = (uint8_t)(p[3] & 0x0F)};
        collect_fn(&c, &t);
    } else {
        rec->kind = bad_header(p, n, hdr) ? DK_PDU_BAD_HEADER : DK_PDU_GARBAGE;
        cs->garbage[d] += n;
    }
    if (udp && datagram_end && cs->garbage[d]) {
        /* A datagram is self-contained: report what it skipped now. */
        dnp3kit_finding g = {.code = DNP3KIT_F_LINK_GARBAGE, .offset = 0, .actual = cs->garbage[d]};
        collect_fn(&c, &g);
        cs->garbage[d] = 0;
    }
    append_findings(rec, c.f, c.n, false);
    cs->last[d] = rec;
    return rec;
}

dk_pdu *dk_stateless(tvbuff_t *tvb, packet_info *pinfo, const uint8_t *hdr)
{
    uint32_t n = tvb_captured_length(tvb);
    const uint8_t *p = tvb_get_ptr(tvb, 0, n);
    dk_pdu *rec = wmem_new0(pinfo->pool, dk_pdu);
    collect c;
    c.n = 0;
    dnp3kit_sink s = {collect_fn, &c};
    dnp3kit_link_frame lf;
    int rc = decode_start(p, n, hdr, &lf, &s);
    rec->kind = rc > 0 ? DK_PDU_FRAME
              : rc == DNP3KIT_ERR_INCOMPLETE ? DK_PDU_TRUNCATED
              : bad_header(p, n, hdr) ? DK_PDU_BAD_HEADER : DK_PDU_GARBAGE;
    if (c.n) {
        rec->findings = wmem_memdup(pinfo->pool, c.f, c.n * sizeof c.f[0]);
        rec->nfindings = c.n;
    }
    return rec;
}
