/*
 * dnp3kit Wireshark plugin: declarations shared by its files.
 *
 *   fields.c    header fields, subtrees and expert infos, generated at
 *               start-up from the core's catalogue, IIN, function and
 *               findings lists (DESIGN.md principle 2: no table twice)
 *   tracking.c  the first pass: link -> transport -> application -> session
 *               analyzer with the core, per conversation, results stored
 *               per PDU so every later visit shows the same tree
 *   packet-dnp3kit.c  PDU framing (TCP, UDP, heuristics), trees, Info column
 *   serial.c    RTAC serial captures: frames split across records
 *   typeindex.c per-point-type index fields (dnp3kit.al.bi.index, ...)
 *   stats.c     the dnp3kit tap, its stats_tree (Statistics > DNP3 (dnp3kit)),
 *               Conversations/Endpoints by link address, SRT, Decode As
 */
#ifndef DNP3KIT_WS_H
#define DNP3KIT_WS_H

#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>

#include "dnp3kit/dnp3kit.h"

extern int proto_dnp3kit;
extern int dk_tap;

/* ---- fields.c ---- */
typedef struct dk_hf {
    int proto;
    /* link */
    int link, link_start, link_len, link_ctrl, link_dir, link_prm, link_fcb, link_fcv, link_dfc,
        link_func, link_func_name, link_dst, link_src, link_addr, link_hdr_crc, link_hdr_crc_status,
        link_crc_expected, link_block, link_block_data, link_block_crc, link_block_crc_status, link_garbage,
        link_truncated;
    /* transport */
    int tr, tr_fin, tr_fir, tr_seq, tr_segments, tr_frame, tr_len, tr_user_data, tr_reassembled_in;
    /* application */
    int al, al_ctrl, al_fir, al_fin, al_con, al_uns, al_seq, al_func, al_iin, al_obj, al_obj_group,
        al_obj_variation, al_obj_name, al_obj_qualifier, al_obj_prefix, al_obj_range, al_obj_start,
        al_obj_stop, al_obj_count, al_point, al_point_index, al_point_prefix_size, al_point_state,
        al_request_in, al_response_in, al_response_time, al_select_in, al_operate_in, al_confirm_in,
        al_confirms, al_points_total, al_unparsed, al_point_octets, al_complete, al_obj_valid, al_tentative, finding_detail,
        al_point_cto_time;
    int iin_bits[16];          /* by bit number (IIN2 bit 0 = bit 0 ... IIN1 bit 7 = bit 15) */
    int crob_op, crob_queue, crob_clear, crob_tcc;
    /* g70v3 File Command, g70v5/v6 block, g0 values, g121/g122 statistic (dnp3kit/values.h) */
    int file_name_offset, file_name_size, file_created, file_perms, file_perm_bits[9], file_auth_key, file_size,
        file_mode, file_max_block, file_request_id, file_name, file_block_number, file_last_block;
    int attr_uint, attr_int, attr_float, attr_text, attr_time, attr_octets, sa_statistic;
} dk_hf;
extern dk_hf hf;

typedef struct dk_ett {
    int top, link, ctrl, block, tr, tr_frames, al, al_ctrl, iin, obj, qual, point, flags, crob, garbage, finding, file_perms,
        file_block;
} dk_ett;
extern dk_ett ett;

extern expert_field dk_ei[DNP3KIT_F_COUNT_];

void dk_register_fields(int proto);
/* "name: description", the constant summary of a finding's expert item. */
const char *dk_expert_summary(int code);
/* Header field of field number i of a catalogue row (-1 if none). */
int dk_field_hf(const dnp3kit_object_info *row, unsigned i);
/* Flags header field and its bit fields (NULL-terminated) for a group; NULL bits when none. */
int *const *dk_flag_bits(uint8_t group);
int dk_flags_hf(void);
int dk_flags_hf_for(uint8_t group); /* the flags field with a lazy label for the group, or -1 */
/* Bits of a g70v5/v6 block number (number, last-block flag), NULL-terminated. */
extern int *const dk_block_bits[];
/* Is any point-level field wanted by a filter or a column (tree not visible)? */
bool dk_point_fields_referenced(proto_tree *tree);

