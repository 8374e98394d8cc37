/*
 * Header fields, subtrees and expert infos of the dnp3kit plugin.
 *
 * Nothing here restates a protocol table: point fields come from the
 * catalogue (dnp3kit_catalog_table(): one field per distinct field name and
 * Wireshark type), IIN bits from DNP3KIT_IIN_BITS, function names from
 * dnp3kit_app_func_name(), control statuses from DNP3KIT_CONTROL_STATUSES,
 * flag bit names from dnp3kit_flags_format(), and one expert info per entry
 * of findings.def with its name, severity and description.
 */
#include "dnp3kit-ws.h"

#include <string.h>

dk_hf hf;
dk_ett ett;
expert_field dk_ei[DNP3KIT_F_COUNT_];

/* ---- point fields from the catalogue ---- */

/* Wireshark representation classes of the catalogue's field types. */
enum { C_FLAGS, C_BOOL, C_DBIT, C_UINT, C_INT, C_FLOAT, C_ABS, C_REL, C_BCD, C_STATUS, C_CONTROL, C_BYTES, C_N };
static const char *const class_name[C_N] = {"flags", "bool", "dbit", "uint", "int", "float",
                                            "abs", "rel", "bcd", "status", "control", "bytes"};

static int class_of(uint8_t type)
{
    switch (type) {
    case DNP3KIT_FT_FLAGS: return C_FLAGS;
    case DNP3KIT_FT_BIT: return C_BOOL;
    case DNP3KIT_FT_DBIT: return C_DBIT;
    case DNP3KIT_FT_U8: case DNP3KIT_FT_U16: case DNP3KIT_FT_U32: return C_UINT;
    case DNP3KIT_FT_I16: case DNP3KIT_FT_I32: return C_INT;
    case DNP3KIT_FT_F32: case DNP3KIT_FT_F64: return C_FLOAT;
    case DNP3KIT_FT_TIME48: return C_ABS;
    case DNP3KIT_FT_RELTIME16: return C_REL;
    case DNP3KIT_FT_BCD16: case DNP3KIT_FT_BCD32: case DNP3KIT_FT_BCD64: return C_BCD;
    case DNP3KIT_FT_STATUS: return C_STATUS;
    case DNP3KIT_FT_CONTROL: return C_CONTROL;
    default: return C_BYTES;
    }
}

typedef struct pfield {
    const char *name;
    int cls;
    int id;
} pfield;

static pfield *pfields;
static size_t npfields;
static const dnp3kit_object_info *cat;
static size_t ncat;
static uint16_t *row_field; /* ncat * DNP3KIT_MAX_FIELDS indexes into pfields, 0xFFFF none */

int dk_field_hf(const dnp3kit_object_info *row, unsigned i)
{
    if (!row || row < cat || row >= cat + ncat || i >= DNP3KIT_MAX_FIELDS)
        return -1;
    uint16_t k = row_field[(size_t)(row - cat) * DNP3KIT_MAX_FIELDS + i];
    return k == 0xFFFF ? -1 : pfields[k].id;
}

static value_string dbit_vals[] = {
    {0, "INTERMEDIATE"}, {1, "DETERMINED_OFF"}, {2, "DETERMINED_ON"}, {3, "INDETERMINATE"}, {0, NULL}};

static value_string status_vals[] = {
#define X(n, v) {v, #n},
    DNP3KIT_CONTROL_STATUSES(X)
#undef X
    {0, NULL}};

static value_string *func_vals;

/* A value_string of the core's names for an enumerated field (dnp3kit_field_enum), or NULL. */
static const value_string *enum_vals(const char *field)
{
    const dnp3kit_enum *e = dnp3kit_field_enum(field);
    if (!e)
        return NULL;
    size_t n = 0;
    while (e[n].name)
        n++;
    value_string *vs = g_new0(value_string, n + 1);
    for (size_t k = 0; k < n; k++) {
        vs[k].value = e[k].value;
        vs[k].strptr = e[k].name;
    }
    return vs;
}

int *const dk_block_bits[] = {&hf.file_last_block, &hf.file_block_number, NULL};

static value_string crob_op_vals[] = {{DNP3KIT_OP_NUL, "NUL"}, {DNP3KIT_OP_PULSE_ON, "PULSE_ON"},
                                      {DNP3KIT_OP_PULSE_OFF, "PULSE_OFF"}, {DNP3KIT_OP_LATCH_ON, "LATCH_ON"},
                                      {DNP3KIT_OP_LATCH_OFF, "LATCH_OFF"}, {0, NULL}};
static value_string crob_tcc_vals[] = {
    {DNP3KIT_TCC_NUL, "NUL"}, {DNP3KIT_TCC_CLOSE, "CLOSE"}, {DNP3KIT_TCC_TRIP, "TRIP"}, {3, "RESERVED"}, {0, NULL}};

