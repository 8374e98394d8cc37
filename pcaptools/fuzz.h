/*
 * dnp3-pcap fuzz: mutate DNP3 traffic at every layer (raw octets, link with
 * CRCs fixed, transport, application) and run it against the core in-process
 * (--target self, in a forked worker restarted when it dies) or a live target
 * over TCP; every crash, hang or silence is saved as a minimised reproducer
 * capture that `dnp3-pcap replay` plays back. See docs/dnp3-pcap.md.
 */
#ifndef DNP3KIT_FUZZ_H
#define DNP3KIT_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit codes of fuzz (documented in docs/dnp3-pcap.md). */
enum { FZ_EXIT_CLEAN = 0, FZ_EXIT_FOUND = 1, FZ_EXIT_ERROR = 2 };

/* argv[0] is "fuzz". */
int fz_main(int argc, char **argv);
void fz_usage(FILE *out);

/* One in-process run of the core over a byte stream (both directions' parsers,
 * reassembly, validation, point decoding, rendering). Exposed for tests and
 * the fragile target. Returns a small checksum so the work is not optimised away. */
uint64_t fz_run_core(const uint8_t *p, size_t len);

#endif