/* ---- tracking.c ---- */
typedef enum dk_pdu_kind {
    DK_PDU_FRAME = 0,   /* a link frame with a valid header */
    DK_PDU_BAD_HEADER,  /* 0x05 0x64 whose header CRC is wrong or LENGTH < 5, with what follows it up to the next start */
    DK_PDU_GARBAGE,     /* octets before the next 0x05 0x64 */
    DK_PDU_TRUNCATED,   /* a valid header whose frame the datagram cuts off */
} dk_pdu_kind;

/* An application fragment completed by a PDU, with its tracking links. */
typedef struct dk_frag {
    uint8_t *data;
    uint32_t len;
    uint32_t nframes;        /* its transport segments (as frames[]) */
    uint32_t *frames;        /* the frame of each segment, in order (a frame repeats when it carried several) */
    uint32_t segments;
    int status;              /* dnp3kit_app_validate */
    dnp3kit_app_summary sum;
    bool from_master;
    bool decodable;          /* header decoded and function known */
    uint32_t request_in;     /* response -> request */
    nstime_t response_time;
    int req_func;            /* function of that request, -1 unknown */
    uint32_t response_in;    /* request -> first response (known on revisits) */
    uint32_t select_in;      /* OPERATE -> SELECT */
    uint32_t operate_in;     /* SELECT -> OPERATE (revisits) */
    uint32_t confirms;       /* CONFIRM -> confirmed fragment */
    uint32_t confirm_in;     /* CON fragment -> its CONFIRM (revisits) */
} dk_frag;

/* Findings in deferred slots (end of capture) are marked so tests can tell them apart. */
typedef struct dk_pdu {
    uint8_t kind;            /* dk_pdu_kind */
    bool seg_accepted;       /* its transport segment joined a message */
    uint32_t reassembled_in; /* a non-final segment: the frame that completed its message (0 none) */
    uint32_t nfindings;
    uint32_t ndeferred;      /* the last ndeferred findings were added after the first pass */
    dnp3kit_finding *findings;
    dk_frag *frag;
    dk_frag *tentative;      /* a reserved link function's user data, decoded as if it were (never frag) */
    uint8_t link_func;       /* of that frame */
} dk_pdu;

void dk_tracking_register(void);
/* Preference dnp3kit.max_fragment: the largest application fragment reassembled. */
extern guint dk_max_fragment;
#define DK_MAX_FRAGMENT_DEFAULT 65535u
#define DK_MAX_FRAGMENT_LIMIT (16u << 20)
/* First pass of one PDU (tvb holds exactly it). datagram_end: last PDU of a UDP datagram.
 * hdr: NULL, or the 10 octets of a bad link header that the PDU holds only part of
 * (the next start, 0x05 0x64, lies inside the header: the core's parser resumes
 * there too), so the header is judged as the core judges it. */
dk_pdu *dk_first_pass(tvbuff_t *tvb, packet_info *pinfo, bool udp, bool datagram_end, const uint8_t *hdr);
/* A record for a PDU seen only on a revisit (no state): link-level findings only. */
dk_pdu *dk_stateless(tvbuff_t *tvb, packet_info *pinfo, const uint8_t *hdr);

