/*
 * Coexistence with the built-in dissector's filters (docs/dissector.md,
 * "Filters of the built-in dnp3").
 *
 * The plugin takes port 20000 from the built-in, so without help every saved
 * `dnp3.*` filter, colouring rule and column would silently stop matching.
 * For what both dissectors decode (link header, CRCs, transport header,
 * reassembly, application header, IIN, object headers) each frame also gets
 * hidden items of the built-in's own fields: the same header field ids, looked
 * up by name at hand-off, so filter names, types and bit masks are exactly
 * the built-in's and nothing is registered twice. They are added only while a
 * filter, colouring rule or column references the field, or a visible tree's
 * output may print it (hidden.c), so a summary or filtering pass pays one flag
 * test per field.
 *
 * A field whose registration differs from what is expected here (another
 * Wireshark version) is left out rather than filled with a wrong type.
 */
#include "dnp3kit-ws.h"

#include <string.h>

dk_bi dkbi;

enum want { W_PROTO, W_UINT, W_BOOL, W_NONE, W_BYTES, W_INT, W_FLOAT, W_DOUBLE, W_STRING };

static const struct {
    const char *name;
    int *id;
    enum want kind;
} table[] = {
    {"dnp3", &dkbi.proto, W_PROTO},
    {"dnp3.start", &dkbi.start, W_UINT},
    {"dnp3.len", &dkbi.len, W_UINT},
    {"dnp3.ctl", &dkbi.ctl, W_UINT},
    {"dnp3.ctl.dir", &dkbi.ctl_dir, W_BOOL},
    {"dnp3.ctl.prm", &dkbi.ctl_prm, W_BOOL},
    {"dnp3.ctl.fcb", &dkbi.ctl_fcb, W_BOOL},
    {"dnp3.ctl.fcv", &dkbi.ctl_fcv, W_BOOL},
    {"dnp3.ctl.dfc", &dkbi.ctl_dfc, W_BOOL},
    {"dnp3.ctl.prifunc", &dkbi.ctl_prifunc, W_UINT},
    {"dnp3.ctl.secfunc", &dkbi.ctl_secfunc, W_UINT},
    {"dnp3.dst", &dkbi.dst, W_UINT},
    {"dnp3.src", &dkbi.src, W_UINT},
    {"dnp3.addr", &dkbi.addr, W_UINT},
    {"dnp3.hdr.CRC", &dkbi.hdr_crc, W_UINT},
    {"dnp.hdr.CRC.status", &dkbi.hdr_crc_status, W_UINT},
    {"dnp3.hdr.CRC.incorrect", &dkbi.hdr_crc_incorrect, W_NONE},
    {"dnp.data_chunk", &dkbi.chunk, W_BYTES},
    {"dnp.data_chunk_len", &dkbi.chunk_len, W_UINT},
    {"dnp.data_chunk.CRC", &dkbi.chunk_crc, W_UINT},
    {"dnp.data_chunk.CRC.status", &dkbi.chunk_crc_status, W_UINT},
    {"dnp3.data_chunk.CRC.incorrect", &dkbi.chunk_crc_incorrect, W_NONE},
    {"dnp3.tr.ctl", &dkbi.tr_ctl, W_UINT},
    {"dnp3.tr.fin", &dkbi.tr_fin, W_BOOL},
    {"dnp3.tr.fir", &dkbi.tr_fir, W_BOOL},
    {"dnp3.tr.seq", &dkbi.tr_seq, W_UINT},
    {"dnp3.al.fragment", &dkbi.frag, W_UINT},
    {"dnp3.al.fragment.count", &dkbi.frag_count, W_UINT},
    {"dnp3.al.fragment.reassembled.length", &dkbi.frag_len, W_UINT},
    {"dnp3.al.fragment.reassembled_in", &dkbi.frag_reassembled_in, W_UINT},
    {"dnp3.al.ctl", &dkbi.al_ctl, W_UINT},
    {"dnp3.al.fir", &dkbi.al_fir, W_BOOL},
    {"dnp3.al.fin", &dkbi.al_fin, W_BOOL},
    {"dnp3.al.con", &dkbi.al_con, W_BOOL},
    {"dnp3.al.uns", &dkbi.al_uns, W_BOOL},
    {"dnp3.al.seq", &dkbi.al_seq, W_UINT},
    {"dnp3.al.func", &dkbi.al_func, W_UINT},
    {"dnp3.al.iin", &dkbi.al_iin, W_UINT},
    {"dnp3.al.iin.rst", &dkbi.iin[0], W_BOOL},
    {"dnp3.al.iin.dt", &dkbi.iin[1], W_BOOL},
    {"dnp3.al.iin.dol", &dkbi.iin[2], W_BOOL},
    {"dnp3.al.iin.tsr", &dkbi.iin[3], W_BOOL},
    {"dnp3.al.iin.cls3d", &dkbi.iin[4], W_BOOL},
    {"dnp3.al.iin.cls2d", &dkbi.iin[5], W_BOOL},
    {"dnp3.al.iin.cls1d", &dkbi.iin[6], W_BOOL},
    {"dnp3.al.iin.bmsg", &dkbi.iin[7], W_BOOL},
    {"dnp3.al.iin.cc", &dkbi.iin[8], W_BOOL},
    {"dnp3.al.iin.oae", &dkbi.iin[9], W_BOOL},
    {"dnp3.al.iin.ebo", &dkbi.iin[10], W_BOOL},
    {"dnp3.al.iin.pioor", &dkbi.iin[11], W_BOOL},
    {"dnp3.al.iin.obju", &dkbi.iin[12], W_BOOL},
    {"dnp3.al.iin.fcni", &dkbi.iin[13], W_BOOL},
    {"dnp3.al.obj", &dkbi.obj, W_UINT},
    {"dnp3.al.objq.prefix", &dkbi.objq_prefix, W_UINT},
    {"dnp3.al.objq.range", &dkbi.objq_range, W_UINT},
    {"dnp3.al.range.start", &dkbi.range_start, W_UINT},
    {"dnp3.al.range.stop", &dkbi.range_stop, W_UINT},
    {"dnp3.al.range.quantity", &dkbi.range_quantity, W_UINT},
    {"dnp3.al.point_index", &dkbi.point_index, W_UINT},
    {"dnp3.al.file.mode", &dkbi.file_mode, W_UINT},
    {"dnp3.al.file.auth", &dkbi.file_auth, W_UINT},
    {"dnp3.al.file.size", &dkbi.file_size, W_UINT},
    {"dnp3.al.file.maxblock", &dkbi.file_maxblock, W_UINT},
    {"dnp3.al.file.reqID", &dkbi.file_reqid, W_UINT},
    {"dnp3.al.file.status", &dkbi.file_status, W_UINT},
    {"dnp3.al.file.handle", &dkbi.file_handle, W_UINT},
    {"dnp3.al.file.blocknum", &dkbi.file_blocknum, W_UINT},
    {"dnp3.al.file.lastblock", &dkbi.file_lastblock, W_BOOL},
    {"dnp3.al.file.data", &dkbi.file_data, W_BYTES},
    {"dnp3.al.file.perms", &dkbi.file_perms, W_UINT},
    {"dnp3.al.file_string_offset", &dkbi.file_name_offset, W_UINT},
    {"dnp3.al.file_string_length", &dkbi.file_name_length, W_UINT},
    {"dnp3.al.file_name", &dkbi.file_name, W_STRING},
    {"dnp3.al.datatype", &dkbi.da_type, W_UINT},
    {"dnp3.al.da.length", &dkbi.da_length, W_UINT},
    {"dnp3.al.da.uint8", &dkbi.da_uint[0], W_UINT},
    {"dnp3.al.da.uint16", &dkbi.da_uint[1], W_UINT},
    {"dnp3.al.da.uint32", &dkbi.da_uint[2], W_UINT},
    {"dnp3.al.da.int8", &dkbi.da_int[0], W_INT},
    {"dnp3.al.da.int16", &dkbi.da_int[1], W_INT},
    {"dnp3.al.da.int32", &dkbi.da_int[2], W_INT},
    {"dnp3.al.da.float", &dkbi.da_float, W_FLOAT},
    {"dnp3.al.da.double", &dkbi.da_double, W_DOUBLE},
    {"dnp3.al.da.value", &dkbi.da_value, W_STRING},
};