/* Qualifier codes (clause 4.2.2.7): names for the tree. */
static value_string prefix_vals[] = {
    {DNP3KIT_PREFIX_NONE, "no prefix, packed"}, {DNP3KIT_PREFIX_INDEX8, "1-octet index prefix"},
    {DNP3KIT_PREFIX_INDEX16, "2-octet index prefix"}, {DNP3KIT_PREFIX_INDEX32, "4-octet index prefix"},
    {DNP3KIT_PREFIX_SIZE8, "1-octet size prefix"}, {DNP3KIT_PREFIX_SIZE16, "2-octet size prefix"},
    {DNP3KIT_PREFIX_SIZE32, "4-octet size prefix"}, {0, NULL}};
static value_string range_vals[] = {
    {DNP3KIT_RANGE_START_STOP8, "1-octet start/stop"}, {DNP3KIT_RANGE_START_STOP16, "2-octet start/stop"},
    {DNP3KIT_RANGE_START_STOP32, "4-octet start/stop"}, {DNP3KIT_RANGE_ADDR8, "1-octet start/stop address"},
    {DNP3KIT_RANGE_ADDR16, "2-octet start/stop address"}, {DNP3KIT_RANGE_ADDR32, "4-octet start/stop address"},
    {DNP3KIT_RANGE_ALL, "all objects, no range field"},
    {DNP3KIT_RANGE_COUNT8, "1-octet count"}, {DNP3KIT_RANGE_COUNT16, "2-octet count"},
    {DNP3KIT_RANGE_COUNT32, "4-octet count"}, {DNP3KIT_RANGE_FREE8, "1-octet count, free format"}, {0, NULL}};

static const true_false_string tfs_dir = {"from master (DIR=1)", "from outstation (DIR=0)"};
static const true_false_string tfs_prm = {"primary (PRM=1)", "secondary (PRM=0)"};

/* ---- flag bits from dnp3kit_flags_format ---- */

typedef struct flagbit {
    char *name;
    uint8_t mask;
    int id;
} flagbit;
static flagbit flagbits[64];
static size_t nflagbits;
static int hf_flags = -1;
static int *flag_sets[256][9]; /* per group, NULL-terminated list of bit field ids */
static bool flag_set_any[256];

int dk_flags_hf(void) { return hf_flags; }

bool dk_point_fields_referenced(proto_tree *tree)
{
    if (proto_field_is_referenced(tree, hf.al_point) || proto_field_is_referenced(tree, hf.al_point_index) ||
        proto_field_is_referenced(tree, hf.al_point_prefix_size) || proto_field_is_referenced(tree, hf.crob_op) ||
        proto_field_is_referenced(tree, hf.crob_tcc) || proto_field_is_referenced(tree, hf.crob_clear) ||
        proto_field_is_referenced(tree, hf.crob_queue) || dk_type_index_referenced(tree))
        return true;
    const int detail[] = {hf.file_name_offset, hf.file_name_size, hf.file_created, hf.file_perms, hf.file_auth_key,
                          hf.file_size, hf.file_mode, hf.file_max_block, hf.file_request_id, hf.file_name,
                          hf.file_block_number, hf.file_last_block, hf.al_point_cto_time, hf.attr_uint, hf.attr_int, hf.attr_float,
                          hf.attr_text, hf.attr_time, hf.attr_octets, hf.sa_statistic};
    for (size_t k = 0; k < G_N_ELEMENTS(detail); k++)
        if (proto_field_is_referenced(tree, detail[k]))
            return true;
    for (size_t k = 0; k < G_N_ELEMENTS(hf.file_perm_bits); k++)
        if (proto_field_is_referenced(tree, hf.file_perm_bits[k]))
            return true;
    for (size_t k = 0; k < npfields; k++)
        if (proto_field_is_referenced(tree, pfields[k].id))
            return true;
    for (size_t k = 0; k < nflagbits; k++)
        if (proto_field_is_referenced(tree, flagbits[k].id))
            return true;
    return false;
}

int *const *dk_flag_bits(uint8_t group) { return flag_set_any[group] ? flag_sets[group] : NULL; }

/* The flags octet's label ("ONLINE, STATE (0x81)") comes from a value string,
 * one registration of dnp3kit.al.point.flags per distinct set of flag bits,
 * so Wireshark looks it up only when a label is shown: a visible tree that is
 * never printed (tshark -T fields, -Y) pays no printf per point, and the bits
 * under it are plain booleans, not a bitmask that appends to its parent's
 * label bit by bit. The field's value and its -T fields text (0x81) are as
 * before. */
#define DK_FLAG_FAMILIES 16
static struct {
    int *const *bits; /* flag_sets[g] of the first group with this set */
    value_string *vals; /* 256 labels and the terminator */
    value_string_ext *ext;
    int id;
} families[DK_FLAG_FAMILIES];
static size_t nfamilies;
static int8_t family_of[256]; /* -1: none (the bitmask path) */

