#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void collect(void *user, const dnp3kit_finding *f)
{
    tu_findings *c = user;
    if (c->n < sizeof c->items / sizeof c->items[0])
        c->items[c->n++] = *f;
    else
        c->dropped++;
}

void tu_findings_init(tu_findings *c)
{
    memset(c, 0, sizeof *c);
    c->sink.fn = collect;
    c->sink.user = c;
}

size_t tu_count(const tu_findings *c, dnp3kit_finding_code code)
{
    size_t k = 0;
    for (size_t i = 0; i < c->n; i++)
        k += c->items[i].code == code;
    return k;
}

const dnp3kit_finding *tu_find(const tu_findings *c, dnp3kit_finding_code code)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].code == code)
            return &c->items[i];
    return NULL;
}

void tu_dump(const tu_findings *c)
{
    for (size_t i = 0; i < c->n; i++) {
        char d[256];
        dnp3kit_finding_format(&c->items[i], d, sizeof d);
        fprintf(stderr, "  finding %s @%zu: %s\n", dnp3kit_finding_name(c->items[i].code),
                c->items[i].offset, d);
    }
}

uint8_t *tu_tail_copy(const uint8_t *p, size_t len)
{
    uint8_t *q = malloc(len ? len : 1);
    if (!q)
        abort();
    if (len)
        memcpy(q, p, len);
    return q;
}

void tu_free_tail(uint8_t *q) { free(q); }

size_t tu_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *hex; hex++) {
        int v;
        char ch = *hex;
        if (ch >= '0' && ch <= '9') v = ch - '0';
        else if (ch >= 'a' && ch <= 'f') v = ch - 'a' + 10;
        else if (ch >= 'A' && ch <= 'F') v = ch - 'A' + 10;
        else continue;
        if (hi < 0) {
            hi = v;
        } else {
            if (n < cap)
                out[n] = (uint8_t)(hi << 4 | v);
            n++;
            hi = -1;
        }
    }
    return n;
}

const char *tu_shared_capture(const char *rel, char *buf, size_t cap)
{
    struct stat st;
    snprintf(buf, cap, "%s/%s", DNP3KIT_SHARED_CAPTURES, rel);
    return stat(buf, &st) == 0 ? buf : NULL;
}
