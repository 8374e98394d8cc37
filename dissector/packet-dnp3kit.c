/*
 * dnp3kit: DNP3 (IEEE 1815-2012) for Wireshark on the dnp3kit core.
 *
 * Framing: over TCP each link frame is one PDU of tcp_dissect_pdus, its
 * length taken from the link header (clause 9.2.4.1.2). Octets that are not a
 * frame with a valid header are PDUs too, cut where the core's streaming
 * parser would resynchronise (skip the two start octets of a bad header,
 * then hunt for the next 0x05 0x64), so a frame whose header CRC is bad is
 * still shown as dnp3kit with its expert item, and the next frame is
 * dissected normally. A UDP datagram is cut the same way.
 *
 * State (transport reassembly, session analyzer, tracking) lives in
 * tracking.c and is computed once, on the first pass.
 */
#include "dnp3kit-ws.h"

#include <epan/prefs.h>
#include <epan/tap.h>
#include <epan/strutil.h>
#include <epan/dissectors/packet-tcp.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int proto_dnp3kit = -1;
int dk_tap = -1;

static dissector_handle_t tcp_handle, udp_handle;
static gboolean pref_desegment = TRUE;
static gboolean pref_heuristic = FALSE;
guint dk_max_fragment = DK_MAX_FRAGMENT_DEFAULT;

#define DK_TCP_PORTS "20000"
#define DK_UDP_PORTS "20000"

/* ---- framing ---- */

/* Index of the first 0x05 0x64 in p[0..n), or of a trailing lone 0x05, or n
 * (the streaming parser's resynchronisation rule). */
static guint hunt(const guint8 *p, guint n)
{
    for (guint i = 0; i < n; i++)
        if (p[i] == DNP3KIT_LINK_START1 && (i + 1 == n || p[i + 1] == DNP3KIT_LINK_START2))
            return i;
    return n;
}

static bool header_ok(const guint8 *p) { return dnp3kit_crc16_check(p, 8) && p[2] >= 5; }

/* Octets of the PDU at p (avail octets there): a frame, a bad header with
 * what follows up to the next start, or skipped octets; 0 when they start
 * like a frame whose header (10 octets) is not all there yet. */
static guint pdu_len(const guint8 *p, guint avail)
{
    if (avail == 1 && p[0] == DNP3KIT_LINK_START1)
        return 0; /* maybe a start */
    if (avail >= 2 && p[0] == DNP3KIT_LINK_START1 && p[1] == DNP3KIT_LINK_START2) {
        if (avail < DNP3KIT_LINK_HEADER_LEN)
            return 0;
        if (header_ok(p))
            return (guint)dnp3kit_link_wire_len(p[2]);
        return 2 + hunt(p + 2, avail - 2);
    }
    guint n = hunt(p, avail);
    return n ? n : avail;
}

/* A short header must be answered with "one more segment" (0), never with the
 * header's length: TCP would then close the reassembly at octet 10 and, when
 * the real length asks for more, keep the longer PDU on the first pass only,
 * so a revisit (tshark -2, the GUI) finds no PDU in the frame. Without TCP
 * reassembly the octets at hand are the PDU (shown truncated). */
/* A bad header that a false start (0x05 0x64 inside it) cuts short: its 10
 * octets, kept from get_pdu_len for the PDU it returns next (tcp_dissect_pdus
 * dissects each PDU right after sizing it; dissection is single-threaded). */
static struct {
    bool valid;
    guint len;
    guint8 hdr[DNP3KIT_LINK_HEADER_LEN];
} cut_header;

/* The 10 header octets for a PDU of n octets at p (avail there), when it is a
 * bad header cut short; else NULL. */
static const guint8 *short_bad_header(const guint8 *p, guint n, guint avail)
{
    if (n >= DNP3KIT_LINK_HEADER_LEN || avail < DNP3KIT_LINK_HEADER_LEN || n < 2 ||
        p[0] != DNP3KIT_LINK_START1 || p[1] != DNP3KIT_LINK_START2)
        return NULL;
    return p;
}

/* The octets at p (avail) cut into PDUs: the offset of the last one when it
 * is not all there (its length in *len, 0 when not known yet), or avail. */
static guint chain_tail(const guint8 *p, guint avail, guint *len)
{
    guint off = 0;
    while (off < avail) {
        guint n = pdu_len(p + off, avail - off);
        if (n == 0 || n > avail - off) {
            *len = n;
            return off;
        }
        off += n;
    }
    return avail;
}

/* TCP reassembly and PDUs whose end is known late. A PDU's length is known
 * from its first 10 octets; a bad header cut short by a false start (or
 * octets skipped before a lone 0x05) ends inside them. While those 10 octets
 * are not all there TCP is asked for "one more segment", and it then appends
 * whole segments: the reassembled octets can end inside the PDU after the
 * short one. Answering with the short PDU's length there makes TCP
 * (desegment_tcp) either extend the same reassembly (the first pass then
 * dissects the short PDU again in every later segment, a revisit only in the
 * last) or start the next one inside octets it has already used (a revisit
 * then finds no PDU in the frame): tshark -2 and the GUI lose or move frames.
 * So in reassembled octets whose PDUs end in one that is not all there, the
 * first is not given yet: TCP is asked for the rest of them all (up to the
 * end of that last PDU when its length is known, else one more segment), so
 * every reassembly ends where a PDU ends. Reassembly asked for by length
 * always ends so; a segment's own octets (not reassembled) may end inside a
 * PDU, TCP starts a new reassembly there. */
static guint get_pdu_len(packet_info *pinfo, tvbuff_t *tvb, int offset, void *data)
{
    guint avail = tvb_captured_length_remaining(tvb, offset);
    const guint8 *p = tvb_get_ptr(tvb, offset, avail);
    guint n = pdu_len(p, avail);
    bool deseg = pref_desegment && pinfo->can_desegment;
    if (n == 0 && !deseg)
        n = avail;
    const struct tcpinfo *ti = data;
    if (deseg && ti && ti->is_reassembled && offset == 0 && n != 0 && n < avail) {
        guint len = 0, at = chain_tail(p, avail, &len);
        if (at < avail)
            n = len ? at + len : 0;
    }
    const guint8 *h = short_bad_header(p, n, avail);
    cut_header.valid = h != NULL;
    if (h) {
        cut_header.len = n;
        memcpy(cut_header.hdr, h, DNP3KIT_LINK_HEADER_LEN);
    }
    return n;
}

/* ---- helpers ---- */

/* Wireshark fakes items nobody looks at by handing back their parent tree:
 * text appended to such an "item" would land on the parent's label. */
#define REAL(item, parent) ((item) != NULL && (void *)(item) != (void *)(parent))

void dk_func_title(uint8_t func, char *buf, size_t cap)
{
    const char *n = dnp3kit_app_func_name(func);
    if (!n) {
        snprintf(buf, cap, "Function %u", func);
        return;
    }
    size_t i = 0;
    bool up = true;
    for (; *n && i + 1 < cap; n++, i++) {
        char c = *n;
        if (c == '_') {
            buf[i] = ' ';
            up = true;
            continue;
        }
        buf[i] = up ? c : g_ascii_tolower(c);
        up = false;
    }
    buf[i] = '\0';
}

static unsigned next_index(packet_info *pinfo)
{
    unsigned *c = p_get_proto_data(pinfo->pool, pinfo, proto_dnp3kit, 0);
    if (!c) {
        c = wmem_new0(pinfo->pool, unsigned);
        p_add_proto_data(pinfo->pool, pinfo, proto_dnp3kit, 0, c);
    }
    return ++*c;
}

static int *const crob_fields[] = {&hf.crob_tcc, &hf.crob_clear, &hf.crob_queue, &hf.crob_op, NULL};