static value_string *family_labels(int *const *bits)
{
    value_string *vs = g_new0(value_string, 257);
    for (unsigned v = 0; v < 256; v++) {
        GString *l = g_string_new(NULL);
        for (int *const *b = bits; *b; b++)
            for (size_t k = 0; k < nflagbits; k++)
                if (&flagbits[k].id == *b && (v & flagbits[k].mask))
                    g_string_append_printf(l, "%s%s", l->len ? ", " : "", flagbits[k].name);
        vs[v] = (value_string){v, g_string_free(l, FALSE)};
        if (!vs[v].strptr[0]) {
            g_free((char *)vs[v].strptr);
            vs[v].strptr = "none";
        }
    }
    return vs;
}

int dk_flags_hf_for(uint8_t group) { return family_of[group] >= 0 ? families[family_of[group]].id : -1; }

static bool same_bits(int *const *a, int *const *b)
{
    for (; *a && *b; a++, b++)
        if (*a != *b)
            return false;
    return !*a && !*b;
}

/* Name of bit b for group g as the core names it, or NULL when that bit is
 * not a plain flag for the group (double-bit state, g13 control status). */
static const char *bit_name(uint8_t g, unsigned b, char *out, size_t cap)
{
    char base[64], one[128];
    dnp3kit_flags_format(g, 0, base, sizeof base);
    dnp3kit_flags_format(g, (uint8_t)(1u << b), one, sizeof one);
    size_t bl = strlen(base), ol = strlen(one);
    if (bl) {
        /* "ONLINE|INTERMEDIATE": the base is a state, not a flag */
        if (ol <= bl + 1 || one[ol - bl - 1] != '|' || strcmp(one + ol - bl, base) != 0)
            return NULL;
        one[ol - bl - 1] = '\0';
    }
    if (!one[0] || strchr(one, '|'))
        return NULL;
    g_strlcpy(out, one, cap);
    return out;
}

/* ---- registration ---- */

static GArray *hfa; /* of hf_register_info */

static void add_hf(int *id, const char *name, const char *abbrev, enum ftenum type, int display, const void *strings,
                   guint64 mask, const char *blurb)
{
    hf_register_info h = {id, {name, abbrev, type, display, strings, mask, blurb, HFILL}};
    *id = -1;
    g_array_append_val(hfa, h);
}

#define F(field, nm, ab, ty, disp, str, mask, blurb) add_hf(&hf.field, nm, "dnp3kit." ab, ty, disp, str, mask, blurb)

static char *lower_dup(const char *s)
{
    char *d = g_ascii_strdown(s, -1);
    return d;
}

