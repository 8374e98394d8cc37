/*
 * Names and typed values of object fields, beyond what a catalogue row
 * holds: enumerated fields by name (file status codes, Secure
 * Authentication algorithms, key status, errors...), the g70v3 File Command
 * (more fixed fields than a row can list), the last-block flag of g70v5/v6
 * block numbers, g0 device attribute values by their data type, and the
 * names of the g121/g122 security statistics. Every consumer (dissector,
 * renderers, master) reads the same tables (DESIGN.md principle 2).
 */
#ifndef DNP3KIT_VALUES_H
#define DNP3KIT_VALUES_H
#include "dnp3kit/common.h"
#ifdef __cplusplus
extern "C" {
#endif
DNP3KIT_API_BEGIN

typedef struct dnp3kit_enum {
    uint32_t value;
    const char *name; /* NULL ends a table */
} dnp3kit_enum;

/* Value names of the catalogue field called `field` ("status_code" of
 * g70v4/v6, "mode" of g70v3, "key_wrap_alg", "key_status", "mac_alg",
 * "error", "reason", "key_change_method", "operation", "cert_type" of g120,
 * "data_type" of g0), ending in an entry with name NULL; NULL when the
 * field is not enumerated. Field names are unique across the catalogue
 * for these (test_values checks it). */
const dnp3kit_enum *dnp3kit_field_enum(const char *field);
/* Name of v in table e, NULL when e is NULL or v is not listed. */
const char *dnp3kit_enum_name(const dnp3kit_enum *e, uint64_t v);

/* ---- g70 file control (IEEE 1815-2012 A.27) ---- */
enum { DNP3KIT_FILE_MODE_NULL = 0, DNP3KIT_FILE_MODE_READ = 1, DNP3KIT_FILE_MODE_WRITE = 2,
       DNP3KIT_FILE_MODE_APPEND = 3 };
/* Bit 31 of a g70v5/v6 block number marks the last block; bits 0-30 count. */
#define DNP3KIT_FILE_LAST_BLOCK 0x80000000u
#define DNP3KIT_FILE_BLOCK_MASK 0x7FFFFFFFu
/* Fixed part of a g70v3 object: everything before the file name. */
#define DNP3KIT_FILE_COMMAND_FIXED 26u

typedef struct dnp3kit_file_command {
    uint16_t name_offset;   /* from the start of the object (26 when the name follows at once) */
    uint16_t name_size;
    uint64_t created_ms;    /* DNP3 time, ms since 1970 */
    uint16_t permissions;   /* UNIX-style rwx bits: owner 0700, group 0070, world 0007 (octal) */
    uint32_t auth_key;
    uint32_t file_size;
    uint16_t mode;          /* DNP3KIT_FILE_MODE_* */
    uint16_t max_block;
    uint16_t request_id;
    const uint8_t *name;    /* name_size octets inside the object, NULL when they fall outside */
    size_t name_len;
} dnp3kit_file_command;

/* Decode one g70v3 object (its octets after the size prefix). DNP3KIT_OK;
 * DNP3KIT_ERR_INVALID when it is shorter than its fixed part or the name's
 * offset and size point outside it (the fixed fields are still filled,
 * name is NULL). */
int dnp3kit_file_command_decode(const uint8_t *obj, size_t n, dnp3kit_file_command *fc);

/* ---- g0 device attributes (A.1, table 12-?) ---- */
enum {
    DNP3KIT_ATTR_VSTR = 1, DNP3KIT_ATTR_UINT = 2, DNP3KIT_ATTR_INT = 3, DNP3KIT_ATTR_FLT = 4,
    DNP3KIT_ATTR_OSTR = 5, DNP3KIT_ATTR_BSTR = 6, DNP3KIT_ATTR_TIME = 7, DNP3KIT_ATTR_LIST = 254,
    DNP3KIT_ATTR_EXLIST = 255,
};
typedef enum dnp3kit_attr_kind {
    DNP3KIT_AV_NONE = 0, /* the length does not fit the data type: octets only */
    DNP3KIT_AV_TEXT,     /* VSTR: text (octets, not NUL-terminated) */
    DNP3KIT_AV_UINT,
    DNP3KIT_AV_INT,
    DNP3KIT_AV_FLOAT,    /* f32 true for a 4-octet FLT */
    DNP3KIT_AV_OCTETS,   /* OSTR, BSTR */
    DNP3KIT_AV_TIME,     /* 6-octet DNP3 time */
    DNP3KIT_AV_LIST,     /* (variation, properties) pairs */
} dnp3kit_attr_kind;

typedef struct dnp3kit_attr_value {
    uint8_t kind;        /* dnp3kit_attr_kind */
    bool f32;
    uint64_t u;          /* UINT, TIME (ms) */
    int64_t i;           /* INT */
    double f;            /* FLOAT */
    const uint8_t *octets;
    size_t len;
} dnp3kit_attr_value;

/* The value of an attribute of data type t whose value octets are p[0..n). */
void dnp3kit_attr_value_decode(uint8_t type, const uint8_t *p, size_t n, dnp3kit_attr_value *v);

/* ---- Secure Authentication statistics (g121/g122 point index, table 7-?) ---- */
/* "UNEXPECTED_MESSAGES", ...; NULL for an index the standard does not name. */
const char *dnp3kit_security_statistic_name(uint64_t index);

DNP3KIT_API_END
#ifdef __cplusplus
}
#endif
#endif
