/* Session analyzer: rules that span the fragments of one association
 * (IEEE 1815-2012 clauses 4.2.2.4 sequence numbers and confirms, 4.4.3
 * select-before-operate). */
#include <string.h>

#include "dnp3kit/analyzer.h"
#include "dnp3kit/link.h"
#include "internal.h"

/* Session findings concern a whole fragment: offset 0. index 1 marks the
 * variant of a finding (unsolicited confirm, object mismatch). */
static void report_x(const dnp3kit_sink *sink, dnp3kit_finding_code code, uint64_t expected, uint64_t actual,
                     uint8_t func, uint32_t index)
{
    finding_at(sink, code, 0, expected, actual, index, func);
}

static void report(const dnp3kit_sink *sink, dnp3kit_finding_code code, uint64_t expected, uint64_t actual,
                   uint8_t func)
{
    finding_at(sink, code, 0, expected, actual, 0, func);
}

void dnp3kit_analyzer_init(dnp3kit_analyzer *a) { memset(a, 0, sizeof *a); }

/* Requests that the outstation never answers (the _NR functions). */
static bool expects_response(uint8_t func)
{
    switch (func) {
    case DNP3KIT_FC_DIRECT_OPERATE_NR:
    case DNP3KIT_FC_IMMED_FREEZE_NR:
    case DNP3KIT_FC_FREEZE_CLEAR_NR:
    case DNP3KIT_FC_FREEZE_AT_TIME_NR:
    case DNP3KIT_FC_AUTH_REQ_NO_ACK:
        return false;
    default:
        return true;
    }
}

static void on_confirm(dnp3kit_analyzer *a, const dnp3kit_app_header *h, const dnp3kit_sink *sink)
{
    a->confirms++;
    if (h->uns) {
        if (a->uns_con_pending && a->uns_con_seq == h->seq) {
            a->uns_con_pending = false;
            return;
        }
        report_x(sink, DNP3KIT_F_SESSION_UNEXPECTED_CONFIRM, a->uns_con_pending ? a->uns_con_seq : 16, h->seq,
                 h->func, 1);
        return;
    }
    if (a->sol_con_pending && a->sol_con_seq == h->seq) {
        a->sol_con_pending = false;
        return;
    }
    report(sink, DNP3KIT_F_SESSION_UNEXPECTED_CONFIRM, a->sol_con_pending ? a->sol_con_seq : 16, h->seq, h->func);
}