static void register_point_fields(void)
{
    cat = dnp3kit_catalog_table(&ncat);
    row_field = g_new(uint16_t, ncat * DNP3KIT_MAX_FIELDS);
    pfields = g_new0(pfield, ncat * DNP3KIT_MAX_FIELDS);
    /* distinct (name, class) */
    for (size_t r = 0; r < ncat; r++) {
        for (unsigned i = 0; i < DNP3KIT_MAX_FIELDS; i++) {
            row_field[r * DNP3KIT_MAX_FIELDS + i] = 0xFFFF;
            const dnp3kit_field *f = &cat[r].fields[i];
            if (f->type == DNP3KIT_FT_END)
                break;
            int c = class_of(f->type);
            size_t k;
            for (k = 0; k < npfields; k++)
                if (pfields[k].cls == c && strcmp(pfields[k].name, f->name) == 0)
                    break;
            if (k == npfields) {
                pfields[k].name = f->name;
                pfields[k].cls = c;
                npfields++;
            }
            row_field[r * DNP3KIT_MAX_FIELDS + i] = (uint16_t)k;
        }
    }
    for (size_t k = 0; k < npfields; k++) {
        bool shared = false;
        for (size_t j = 0; j < npfields; j++)
            if (j != k && strcmp(pfields[j].name, pfields[k].name) == 0)
                shared = true;
        int c = pfields[k].cls;
        char *abbrev = shared ? g_strdup_printf("dnp3kit.al.point.%s.%s", pfields[k].name, class_name[c])
                              : g_strdup_printf("dnp3kit.al.point.%s", pfields[k].name);
        char *title = g_strdup(pfields[k].name);
        for (char *p = title; *p; p++)
            if (*p == '_')
                *p = ' ';
        title[0] = g_ascii_toupper(title[0]);
        char *name = shared ? g_strdup_printf("%s (%s)", title, class_name[c]) : g_strdup(title);
        g_free(title);
        char *blurb = g_strdup_printf("Catalogue field '%s' of the object (%s)", pfields[k].name, class_name[c]);
        switch (c) {
        case C_FLAGS: add_hf(&pfields[k].id, name, abbrev, FT_UINT8, BASE_HEX, NULL, 0, blurb); break;
        case C_BOOL: add_hf(&pfields[k].id, name, abbrev, FT_BOOLEAN, BASE_NONE, NULL, 0, blurb); break;
        case C_DBIT: add_hf(&pfields[k].id, name, abbrev, FT_UINT8, BASE_DEC, VALS(dbit_vals), 0, blurb); break;
        case C_UINT: add_hf(&pfields[k].id, name, abbrev, FT_UINT32, BASE_DEC, enum_vals(pfields[k].name), 0, blurb);
            break;
        case C_INT: add_hf(&pfields[k].id, name, abbrev, FT_INT32, BASE_DEC, NULL, 0, blurb); break;
        case C_FLOAT: add_hf(&pfields[k].id, name, abbrev, FT_DOUBLE, BASE_NONE, NULL, 0, blurb); break;
        case C_ABS: add_hf(&pfields[k].id, name, abbrev, FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0, blurb); break;
        case C_REL: add_hf(&pfields[k].id, name, abbrev, FT_UINT16, BASE_DEC, NULL, 0, blurb); break;
        case C_BCD: add_hf(&pfields[k].id, name, abbrev, FT_UINT64, BASE_DEC, NULL, 0, blurb); break;
        case C_STATUS: add_hf(&pfields[k].id, name, abbrev, FT_UINT8, BASE_DEC, VALS(status_vals), 0, blurb); break;
        case C_CONTROL: add_hf(&pfields[k].id, name, abbrev, FT_UINT8, BASE_HEX, NULL, 0, blurb); break;
        default: add_hf(&pfields[k].id, name, abbrev, FT_BYTES, BASE_NONE, NULL, 0, blurb); break;
        }
        if (c == C_FLAGS && hf_flags == -1)
            hf_flags = -2; /* resolved after registration */
    }

    /* Flag bits: one boolean per (name, bit) the core's flag names produce. */
    for (unsigned g = 0; g < 256; g++) {
        bool has_flags = false;
        for (size_t r = 0; r < ncat; r++)
            if (cat[r].group == g)
                for (unsigned i = 0; i < DNP3KIT_MAX_FIELDS && cat[r].fields[i].type; i++)
                    if (cat[r].fields[i].type == DNP3KIT_FT_FLAGS)
                        has_flags = true;
        if (!has_flags)
            continue;
        size_t n = 0;
        for (unsigned b = 0; b < 8; b++) {
            char nm[64];
            if (!bit_name((uint8_t)g, b, nm, sizeof nm))
                continue;
            size_t k;
            for (k = 0; k < nflagbits; k++)
                if (flagbits[k].mask == (1u << b) && strcmp(flagbits[k].name, nm) == 0)
                    break;
            if (k == nflagbits) {
                if (nflagbits == G_N_ELEMENTS(flagbits))
                    continue;
                flagbits[k].name = g_strdup(nm);
                flagbits[k].mask = (uint8_t)(1u << b);
                nflagbits++;
                char *low = lower_dup(nm);
                add_hf(&flagbits[k].id, g_strdup(nm), g_strdup_printf("dnp3kit.al.point.flags.%s", low),
                       FT_BOOLEAN, 8, NULL, 1u << b, NULL);
                g_free(low);
            }
            flag_sets[g][n++] = &flagbits[k].id;
        }
        flag_sets[g][n] = NULL;
        flag_set_any[g] = n > 0;
    }
    for (unsigned g = 0; g < 256; g++) {
        family_of[g] = -1;
        if (!flag_set_any[g])
            continue;
        size_t f;
        for (f = 0; f < nfamilies; f++)
            if (same_bits(families[f].bits, flag_sets[g]))
                break;
        if (f == nfamilies) {
            if (nfamilies == DK_FLAG_FAMILIES)
                continue; /* more sets than formatters: this group keeps the bitmask */
            families[f].bits = flag_sets[g];
            families[f].vals = family_labels(flag_sets[g]);
            families[f].ext = value_string_ext_new(families[f].vals, 257, "dnp3kit flags");
            add_hf(&families[f].id, "Flags", "dnp3kit.al.point.flags", FT_UINT8, BASE_HEX | BASE_EXT_STRING,
                   families[f].ext, 0, "Catalogue field 'flags' of the object (flags)");
            nfamilies++;
        }
        family_of[g] = (int8_t)f;
    }
}