/* ---- Info column ---- */

typedef struct info_buf {
    char s[256];
    size_t n;
} info_buf;

static void ip(info_buf *b, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void ip(info_buf *b, const char *fmt, ...)
{
    if (b->n >= sizeof b->s - 1)
        return;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(b->s + b->n, sizeof b->s - b->n, fmt, ap);
    va_end(ap);
    if (r > 0)
        b->n += (size_t)r < sizeof b->s - b->n ? (size_t)r : sizeof b->s - b->n - 1;
}

/* "g12v1 idx 5 LATCH_ON" / "g30v1 0-3" / "g60v1 all" for one header. */
static void info_header(info_buf *b, const dk_frag *fr, const dnp3kit_object_header *oh, bool with_status)
{
    ip(b, " g%uv%u", oh->group, oh->variation);
    dnp3kit_point_iter pi;
    dnp3kit_point pt;
    bool have = false;
    if (oh->has_data && oh->info) {
        dnp3kit_point_iter_init(&pi, fr->data, fr->len, oh);
        have = dnp3kit_point_iter_next(&pi, &pt) > 0;
    }
    if (oh->range_code == DNP3KIT_RANGE_ALL)
        ip(b, " all");
    else if (oh->count == 1 && have && pt.has_index)
        ip(b, " idx %" PRIu64, pt.index);
    else if (oh->has_range)
        ip(b, " %" PRIu64 "-%" PRIu64, oh->start, oh->stop);
    else
        ip(b, " count %" PRIu64, oh->count);
    if (!have || oh->count != 1)
        return;
    for (unsigned i = 0; i < pt.nfields; i++) {
        const dnp3kit_field_value *f = &pt.fields[i];
        if (f->type == DNP3KIT_FT_CONTROL) {
            char c[48];
            dnp3kit_crob_format((uint8_t)f->v.u, c, sizeof c);
            ip(b, " %s", c);
        }
    }
    if (oh->info->kind == DNP3KIT_KIND_COMMAND && oh->group != 12) {
        if (pt.value_kind == DNP3KIT_VAL_FLOAT)
            ip(b, " = %g", pt.f);
        else if (pt.value_kind == DNP3KIT_VAL_INT)
            ip(b, " = %" PRId64, pt.i);
    }
    if (with_status && pt.has_status)
        ip(b, " \xe2\x86\x92 %s", dnp3kit_control_status_name(pt.status));
}

static bool is_control(int func)
{
    return func == DNP3KIT_FC_SELECT || func == DNP3KIT_FC_OPERATE || func == DNP3KIT_FC_DIRECT_OPERATE ||
           func == DNP3KIT_FC_DIRECT_OPERATE_NR;
}

static void info_fragment(info_buf *b, const dk_frag *fr)
{
    const dnp3kit_app_header *h = &fr->sum.header;
    char t[48];
    if (fr->sum.header.header_len < 2) {
        ip(b, "Fragment too short (%u octets)", fr->len);
        return;
    }
    bool resp = h->has_iin;
    bool control_echo = resp && fr->req_func >= 0 && is_control(fr->req_func);
    dk_func_title(h->func, t, sizeof t);
    ip(b, "%s", t);
    if (h->func == DNP3KIT_FC_CONFIRM) {
        ip(b, "%s seq %u", h->uns ? " (unsolicited)" : "", h->seq);
        return;
    }
    if (control_echo) {
        dk_func_title((uint8_t)fr->req_func, t, sizeof t);
        ip(b, " %s", t);
    }
    dnp3kit_object_iter it;
    dnp3kit_object_header oh;
    dnp3kit_object_iter_init(&it, fr->data, fr->len, h);
    unsigned shown = 0;
    bool classes = false;
    int r;
    if (!resp || control_echo) {
        while ((r = dnp3kit_object_iter_next(&it, &oh, NULL)) > 0) {
            if (oh.group == 60 && oh.variation >= 1 && oh.variation <= 4 && !control_echo) {
                ip(b, "%s %u", classes ? "" : " Class", oh.variation == 1 ? 0 : oh.variation - 1);
                classes = true;
                continue;
            }
            if (shown == 3) {
                ip(b, " \xe2\x80\xa6");
                break;
            }
            if (classes || shown)
                ip(b, ",");
            info_header(b, fr, &oh, control_echo);
            shown++;
        }
    } else {
        ip(b, " %" PRIu64 " point%s", fr->sum.points, fr->sum.points == 1 ? "" : "s");
    }
    if (resp && h->iin) {
        ip(b, " IIN:");
        bool first = true;
        for (unsigned bit = 16; bit-- > 0;) {
            const char *n = dnp3kit_iin_bit_name((uint16_t)(1u << bit));
            if (!n || !(h->iin & (1u << bit)))
                continue;
            char low[40];
            g_strlcpy(low, g_str_has_prefix(n, "DEVICE_") ? n + 7 : n, sizeof low);
            for (char *p = low; *p; p++)
                *p = g_ascii_tolower(*p);
            ip(b, "%s%s", first ? " " : ",", low);
            first = false;
        }
    }
    if (fr->status != DNP3KIT_OK)
        ip(b, " [%s]", dnp3kit_err_name(fr->status));
}

/* ---- trees ---- */

typedef struct ctx {
    tvbuff_t *tvb;        /* the PDU */
    packet_info *pinfo;
    proto_tree *top, *link, *tr;
    proto_item *link_item;
    tvbuff_t *ftvb;       /* the application fragment */
    proto_tree *al;
    bool cto_valid;       /* a g51 CTO earlier in this fragment (clause 11.9.2) */
    uint64_t cto_ms;
} ctx;

static void link_header(ctx *c, const guint8 *p, guint n, bool full_frame)
{
    proto_tree *lt = c->link;
    proto_tree_add_item(lt, hf.link_start, c->tvb, 0, 2, ENC_BIG_ENDIAN);
    if (n < DNP3KIT_LINK_HEADER_LEN)
        return;
    proto_tree_add_item(lt, hf.link_len, c->tvb, 2, 1, ENC_NA);
    bool prm = (p[3] & DNP3KIT_LINK_CTRL_PRM) != 0;
    static int *const pri[] = {&hf.link_dir, &hf.link_prm, &hf.link_fcb, &hf.link_fcv, &hf.link_func, NULL};
    static int *const sec[] = {&hf.link_dir, &hf.link_prm, &hf.link_dfc, &hf.link_func, NULL};
    proto_tree_add_bitmask(lt, c->tvb, 3, hf.link_ctrl, ett.ctrl, prm ? pri : sec, ENC_NA);
    proto_item *fi = proto_tree_add_string(lt, hf.link_func_name, c->tvb, 3, 1,
                                           dnp3kit_link_func_name(prm, p[3] & 0x0F));
    proto_item_set_generated(fi);
    proto_tree_add_item(lt, hf.link_dst, c->tvb, 4, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(lt, hf.link_src, c->tvb, 6, 2, ENC_LITTLE_ENDIAN);
    if (dk_hidden_wanted(lt, hf.link_addr)) {
        proto_item_set_hidden(proto_tree_add_item(lt, hf.link_addr, c->tvb, 4, 2, ENC_LITTLE_ENDIAN));
        proto_item_set_hidden(proto_tree_add_item(lt, hf.link_addr, c->tvb, 6, 2, ENC_LITTLE_ENDIAN));
    }
    guint16 crc = dnp3kit_crc16(p, 8);
    proto_tree_add_checksum(lt, c->tvb, 8, hf.link_hdr_crc, hf.link_hdr_crc_status, NULL, c->pinfo, crc,
                            ENC_LITTLE_ENDIAN, PROTO_CHECKSUM_VERIFY);
    if (crc != (guint16)(p[8] | p[9] << 8))
        proto_item_set_generated(proto_tree_add_uint(lt, hf.link_crc_expected, c->tvb, 8, 2, crc));
    dk_bi_link(lt, c->tvb, p, crc == (guint16)(p[8] | p[9] << 8));
    if (REAL(c->link_item, c->top))
        proto_item_append_text(c->link_item, ", %s, %u \xe2\x86\x92 %u, len %u", dnp3kit_link_func_name(prm, p[3] & 0x0F),
                           p[6] | p[7] << 8, p[4] | p[5] << 8, p[2]);
    if (!full_frame)
        return;
    /* Data blocks: 16 octets (the last shorter), each with its CRC (9.2.4.2). */
    guint user = p[2] - 5u, off = DNP3KIT_LINK_HEADER_LEN;
    for (guint blk = 1; user > 0; blk++) {
        guint k = user < 16 ? user : 16;
        proto_item *bi = proto_tree_add_uint(lt, hf.link_block, c->tvb, off, k + 2, blk);
        proto_tree *bt = proto_item_add_subtree(bi, ett.block);
        proto_tree_add_item(bt, hf.link_block_data, c->tvb, off, k, ENC_NA);
        guint16 bc = dnp3kit_crc16(p + off, k);
        proto_tree_add_checksum(bt, c->tvb, off + k, hf.link_block_crc, hf.link_block_crc_status, NULL, c->pinfo,
                                bc, ENC_LITTLE_ENDIAN, PROTO_CHECKSUM_VERIFY);
        dk_bi_block(bt, c->tvb, (int)off, (int)k, p + off + k, bc == (guint16)(p[off + k] | p[off + k + 1] << 8));
        if (bc != (guint16)(p[off + k] | p[off + k + 1] << 8)) {
            proto_item_set_generated(proto_tree_add_uint(bt, hf.link_crc_expected, c->tvb, off + k, 2, bc));
            if (REAL(bi, lt))
                proto_item_append_text(bi, " (bad CRC)");
        }
        off += k + 2;
        user -= k;
    }
}

static void add_field(proto_tree *t, tvbuff_t *tvb, const dk_frag *fr, const dnp3kit_object_header *oh,
                      const dnp3kit_point *pt, unsigned i, guint *off)
{
    const dnp3kit_field_value *f = &pt->fields[i];
    int id = dk_field_hf(oh->info, i);
    /* An object whose size prefix disagrees with the row's layout comes back
     * from the core as one octet string: it must not go into the row's field
     * of another type (Wireshark rejects that as a dissector bug). */
    if (f->type == DNP3KIT_FT_OCTETS && oh->info && oh->info->fields[i].type != DNP3KIT_FT_OCTETS)
        id = hf.al_point_octets;
    if (id < 0)
        return;
    guint w = dnp3kit_field_width(f->type);
    guint o = *off;
    if (f->type == DNP3KIT_FT_BIT || f->type == DNP3KIT_FT_DBIT) {
        /* packed: the octet that holds the bits */
        guint at = (guint)pt->offset < fr->len ? (guint)pt->offset : 0;
        guint len = fr->len ? 1 : 0;
        if (f->type == DNP3KIT_FT_BIT)
            proto_tree_add_boolean(t, id, tvb, at, len, (guint32)f->v.u);
        else
            proto_tree_add_uint(t, id, tvb, at, len, (guint32)f->v.u);
        return;
    }
    if (f->type == DNP3KIT_FT_OCTETS) {
        guint at = f->octets ? (guint)(f->octets - fr->data) : o;
        if (f->octets_len && at + f->octets_len <= fr->len) {
            proto_tree_add_bytes(t, id, tvb, at, (gint)f->octets_len, f->octets);
            if (oh->group == 70)
                dk_bi_file_field(t, tvb, f->name, (int)at, (int)f->octets_len, 0);
        } else
            proto_tree_add_bytes_format_value(t, id, tvb, at < fr->len ? at : 0, 0, NULL, "(empty)");
        *off = at + (guint)f->octets_len;
        return;
    }
    if (o + w > fr->len)
        return;
    switch (f->type) {
    case DNP3KIT_FT_FLAGS: {
        int *const *bits = dk_flag_bits(oh->group);
        int lazy = bits && id == dk_flags_hf() ? dk_flags_hf_for(oh->group) : -1;
        if (lazy > 0) {
            guint32 v = (guint32)f->v.u & 0xFF;
            proto_tree *ft = proto_item_add_subtree(proto_tree_add_uint(t, lazy, tvb, o, 1, v), ett.flags);
            for (; *bits; bits++)
                proto_tree_add_boolean(ft, **bits, tvb, o, 1, v);
        } else if (bits)
            proto_tree_add_bitmask(t, tvb, o, id, ett.flags, bits, ENC_NA);
        else
            proto_tree_add_item(t, id, tvb, o, 1, ENC_NA);
        break;
    }
    case DNP3KIT_FT_CONTROL:
        proto_tree_add_bitmask(t, tvb, o, id, ett.crob, crob_fields, ENC_NA);
        break;
    case DNP3KIT_FT_I16: case DNP3KIT_FT_I32:
        proto_tree_add_int(t, id, tvb, o, w, (gint32)f->v.i);
        break;
    case DNP3KIT_FT_F32: {
        /* the float as the outstation sent it: 0.1, not 0.100000001490116 */
        char fb[40];
        dnp3kit_format_f32((float)f->v.f, fb, sizeof fb);
        proto_tree_add_double_format_value(t, id, tvb, o, w, f->v.f, "%s", fb);
        break;
    }
    case DNP3KIT_FT_F64:
        proto_tree_add_double(t, id, tvb, o, w, f->v.f);
        break;
    case DNP3KIT_FT_TIME48: {
        nstime_t ts = {(time_t)(f->v.u / 1000), (int)(f->v.u % 1000) * 1000000};
        proto_tree_add_time(t, id, tvb, o, w, &ts);
        break;
    }
    case DNP3KIT_FT_BCD16: case DNP3KIT_FT_BCD32: case DNP3KIT_FT_BCD64:
        if (f->octets)
            proto_tree_add_uint64_format_value(t, id, tvb, o, w, 0, "invalid BCD");
        else
            proto_tree_add_uint64(t, id, tvb, o, w, f->v.u);
        break;
    default:
        if (oh->group == 70)
            dk_bi_file_field(t, tvb, f->name, (int)o, (int)w, (guint32)f->v.u);
        /* g70v5/v6: bit 31 of the block number is the last-block flag */
        if (oh->group == 70 && f->type == DNP3KIT_FT_U32 && f->name && strcmp(f->name, "block") == 0)
            proto_tree_add_bitmask(t, tvb, o, id, ett.file_block, dk_block_bits, ENC_LITTLE_ENDIAN);
        else
            proto_tree_add_uint(t, id, tvb, o, w, (guint32)f->v.u);
        break;
    }
    *off = o + w;
}

static const dnp3kit_field_value *field_named(const dnp3kit_point *pt, const char *name)
{
    for (unsigned i = 0; i < pt->nfields; i++)
        if (pt->fields[i].name && strcmp(pt->fields[i].name, name) == 0)
            return &pt->fields[i];
    return NULL;
}

static proto_item *add_time_ms_item(proto_tree *t, int id, tvbuff_t *tvb, guint at, guint len, uint64_t ms)
{
    nstime_t ts = {(time_t)(ms / 1000), (int)(ms % 1000) * 1000000};
    return proto_tree_add_time(t, id, tvb, at, len, &ts);
}

/* g70v3: the File Command's fields, which the catalogue row keeps as one octet string. */
static void add_file_command(proto_tree *t, proto_item *pi, bool label, tvbuff_t *tvb, const dk_frag *fr,
                             const dnp3kit_field_value *f)
{
    if (!f || f->type != DNP3KIT_FT_OCTETS || !f->octets)
        return;
    dnp3kit_file_command fc;
    bool ok = dnp3kit_file_command_decode(f->octets, f->octets_len, &fc) == DNP3KIT_OK;
    if (f->octets_len < DNP3KIT_FILE_COMMAND_FIXED)
        return;
    static int *const perms[] = {&hf.file_perm_bits[0], &hf.file_perm_bits[1], &hf.file_perm_bits[2],
                                 &hf.file_perm_bits[3], &hf.file_perm_bits[4], &hf.file_perm_bits[5],
                                 &hf.file_perm_bits[6], &hf.file_perm_bits[7], &hf.file_perm_bits[8], NULL};
    guint at = (guint)(f->octets - fr->data);
    proto_tree_add_uint(t, hf.file_name_offset, tvb, at, 2, fc.name_offset);
    proto_tree_add_uint(t, hf.file_name_size, tvb, at + 2, 2, fc.name_size);
    add_time_ms_item(t, hf.file_created, tvb, at + 4, 6, fc.created_ms);
    proto_tree_add_bitmask_with_flags(t, tvb, at + 10, hf.file_perms, ett.file_perms, perms, ENC_LITTLE_ENDIAN,
                                      BMT_NO_APPEND);
    proto_tree_add_uint(t, hf.file_auth_key, tvb, at + 12, 4, fc.auth_key);
    proto_tree_add_uint(t, hf.file_size, tvb, at + 16, 4, fc.file_size);
    proto_tree_add_uint(t, hf.file_mode, tvb, at + 20, 2, fc.mode);
    proto_tree_add_uint(t, hf.file_max_block, tvb, at + 22, 2, fc.max_block);
    proto_tree_add_uint(t, hf.file_request_id, tvb, at + 24, 2, fc.request_id);
    const char *mode = dnp3kit_enum_name(dnp3kit_field_enum("mode"), fc.mode);
    dk_bi_file_command(t, tvb, (int)at, &fc, ok);
    if (ok) {
        char *name = (char *)wmem_strndup(wmem_packet_scope(), (const char *)fc.name, fc.name_len);
        proto_tree_add_string(t, hf.file_name, tvb, at + fc.name_offset, fc.name_size, name);
        if (label)
            proto_item_append_text(pi, " name=\"%s\"", format_text(wmem_packet_scope(), (const guchar *)name, strlen(name)));
    }
    if (label)
        proto_item_append_text(pi, " mode=%s", mode ? mode : "RESERVED");
}

/* g0: the attribute's value by its data type. */
static void add_attribute(proto_tree *t, proto_item *pi, bool label, tvbuff_t *tvb, const dk_frag *fr,
                          const dnp3kit_point *pt)
{
    const dnp3kit_field_value *ty = field_named(pt, "data_type"), *val = field_named(pt, "value");
    if (!ty || !val || val->type != DNP3KIT_FT_OCTETS)
        return;
    dnp3kit_attr_value v;
    dnp3kit_attr_value_decode((uint8_t)ty->v.u, val->octets, val->octets_len, &v);
    guint at = val->octets ? (guint)(val->octets - fr->data) : 0;
    guint n = val->octets ? (guint)val->octets_len : 0;
    const char *tn = dnp3kit_enum_name(dnp3kit_field_enum("data_type"), ty->v.u);
    if (label)
        proto_item_append_text(pi, " %s", tn ? tn : "UNKNOWN");
    if (val->octets && at >= 2)
        dk_bi_attribute(t, tvb, (int)at - 2, (uint8_t)ty->v.u, (int)at, (int)n, &v);
    switch (v.kind) {
    case DNP3KIT_AV_TEXT: {
        char *s = (char *)wmem_strndup(wmem_packet_scope(), (const char *)v.octets, v.len);
        proto_tree_add_string(t, hf.attr_text, tvb, at, n, s);
        if (label)
            proto_item_append_text(pi, " \"%s\"", format_text(wmem_packet_scope(), (const guchar *)s, strlen(s)));
        break;
    }
    case DNP3KIT_AV_UINT:
        proto_tree_add_uint64(t, hf.attr_uint, tvb, at, n, v.u);
        if (label)
            proto_item_append_text(pi, " %" PRIu64, v.u);
        break;
    case DNP3KIT_AV_INT:
        proto_tree_add_int64(t, hf.attr_int, tvb, at, n, v.i);
        if (label)
            proto_item_append_text(pi, " %" PRId64, v.i);
        break;
    case DNP3KIT_AV_FLOAT: {
        char fb[40];
        if (v.f32)
            dnp3kit_format_f32((float)v.f, fb, sizeof fb);
        else
            snprintf(fb, sizeof fb, "%.17g", v.f);
        proto_tree_add_double_format_value(t, hf.attr_float, tvb, at, n, v.f, "%s", fb);
        if (label)
            proto_item_append_text(pi, " %s", fb);
        break;
    }
    case DNP3KIT_AV_TIME:
        add_time_ms_item(t, hf.attr_time, tvb, at, n, v.u);
        break;
    default:
        if (n)
            proto_tree_add_item(t, hf.attr_octets, tvb, at, n, ENC_NA);
        break;
    }
}

/* A point's label, built in one buffer and set once: proto_item_append_text
 * re-reads and re-formats the label on every call, and a point had four or
 * five (index, flags, value, time) on every point of every packet with a
 * visible tree (-V, -T fields, the GUI). The text is what those appends
 * made: "Point" (the item's name) and each part in turn. */
typedef struct plabel {
    char b[ITEM_LABEL_LENGTH * 2];
    size_t n;
    bool flushed; /* part of the label is on the item already */
} plabel;

static void pl_str(plabel *l, const char *s)
{
    size_t k = strlen(s);
    if (k > sizeof l->b - 1 - l->n)
        k = sizeof l->b - 1 - l->n;
    memcpy(l->b + l->n, s, k);
    l->n += k;
    l->b[l->n] = '\0';
}

static void pl_u64(plabel *l, uint64_t v)
{
    char d[24];
    size_t i = sizeof d;
    d[--i] = '\0';
    do
        d[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    pl_str(l, d + i);
}

static void pl_i64(plabel *l, int64_t v)
{
    if (v < 0) {
        pl_str(l, "-");
        pl_u64(l, (uint64_t)0 - (uint64_t)v);
    } else
        pl_u64(l, (uint64_t)v);
}

static void G_GNUC_PRINTF(2, 3) pl_printf(plabel *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(l->b + l->n, sizeof l->b - l->n, fmt, ap);
    va_end(ap);
    if (k > 0)
        l->n = l->n + (size_t)k < sizeof l->b ? l->n + (size_t)k : sizeof l->b - 1;
}

/* Put the buffer on the item. While the whole label fits, one set_text; past
 * ITEM_LABEL_LENGTH the append path, which truncates as the appends did. */
static void pl_flush(plabel *l, proto_item *pi)
{
    if (!l->n)
        return;
    const char *name = PITEM_FINFO(pi)->hfinfo->name;
    if (!l->flushed && strlen(name) + l->n < ITEM_LABEL_LENGTH)
        proto_item_set_text(pi, "%s%s", name, l->b);
    else
        proto_item_append_text(pi, "%s", l->b);
    l->flushed = true;
    l->n = 0;
    l->b[0] = '\0';
}

static void add_point(ctx *c, proto_tree *ot, const dk_frag *fr, const dnp3kit_object_header *oh,
                      const dnp3kit_point *pt)
{
    guint size = (guint)pt->size;
    guint at = (guint)pt->offset;
    if (at > fr->len)
        at = fr->len;
    if (at + size > fr->len)
        size = fr->len - at;
    proto_item *pi = proto_tree_add_item(ot, hf.al_point, c->ftvb, at, size, ENC_NA);
    proto_tree *pt_tree = proto_item_add_subtree(pi, ett.point);
    bool label = REAL(pi, ot); /* a faked item is its parent: leave the parent's label alone */
    plabel lb = {.n = 0};
    if (pt->has_index) {
        bool prefixed = oh->prefix_code >= DNP3KIT_PREFIX_INDEX8 && oh->prefix_code <= DNP3KIT_PREFIX_INDEX32;
        proto_item *ii = proto_tree_add_uint(pt_tree, hf.al_point_index, c->ftvb, at, prefixed ? oh->prefix_size : 0,
                                             (guint32)pt->index);
        if (!prefixed)
            proto_item_set_generated(ii);
        dk_type_index(pt_tree, c->ftvb, oh->group, (int)at, prefixed ? (int)oh->prefix_size : 0, (uint32_t)pt->index);
        if (label) {
            pl_str(&lb, " ");
            pl_u64(&lb, pt->index);
        }
    }
    if (oh->prefix_code >= DNP3KIT_PREFIX_SIZE8 && oh->prefix_size)
        proto_tree_add_item(pt_tree, hf.al_point_prefix_size, c->ftvb, at, oh->prefix_size, ENC_LITTLE_ENDIAN);
    guint off = at + ((oh->prefix_code != DNP3KIT_PREFIX_NONE) ? oh->prefix_size : 0);
    for (unsigned i = 0; i < pt->nfields; i++)
        add_field(pt_tree, c->ftvb, fr, oh, pt, i, &off);
    if (pt->has_time && pt->time_relative && c->cto_valid)
        proto_item_set_generated(add_time_ms_item(pt_tree, hf.al_point_cto_time, c->ftvb, at, 0, c->cto_ms + pt->time_ms));
    bool g70v3 = oh->group == 70 && oh->variation == 3 && pt->nfields == 1;
    bool attr = !g70v3 && oh->group == 0 && oh->info && oh->info->size_rule == DNP3KIT_SIZE_ATTRIBUTE;
    if (label && (g70v3 || attr || oh->group == 121 || oh->group == 122))
        pl_flush(&lb, pi); /* these append to the label themselves */
    if (g70v3)
        add_file_command(pt_tree, pi, label, c->ftvb, fr, &pt->fields[0]);
    else if (attr)
        add_attribute(pt_tree, pi, label, c->ftvb, fr, pt);
    if ((oh->group == 121 || oh->group == 122) && pt->has_index) {
        const char *sn = dnp3kit_security_statistic_name(pt->index);
        if (sn) {
            proto_item_set_generated(proto_tree_add_string(pt_tree, hf.sa_statistic, c->ftvb, at, 0, sn));
            if (label)
                proto_item_append_text(pi, " %s", sn);
        }
    }
    /* a one-line summary on the point */
    if (!label)
        return;
    for (unsigned i = 0; i < pt->nfields; i++) {
        /* enumerated fields by name (file status, SA algorithms, ...) */
        const dnp3kit_field_value *f = &pt->fields[i];
        const char *en = f->type == DNP3KIT_FT_U8 ? dnp3kit_enum_name(dnp3kit_field_enum(f->name), f->v.u) : NULL;
        if (en && strcmp(f->name, "data_type") != 0)
            pl_printf(&lb, " %s=%s", f->name, en);
        if (oh->group == 70 && f->type == DNP3KIT_FT_U32 && strcmp(f->name, "block") == 0)
            pl_printf(&lb, " block=%u%s", (unsigned)(f->v.u & DNP3KIT_FILE_BLOCK_MASK),
                      (f->v.u & DNP3KIT_FILE_LAST_BLOCK) ? " (last)" : "");
    }
    if (pt->has_flags) {
        char fl[160];
        dnp3kit_flags_format(oh->group, pt->flags, fl, sizeof fl);
        pl_str(&lb, " flags=");
        pl_str(&lb, fl[0] ? fl : "0");
    }
    switch (pt->value_kind) {
    case DNP3KIT_VAL_BOOL: pl_str(&lb, pt->b ? " value=true" : " value=false"); break;
    case DNP3KIT_VAL_DBIT: pl_str(&lb, " value="); pl_u64(&lb, pt->dbit); break;
    case DNP3KIT_VAL_INT: pl_str(&lb, " value="); pl_i64(&lb, pt->i); break;
    case DNP3KIT_VAL_UINT: pl_str(&lb, " value="); pl_u64(&lb, pt->u); break;
    case DNP3KIT_VAL_FLOAT: pl_printf(&lb, " value=%g", pt->f); break;
    default: break;
    }
    if (pt->has_time && !pt->time_relative) {
        char tb[40];
        dnp3kit_format_time_ms(pt->time_ms, tb, sizeof tb);
        pl_str(&lb, " time=");
        pl_str(&lb, tb);
    } else if (pt->has_time && c->cto_valid) {
        char tb[40];
        dnp3kit_format_time_ms(c->cto_ms + pt->time_ms, tb, sizeof tb);
        pl_str(&lb, " time=");
        pl_str(&lb, tb);
        pl_str(&lb, " (CTO +");
        pl_u64(&lb, pt->time_ms);
        pl_str(&lb, "ms)");
    } else if (pt->has_time) {
        pl_str(&lb, " time=+");
        pl_u64(&lb, pt->time_ms);
        pl_str(&lb, "ms (no CTO)");
    }
    if (pt->has_status) {
        pl_str(&lb, " status=");
        pl_str(&lb, dnp3kit_control_status_name(pt->status));
    }
    pl_flush(&lb, pi);
}

static guint range_len(uint8_t rc)
{
    switch (rc) {
    case DNP3KIT_RANGE_START_STOP8: case DNP3KIT_RANGE_ADDR8: return 2;
    case DNP3KIT_RANGE_START_STOP16: case DNP3KIT_RANGE_ADDR16: return 4;
    case DNP3KIT_RANGE_START_STOP32: case DNP3KIT_RANGE_ADDR32: return 8;
    case DNP3KIT_RANGE_COUNT8: case DNP3KIT_RANGE_FREE8: return 1;
    case DNP3KIT_RANGE_COUNT16: return 2;
    case DNP3KIT_RANGE_COUNT32: return 4;
    default: return 0;
    }
}

static void app_tree(ctx *c, proto_tree *parent, const dk_frag *fr)
{
    tvbuff_t *t = c->ftvb;
    proto_item *ai = proto_tree_add_item(parent, hf.al, t, 0, -1, ENC_NA);
    c->al = proto_item_add_subtree(ai, ett.al);
    c->cto_valid = false;
    const dnp3kit_app_header *h = &fr->sum.header;
    if (h->header_len < 2)
        return;
    static int *const ctrl[] = {&hf.al_fir, &hf.al_fin, &hf.al_con, &hf.al_uns, &hf.al_seq, NULL};
    proto_tree_add_bitmask(c->al, t, 0, hf.al_ctrl, ett.al_ctrl, ctrl, ENC_NA);
    proto_tree_add_item(c->al, hf.al_func, t, 1, 1, ENC_NA);
    dk_bi_app_header(c->al, t, fr->data, fr->len, h->has_iin);
    const char *fname = dnp3kit_app_func_name(h->func);
    if (REAL(ai, parent))
        proto_item_append_text(ai, ", %s seq %u", fname ? fname : "unknown function", h->seq);
    if (h->has_iin && fr->len >= 4) {
        int *bits[17];
        unsigned nb = 0;
        for (unsigned b = 16; b-- > 0;)
            if (hf.iin_bits[b] > 0)
                bits[nb++] = &hf.iin_bits[b];
        bits[nb] = NULL;
        proto_tree_add_bitmask(c->al, t, 2, hf.al_iin, ett.iin, (int *const *)bits, ENC_BIG_ENDIAN);
    }
    if (fr->request_in) {
        proto_item_set_generated(proto_tree_add_uint(c->al, hf.al_request_in, t, 0, 0, fr->request_in));
        proto_item_set_generated(proto_tree_add_time(c->al, hf.al_response_time, t, 0, 0, &fr->response_time));
    }
    if (fr->response_in)
        proto_item_set_generated(proto_tree_add_uint(c->al, hf.al_response_in, t, 0, 0, fr->response_in));
    if (fr->select_in)
        proto_item_set_generated(proto_tree_add_uint(c->al, hf.al_select_in, t, 0, 0, fr->select_in));
    if (fr->operate_in)
        proto_item_set_generated(proto_tree_add_uint(c->al, hf.al_operate_in, t, 0, 0, fr->operate_in));
    if (fr->confirms)
        proto_item_set_generated(proto_tree_add_uint(c->al, hf.al_confirms, t, 0, 0, fr->confirms));
    if (fr->confirm_in)
        proto_item_set_generated(proto_tree_add_uint(c->al, hf.al_confirm_in, t, 0, 0, fr->confirm_in));
    if (h->has_iin)
        proto_item_set_generated(proto_tree_add_uint64(c->al, hf.al_points_total, t, 0, 0, fr->sum.points));

    /* Points are many: decode them only for a visible tree or a filter that names one. */
    bool want_points = c->al && (PTREE_DATA(c->al)->visible || dk_point_fields_referenced(c->al));
    dnp3kit_object_iter it;
    dnp3kit_object_header oh;
    dnp3kit_object_iter_init(&it, fr->data, fr->len, h);
    int r;
    /* A header whose data breaks off is shown with its whole objects: the
     * fragment's valid prefix (the core marks it partial). */
    while ((r = dnp3kit_object_iter_next(&it, &oh, NULL)) > 0 || (r < 0 && oh.partial)) {
        guint len = (guint)(oh.header_len + oh.data_len);
        if (oh.offset + len > fr->len)
            len = fr->len - (guint)oh.offset;
        const char *name = oh.info ? oh.info->name : dnp3kit_group_name(oh.group);
        proto_item *oi = proto_tree_add_uint_format(c->al, hf.al_obj, t, (gint)oh.offset, len,
                                                    (guint32)(oh.group << 8 | oh.variation), "Object g%uv%u: %s",
                                                    oh.group, oh.variation, name ? name : "unknown object");
        proto_tree *ot = proto_item_add_subtree(oi, ett.obj);
        bool olabel = REAL(oi, c->al);
        guint o = (guint)oh.offset;
        proto_tree_add_item(ot, hf.al_obj_group, t, o, 1, ENC_NA);
        proto_tree_add_item(ot, hf.al_obj_variation, t, o + 1, 1, ENC_NA);
        if (name)
            proto_item_set_generated(proto_tree_add_string(ot, hf.al_obj_name, t, o, 2, name));
        static int *const qual[] = {&hf.al_obj_prefix, &hf.al_obj_range, NULL};
        proto_tree_add_bitmask(ot, t, o + 2, hf.al_obj_qualifier, ett.qual, qual, ENC_NA);
        dk_bi_uint(ot, dkbi.obj, t, (int)o, 2, (guint32)(oh.group << 8 | oh.variation));
        dk_bi_uint(ot, dkbi.objq_prefix, t, (int)o + 2, 1, fr->data[o + 2]);
        dk_bi_uint(ot, dkbi.objq_range, t, (int)o + 2, 1, fr->data[o + 2]);
        guint rl = range_len(oh.range_code);
        if (oh.has_range) {
            proto_tree_add_uint(ot, hf.al_obj_start, t, o + 3, rl / 2, (guint32)oh.start);
            proto_tree_add_uint(ot, hf.al_obj_stop, t, o + 3 + rl / 2, rl / 2, (guint32)oh.stop);
            dk_bi_uint(ot, dkbi.range_start, t, (int)(o + 3), (int)(rl / 2), (guint32)oh.start);
            dk_bi_uint(ot, dkbi.range_stop, t, (int)(o + 3 + rl / 2), (int)(rl / 2), (guint32)oh.stop);
            if (olabel)
                proto_item_append_text(oi, ", range %" PRIu64 "-%" PRIu64, oh.start, oh.stop);
        } else if (rl) {
            proto_tree_add_uint(ot, hf.al_obj_count, t, o + 3, rl, (guint32)oh.count);
            dk_bi_uint(ot, dkbi.range_quantity, t, (int)(o + 3), (int)rl, (guint32)oh.count);
            if (olabel)
                proto_item_append_text(oi, ", count %" PRIu64, oh.count);
        } else if (r < 0 && oh.partial && oh.header_len == 3 && oh.range_code != DNP3KIT_RANGE_ALL) {
            if (olabel) /* reserved qualifier: nothing after it can be sized */
                proto_item_append_text(oi, ", reserved qualifier");
        } else if (olabel) {
            proto_item_append_text(oi, ", all");
        }
        if (oh.has_data && oh.info && want_points) {
            dnp3kit_point_iter pi;
            dnp3kit_point pt;
            dnp3kit_point_iter_init(&pi, fr->data, fr->len, &oh);
            while (dnp3kit_point_iter_next(&pi, &pt) > 0) {
                add_point(c, ot, fr, &oh, &pt);
                if (oh.group == 51 && pt.has_time && !pt.time_relative) {
                    c->cto_ms = pt.time_ms; /* base of the relative times that follow */
                    c->cto_valid = true;
                }
            }
        }
        if (r < 0) {
            proto_item *vi = proto_tree_add_uint64(ot, hf.al_obj_valid, t, (gint)oh.offset, 0, oh.valid_count);
            proto_item_set_generated(vi);
            proto_item_append_text(vi, " of %" PRIu64, oh.count);
            break;
        }
    }
    if (r < 0) {
        proto_item_set_generated(proto_tree_add_boolean(c->al, hf.al_complete, t, 0, 0, FALSE));
        size_t rest = oh.partial ? oh.data_offset + oh.data_len : it.pos;
        if (rest < fr->len)
            proto_tree_add_item(c->al, hf.al_unparsed, t, (gint)rest, -1, ENC_NA);
    }
}

static void add_findings(ctx *c, const dk_pdu *rec)
{
    for (uint32_t i = 0; i < rec->nfindings; i++) {
        const dnp3kit_finding *f = &rec->findings[i];
        bool deferred = i >= rec->nfindings - rec->ndeferred;
        if ((unsigned)f->code >= DNP3KIT_F_COUNT_)
            continue;
        char detail[256];
        dnp3kit_finding_format(f, detail, sizeof detail);
        tvbuff_t *tvb = c->tvb;
        proto_tree *t = c->link ? c->link : c->top;
        gint off = 0, len = 0;
        switch (dnp3kit_finding_layer(f->code)) {
        case DNP3KIT_LAYER_LINK:
            if (f->code != DNP3KIT_F_LINK_GARBAGE && f->offset != SIZE_MAX &&
                f->offset < tvb_captured_length(tvb)) {
                off = (gint)f->offset;
                len = 1;
            }
            break;
        case DNP3KIT_LAYER_TRANSPORT:
            if (c->tr)
                t = c->tr;
            if (tvb_captured_length(tvb) > DNP3KIT_LINK_HEADER_LEN) {
                off = DNP3KIT_LINK_HEADER_LEN;
                len = 1;
            }
            break;
        case DNP3KIT_LAYER_APP:
            if (c->al) {
                t = c->al;
                tvb = c->ftvb;
                if (f->offset != SIZE_MAX && f->offset < tvb_captured_length(tvb)) {
                    off = (gint)f->offset;
                    len = 1;
                }
            }
            break;
        default:
            if (c->al) {
                t = c->al;
                tvb = c->ftvb;
            }
            break;
        }
        /* The summary is the finding's constant one (so -z expert and the
         * Expert Information dialog group by finding); the detail is a field. */
        proto_item *ei = deferred ? proto_tree_add_expert_format(t, c->pinfo, &dk_ei[f->code], tvb, off, len,
                                                                 "%s (end of capture)", dk_expert_summary(f->code))
                                  : proto_tree_add_expert(t, c->pinfo, &dk_ei[f->code], tvb, off, len);
        proto_tree *et = proto_item_add_subtree(ei, ett.finding);
        proto_item_set_generated(proto_tree_add_string(et, hf.finding_detail, tvb, off, len, detail));
    }
}

static void dissect_one(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, bool udp, bool datagram_end,
                        const guint8 *hdr)
{
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "DNP3kit");
    unsigned idx = next_index(pinfo);
    if (idx == 1)
        col_clear(pinfo->cinfo, COL_INFO);
    dk_pdu *rec = p_get_proto_data(wmem_file_scope(), pinfo, proto_dnp3kit, idx);
    if (!rec) {
        if (!PINFO_FD_VISITED(pinfo)) {
            rec = dk_first_pass(tvb, pinfo, udp, datagram_end, hdr);
            p_add_proto_data(wmem_file_scope(), pinfo, proto_dnp3kit, idx, rec);
        } else {
            rec = dk_stateless(tvb, pinfo, hdr);
        }
    }
    guint n = tvb_captured_length(tvb);
    const guint8 *p = tvb_get_ptr(tvb, 0, n);
    ctx c = {0};
    c.tvb = tvb;
    c.pinfo = pinfo;
    proto_item *top = proto_tree_add_item(tree, proto_dnp3kit, tvb, 0, -1, ENC_NA);
    c.top = proto_item_add_subtree(top, ett.top);
    info_buf ib = {{0}, 0};

    switch (rec->kind) {
    case DK_PDU_GARBAGE:
        proto_tree_add_item(c.top, hf.link_garbage, tvb, 0, -1, ENC_NA);
        ip(&ib, "Skipped %u octets", n);
        break;
    case DK_PDU_BAD_HEADER:
    case DK_PDU_TRUNCATED: {
        guint hl = n < DNP3KIT_LINK_HEADER_LEN ? n : DNP3KIT_LINK_HEADER_LEN;
        c.link_item = proto_tree_add_item(c.top, hf.link, tvb, 0, hl, ENC_NA);
        c.link = proto_item_add_subtree(c.link_item, ett.link);
        link_header(&c, p, n, false);
        if (rec->kind == DK_PDU_TRUNCATED) {
            if (n > hl)
                proto_tree_add_item(c.top, hf.link_truncated, tvb, hl, -1, ENC_NA);
            ip(&ib, "Truncated link frame (%u octets)", n);
        } else {
            if (n > hl)
                proto_tree_add_item(c.top, hf.link_garbage, tvb, hl, -1, ENC_NA);
            ip(&ib, "%s (%u octets skipped)", p[2] < 5 && dnp3kit_crc16_check(p, 8) ? "Link LENGTH below 5"
                                                                                     : "Bad link header CRC", n);
        }
        break;
    }
    default: {
        c.link_item = proto_tree_add_item(c.top, hf.link, tvb, 0, -1, ENC_NA);
        c.link = proto_item_add_subtree(c.link_item, ett.link);
        link_header(&c, p, n, true);
        bool prm = (p[3] & DNP3KIT_LINK_CTRL_PRM) != 0;
        guint user = p[2] - 5u;
        if (user > 0 && n > DNP3KIT_LINK_HEADER_LEN) {
            static int *const trf[] = {&hf.tr_fin, &hf.tr_fir, &hf.tr_seq, NULL};
            proto_item *ti = proto_tree_add_bitmask(c.top, tvb, DNP3KIT_LINK_HEADER_LEN, hf.tr, ett.tr, trf, ENC_NA);
            c.tr = proto_item_add_subtree(ti, ett.tr_frames);
            guint8 th = p[DNP3KIT_LINK_HEADER_LEN];
            dk_bi_transport(c.tr, tvb, DNP3KIT_LINK_HEADER_LEN, th);
            if (REAL(ti, c.top))
                proto_item_append_text(ti, " (%s%sseq %u)", th & 0x40 ? "FIR " : "", th & 0x80 ? "FIN " : "", th & 0x3F);
        }
        if (rec->frag) {
            dk_frag *fr = rec->frag;
            c.ftvb = tvb_new_child_real_data(tvb, fr->data, fr->len, fr->len);
            /* frames[] is in frame order: several frames when the first and last differ */
            bool reassembled = fr->nframes > 1 && fr->frames[0] != fr->frames[fr->nframes - 1];
            add_new_data_source(pinfo, c.ftvb, reassembled ? "Reassembled DNP3 fragment" : "DNP3 fragment");
            if (c.tr) {
                proto_item_set_generated(proto_tree_add_uint(c.tr, hf.tr_segments, tvb, 0, 0, fr->segments));
                proto_item_set_generated(proto_tree_add_uint(c.tr, hf.tr_len, tvb, 0, 0, fr->len));
                for (uint32_t i = 0; i < fr->nframes; i++) /* each frame once */
                    if (i == 0 || fr->frames[i] != fr->frames[i - 1])
                        proto_item_set_generated(proto_tree_add_uint(c.tr, hf.tr_frame, tvb, 0, 0, fr->frames[i]));
                /* the built-in counts and lists the segments (reassemble.c: one item per fragment) */
                dk_bi_uint(c.tr, dkbi.frag_count, tvb, 0, 0, fr->nframes);
                dk_bi_uint(c.tr, dkbi.frag_len, tvb, 0, 0, fr->len);
                for (uint32_t i = 0; i < fr->nframes; i++)
                    dk_bi_uint(c.tr, dkbi.frag, tvb, 0, 0, fr->frames[i]);
            }
            app_tree(&c, c.top, fr);
            info_fragment(&ib, fr);
        } else if (rec->tentative) {
            /* A reserved link function: the octets as the fragment they would be. */
            dk_frag *fr = rec->tentative;
            c.ftvb = tvb_new_child_real_data(tvb, fr->data, fr->len, fr->len);
            add_new_data_source(pinfo, c.ftvb, "DNP3 fragment (reserved link function)");
            if (c.tr) { /* the built-in's fields as it fills them: a message of this one segment */
                dk_bi_uint(c.tr, dkbi.frag_count, tvb, 0, 0, 1);
                dk_bi_uint(c.tr, dkbi.frag_len, tvb, 0, 0, fr->len);
                dk_bi_uint(c.tr, dkbi.frag, tvb, 0, 0, pinfo->num);
            }
            app_tree(&c, c.top, fr);
            proto_item *ai = proto_tree_get_parent(c.al);
            if (REAL(ai, c.top))
                proto_item_append_text(ai, " [decoded as if user data: function %u is reserved]", rec->link_func);
            proto_item_set_generated(proto_tree_add_uint_format(c.al, hf.al_tentative, c.ftvb, 0, 0, rec->link_func,
                "Decoded as if user data: link function %u is reserved", rec->link_func));
            ip(&ib, "Link function %u reserved, as if user data: ", rec->link_func);
            info_fragment(&ib, fr);
        } else if (user > 0 && dnp3kit_link_func_reserved(prm, p[3] & 0x0F)) {
            /* not one whole segment with good CRCs: nothing to decode it as */
            guint8 th = p[DNP3KIT_LINK_HEADER_LEN];
            ip(&ib, "Link function %u reserved (segment %s%sseq %u not decoded)", p[3] & 0x0Fu,
               th & 0x40 ? "FIR " : "", th & 0x80 ? "FIN " : "", th & 0x3F);
        } else if (user > 0 && prm) {
            if (rec->reassembled_in && c.tr) {
                proto_item_set_generated(
                    proto_tree_add_uint(c.tr, hf.tr_reassembled_in, tvb, 0, 0, rec->reassembled_in));
                dk_bi_uint(c.tr, dkbi.frag_reassembled_in, tvb, 0, 0, rec->reassembled_in);
            }
            guint8 th = p[DNP3KIT_LINK_HEADER_LEN];
            ip(&ib, "Segment %s%sseq %u%s", th & 0x40 ? "FIR " : "", th & 0x80 ? "FIN " : "", th & 0x3F,
               rec->seg_accepted ? "" : " (not reassembled)");
        } else {
            ip(&ib, "Link %s %u\xe2\x86\x92%u", dnp3kit_link_func_name(prm, p[3] & 0x0F), p[6] | p[7] << 8,
               p[4] | p[5] << 8);
        }
        break;
    }
    }
    add_findings(&c, rec);
    col_append_sep_str(pinfo->cinfo, COL_INFO, " | ", ib.s);
    proto_item_append_text(top, ": %s", ib.s);
    dk_tap_pdu(pinfo, tvb, rec);
}

static int dissect_pdu_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    guint n = tvb_captured_length(tvb);
    const guint8 *hdr = NULL;
    if (cut_header.valid && cut_header.len == n && !memcmp(tvb_get_ptr(tvb, 0, n), cut_header.hdr, n))
        hdr = cut_header.hdr;
    cut_header.valid = false;
    dissect_one(tvb, pinfo, tree, false, false, hdr);
    return tvb_captured_length(tvb);
}

static int dissect_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    tcp_dissect_pdus(tvb, pinfo, tree, pref_desegment, 1, get_pdu_len, dissect_pdu_tcp, data);
    return tvb_captured_length(tvb);
}