static void on_request(dnp3kit_analyzer *a, bool broadcast, const uint8_t *frag, size_t len,
                       const dnp3kit_app_header *h, const dnp3kit_sink *sink)
{
    a->requests++;
    bool retry = a->req_seen && h->seq == a->last_req_seq && a->req_func == h->func;
    if (a->sol_con_pending) {
        /* The master moved on without confirming the response. */
        report(sink, DNP3KIT_F_SESSION_CON_NOT_CONFIRMED, 0, a->sol_con_seq, DNP3KIT_FC_RESPONSE);
        a->sol_con_pending = false;
    }
    if (a->have_request && !retry)
        report(sink, DNP3KIT_F_SESSION_NO_RESPONSE, 0, a->req_seq, a->req_func);
    /* Secure authentication replies (clause 7) reuse the SEQ of the request
     * that was challenged, so they neither break nor advance the sequence. */
    bool auth = h->func == DNP3KIT_FC_AUTHENTICATE_REQ || h->func == DNP3KIT_FC_AUTH_REQ_NO_ACK;
    /* After a multi-fragment response some masters (opendnp3) continue from
     * its last fragment's SEQ rather than from their own request's: both
     * are taken as continuous (resp_seq is reset to each request's SEQ, so it
     * differs only when later fragments answered the last request). */
    bool after_fragments = h->seq == ((a->resp_seq + 1) & 0x0F) && a->resp_seq != a->last_req_seq;
    if (a->req_seen && !retry && !auth && !after_fragments && h->seq != ((a->last_req_seq + 1) & 0x0F))
        report(sink, DNP3KIT_F_SESSION_REQUEST_SEQ_DISCONTINUITY, (a->last_req_seq + 1) & 0x0F, h->seq, h->func);

    size_t hl = h->header_len;
    const uint8_t *objs = frag + hl;
    size_t olen = len > hl ? len - hl : 0;
    if (h->func == DNP3KIT_FC_SELECT) {
        a->select_valid = olen <= sizeof a->select_objs;
        a->select_answered_ok = false;
        a->select_seq = h->seq;
        a->select_len = a->select_valid ? olen : 0;
        if (a->select_valid && olen)
            memcpy(a->select_objs, objs, olen);
    } else if (h->func == DNP3KIT_FC_OPERATE) {
        if (!a->select_valid || !a->select_answered_ok) {
            report(sink, DNP3KIT_F_SESSION_OPERATE_WITHOUT_SELECT, 0, h->seq, h->func);
        } else if (h->seq != ((a->select_seq + 1) & 0x0F)) {
            report(sink, DNP3KIT_F_SESSION_OPERATE_MISMATCH, (a->select_seq + 1) & 0x0F, h->seq, h->func);
        } else if (olen != a->select_len || memcmp(objs, a->select_objs, olen) != 0) {
            report_x(sink, DNP3KIT_F_SESSION_OPERATE_MISMATCH, (a->select_seq + 1) & 0x0F, h->seq, h->func, 1);
        }
        if (!retry)
            a->select_valid = false;
    } else {
        /* Anything else between SELECT and OPERATE cancels the selection (4.4.3). */
        a->select_valid = false;
    }

    a->req_seen = true;
    a->last_req_seq = h->seq;
    a->resp_seq = h->seq;
    a->req_func = h->func;
    a->req_seq = h->seq;
    a->have_request = expects_response(h->func) && !broadcast;
    a->in_response = false;
}

static void on_response(dnp3kit_analyzer *a, const uint8_t *frag, size_t len, const dnp3kit_app_header *h,
                        const dnp3kit_sink *sink)
{
    a->responses++;
    if (a->sol_con_pending) {
        /* Next fragment without the confirm the previous one asked for. */
        report(sink, DNP3KIT_F_SESSION_CON_NOT_CONFIRMED, 0, a->sol_con_seq, h->func);
        a->sol_con_pending = false;
    }
    if (a->in_response) {
        if (h->fir || h->seq != ((a->resp_seq + 1) & 0x0F))
            report(sink, DNP3KIT_F_SESSION_RESPONSE_FRAGMENT_SEQ, (a->resp_seq + 1) & 0x0F, h->seq, h->func);
    } else if (a->have_request) {
        if (!h->fir)
            report(sink, DNP3KIT_F_SESSION_RESPONSE_FRAGMENT_SEQ, a->req_seq, h->seq, h->func);
        else if (h->seq != a->req_seq)
            report(sink, DNP3KIT_F_SESSION_RESPONSE_SEQ_MISMATCH, a->req_seq, h->seq, h->func);
        if (a->req_func == DNP3KIT_FC_SELECT && a->select_valid) {
            /* A successful SELECT echoes the objects unchanged (every status 0). */
            size_t hl = h->header_len;
            size_t olen = len > hl ? len - hl : 0;
            a->select_answered_ok = olen == a->select_len && memcmp(frag + hl, a->select_objs, olen) == 0;
        }
    } else {
        report(sink, DNP3KIT_F_SESSION_RESPONSE_WITHOUT_REQUEST, 0, h->seq, h->func);
    }
    a->have_request = false;
    a->in_response = !h->fin;
    a->resp_seq = h->seq;
    if (h->con) {
        a->sol_con_pending = true;
        a->sol_con_seq = h->seq;
    }
}