static bool kind_ok(enum want k, enum ftenum t)
{
    switch (k) {
    case W_PROTO: return t == FT_PROTOCOL;
    case W_UINT: return t == FT_UINT8 || t == FT_UINT16 || t == FT_UINT24 || t == FT_UINT32 || t == FT_FRAMENUM;
    case W_BOOL: return t == FT_BOOLEAN;
    case W_NONE: return t == FT_NONE;
    case W_BYTES: return t == FT_BYTES;
    case W_INT: return t == FT_INT8 || t == FT_INT16 || t == FT_INT24 || t == FT_INT32;
    case W_FLOAT: return t == FT_FLOAT;
    case W_DOUBLE: return t == FT_DOUBLE;
    case W_STRING: return t == FT_STRING;
    }
    return false;
}

gboolean dk_bi_enabled = TRUE;

void dk_bi_resolve(void)
{
    for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
        *table[i].id = -1;
        int id = proto_registrar_get_id_byname(table[i].name);
        if (id < 0)
            continue;
        header_field_info *h = proto_registrar_get_nth((guint)id);
        if (h && kind_ok(table[i].kind, h->type))
            *table[i].id = id;
    }
}

/* Worth an item (hidden.c): referenced by a filter, colouring rule or column,
 * or a visible tree whose output may print it -- tshark -T fields -e naming
 * it, so scripts written for the built-in find their fields there. */