static int dissect_udp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    guint total = tvb_captured_length(tvb), off = 0;
    while (off < total) {
        guint avail = total - off;
        guint n = pdu_len(tvb_get_ptr(tvb, off, avail), avail);
        if (n > avail || n == 0) /* a datagram is all there is: a short rest is truncated */
            n = avail;
        dissect_one(tvb_new_subset_length(tvb, off, n), pinfo, tree, true, off + n == total,
                    short_bad_header(tvb_get_ptr(tvb, off, avail), n, avail));
        off += n;
    }
    return total;
}

static bool looks_like_frame(tvbuff_t *tvb)
{
    if (tvb_captured_length(tvb) < DNP3KIT_LINK_HEADER_LEN)
        return false;
    const guint8 *p = tvb_get_ptr(tvb, 0, DNP3KIT_LINK_HEADER_LEN);
    return p[0] == DNP3KIT_LINK_START1 && p[1] == DNP3KIT_LINK_START2 && header_ok(p);
}

static gboolean heur_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (!looks_like_frame(tvb))
        return FALSE;
    conversation_set_dissector(find_or_create_conversation(pinfo), tcp_handle);
    dissect_tcp(tvb, pinfo, tree, data);
    return TRUE;
}

static gboolean heur_udp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (!looks_like_frame(tvb))
        return FALSE;
    conversation_set_dissector(find_or_create_conversation(pinfo), udp_handle);
    dissect_udp(tvb, pinfo, tree, data);
    return TRUE;
}

