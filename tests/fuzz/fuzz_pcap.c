/*
 * Fuzz target: the input is a whole pcap/pcapng file. Exercises libpcap's
 * record reader through dpc_read_mem, our link/IP/TCP/UDP decoding and TCP
 * reassembly (any_port on, so content detection runs too), and feeds every
 * delivered stream through the streaming link parser, as dnp3-pcap does.
 */
#include <stdint.h>
#include <stdlib.h>

#include "dnp3kit/link.h"
#include "pcapin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One link parser per direction of each flow, hung on f->user. */
static void on_open(void *ctx, dpc_flow *f, const dpc_packet *pkt)
{
    (void)ctx;
    (void)pkt;
    dnp3kit_link_parser *lp = calloc(2, sizeof *lp);
    if (lp) {
        dnp3kit_link_parser_init(&lp[0]);
        dnp3kit_link_parser_init(&lp[1]);
    }
    f->user = lp;
}

static void on_data(void *ctx, dpc_flow *f, bool from_a, const uint8_t *p, size_t len, const dpc_packet *pkt)
{
    (void)ctx;
    (void)pkt;
    dnp3kit_link_parser *lp = f->user;
    if (!lp)
        return;
    dnp3kit_link_frame fr;
    while (len > 0)
        dnp3kit_link_parser_step(&lp[from_a ? 0 : 1], &p, &len, &fr, NULL);
}

static void on_gap(void *ctx, dpc_flow *f, bool from_a, uint64_t missing, const dpc_packet *pkt)
{
    (void)ctx;
    (void)missing;
    (void)pkt;
    dnp3kit_link_parser *lp = f->user;
    if (lp)
        dnp3kit_link_parser_reset(&lp[from_a ? 0 : 1], NULL);
}

static void on_finding(void *ctx, dpc_flow *f, bool from_a, const dnp3kit_finding *fi, const dpc_packet *pkt)
{
    (void)ctx;
    (void)f;
    (void)fi;
    (void)from_a;
    (void)pkt;
}

static void on_close(void *ctx, dpc_flow *f, const dpc_packet *pkt)
{
    (void)ctx;
    (void)pkt;
    dnp3kit_link_parser *lp = f->user;
    if (lp) {
        dnp3kit_link_parser_finish(&lp[0], NULL);
        dnp3kit_link_parser_finish(&lp[1], NULL);
        free(lp);
    }
    f->user = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dpc_options opt;
    dpc_options_default(&opt);
    opt.any_port = true;
    dpc_callbacks cb = {on_open, on_data, on_gap, on_finding, on_close, NULL};
    dpc_stats st;
    char err[256];
    dpc_read_mem(data, size, &opt, &cb, NULL, &st, err, sizeof err);
    return 0;
}