static bool wanted(proto_tree *t, int id)
{
    return dk_bi_enabled && dk_hidden_wanted(t, id);
}

void dk_bi_uint(proto_tree *t, int id, tvbuff_t *tvb, int off, int len, uint32_t v)
{
    if (wanted(t, id))
        proto_item_set_hidden(proto_tree_add_uint(t, id, tvb, off, len, v));
}

void dk_bi_bool(proto_tree *t, int id, tvbuff_t *tvb, int off, int len, uint64_t v)
{
    if (wanted(t, id))
        proto_item_set_hidden(proto_tree_add_boolean(t, id, tvb, off, len, v));
}

void dk_bi_item(proto_tree *t, int id, tvbuff_t *tvb, int off, int len)
{
    if (wanted(t, id))
        proto_item_set_hidden(proto_tree_add_item(t, id, tvb, off, len, ENC_NA));
}

void dk_bi_link(proto_tree *t, tvbuff_t *tvb, const uint8_t *p, bool crc_ok)
{
    uint8_t ctl = p[3];
    bool prm = (ctl & DNP3KIT_LINK_CTRL_PRM) != 0;
    dk_bi_item(t, dkbi.proto, tvb, 0, -1);
    dk_bi_uint(t, dkbi.start, tvb, 0, 2, (uint32_t)(p[0] << 8 | p[1]));
    dk_bi_uint(t, dkbi.len, tvb, 2, 1, p[2]);
    dk_bi_uint(t, dkbi.ctl, tvb, 3, 1, ctl);
    dk_bi_bool(t, dkbi.ctl_dir, tvb, 3, 1, ctl);
    dk_bi_bool(t, dkbi.ctl_prm, tvb, 3, 1, ctl);
    if (prm) {
        dk_bi_bool(t, dkbi.ctl_fcb, tvb, 3, 1, ctl);
        dk_bi_bool(t, dkbi.ctl_fcv, tvb, 3, 1, ctl);
        dk_bi_uint(t, dkbi.ctl_prifunc, tvb, 3, 1, ctl);
    } else {
        dk_bi_bool(t, dkbi.ctl_dfc, tvb, 3, 1, ctl);
        dk_bi_uint(t, dkbi.ctl_secfunc, tvb, 3, 1, ctl);
    }
    uint32_t dst = (uint32_t)(p[4] | p[5] << 8), src = (uint32_t)(p[6] | p[7] << 8);
    dk_bi_uint(t, dkbi.dst, tvb, 4, 2, dst);
    dk_bi_uint(t, dkbi.src, tvb, 6, 2, src);
    dk_bi_uint(t, dkbi.addr, tvb, 4, 2, dst);
    dk_bi_uint(t, dkbi.addr, tvb, 6, 2, src);
    dk_bi_uint(t, dkbi.hdr_crc, tvb, 8, 2, (uint32_t)(p[8] | p[9] << 8));
    dk_bi_uint(t, dkbi.hdr_crc_status, tvb, 8, 2, crc_ok ? PROTO_CHECKSUM_E_GOOD : PROTO_CHECKSUM_E_BAD);
    if (!crc_ok)
        dk_bi_item(t, dkbi.hdr_crc_incorrect, tvb, 8, 2);
}