/* One switch for the heuristic: the heuristic-table entries (Enabled
 * Protocols, --enable-heuristic) are it; the preference, when it changes,
 * sets them. Other preference changes leave them alone. */
static void apply_prefs(void)
{
    static gboolean applied = FALSE;
    if (pref_heuristic == applied)
        return;
    applied = pref_heuristic;
    static const char *const names[] = {"dnp3kit_tcp", "dnp3kit_udp"};
    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        heur_dtbl_entry_t *e = find_heur_dissector_by_unique_short_name(names[i]);
        if (e)
            e->enabled = pref_heuristic;
    }
}

void proto_register_dnp3kit(void)
{
    proto_dnp3kit = proto_register_protocol("DNP3 (dnp3kit, IEEE 1815-2012)", "DNP3kit", "dnp3kit");
    dk_register_fields(proto_dnp3kit);
    dk_register_type_index(proto_dnp3kit);
    dk_hidden_probe();
    tcp_handle = register_dissector("dnp3kit.tcp", dissect_tcp, proto_dnp3kit);
    udp_handle = register_dissector("dnp3kit.udp", dissect_udp, proto_dnp3kit);
    module_t *m = prefs_register_protocol(proto_dnp3kit, apply_prefs);
    prefs_register_bool_preference(m, "desegment", "Reassemble link frames spanning TCP segments",
                                   "Whether a link frame split across TCP segments is reassembled. "
                                   "To use this, TCP's \"Allow subdissectors to reassemble TCP streams\" must be on.",
                                   &pref_desegment);
    prefs_register_bool_preference(m, "heuristic", "Find DNP3 on any TCP/UDP port (heuristic)",
                                   "Try dnp3kit on TCP and UDP payloads of other ports that start with a DNP3 link "
                                   "header with a valid CRC. The same switch as the heuristics dnp3kit_tcp and "
                                   "dnp3kit_udp in Analyze > Enabled Protocols (tshark --enable-heuristic): "
                                   "changing this preference turns both on or off.",
                                   &pref_heuristic);
    prefs_register_uint_preference(m, "max_fragment", "Largest application fragment (octets)",
                                   "Transport messages longer than this are not reassembled (finding "
                                   "transport_message_too_large). Each direction of each association that "
                                   "carries a message of several segments holds one buffer of this size for the "
                                   "capture's lifetime. 249 to 16777216; default 65535.",
                                   10, &dk_max_fragment);
    prefs_register_bool_preference(m, "builtin_fields", "Also fill the built-in dnp3's filter fields",
                                   "Give each frame hidden items of the built-in DNP3 dissector's fields (dnp3.al.func, "
                                   "dnp3.al.obj, dnp3.src, ...) for what both decode, so existing dnp3.* filters, "
                                   "colouring rules and columns keep selecting the same frames. Added only while a "
                                   "filter or column references them.",
                                   &dk_bi_enabled);
    dk_tracking_register();
    dk_tap = register_tap("dnp3kit");
    dk_register_tables(proto_dnp3kit);
}

void proto_reg_handoff_dnp3kit(void)
{
    /* Creates the "TCP port(s)" and "UDP port(s)" preferences of this protocol. */
    dissector_add_uint_range_with_preference("tcp.port", DK_TCP_PORTS, tcp_handle);
    dissector_add_uint_range_with_preference("udp.port", DK_UDP_PORTS, udp_handle);
    dk_bi_resolve();
    dk_handoff_tables();
    heur_dissector_add("tcp", heur_tcp, "DNP3 over TCP (dnp3kit)", "dnp3kit_tcp", proto_dnp3kit, HEURISTIC_DISABLE);
    heur_dissector_add("udp", heur_udp, "DNP3 over UDP (dnp3kit)", "dnp3kit_udp", proto_dnp3kit, HEURISTIC_DISABLE);
}