static void register_fixed_fields(void)
{
    /* link (clause 9.2) */
    F(link, "Data link layer", "link", FT_NONE, BASE_NONE, NULL, 0, NULL);
    F(link_start, "Start octets", "link.start", FT_UINT16, BASE_HEX, NULL, 0, NULL);
    F(link_len, "Length", "link.len", FT_UINT8, BASE_DEC, NULL, 0, "LENGTH: octets after it, CRCs excluded");
    F(link_ctrl, "Control", "link.ctrl", FT_UINT8, BASE_HEX, NULL, 0, NULL);
    F(link_dir, "DIR", "link.ctrl.dir", FT_BOOLEAN, 8, TFS(&tfs_dir), DNP3KIT_LINK_CTRL_DIR, NULL);
    F(link_prm, "PRM", "link.ctrl.prm", FT_BOOLEAN, 8, TFS(&tfs_prm), DNP3KIT_LINK_CTRL_PRM, NULL);
    F(link_fcb, "FCB", "link.ctrl.fcb", FT_BOOLEAN, 8, NULL, DNP3KIT_LINK_CTRL_FCB, "Frame count bit (primary)");
    F(link_fcv, "FCV", "link.ctrl.fcv", FT_BOOLEAN, 8, NULL, DNP3KIT_LINK_CTRL_FCV, "Frame count valid (primary)");
    F(link_dfc, "DFC", "link.ctrl.dfc", FT_BOOLEAN, 8, NULL, DNP3KIT_LINK_CTRL_DFC, "Data flow control (secondary)");
    F(link_func, "Function code", "link.ctrl.func", FT_UINT8, BASE_DEC, NULL, 0x0F, NULL);
    F(link_func_name, "Function", "link.func", FT_STRING, BASE_NONE, NULL, 0, "Link function name (tables 9-1, 9-2)");
    F(link_dst, "Destination", "link.dst", FT_UINT16, BASE_DEC, NULL, 0, NULL);
    F(link_src, "Source", "link.src", FT_UINT16, BASE_DEC, NULL, 0, NULL);
    F(link_addr, "Address", "link.addr", FT_UINT16, BASE_DEC, NULL, 0, "Source or destination");
    F(link_hdr_crc, "Header CRC", "link.hdr_crc", FT_UINT16, BASE_HEX, NULL, 0, NULL);
    F(link_hdr_crc_status, "Header CRC status", "link.hdr_crc.status", FT_UINT8, BASE_NONE,
      VALS(proto_checksum_vals), 0, NULL);
    F(link_crc_expected, "Expected CRC", "link.crc.expected", FT_UINT16, BASE_HEX, NULL, 0,
      "CRC computed over the octets (shown where the received one differs)");
    F(link_block, "Data block", "link.block", FT_UINT8, BASE_DEC, NULL, 0, "Block number (1-based)");
    F(link_block_data, "Block data", "link.block.data", FT_BYTES, BASE_NONE, NULL, 0, NULL);
    F(link_block_crc, "Block CRC", "link.block.crc", FT_UINT16, BASE_HEX, NULL, 0, NULL);
    F(link_block_crc_status, "Block CRC status", "link.block.crc.status", FT_UINT8, BASE_NONE,
      VALS(proto_checksum_vals), 0, NULL);
    F(link_garbage, "Skipped octets", "link.garbage", FT_BYTES, BASE_NONE, NULL, 0,
      "Octets outside any valid link frame (reported as link_garbage with the next valid frame)");
    F(link_truncated, "Truncated frame", "link.truncated", FT_BYTES, BASE_NONE, NULL, 0, NULL);

    /* transport (clause 8) */
    F(tr, "Transport header", "tr", FT_UINT8, BASE_HEX, NULL, 0, NULL);
    F(tr_fin, "FIN", "tr.fin", FT_BOOLEAN, 8, NULL, DNP3KIT_TRANSPORT_FIN, NULL);
    F(tr_fir, "FIR", "tr.fir", FT_BOOLEAN, 8, NULL, DNP3KIT_TRANSPORT_FIR, NULL);
    F(tr_seq, "Sequence", "tr.seq", FT_UINT8, BASE_DEC, NULL, 0x3F, NULL);
    F(tr_reassembled_in, "Reassembled in", "tr.reassembled_in", FT_FRAMENUM, BASE_NONE, NULL, 0,
      "A segment that is not the last of its message: the frame that completed the fragment");
    F(tr_segments, "Segments", "tr.segments", FT_UINT32, BASE_DEC, NULL, 0, "Transport segments of the fragment");
    F(tr_frame, "Segment in frame", "tr.frame", FT_FRAMENUM, BASE_NONE, NULL, 0,
      "Frame that carried a segment of this fragment");
    F(tr_len, "Reassembled length", "tr.len", FT_UINT32, BASE_DEC, NULL, 0, NULL);
    F(tr_user_data, "Segment data", "tr.data", FT_BYTES, BASE_NONE, NULL, 0, NULL);

    /* application (clause 4) */
    F(al, "Application layer", "al", FT_NONE, BASE_NONE, NULL, 0, NULL);
    F(al_ctrl, "Application control", "al.ctrl", FT_UINT8, BASE_HEX, NULL, 0, NULL);
    F(al_fir, "FIR", "al.ctrl.fir", FT_BOOLEAN, 8, NULL, DNP3KIT_AC_FIR, NULL);
    F(al_fin, "FIN", "al.ctrl.fin", FT_BOOLEAN, 8, NULL, DNP3KIT_AC_FIN, NULL);
    F(al_con, "CON", "al.ctrl.con", FT_BOOLEAN, 8, NULL, DNP3KIT_AC_CON, NULL);
    F(al_uns, "UNS", "al.ctrl.uns", FT_BOOLEAN, 8, NULL, DNP3KIT_AC_UNS, NULL);
    F(al_seq, "Sequence", "al.ctrl.seq", FT_UINT8, BASE_DEC, NULL, 0x0F, NULL);
    F(al_func, "Function code", "al.func", FT_UINT8, BASE_DEC, func_vals, 0, NULL);
    F(al_iin, "Internal indications", "al.iin", FT_UINT16, BASE_HEX, NULL, 0, NULL);
    F(al_obj, "Object", "al.obj", FT_UINT16, BASE_HEX, NULL, 0, "group << 8 | variation, one per object header");
    F(al_obj_group, "Group", "al.obj.group", FT_UINT8, BASE_DEC, NULL, 0, NULL);
    F(al_obj_variation, "Variation", "al.obj.variation", FT_UINT8, BASE_DEC, NULL, 0, NULL);
    F(al_obj_name, "Name", "al.obj.name", FT_STRING, BASE_NONE, NULL, 0, "Catalogue name of the object");
    F(al_obj_qualifier, "Qualifier", "al.obj.qualifier", FT_UINT8, BASE_HEX, NULL, 0, NULL);
    F(al_obj_prefix, "Prefix code", "al.obj.qualifier.prefix", FT_UINT8, BASE_DEC, VALS(prefix_vals), 0x70, NULL);
    F(al_obj_range, "Range code", "al.obj.qualifier.range", FT_UINT8, BASE_HEX, VALS(range_vals), 0x0F, NULL);
    F(al_obj_start, "Start", "al.obj.start", FT_UINT32, BASE_DEC, NULL, 0, NULL);
    F(al_obj_stop, "Stop", "al.obj.stop", FT_UINT32, BASE_DEC, NULL, 0, NULL);
    F(al_obj_count, "Count", "al.obj.count", FT_UINT32, BASE_DEC, NULL, 0, NULL);
    F(al_point, "Point", "al.point", FT_NONE, BASE_NONE, NULL, 0, NULL);
    F(al_point_index, "Index", "al.point.index", FT_UINT32, BASE_DEC, NULL, 0, NULL);
    F(al_point_prefix_size, "Object size prefix", "al.point.size", FT_UINT32, BASE_DEC, NULL, 0, NULL);
    F(al_point_state, "State", "al.point.state", FT_BOOLEAN, BASE_NONE, NULL, 0, "Binary state (from the flags)");
    F(al_request_in, "Request in", "al.request_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0,
      "Frame of the request this response answers");
    F(al_response_in, "Response in", "al.response_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE),
      0, "Frame of the first response to this request");
    F(al_response_time, "Response time", "al.response_time", FT_RELATIVE_TIME, BASE_NONE, NULL, 0,
      "Time from the request to this response");
    F(al_select_in, "SELECT in", "al.select_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0,
      "Frame of the SELECT this OPERATE executes");
    F(al_operate_in, "OPERATE in", "al.operate_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0,
      "Frame of the OPERATE that executes this SELECT");
    F(al_confirm_in, "Confirmed in", "al.confirm_in", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_ACK), 0,
      "Frame of the CONFIRM of this fragment (CON set)");
    F(al_confirms, "Confirms", "al.confirms", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0,
      "Frame of the fragment this CONFIRM confirms");
    F(al_points_total, "Points", "al.points", FT_UINT64, BASE_DEC, NULL, 0, "Objects in the fragment's headers");
    F(al_point_octets, "Object octets", "al.point.octets", FT_BYTES, BASE_NONE, NULL, 0,
      "The object as octets: its size prefix disagrees with the catalogue's layout");
    F(al_point_cto_time, "Time (CTO + relative)", "al.point.cto_time", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0,
      "Absolute time of a relative-time event: the preceding g51 CTO plus its relative milliseconds");
    F(finding_detail, "Detail", "finding.detail", FT_STRING, BASE_NONE, NULL, 0,
      "What dnp3-pcap check prints for the finding of the expert item above (offsets, values)");
    F(al_unparsed, "Undecodable rest", "al.unparsed", FT_BYTES, BASE_NONE, NULL, 0,
      "The fragment from its first defect on (what comes before it is shown)");
    F(al_complete, "Complete", "al.complete", FT_BOOLEAN, BASE_NONE, NULL, 0,
      "Present (false) when a defect stops decoding: the tree holds the fragment's valid prefix");
    F(al_tentative, "Decoded as if user data", "al.tentative", FT_UINT8, BASE_DEC, NULL, 0,
      "Present on a frame whose link function (the value) is reserved (tables 9-1, 9-2): a station "
      "discards it; its octets are shown as the application fragment they would be, not reassembled "
      "and not tracked");
    F(al_obj_valid, "Whole objects before the defect", "al.obj.valid_count", FT_UINT64, BASE_DEC, NULL, 0,
      "Objects of a header whose data breaks off that are shown (the rest is in al.unparsed)");

    /* Object details beyond the catalogue's rows (dnp3kit/values.h). */
    F(file_name_offset, "File name offset", "al.file.name_offset", FT_UINT16, BASE_DEC, NULL, 0,
      "g70v3: where the file name starts, from the object's first octet");
    F(file_name_size, "File name size", "al.file.name_size", FT_UINT16, BASE_DEC, NULL, 0, NULL);
    F(file_created, "Time of creation", "al.file.created", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0, NULL);
    F(file_perms, "Permissions", "al.file.permissions", FT_UINT16, BASE_OCT, NULL, 0,
      "UNIX-style rwx bits for owner, group and world");
    static const char *const who[3] = {"owner", "group", "world"}, *const what[3] = {"read", "write", "execute"};
    for (unsigned k = 0; k < 9; k++)
        add_hf(&hf.file_perm_bits[k], g_strdup_printf("%c%s permission for %s", g_ascii_toupper(what[k % 3][0]),
                                                      what[k % 3] + 1, who[k / 3]),
               g_strdup_printf("dnp3kit.al.file.permissions.%s_%s", who[k / 3], what[k % 3]), FT_BOOLEAN, 16, NULL,
               0x100u >> k, NULL);
    F(file_auth_key, "Authentication key", "al.file.auth_key", FT_UINT32, BASE_HEX, NULL, 0, NULL);
    F(file_size, "File size", "al.file.size", FT_UINT32, BASE_DEC, NULL, 0, NULL);
    F(file_mode, "Operational mode", "al.file.mode", FT_UINT16, BASE_DEC, enum_vals("mode"), 0, NULL);
    F(file_max_block, "Maximum block size", "al.file.max_block", FT_UINT16, BASE_DEC, NULL, 0, NULL);
    F(file_request_id, "Request id", "al.file.request_id", FT_UINT16, BASE_DEC, NULL, 0, NULL);
    F(file_name, "File name", "al.file.name", FT_STRING, BASE_NONE, NULL, 0, NULL);
    F(file_block_number, "Block number", "al.file.block_number", FT_UINT32, BASE_DEC, NULL, DNP3KIT_FILE_BLOCK_MASK,
      "g70v5/v6 block number without the last-block flag");
    F(file_last_block, "Last block", "al.file.last_block", FT_BOOLEAN, 32, NULL, DNP3KIT_FILE_LAST_BLOCK, NULL);
    F(attr_uint, "Attribute value", "al.attr.uint", FT_UINT64, BASE_DEC, NULL, 0, "g0 value of data type UINT");
    F(attr_int, "Attribute value", "al.attr.int", FT_INT64, BASE_DEC, NULL, 0, "g0 value of data type INT");
    F(attr_float, "Attribute value", "al.attr.float", FT_DOUBLE, BASE_NONE, NULL, 0, "g0 value of data type FLT");
    F(attr_text, "Attribute value", "al.attr.text", FT_STRING, BASE_NONE, NULL, 0, "g0 value of data type VSTR");
    F(attr_time, "Attribute value", "al.attr.time", FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0,
      "g0 value of data type TIME");
    F(attr_octets, "Attribute value", "al.attr.octets", FT_BYTES, BASE_NONE, NULL, 0,
      "g0 value of data type OSTR, BSTR or a list, or one whose length does not fit its type");
    F(sa_statistic, "Statistic", "al.sa.statistic", FT_STRING, BASE_NONE, NULL, 0,
      "g121/g122: the security statistic the point index names");

    /* IIN bits (clause 4.2.2.5) from the core's list. */
    static const struct { uint16_t v; const char *n; } iin[] = {
#define X(n, v) {v, #n},
        DNP3KIT_IIN_BITS(X)
#undef X
    };
    for (size_t i = 0; i < G_N_ELEMENTS(iin); i++) {
        unsigned bit = 0;
        while (bit < 16 && !(iin[i].v & (1u << bit)))
            bit++;
        if (bit == 16)
            continue;
        char *low = lower_dup(iin[i].n);
        add_hf(&hf.iin_bits[bit], g_strdup(iin[i].n), g_strdup_printf("dnp3kit.al.iin.%s", low), FT_BOOLEAN, 16,
               NULL, iin[i].v, g_strdup_printf("IIN%u.%u", bit >= 8 ? 1 : 2, bit & 7));
        g_free(low);
    }

    /* CROB control code (A.8 g12v1) */
    F(crob_op, "Operation type", "al.point.code.op", FT_UINT8, BASE_DEC, VALS(crob_op_vals), 0x0F, NULL);
    F(crob_queue, "Queue", "al.point.code.queue", FT_BOOLEAN, 8, NULL, DNP3KIT_CROB_QUEUE, NULL);
    F(crob_clear, "Clear", "al.point.code.clear", FT_BOOLEAN, 8, NULL, DNP3KIT_CROB_CLEAR, NULL);
    F(crob_tcc, "Trip/close code", "al.point.code.tcc", FT_UINT8, BASE_DEC, VALS(crob_tcc_vals), 0xC0, NULL);
}