void dk_bi_block(proto_tree *t, tvbuff_t *tvb, int off, int k, const uint8_t *crc, bool crc_ok)
{
    dk_bi_item(t, dkbi.chunk, tvb, off, k);
    dk_bi_uint(t, dkbi.chunk_len, tvb, off, k, (uint32_t)k);
    dk_bi_uint(t, dkbi.chunk_crc, tvb, off + k, 2, (uint32_t)(crc[0] | crc[1] << 8));
    dk_bi_uint(t, dkbi.chunk_crc_status, tvb, off + k, 2, crc_ok ? PROTO_CHECKSUM_E_GOOD : PROTO_CHECKSUM_E_BAD);
    if (!crc_ok)
        dk_bi_item(t, dkbi.chunk_crc_incorrect, tvb, off + k, 2);
}

void dk_bi_transport(proto_tree *t, tvbuff_t *tvb, int off, uint8_t th)
{
    dk_bi_uint(t, dkbi.tr_ctl, tvb, off, 1, th);
    dk_bi_bool(t, dkbi.tr_fin, tvb, off, 1, th);
    dk_bi_bool(t, dkbi.tr_fir, tvb, off, 1, th);
    dk_bi_uint(t, dkbi.tr_seq, tvb, off, 1, th);
}

void dk_bi_app_header(proto_tree *t, tvbuff_t *tvb, const uint8_t *a, uint32_t len, bool has_iin)
{
    dk_bi_uint(t, dkbi.al_ctl, tvb, 0, 1, a[0]);
    dk_bi_bool(t, dkbi.al_fir, tvb, 0, 1, a[0]);
    dk_bi_bool(t, dkbi.al_fin, tvb, 0, 1, a[0]);
    dk_bi_bool(t, dkbi.al_con, tvb, 0, 1, a[0]);
    dk_bi_bool(t, dkbi.al_uns, tvb, 0, 1, a[0]);
    dk_bi_uint(t, dkbi.al_seq, tvb, 0, 1, a[0]);
    dk_bi_uint(t, dkbi.al_func, tvb, 1, 1, a[1]);
    if (!has_iin || len < 4)
        return;
    uint32_t iin = (uint32_t)(a[2] << 8 | a[3]);
    dk_bi_uint(t, dkbi.al_iin, tvb, 2, 2, iin);
    for (size_t i = 0; i < G_N_ELEMENTS(dkbi.iin); i++)
        dk_bi_bool(t, dkbi.iin[i], tvb, 2, 2, iin);
}

/* g70v3 (A.27.3): the built-in shows the creation time, permissions and size
 * only for mode WRITE (they mean nothing otherwise); so here. */