static void on_unsolicited(dnp3kit_analyzer *a, const dnp3kit_app_header *h, const dnp3kit_sink *sink)
{
    a->unsolicited++;
    bool retry = a->uns_seen && h->seq == a->last_uns_seq;
    if (a->uns_seen && !retry && h->seq != ((a->last_uns_seq + 1) & 0x0F))
        report(sink, DNP3KIT_F_SESSION_UNSOLICITED_SEQ_DISCONTINUITY, (a->last_uns_seq + 1) & 0x0F, h->seq,
               h->func);
    if (a->uns_con_pending && !retry)
        report(sink, DNP3KIT_F_SESSION_CON_NOT_CONFIRMED, 0, a->uns_con_seq, h->func);
    a->uns_seen = true;
    a->last_uns_seq = h->seq;
    a->uns_con_pending = h->con;
    a->uns_con_seq = h->seq;
}

void dnp3kit_analyzer_feed(dnp3kit_analyzer *a, bool from_master, bool broadcast, const uint8_t *frag,
                           size_t len, const dnp3kit_app_header *h, const dnp3kit_sink *sink)
{
    if (from_master) {
        if (h->func == DNP3KIT_FC_CONFIRM)
            on_confirm(a, h, sink);
        else if (!h->has_iin)
            on_request(a, broadcast, frag, len, h, sink);
        return;
    }
    if (h->func == DNP3KIT_FC_UNSOLICITED_RESPONSE || (h->func == DNP3KIT_FC_AUTHENTICATE_RESP && h->uns))
        on_unsolicited(a, h, sink);
    else if (h->has_iin)
        on_response(a, frag, len, h, sink);
}

void dnp3kit_analyzer_finish(dnp3kit_analyzer *a, const dnp3kit_sink *sink)
{
    if (a->have_request)
        report(sink, DNP3KIT_F_SESSION_NO_RESPONSE, 0, a->req_seq, a->req_func);
    if (a->sol_con_pending)
        report(sink, DNP3KIT_F_SESSION_CON_NOT_CONFIRMED, 0, a->sol_con_seq, DNP3KIT_FC_RESPONSE);
    if (a->uns_con_pending)
        report(sink, DNP3KIT_F_SESSION_CON_NOT_CONFIRMED, 0, a->uns_con_seq, DNP3KIT_FC_UNSOLICITED_RESPONSE);
    a->have_request = a->sol_con_pending = a->uns_con_pending = false;
}

void dnp3kit_fragment_classify(const uint8_t *frag, size_t len, uint16_t link_src, uint16_t link_dst,
                               bool link_dir, dnp3kit_fragment_info *out, const dnp3kit_sink *sink)
{
    memset(out, 0, sizeof *out);
    out->status = dnp3kit_app_validate(frag, len, &out->sum, sink);
    out->from_master = link_dir;
    const dnp3kit_app_header *h = &out->sum.header;
    /* An unknown function below 0x80 with DIR=1 is still a request: the
     * outstation answers it (IIN2.0 NO_FUNC_CODE_SUPPORT, clause 4.2.2.6), and
     * that answer is no "response without request". */
    out->decodable = h->header_len >= 2 && (dnp3kit_app_func_name(h->func) != NULL || (link_dir && h->func < 0x80));
    if (out->decodable) {
        out->from_master = !dnp3kit_app_func_is_response(h->func);
        if (out->from_master != link_dir) /* clause 9.2.4.1.3: DIR=1 on every frame the master sends */
            finding_at(sink, DNP3KIT_F_LINK_DIR_MISMATCH, 3, out->from_master, link_dir, 0, h->func);
        /* Only requests may be broadcast; an outstation answers to one address. */
        if (!out->from_master && link_dst >= DNP3KIT_ADDR_BCAST_NOCONF)
            finding_at(sink, DNP3KIT_F_APP_RESPONSE_TO_BROADCAST, 0, 0, link_dst, 0, h->func);
    }
    out->master = out->from_master ? link_src : link_dst;
    out->outstation = out->from_master ? link_dst : link_src;
    out->broadcast = link_dst >= DNP3KIT_ADDR_BCAST_NOCONF;
}
