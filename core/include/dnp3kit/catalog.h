/*
 * The object catalogue (DESIGN.md principle 2): every group/variation of
 * IEEE 1815-2012 with a defined encoding, described once in objects.def.
 * The decoder, encoder, renderers, dissector field registration and the
 * master's point updates all read this table.
 */
#ifndef DNP3KIT_CATALOG_H
#define DNP3KIT_CATALOG_H
#include "dnp3kit/common.h"
#include "dnp3kit/app.h"
#ifdef __cplusplus
extern "C" {
#endif
DNP3KIT_API_BEGIN

typedef enum dnp3kit_object_kind {
    DNP3KIT_KIND_STATIC = 0, /* current value of a point */
    DNP3KIT_KIND_EVENT,      /* change event */
    DNP3KIT_KIND_COMMAND,    /* control / output command */
    DNP3KIT_KIND_OTHER,      /* time, class, IIN, attributes, files, auth, ... */
} dnp3kit_object_kind;

typedef enum dnp3kit_size_rule {
    DNP3KIT_SIZE_FIXED = 0,  /* size octets per object */
    DNP3KIT_SIZE_BITS1,      /* packed, 1 bit per object (g1v1, g10v1, g12v3, g80v1) */
    DNP3KIT_SIZE_BITS2,      /* packed, 2 bits per object (g3v1) */
    DNP3KIT_SIZE_NONE,       /* no object data ever (variation 0 'any', g60 class data) */
    DNP3KIT_SIZE_VARIATION,  /* octets = variation (g110-g113 octet strings) */
    DNP3KIT_SIZE_FREE,       /* free format: size from a size prefix (qualifier 0x5B) */
    DNP3KIT_SIZE_ATTRIBUTE,  /* g0 device attribute: data type, length, value */
} dnp3kit_size_rule;

/* Field types of an object's encoding, in wire order (all little-endian). */
typedef enum dnp3kit_field_type {
    DNP3KIT_FT_END = 0,
    DNP3KIT_FT_FLAGS,     /* u8 quality flags; binary state in bit 7, double-bit state in bits 6-7 */
    DNP3KIT_FT_BIT,       /* one packed bit (SIZE_BITS1) */
    DNP3KIT_FT_DBIT,      /* two packed bits (SIZE_BITS2) */
    DNP3KIT_FT_U8,
    DNP3KIT_FT_U16,
    DNP3KIT_FT_U32,
    DNP3KIT_FT_I16,
    DNP3KIT_FT_I32,
    DNP3KIT_FT_F32,
    DNP3KIT_FT_F64,
    DNP3KIT_FT_TIME48,    /* ms since 1970-01-01 UTC, 48 bits */
    DNP3KIT_FT_RELTIME16, /* ms relative to the preceding CTO (g51) */
    DNP3KIT_FT_BCD16,     /* packed BCD, 4 digits */
    DNP3KIT_FT_BCD32,     /* 8 digits */
    DNP3KIT_FT_BCD64,     /* 16 digits */
    DNP3KIT_FT_STATUS,    /* u8 control status (table 11-?), values 0-18, 126, 127 */
    DNP3KIT_FT_CONTROL,   /* u8 CROB control code: op type, queue, clear, trip/close */
    DNP3KIT_FT_OCTETS,    /* the rest of the object (variable) as an octet string */
} dnp3kit_field_type;

#define DNP3KIT_MAX_FIELDS 8

/* Wire width in octets of a field type; 0 for OCTETS (the rest of the
 * object) and for packed bits. */
unsigned dnp3kit_field_width(uint8_t type);

typedef struct dnp3kit_field {
    uint8_t type;         /* dnp3kit_field_type */
    const char *name;     /* "flags", "value", "time", "on_ms", ... (JSON key, dissector field) */
} dnp3kit_field;

typedef struct dnp3kit_object_info {
    uint8_t group;
    uint8_t variation;    /* for SIZE_VARIATION rows: 0, meaning any non-zero length */
    uint8_t kind;         /* dnp3kit_object_kind */
    uint8_t size_rule;    /* dnp3kit_size_rule */
    uint16_t size;        /* octets per object for SIZE_FIXED */
    const char *name;     /* "Analog Input - 32-bit With Flag" */
    dnp3kit_field fields[DNP3KIT_MAX_FIELDS]; /* terminated by FT_END */
} dnp3kit_object_info;

/* Row for group/variation, or NULL when the standard defines none. For
 * g110-g113 any non-zero variation maps to the group's row. */
const dnp3kit_object_info *dnp3kit_catalog_find(uint8_t group, uint8_t variation);
/* The whole table, in (group, variation) order. */
const dnp3kit_object_info *dnp3kit_catalog_table(size_t *count);
/* "Binary Input", "Analog Output Event", ...; NULL for an undefined group. */
const char *dnp3kit_group_name(uint8_t group);
/* Octets per object for a row at this variation (FIXED: size; VARIATION: variation), else 0. */
uint32_t dnp3kit_object_size(const dnp3kit_object_info *info, uint8_t variation);
/* Octets of the fixed fields (all but the trailing octet string) of a
 * free-format row (g70, g120): the least a size prefix may declare; 0 for
 * other rows and for rows that are one octet string. */
uint32_t dnp3kit_object_fixed_part(const dnp3kit_object_info *info);

/* Quality flag bits (clause 11.5 / table 11-*), with group-specific meanings of bits 5-7. */
#define DNP3KIT_FLAG_ONLINE 0x01
#define DNP3KIT_FLAG_RESTART 0x02
#define DNP3KIT_FLAG_COMM_LOST 0x04
#define DNP3KIT_FLAG_REMOTE_FORCED 0x08
#define DNP3KIT_FLAG_LOCAL_FORCED 0x10
#define DNP3KIT_FLAG_CHATTER_FILTER 0x20 /* binary inputs */
#define DNP3KIT_FLAG_ROLLOVER 0x20       /* counters (obsolete) */
#define DNP3KIT_FLAG_OVER_RANGE 0x20     /* analogs */
#define DNP3KIT_FLAG_DISCONTINUITY 0x40  /* counters */
#define DNP3KIT_FLAG_REFERENCE_ERR 0x40  /* analogs */
#define DNP3KIT_FLAG_STATE 0x80          /* binary state */
/* "ONLINE|RESTART" naming the bits as they mean for this group; returns snprintf's result. */
int dnp3kit_flags_format(uint8_t group, uint8_t flags, char *buf, size_t cap);

/* Control status codes (table 11-?): X(NAME, value). */
#define DNP3KIT_CONTROL_STATUSES(X)                                                  \
    X(SUCCESS, 0) X(TIMEOUT, 1) X(NO_SELECT, 2) X(FORMAT_ERROR, 3)                   \
    X(NOT_SUPPORTED, 4) X(ALREADY_ACTIVE, 5) X(HARDWARE_ERROR, 6) X(LOCAL, 7)        \
    X(TOO_MANY_OBJS, 8) X(NOT_AUTHORIZED, 9) X(AUTOMATION_INHIBIT, 10)               \
    X(PROCESSING_LIMITED, 11) X(OUT_OF_RANGE, 12) X(DOWNSTREAM_LOCAL, 13)            \
    X(ALREADY_COMPLETE, 14) X(BLOCKED, 15) X(CANCELLED, 16) X(BLOCKED_OTHER_MASTER, 17) \
    X(DOWNSTREAM_FAIL, 18) X(NON_PARTICIPATING, 126) X(UNDEFINED, 127)
enum {
#define DNP3KIT_X(n, v) DNP3KIT_STATUS_##n = v,
    DNP3KIT_CONTROL_STATUSES(DNP3KIT_X)
#undef DNP3KIT_X
};
const char *dnp3kit_control_status_name(uint8_t status); /* "RESERVED" when undefined */

/* CROB control code (clause 11.3 / g12v1): op type in bits 0-3, QU bit 4,
 * CR bit 5, TCC in bits 6-7 (01 CLOSE, 10 TRIP). */
enum {
    DNP3KIT_OP_NUL = 0, DNP3KIT_OP_PULSE_ON = 1, DNP3KIT_OP_PULSE_OFF = 2,
    DNP3KIT_OP_LATCH_ON = 3, DNP3KIT_OP_LATCH_OFF = 4,
};
enum { DNP3KIT_TCC_NUL = 0, DNP3KIT_TCC_CLOSE = 1, DNP3KIT_TCC_TRIP = 2 };
#define DNP3KIT_CROB_QUEUE 0x10
#define DNP3KIT_CROB_CLEAR 0x20
static inline uint8_t dnp3kit_crob_code(uint8_t op, uint8_t tcc, bool clear)
{
    return (uint8_t)((op & 0x0F) | (clear ? DNP3KIT_CROB_CLEAR : 0) | ((tcc & 3) << 6));
}
/* "LATCH_ON", "PULSE_ON CLOSE", "PULSE_ON TRIP CLEAR", ... into buf. */
int dnp3kit_crob_format(uint8_t code, char *buf, size_t cap);

/* ---- point decoding and encoding ---- */

typedef enum dnp3kit_value_kind {
    DNP3KIT_VAL_NONE = 0, DNP3KIT_VAL_BOOL, DNP3KIT_VAL_DBIT, DNP3KIT_VAL_INT,
    DNP3KIT_VAL_UINT, DNP3KIT_VAL_FLOAT, DNP3KIT_VAL_OCTETS,
} dnp3kit_value_kind;

/* One decoded field. */
typedef struct dnp3kit_field_value {
    uint8_t type;          /* dnp3kit_field_type */
    const char *name;
    union { uint64_t u; int64_t i; double f; } v;
    const uint8_t *octets; /* FT_OCTETS: points into the fragment */
    size_t octets_len;
} dnp3kit_field_value;

/* One decoded object (point), normalised for consumers plus its raw fields. */
typedef struct dnp3kit_point {
    uint64_t index;            /* from the prefix or the position in the range */
    bool has_index;
    bool has_flags;
    uint8_t flags;
    uint8_t value_kind;        /* dnp3kit_value_kind */
    bool b;                    /* BOOL (binary state) */
    uint8_t dbit;              /* DBIT: 0 intermediate, 1 off, 2 on, 3 indeterminate */
    int64_t i;                 /* INT */
    uint64_t u;                /* UINT */
    double f;                  /* FLOAT */
    const uint8_t *octets;     /* OCTETS: points into the fragment */
    size_t octets_len;
    bool has_time;
    bool time_relative;        /* RELTIME16: ms after the CTO */
    uint64_t time_ms;          /* TIME48 ms since epoch, or relative ms */
    bool has_status;
    uint8_t status;            /* control status */
    size_t offset;             /* of the object (prefix included) in the fragment */
    size_t size;               /* octets of the object, prefix included */
    uint8_t nfields;
    dnp3kit_field_value fields[DNP3KIT_MAX_FIELDS];
} dnp3kit_point;

typedef struct dnp3kit_point_iter {
    const uint8_t *frag;
    size_t len;
    dnp3kit_object_header oh;
    uint64_t i;       /* next object number within the header */
    size_t pos;       /* fragment offset of the next object */
} dnp3kit_point_iter;

/* Iterate the objects of a header returned by dnp3kit_object_iter_next(). */
void dnp3kit_point_iter_init(dnp3kit_point_iter *pi, const uint8_t *frag, size_t len,
                             const dnp3kit_object_header *oh);
/* 1 with *pt filled, 0 at the end, negative dnp3kit_err (header not validated / unknown). */
int dnp3kit_point_iter_next(dnp3kit_point_iter *pi, dnp3kit_point *pt);

/*
 * Encode one object (without prefix) of this row from pt->fields[0..nfields),
 * which hold the row's fields in order, as dnp3kit_point_iter_next() fills
 * them (index is not written; packed rows are written by the app writer).
 * Returns octets written or DNP3KIT_ERR_BUFFER / ERR_ARG (value does not fit
 * the variation: never truncated silently).
 */
int dnp3kit_point_encode(const dnp3kit_object_info *info, uint8_t variation,
                         const dnp3kit_point *pt, uint8_t *out, size_t cap);

DNP3KIT_API_END
#ifdef __cplusplus
}
#endif
#endif