void dk_bi_file_command(proto_tree *t, tvbuff_t *tvb, int at, const dnp3kit_file_command *fc, bool name_ok)
{
    dk_bi_uint(t, dkbi.file_name_offset, tvb, at, 2, fc->name_offset);
    dk_bi_uint(t, dkbi.file_name_length, tvb, at + 2, 2, fc->name_size);
    if (fc->mode == DNP3KIT_FILE_MODE_WRITE)
        dk_bi_uint(t, dkbi.file_perms, tvb, at + 10, 2, fc->permissions);
    dk_bi_uint(t, dkbi.file_auth, tvb, at + 12, 4, fc->auth_key);
    if (fc->mode == DNP3KIT_FILE_MODE_WRITE)
        dk_bi_uint(t, dkbi.file_size, tvb, at + 16, 4, fc->file_size);
    dk_bi_uint(t, dkbi.file_mode, tvb, at + 20, 2, fc->mode);
    dk_bi_uint(t, dkbi.file_maxblock, tvb, at + 22, 2, fc->max_block);
    dk_bi_uint(t, dkbi.file_reqid, tvb, at + 24, 2, fc->request_id);
    if (name_ok && wanted(t, dkbi.file_name)) {
        char *name = (char *)wmem_strndup(wmem_packet_scope(), (const char *)fc->name, fc->name_len);
        proto_item_set_hidden(proto_tree_add_string(t, dkbi.file_name, tvb, at + fc->name_offset, fc->name_size, name));
    }
}

void dk_bi_file_field(proto_tree *t, tvbuff_t *tvb, const char *name, int off, int w, uint32_t v)
{
    if (!name)
        return;
    if (strcmp(name, "handle") == 0) {
        dk_bi_uint(t, dkbi.file_handle, tvb, off, w, v);
    } else if (strcmp(name, "file_size") == 0) {
        dk_bi_uint(t, dkbi.file_size, tvb, off, w, v);
    } else if (strcmp(name, "max_block") == 0) {
        dk_bi_uint(t, dkbi.file_maxblock, tvb, off, w, v);
    } else if (strcmp(name, "request_id") == 0) {
        dk_bi_uint(t, dkbi.file_reqid, tvb, off, w, v);
    } else if (strcmp(name, "status_code") == 0) {
        dk_bi_uint(t, dkbi.file_status, tvb, off, w, v);
    } else if (strcmp(name, "block") == 0) {
        /* the built-in's fields mask the last-block flag off / out */
        dk_bi_uint(t, dkbi.file_blocknum, tvb, off, w, v);
        dk_bi_bool(t, dkbi.file_lastblock, tvb, off, w, v);
    } else if (strcmp(name, "data") == 0 && w > 0) {
        dk_bi_item(t, dkbi.file_data, tvb, off, w);
    }
}

/* g0 (A.2): the value in the built-in's field for its type and length. */
void dk_bi_attribute(proto_tree *t, tvbuff_t *tvb, int type_at, uint8_t type, int at, int n,
                     const dnp3kit_attr_value *v)
{
    dk_bi_uint(t, dkbi.da_type, tvb, type_at, 1, type);
    dk_bi_uint(t, dkbi.da_length, tvb, type_at + 1, 1, (uint32_t)n);
    int k = n == 1 ? 0 : n == 2 ? 1 : n == 4 ? 2 : -1;
    switch (v->kind) {
    case DNP3KIT_AV_UINT:
        if (k >= 0)
            dk_bi_uint(t, dkbi.da_uint[k], tvb, at, n, (uint32_t)v->u);
        break;
    case DNP3KIT_AV_INT:
        if (k >= 0 && wanted(t, dkbi.da_int[k]))
            proto_item_set_hidden(proto_tree_add_int(t, dkbi.da_int[k], tvb, at, n, (gint32)v->i));
        break;
    case DNP3KIT_AV_FLOAT:
        if (n == 4 && wanted(t, dkbi.da_float))
            proto_item_set_hidden(proto_tree_add_float(t, dkbi.da_float, tvb, at, n, (float)v->f));
        else if (n == 8 && wanted(t, dkbi.da_double))
            proto_item_set_hidden(proto_tree_add_double(t, dkbi.da_double, tvb, at, n, v->f));
        break;
    case DNP3KIT_AV_TEXT:
        if (wanted(t, dkbi.da_value)) {
            char *s = (char *)wmem_strndup(wmem_packet_scope(), (const char *)v->octets, v->len);
            proto_item_set_hidden(proto_tree_add_string(t, dkbi.da_value, tvb, at, n, s));
        }
        break;
    default:
        break;
    }
}