/* Expert group of a finding: CRCs are checksum errors, defects that stop
 * decoding are malformed, sequence rules are sequence, the rest protocol. */
static int group_of(dnp3kit_finding_code c)
{
    switch (c) {
    case DNP3KIT_F_LINK_BAD_HEADER_CRC:
    case DNP3KIT_F_LINK_BAD_BLOCK_CRC:
        return PI_CHECKSUM;
    case DNP3KIT_F_LINK_LEN_TOO_SMALL:
    case DNP3KIT_F_APP_FRAGMENT_TOO_SHORT:
    case DNP3KIT_F_APP_HEADER_TRUNCATED:
    case DNP3KIT_F_APP_OBJECT_TRUNCATED:
    case DNP3KIT_F_APP_SIZE_OVERFLOW:
    case DNP3KIT_F_APP_ZERO_SIZE_OBJECT:
    case DNP3KIT_F_APP_RANGE_START_GT_STOP:
        return PI_MALFORMED;
    default:
        break;
    }
    switch (dnp3kit_finding_layer(c)) {
    case DNP3KIT_LAYER_TRANSPORT:
    case DNP3KIT_LAYER_SESSION:
        return PI_SEQUENCE;
    default:
        return PI_PROTOCOL;
    }
}

static int severity_of(dnp3kit_finding_code c)
{
    switch (dnp3kit_finding_severity(c)) {
    case DNP3KIT_SEV_ERROR: return PI_ERROR;
    case DNP3KIT_SEV_WARNING: return PI_WARN;
    default: return PI_NOTE;
    }
}

