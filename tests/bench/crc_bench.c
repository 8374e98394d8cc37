/* CRC-16/DNP benchmark: single CRCs (dnp3kit_crc16: 8-octet headers, 16-octet
 * blocks, 256-octet buffers) and the check of whole frame bodies
 * (dnp3kit_crc16_check_blocks, the link layer's path) by the portable table
 * method and by what this CPU gets (AVX-512 VPCLMULQDQ where present).
 * Prints MB/s (of CRC'd octets) per method, medians of REPS runs over the
 * same buffer, side by side.
 *
 *   dnp3-crcbench [MB] [REPS]      (defaults 64, 7)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnp3kit/crc.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Frame bodies of 250 data octets: 15 blocks of 16 + one of 10, each with its CRC. */
#define BODY_DATA 250
#define BODY_WIRE (BODY_DATA + 2 * 16)

static volatile uint32_t sink_;

typedef double (*run_fn)(const uint8_t *buf, size_t len);

static double run_blocks(const uint8_t *b, size_t len, uint16_t (*fn)(const uint8_t *, size_t))
{
    uint32_t acc = 0;
    double t = now();
    for (size_t i = 0; i + 18 <= len; i += 18)
        acc += fn(b + i, 16);
    t = now() - t;
    sink_ += acc;
    return t;
}
static double blocks_auto(const uint8_t *b, size_t len) { return run_blocks(b, len, dnp3kit_crc16); }

static double run_headers(const uint8_t *b, size_t len, uint16_t (*fn)(const uint8_t *, size_t))
{
    uint32_t acc = 0;
    double t = now();
    for (size_t i = 0; i + 10 <= len; i += 10)
        acc += fn(b + i, 8);
    t = now() - t;
    sink_ += acc;
    return t;
}
static double headers_auto(const uint8_t *b, size_t len) { return run_headers(b, len, dnp3kit_crc16); }

static double run_long(const uint8_t *b, size_t len, uint16_t (*fn)(const uint8_t *, size_t))
{
    uint32_t acc = 0;
    double t = now();
    for (size_t i = 0; i + 256 <= len; i += 256)
        acc += fn(b + i, 256);
    t = now() - t;
    sink_ += acc;
    return t;
}
static double long_auto(const uint8_t *b, size_t len) { return run_long(b, len, dnp3kit_crc16); }

static double run_bodies(const uint8_t *b, size_t len, uint32_t (*fn)(const uint8_t *, size_t))
{
    uint32_t acc = 0;
    double t = now();
    for (size_t i = 0; i + BODY_WIRE <= len; i += BODY_WIRE)
        acc |= fn(b + i, BODY_DATA);
    t = now() - t;
    sink_ += acc;
    if (acc)
        fprintf(stderr, "crcbench: a body failed its check\n");
    return t;
}
static double bodies_table(const uint8_t *b, size_t len)
{
    return run_bodies(b, len, dnp3kit_crc16_check_blocks_portable);
}
static double bodies_auto(const uint8_t *b, size_t len) { return run_bodies(b, len, dnp3kit_crc16_check_blocks); }

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? (size_t)atol(argv[1]) : 64;
    int reps = argc > 2 ? atoi(argv[2]) : 7;
    if (mb < 1 || mb > 4096 || reps < 1 || reps > 99) {
        fprintf(stderr, "usage: dnp3-crcbench [MB 1-4096] [REPS 1-99]\n");
        return 2;
    }
    size_t len = mb << 20;
    uint8_t *buf = malloc(len);
    if (!buf) {
        fprintf(stderr, "crcbench: out of memory\n");
        return 2;
    }
    uint32_t x = 1;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (uint8_t)(x >> 16);
    }
    /* valid frame bodies for the body runs (their own copy) */
    uint8_t *bodies = malloc(len);
    if (!bodies) {
        fprintf(stderr, "crcbench: out of memory\n");
        return 2;
    }
    memcpy(bodies, buf, len);
    for (size_t i = 0; i + BODY_WIRE <= len; i += BODY_WIRE)
        for (size_t left = BODY_DATA, q = i; left > 0;) {
            size_t n = left < 16 ? left : 16;
            uint16_t c = dnp3kit_crc16_portable(bodies + q, n);
            bodies[q + n] = (uint8_t)c;
            bodies[q + n + 1] = (uint8_t)(c >> 8);
            q += n + 2;
            left -= n;
        }
    struct {
        const char *shape, *method;
        run_fn fn;
        const uint8_t *b;
        double per;     /* CRC'd octets per buffer octet */
        int vs_prev;    /* print the ratio to the previous row */
    } runs[] = {
        {"8-octet headers", "table", headers_auto, buf, 8.0 / 10, 0},
        {"16-octet blocks", "table", blocks_auto, buf, 16.0 / 18, 0},
        {"256-octet buffers", "table", long_auto, buf, 1.0, 0},
        {"250-octet frame bodies", "table", bodies_table, bodies, (double)BODY_DATA / BODY_WIRE, 0},
        {"250-octet frame bodies", dnp3kit_crc16_impl(), bodies_auto, bodies, (double)BODY_DATA / BODY_WIRE, 1},
    };
    printf("CRC-16/DNP over %zu MiB, medians of %d (frame bodies on this CPU: %s)\n", mb, reps,
           dnp3kit_crc16_impl());
    printf("%-24s %-8s %10s\n", "shape", "method", "MB/s");
    double prev = 0;
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        double t[99];
        for (int k = 0; k < reps; k++)
            t[k] = runs[r].fn(runs[r].b, len);
        qsort(t, (size_t)reps, sizeof t[0], cmp);
        double mbs = (double)len * runs[r].per / t[reps / 2] / 1e6;
        printf("%-24s %-8s %10.0f", runs[r].shape, runs[r].method, mbs);
        if (runs[r].vs_prev)
            printf("   (%.2fx table)", mbs / prev);
        printf("\n");
        prev = mbs;
    }
    free(buf);
    free(bodies);
    return 0;
}
