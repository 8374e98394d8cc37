/* Shared helpers for the cmocka tests. Include after <cmocka.h>'s prerequisites. */
#ifndef DNP3KIT_TESTUTIL_H
#define DNP3KIT_TESTUTIL_H
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "dnp3kit/dnp3kit.h"

/* Collects findings reported through a sink. */
typedef struct tu_findings {
    dnp3kit_finding items[256];
    size_t n;
    size_t dropped;
    dnp3kit_sink sink;
} tu_findings;

void tu_findings_init(tu_findings *c);
/* Number of findings with this code. */
size_t tu_count(const tu_findings *c, dnp3kit_finding_code code);
/* First finding with this code, or NULL. */
const dnp3kit_finding *tu_find(const tu_findings *c, dnp3kit_finding_code code);
/* Print all (for failing tests). */
void tu_dump(const tu_findings *c);

/* Copy p[0..len) to the end of a fresh heap block so that any over-read is a
 * sanitizer error; free with tu_free_tail. */
uint8_t *tu_tail_copy(const uint8_t *p, size_t len);
void tu_free_tail(uint8_t *q);

/* Parse hex ("05 64 0a ..." spaces optional) into out; returns octets. */
size_t tu_hex(const char *hex, uint8_t *out, size_t cap);

/* Path of a shared capture (../shared/captures/REL); NULL (and the test should skip) if missing. */
const char *tu_shared_capture(const char *rel, char *buf, size_t cap);
#endif