const char *dk_expert_summary(int code)
{
    static char *summary[DNP3KIT_F_COUNT_];
    if ((unsigned)code >= DNP3KIT_F_COUNT_)
        return "";
    if (!summary[code])
        summary[code] = g_strdup_printf("%s: %s", dnp3kit_finding_name((dnp3kit_finding_code)code),
                                        dnp3kit_finding_description((dnp3kit_finding_code)code));
    return summary[code];
}

static void register_experts(int proto)
{
    ei_register_info *ei = g_new0(ei_register_info, DNP3KIT_F_COUNT_);
    for (int c = 0; c < DNP3KIT_F_COUNT_; c++) {
        ei[c].ids = &dk_ei[c];
        ei[c].eiinfo.name = g_strdup_printf("dnp3kit.%s", dnp3kit_finding_name((dnp3kit_finding_code)c));
        ei[c].eiinfo.group = group_of((dnp3kit_finding_code)c);
        ei[c].eiinfo.severity = severity_of((dnp3kit_finding_code)c);
        ei[c].eiinfo.summary = dk_expert_summary((dnp3kit_finding_code)c);
        ei[c].eiinfo.hf_info.hfinfo.type = FT_NONE;
        ei[c].eiinfo.hf_info.hfinfo.id = -1;
        ei[c].eiinfo.hf_info.hfinfo.ref_type = HF_REF_TYPE_NONE;
        ei[c].eiinfo.hf_info.hfinfo.same_name_prev_id = -1;
    }
    expert_module_t *em = expert_register_protocol(proto);
    expert_register_field_array(em, ei, DNP3KIT_F_COUNT_);
}

