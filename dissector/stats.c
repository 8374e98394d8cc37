/* The dnp3kit tap and what listens to it:
 *   - the stats_tree (Statistics > DNP3 (dnp3kit); tshark -z dnp3kit,tree):
 *     function codes, object groups, findings, requests and responses;
 *   - Conversations / Endpoints by DNP3 link address (-z conv,dnp3kit,
 *     -z endpoints,dnp3kit);
 *   - service response time per request function code (-z srt,dnp3kit),
 *     from tracking.c's request/response links.
 * One tap record per PDU (dk_tap_info). */
#include "dnp3kit-ws.h"

#include <epan/address_types.h>
#include <epan/conversation_table.h>
#include <epan/srt_table.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>

#include <stdio.h>

void dk_tap_pdu(packet_info *pinfo, tvbuff_t *tvb, const dk_pdu *rec)
{
    if (!have_tap_listener(dk_tap))
        return;
    dk_tap_info *ti = wmem_new0(pinfo->pool, dk_tap_info);
    ti->pdu = rec;
    guint n = tvb_captured_length(tvb);
    if (rec->kind == DK_PDU_FRAME && n >= DNP3KIT_LINK_HEADER_LEN) {
        ti->has_link = true;
        ti->dst = tvb_get_letohs(tvb, 4);
        ti->src = tvb_get_letohs(tvb, 6);
        ti->octets = n;
    }
    tap_queue_packet(dk_tap, pinfo, ti);
}

/* Functions a master sends that expect a response (clause 4.3.1): all but
 * CONFIRM and the *_NR ones, and none to a broadcast address. */
static bool expects_response(const dk_tap_info *ti, uint8_t func)
{
    if (ti->dst >= DNP3KIT_ADDR_BCAST_NOCONF)
        return false;
    switch (func) {
    case DNP3KIT_FC_CONFIRM: case DNP3KIT_FC_DIRECT_OPERATE_NR: case DNP3KIT_FC_IMMED_FREEZE_NR:
    case DNP3KIT_FC_FREEZE_CLEAR_NR: case DNP3KIT_FC_FREEZE_AT_TIME_NR:
        return false;
    default:
        return true;
    }
}

/* A solicited response's first fragment linked to its request: what SRT
 * counts (later fragments of a multi-fragment response link too, with a
 * later time, and are left out). */
static bool first_response(const dk_frag *fr)
{
    return fr && !fr->from_master && fr->request_in && fr->req_func >= 0 && fr->sum.header.fir &&
           fr->sum.header.has_iin;
}

/* ---- stats_tree ---- */

static int node_funcs, node_groups, node_findings, node_rr;
static const char *const st_funcs = "Function codes";
static const char *const st_groups = "Object groups";
static const char *const st_findings = "Findings";
static const char *const st_rr = "Requests and responses";
static const char *const st_req = "Requests expecting a response";
static const char *const st_answered = "Answered";
static const char *const st_unanswered = "No response in capture";
static const char *const st_uns = "Unsolicited responses";
static const char *const st_orphan = "Responses without a request in capture";

static void st_init(stats_tree *st)
{
    node_funcs = stats_tree_create_node(st, st_funcs, 0, STAT_DT_INT, TRUE);
    node_groups = stats_tree_create_node(st, st_groups, 0, STAT_DT_INT, TRUE);
    node_findings = stats_tree_create_node(st, st_findings, 0, STAT_DT_INT, TRUE);
    node_rr = stats_tree_create_node(st, st_rr, 0, STAT_DT_INT, TRUE);
    /* fixed order, so the table reads the same on every capture */
    stats_tree_create_node(st, st_req, node_rr, STAT_DT_INT, FALSE);
    stats_tree_create_node(st, st_answered, node_rr, STAT_DT_INT, FALSE);
    stats_tree_create_node(st, st_unanswered, node_rr, STAT_DT_INT, FALSE);
    stats_tree_create_node(st, st_uns, node_rr, STAT_DT_INT, FALSE);
    stats_tree_create_node(st, st_orphan, node_rr, STAT_DT_INT, FALSE);
}

/* Each request expecting a response counts as unanswered until its first
 * response arrives (always later in the capture), so one pass gives the
 * same counts as two. */