/* ---- compat.c: hidden items of the built-in dnp3's fields ---- */
typedef struct dk_bi {
    int proto, start, len, ctl, ctl_dir, ctl_prm, ctl_fcb, ctl_fcv, ctl_dfc, ctl_prifunc, ctl_secfunc, dst, src,
        addr, hdr_crc, hdr_crc_status, hdr_crc_incorrect, chunk, chunk_len, chunk_crc, chunk_crc_status,
        chunk_crc_incorrect, tr_ctl, tr_fin, tr_fir, tr_seq, frag, frag_count, frag_len, frag_reassembled_in,
        al_ctl, al_fir, al_fin, al_con, al_uns, al_seq, al_func, al_iin, iin[14], obj, objq_prefix, objq_range,
        range_start, range_stop, range_quantity, point_index,
        /* g70 file control, g0 device attributes */
        file_mode, file_auth, file_size, file_maxblock, file_reqid, file_status, file_handle, file_blocknum,
        file_lastblock, file_data, file_perms, file_name_offset, file_name_length, file_name, da_type, da_length,
        da_uint[3], da_int[3], da_float, da_double, da_value;
} dk_bi;
extern dk_bi dkbi;
extern gboolean dk_bi_enabled; /* preference dnp3kit.builtin_fields */
/* Look the built-in's fields up by name (at hand-off, when every protocol is registered). */
void dk_bi_resolve(void);
/* Each adds a hidden item only when dk_hidden_wanted says so. */
void dk_bi_uint(proto_tree *t, int id, tvbuff_t *tvb, int off, int len, uint32_t v);
void dk_bi_bool(proto_tree *t, int id, tvbuff_t *tvb, int off, int len, uint64_t v);
void dk_bi_item(proto_tree *t, int id, tvbuff_t *tvb, int off, int len);
void dk_bi_link(proto_tree *t, tvbuff_t *tvb, const uint8_t *p, bool crc_ok);
void dk_bi_block(proto_tree *t, tvbuff_t *tvb, int off, int k, const uint8_t *crc, bool crc_ok);
void dk_bi_transport(proto_tree *t, tvbuff_t *tvb, int off, uint8_t th);
void dk_bi_app_header(proto_tree *t, tvbuff_t *tvb, const uint8_t *a, uint32_t len, bool has_iin);
/* g70v3 at `at` in tvb (its fixed part there; the name when name_ok). */
void dk_bi_file_command(proto_tree *t, tvbuff_t *tvb, int at, const dnp3kit_file_command *fc, bool name_ok);
/* A field of g70v4-v6 (its row name) of w octets at off. */
void dk_bi_file_field(proto_tree *t, tvbuff_t *tvb, const char *name, int off, int w, uint32_t v);
/* g0: the data type octet at type_at, the length after it, the value's n octets at `at`. */
void dk_bi_attribute(proto_tree *t, tvbuff_t *tvb, int type_at, uint8_t type, int at, int n,
                     const dnp3kit_attr_value *v);

/* ---- stats.c ---- */
/* What the dnp3kit tap carries, one per PDU. */
typedef struct dk_tap_info {
    const dk_pdu *pdu;
    bool has_link;           /* a link frame with a valid header: the fields below are set */
    uint16_t src, dst;       /* link addresses */
    uint32_t octets;         /* the frame's octets on the wire (header, blocks, CRCs) */
} dk_tap_info;
/* Queue the PDU's tap record (tvb holds exactly the PDU). */
void dk_tap_pdu(packet_info *pinfo, tvbuff_t *tvb, const dk_pdu *rec);
void dk_register_stats(void);
/* From proto_register: link address type, conversation table, SRT. */
void dk_register_tables(int proto);
/* From the hand-off: Decode As (tls.port, rtacser.data). */
void dk_handoff_tables(void);

/* ---- serial.c: RTAC serial records, frames carried across records ---- */
void dk_register_serial(int proto);
void dk_handoff_serial(void);

/* ---- hidden.c ---- */
/* Add a hidden item of field id to t? When a filter, colouring rule, column
 * or tap references it, or the tree is visible and this run's output may
 * print it (tshark -T fields -e naming it, -T json/pdml/ek, any other program). */
bool dk_hidden_wanted(proto_tree *t, int id);
/* Read the command line (at registration, before tshark's option loop). */
void dk_hidden_probe(void);

/* ---- typeindex.c ---- */
void dk_register_type_index(int proto);
/* Is any per-type index field wanted (filter, column, visible tree)? */
bool dk_type_index_referenced(proto_tree *tree);
/* dnp3kit.al.<type>.index and .<kind>.index for a point of the group (none for other groups). */
void dk_type_index(proto_tree *tree, tvbuff_t *tvb, uint8_t group, int off, int len, uint32_t index);

/* ---- packet-dnp3kit.c ---- */
void proto_register_dnp3kit(void);
void proto_reg_handoff_dnp3kit(void);
/* Title-case function name ("Direct Operate") into buf. */
void dk_func_title(uint8_t func, char *buf, size_t cap);

#endif
