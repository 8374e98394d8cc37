/* Statistics > DNP3 (dnp3kit): function codes, object groups and findings
 * per PDU (tshark: -z dnp3kit,tree). */
#include "dnp3kit-ws.h"

#include <epan/stats_tree.h>

static int node_funcs, node_groups, node_findings;
static const char *const st_funcs = "Function codes";
static const char *const st_groups = "Object groups";
static const char *const st_findings = "Findings";

static void st_init(stats_tree *st)
{
    node_funcs = stats_tree_create_node(st, st_funcs, 0, STAT_DT_INT, TRUE);
    node_groups = stats_tree_create_node(st, st_groups, 0, STAT_DT_INT, TRUE);
    node_findings = stats_tree_create_node(st, st_findings, 0, STAT_DT_INT, TRUE);
}

static tap_packet_status st_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                   const void *data, tap_flags_t flags _U_)
{
    const dk_pdu *rec = data;
    if (!rec)
        return TAP_PACKET_DONT_REDRAW;
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
    }
    for (uint32_t i = 0; i < rec->nfindings; i++) {
        tick_stat_node(st, st_findings, 0, TRUE);
        tick_stat_node(st, dnp3kit_finding_name(rec->findings[i].code), node_findings, FALSE);
    }
    return TAP_PACKET_REDRAW;
}

void dk_register_stats(void)
{
    stats_tree_register_plugin("dnp3kit", "dnp3kit", "DNP3 (dnp3kit)", 0, st_packet, st_init, NULL);
}