static void st_rr_packet(stats_tree *st, const dk_tap_info *ti, const dk_frag *fr)
{
    const dnp3kit_app_header *h = &fr->sum.header;
    if (fr->from_master) {
        if (!expects_response(ti, h->func) || h->has_iin)
            return;
        tick_stat_node(st, st_rr, 0, TRUE);
        tick_stat_node(st, st_req, node_rr, FALSE);
        increase_stat_node(st, st_unanswered, node_rr, FALSE, 1);
        return;
    }
    if (!h->has_iin)
        return;
    tick_stat_node(st, st_rr, 0, TRUE);
    if (h->func == DNP3KIT_FC_UNSOLICITED_RESPONSE || (h->func == DNP3KIT_FC_AUTHENTICATE_RESP && h->uns)) {
        tick_stat_node(st, st_uns, node_rr, FALSE);
    } else if (first_response(fr)) {
        if (fr->req_func >= 0 && fr->req_func <= 0xFF && expects_response(ti, (uint8_t)fr->req_func)) {
            tick_stat_node(st, st_answered, node_rr, FALSE);
            increase_stat_node(st, st_unanswered, node_rr, FALSE, -1);
        }
    } else if (!fr->request_in) {
        tick_stat_node(st, st_orphan, node_rr, FALSE);
    }
}

static tap_packet_status st_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                   const void *data, tap_flags_t flags _U_)
{
    const dk_tap_info *ti = data;
    if (!ti || !ti->pdu)
        return TAP_PACKET_DONT_REDRAW;
    const dk_pdu *rec = ti->pdu;
    const dk_frag *fr = rec->frag;
    if (fr && fr->sum.header.header_len >= 2) {
        const dnp3kit_app_header *h = &fr->sum.header;
        const char *fn = dnp3kit_app_func_name(h->func);
        char buf[64];
        if (!fn) {
            snprintf(buf, sizeof buf, "function %u", h->func);
            fn = buf;
        }
        tick_stat_node(st, st_funcs, 0, TRUE);
        tick_stat_node(st, fn, node_funcs, FALSE);
        dnp3kit_object_iter it;
        dnp3kit_object_header oh;
        dnp3kit_object_iter_init(&it, fr->data, fr->len, h);
        while (dnp3kit_object_iter_next(&it, &oh, NULL) > 0) {
            const char *gn = dnp3kit_group_name(oh.group);
            char g[96];
            snprintf(g, sizeof g, "g%u %s", oh.group, gn ? gn : "(undefined)");
            tick_stat_node(st, st_groups, 0, TRUE);
            tick_stat_node(st, g, node_groups, FALSE);
        }
        if (fr->decodable)
            st_rr_packet(st, ti, fr);
    }
    for (uint32_t i = 0; i < rec->nfindings; i++) {
        tick_stat_node(st, st_findings, 0, TRUE);
        tick_stat_node(st, dnp3kit_finding_name(rec->findings[i].code), node_findings, FALSE);
    }
    return TAP_PACKET_REDRAW;
}

/* ---- Conversations and Endpoints by link address ---- */

static int at_link = -1;

static int link_addr_to_str(const address *addr, gchar *buf, int buf_len)
{
    const guint8 *d = addr->data;
    return snprintf(buf, (size_t)buf_len, "%u", (unsigned)(d[0] | d[1] << 8)) + 1;
}

static int link_addr_str_len(const address *addr _U_) { return 6; } /* "65535" and NUL */

static const char *link_addr_col_filter(const address *addr _U_, gboolean src)
{
    return src ? "dnp3kit.link.src" : "dnp3kit.link.dst";
}

static int link_addr_len(void) { return 2; }

static const char *link_filter(conv_filter_type_e ft)
{
    switch (ft) {
    case CONV_FT_SRC_ADDRESS: return "dnp3kit.link.src";
    case CONV_FT_DST_ADDRESS: return "dnp3kit.link.dst";
    case CONV_FT_ANY_ADDRESS: return "dnp3kit.link.addr";
    default: return CONV_FILTER_INVALID;
    }
}

static const char *conv_filter_type(conv_item_t *item _U_, conv_filter_type_e ft) { return link_filter(ft); }
static const char *endp_filter_type(endpoint_item_t *item _U_, conv_filter_type_e ft) { return link_filter(ft); }

static ct_dissector_info_t conv_info = {&conv_filter_type};
static et_dissector_info_t endp_info = {&endp_filter_type};

