/*
 * Objects of the simulator beyond the seven point types (outstation.c calls
 * in here): device attributes (g0, read and write), analog input dead-bands
 * (g34 v1-v3, read and write), octet strings (g110) and 8-bit unsigned
 * integers (g102) reported in class 0. Sans-I/O like the rest.
 */
#ifndef DNP3KIT_HARNESS_EXTRA_H
#define DNP3KIT_HARNESS_EXTRA_H
#include "outstation.h"

#define DNP3KIT_OS_MAX_ATTRS 24

typedef struct dnp3kit_os_attr {
    uint8_t variation;  /* g0 variation */
    uint8_t type;       /* data type code: 1 VSTR, 2 UINT, 3 INT, 4 FLT, 5 OSTR ... */
    bool writable;
    uint8_t len;
    uint8_t value[64];
} dnp3kit_os_attr;

typedef struct dnp3kit_os_extra {
    double *deadband;   /* one per analog input */
    dnp3kit_os_attr attrs[DNP3KIT_OS_MAX_ATTRS];
    unsigned nattrs;
} dnp3kit_os_extra;

/* Read item kinds handled here (dnp3kit_os_read_item.kind). */
enum { DNP3KIT_OS_ITEM_OCTETS = 10, DNP3KIT_OS_ITEM_UINT8, DNP3KIT_OS_ITEM_DEADBAND, DNP3KIT_OS_ITEM_ATTR };

/* A solicited response (IIN set here: the outstation's plus extra_iin), and a null one (outstation.c). */
void dnp3kit_os_respond(dnp3kit_outstation *os, uint8_t *frag, size_t len, uint16_t extra_iin, uint64_t now);
void dnp3kit_os_respond_null(dnp3kit_outstation *os, uint8_t seq, uint16_t extra_iin, uint64_t now);

int dnp3kit_os_extra_init(dnp3kit_outstation *os);
void dnp3kit_os_extra_free(dnp3kit_outstation *os);
/* A READ header this file serves: adds its item (or sets IIN bits) and returns true. */
bool dnp3kit_os_extra_read(dnp3kit_outstation *os, const dnp3kit_object_header *oh, const uint8_t *req);
/* Class 0: the items of the configured octet strings and integers. */
void dnp3kit_os_extra_class0(dnp3kit_outstation *os);
/* Write the objects of an item; false when they do not fit this fragment (whole item next time). */
bool dnp3kit_os_extra_write(dnp3kit_outstation *os, dnp3kit_app_writer *w, dnp3kit_os_read_item *it);
/* A WRITE header this file serves (g0, g34): applies it, IIN error bits into *err; returns true. */
bool dnp3kit_os_extra_apply(dnp3kit_outstation *os, const uint8_t *frag, size_t len,
                            const dnp3kit_object_header *oh, uint16_t *err);
/* For tests and --config: set a writable or read-only attribute (VSTR). */
int dnp3kit_os_extra_set_attr(dnp3kit_outstation *os, uint8_t variation, const char *value);
#endif
