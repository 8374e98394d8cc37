/* DNP3 in SEL RTAC serial captures (LINKTYPE_RTAC_SERIAL, Decode As
 * rtacser.data -> DNP3kit). Wireshark 4.0 hands each serial record to the
 * subdissector on its own, and a record is what one read or write carried:
 * a link frame may be split across records. This keeps, per direction (the
 * record's event type, DATA_TX_START / DATA_RX_START), the octets of a frame
 * not yet complete and puts them in front of the next record of that
 * direction, so every frame is dissected whole, in the record that completes
 * it. The octets handed on are always whole frames or octets the link parser
 * skips; they go to the UDP handle, which cuts them as it cuts a datagram.
 * What was carried over is stored per frame on the first pass, so revisits
 * rebuild the same octets. */
#include "dnp3kit-ws.h"

#include <string.h>

#define RTACSER_HEADER 12
#define RTACSER_EVENT 8 /* offset of the event type in the record header */
#define MAX_TAIL 300    /* a frame is at most 292 octets: its unfinished start is shorter */
#define SERIAL_KEY 0x53455201u

typedef struct carry {
    guint8 d[MAX_TAIL];
    guint n;
} carry;

typedef struct serial_rec {
    guint prefix_len, tail_len;
    guint8 *prefix;
} serial_rec;

static carry pending[2]; /* first pass: per direction */
static dissector_handle_t udp_handle;
static int hf_continued = -1;
static gint ett_serial = -1;

static void serial_init(void) { memset(pending, 0, sizeof pending); }

/* Octets at the end of p[0..n) that start a frame not complete yet (the
 * streaming parser's view: a valid header whose frame goes on, a header not
 * all there, or a lone trailing 0x05). */
static guint unfinished_tail(const guint8 *p, guint n)
{
    guint pos = 0;
    while (pos < n) {
        guint i = pos;
        while (i < n && !(p[i] == DNP3KIT_LINK_START1 && (i + 1 == n || p[i + 1] == DNP3KIT_LINK_START2)))
            i++;
        if (i == n)
            return 0;
        if (n - i < DNP3KIT_LINK_HEADER_LEN)
            return n - i;
        if (!dnp3kit_crc16_check(p + i, 8) || p[i + 2] < 5) {
            pos = i + 2; /* a bad header: the parser resumes after its start octets */
            continue;
        }
        guint len = (guint)dnp3kit_link_wire_len(p[i + 2]);
        if (i + len > n)
            return n - i;
        pos = i + len;
    }
    return 0;
}

static int direction(tvbuff_t *tvb)
{
    tvbuff_t *ds = tvb_get_ds_tvb(tvb);
    int at = tvb_raw_offset(tvb) - (RTACSER_HEADER - RTACSER_EVENT);
    if (!ds || at < 0 || tvb_captured_length(ds) <= (guint)at)
        return 0;
    return tvb_get_guint8(ds, at) == 0x02; /* DATA_RX_START: the recorder received it */
}

static int dissect_serial(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    guint n = tvb_captured_length(tvb);
    serial_rec *sr = p_get_proto_data(wmem_file_scope(), pinfo, proto_dnp3kit, SERIAL_KEY);
    if (!sr) {
        if (PINFO_FD_VISITED(pinfo))
            return call_dissector_with_data(udp_handle, tvb, pinfo, tree, data);
        carry *c = &pending[direction(tvb)];
        sr = wmem_new0(wmem_file_scope(), serial_rec);
        sr->prefix_len = c->n;
        sr->prefix = c->n ? wmem_memdup(wmem_file_scope(), c->d, c->n) : NULL;
        guint8 *all = wmem_alloc(pinfo->pool, c->n + n + 1);
        memcpy(all, c->d, c->n);
        tvb_memcpy(tvb, all + c->n, 0, n);
        guint tl = unfinished_tail(all, c->n + n);
        if (tl > MAX_TAIL)
            tl = 0; /* cannot happen (a tail is shorter than a frame): hand everything on */
        sr->tail_len = tl;
        memmove(c->d, all + sr->prefix_len + n - tl, tl);
        c->n = tl;
        p_add_proto_data(wmem_file_scope(), pinfo, proto_dnp3kit, SERIAL_KEY, sr);
    }
    guint total = sr->prefix_len + n;
    guint body = total - sr->tail_len;
    tvbuff_t *t = tvb;
    if (sr->prefix_len || sr->tail_len) {
        if (body) {
            guint8 *buf = wmem_alloc(pinfo->pool, body);
            if (sr->prefix_len)
                memcpy(buf, sr->prefix, sr->prefix_len > body ? body : sr->prefix_len);
            if (body > sr->prefix_len)
                tvb_memcpy(tvb, buf + sr->prefix_len, 0, body - sr->prefix_len);
            t = tvb_new_child_real_data(tvb, buf, body, body);
            if (sr->prefix_len)
                add_new_data_source(pinfo, t, "DNP3 serial octets (with earlier records')");
        }
        if (sr->tail_len) {
            /* the unfinished frame's octets of this record */
            guint here = sr->tail_len < n ? sr->tail_len : n;
            proto_item *ti = proto_tree_add_item(tree, proto_dnp3kit, tvb, n - here, here, ENC_NA);
            proto_tree *st = proto_item_add_subtree(ti, ett_serial);
            proto_item_set_generated(
                proto_tree_add_item(st, hf_continued, tvb, n - here, here, ENC_NA));
            if (!body) {
                col_set_str(pinfo->cinfo, COL_PROTOCOL, "DNP3kit");
                col_add_fstr(pinfo->cinfo, COL_INFO, "Link frame continued in a later record (%u octets so far)",
                             sr->tail_len);
                return n;
            }
        }
    }
    call_dissector_with_data(udp_handle, t, pinfo, tree, data);
    return n;
}

void dk_register_serial(int proto)
{
    static hf_register_info h[] = {
        {&hf_continued, {"Frame continued in a later record", "dnp3kit.serial.continued", FT_BYTES, BASE_NONE, NULL,
                         0, "Octets of a link frame that a later serial record of this direction completes",
                         HFILL}},
    };
    static gint *e[] = {&ett_serial};
    proto_register_field_array(proto, h, G_N_ELEMENTS(h));
    proto_register_subtree_array(e, G_N_ELEMENTS(e));
    register_init_routine(serial_init);
    register_dissector("dnp3kit.serial", dissect_serial, proto);
}

void dk_handoff_serial(void)
{
    udp_handle = find_dissector("dnp3kit.udp");
    dissector_add_for_decode_as("rtacser.data", find_dissector("dnp3kit.serial"));
}