/* The addresses as octets, little-endian as on the wire (any host order). */
static void link_addresses(const dk_tap_info *ti, guint8 s[2], guint8 d[2], address *src, address *dst)
{
    s[0] = (guint8)ti->src;
    s[1] = (guint8)(ti->src >> 8);
    d[0] = (guint8)ti->dst;
    d[1] = (guint8)(ti->dst >> 8);
    set_address(src, at_link, 2, s);
    set_address(dst, at_link, 2, d);
}

/* One link frame into the Conversations (a pair) or the Endpoints (each end) table. */
static tap_packet_status link_table_packet(void *tab, packet_info *pinfo, const void *data, tap_flags_t flags,
                                           bool endpoints)
{
    conv_hash_t *hash = tab;
    const dk_tap_info *ti = data;
    if (!ti || !ti->has_link)
        return TAP_PACKET_DONT_REDRAW;
    hash->flags = flags;
    guint8 s[2], d[2];
    address src, dst;
    link_addresses(ti, s, d, &src, &dst);
    if (endpoints) {
        add_endpoint_table_data(hash, &src, 0, TRUE, 1, (int)ti->octets, &endp_info, ENDPOINT_NONE);
        add_endpoint_table_data(hash, &dst, 0, FALSE, 1, (int)ti->octets, &endp_info, ENDPOINT_NONE);
    } else {
        add_conversation_table_data(hash, &src, &dst, 0, 0, 1, (int)ti->octets, &pinfo->rel_ts, &pinfo->abs_ts,
                                    &conv_info, CONVERSATION_NONE);
    }
    return TAP_PACKET_REDRAW;
}

static tap_packet_status conv_packet(void *pct, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                     tap_flags_t flags)
{
    return link_table_packet(pct, pinfo, data, flags, false);
}

static tap_packet_status endp_packet(void *pit, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                     tap_flags_t flags)
{
    return link_table_packet(pit, pinfo, data, flags, true);
}

/* ---- Service response time per request function code ---- */

#define SRT_ROWS 256

static void srt_init(struct register_srt *srt _U_, GArray *srt_array)
{
    srt_stat_table *t = init_srt_table("DNP3 (dnp3kit) response time by request function", "DNP3kit", srt_array,
                                       SRT_ROWS, "Request function", "dnp3kit.al.func", NULL);
    for (int i = 0; i < SRT_ROWS; i++) {
        char name[48];
        const char *n = dnp3kit_app_func_name((uint8_t)i);
        if (n)
            snprintf(name, sizeof name, "%s", n);
        else
            snprintf(name, sizeof name, "function %d", i);
        init_srt_table_row(t, i, name);
    }
}

static tap_packet_status srt_packet(void *pss, packet_info *pinfo, epan_dissect_t *edt _U_, const void *data,
                                    tap_flags_t flags _U_)
{
    srt_data_t *d = pss;
    const dk_tap_info *ti = data;
    if (!ti || !ti->pdu || !first_response(ti->pdu->frag) || ti->pdu->frag->req_func >= SRT_ROWS)
        return TAP_PACKET_DONT_REDRAW;
    const dk_frag *fr = ti->pdu->frag;
    nstime_t req;
    nstime_delta(&req, &pinfo->abs_ts, &fr->response_time);
    add_srt_table_data(g_array_index(d->srt_array, srt_stat_table *, 0), fr->req_func, &req, pinfo);
    return TAP_PACKET_REDRAW;
}

void dk_register_tables(int proto)
{
    at_link = address_type_dissector_register("AT_DNP3KIT_LINK", "DNP3 link address", link_addr_to_str,
                                              link_addr_str_len, NULL, link_addr_col_filter, link_addr_len, NULL,
                                              NULL);
    register_conversation_table(proto, TRUE, conv_packet, endp_packet);
    register_srt_table(proto, "dnp3kit", 1, srt_packet, srt_init, NULL);
    dk_register_serial(proto);
}

/* Decode As: DNP3 inside TLS (IEEE 1815-2012 clause 7.5 / IEC 62351-3, port
 * 19999, as the built-in), and the payload of SEL RTAC serial captures
 * (LINKTYPE_RTAC_SERIAL, what dnp3-master --serial --pcap writes; serial.c). */
void dk_handoff_tables(void)
{
    dissector_add_uint_range_with_preference("tls.port", "19999", find_dissector("dnp3kit.tcp"));
    dk_handoff_serial();
}

void dk_register_stats(void)
{
    stats_tree_register_plugin("dnp3kit", "dnp3kit", "DNP3 (dnp3kit)", 0, st_packet, st_init, NULL);
}