void dk_register_fields(int proto)
{
    hf.proto = proto;
    /* Function names from the core, for dnp3kit.al.func. */
    size_t n = 0;
    for (unsigned f = 0; f < 256; f++)
        if (dnp3kit_app_func_name((uint8_t)f))
            n++;
    func_vals = g_new0(value_string, n + 1);
    n = 0;
    for (unsigned f = 0; f < 256; f++)
        if (dnp3kit_app_func_name((uint8_t)f))
            func_vals[n++] = (value_string){f, dnp3kit_app_func_name((uint8_t)f)};

    hfa = g_array_new(FALSE, TRUE, sizeof(hf_register_info));
    register_fixed_fields();
    register_point_fields();
    proto_register_field_array(proto, (hf_register_info *)(void *)hfa->data, (int)hfa->len);
    /* The array must outlive registration (Wireshark keeps pointers into it). */
    g_array_free(hfa, FALSE);
    hfa = NULL;
    for (size_t k = 0; k < npfields; k++)
        if (pfields[k].cls == C_FLAGS) {
            hf_flags = pfields[k].id;
            break;
        }

    static int *etts[] = {&ett.top, &ett.link, &ett.ctrl, &ett.block, &ett.tr, &ett.tr_frames, &ett.al,
                          &ett.al_ctrl, &ett.iin, &ett.obj, &ett.qual, &ett.point, &ett.flags, &ett.crob,
                          &ett.garbage, &ett.finding, &ett.file_perms, &ett.file_block};
    for (size_t i = 0; i < G_N_ELEMENTS(etts); i++)
        *etts[i] = -1;
    proto_register_subtree_array(etts, G_N_ELEMENTS(etts));
    register_experts(proto);
}
