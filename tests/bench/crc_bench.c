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

/* One dnp3kit_crc16 call per n octets, records stride octets apart. */
static double run_single(const uint8_t *b, size_t len, size_t n, size_t stride)
{
    uint32_t acc = 0;
    double t = now();
    for (size_t i = 0; i + n <= len; i += stride)
        acc += dnp3kit_crc16(b + i, n);
    t = now() - t;
    sink_ += acc;
    return t;
}

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
            uint16_t c = dnp3kit_crc16(bodies + q, n);
            bodies[q + n] = (uint8_t)c;
            bodies[q + n + 1] = (uint8_t)(c >> 8);
            q += n + 2;
            left -= n;
        }
    struct {
        const char *shape, *method;
        size_t n, stride; /* single CRCs of n octets every stride octets; 0: frame bodies */
        uint32_t (*body)(const uint8_t *, size_t);
    } runs[] = {
        {"8-octet headers", "table", 8, 10, NULL},
        {"16-octet blocks", "table", 16, 18, NULL},
        {"256-octet buffers", "table", 256, 256, NULL},
        {"250-octet frame bodies", "table", 0, 0, dnp3kit_crc16_check_blocks_portable},
        {"250-octet frame bodies", dnp3kit_crc16_impl(), 0, 0, dnp3kit_crc16_check_blocks},
    };
    printf("CRC-16/DNP over %zu MiB, medians of %d (frame bodies on this CPU: %s)\n", mb, reps,
           dnp3kit_crc16_impl());
    printf("%-24s %-8s %10s\n", "shape", "method", "MB/s");
    double prev = 0;
    for (size_t r = 0; r < sizeof runs / sizeof runs[0]; r++) {
        double t[99];
        for (int k = 0; k < reps; k++)
            t[k] = runs[r].body ? run_bodies(bodies, len, runs[r].body) : run_single(buf, len, runs[r].n, runs[r].stride);
        qsort(t, (size_t)reps, sizeof t[0], cmp);
        double per = runs[r].body ? (double)BODY_DATA / BODY_WIRE : (double)runs[r].n / (double)runs[r].stride;
        double mbs = (double)len * per / t[reps / 2] / 1e6;
        printf("%-24s %-8s %10.0f", runs[r].shape, runs[r].method, mbs);
        if (r > 0 && runs[r].body && runs[r - 1].body)
            printf("   (%.2fx table)", mbs / prev);
        printf("\n");
        prev = mbs;
    }
    free(buf);
    free(bodies);
    return 0;
}
