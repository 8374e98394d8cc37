/*
 * Fuzz target: the input is a check baseline document (JSON, docs/json.md
 * baseline_document) as dnp3-pcap check --baseline reads it. Exercises the
 * JSON reader (pcaptools/json.c: strings, escapes, numbers, nesting bound)
 * and the baseline's checks, then matches a few findings against each
 * section both ways (frame and count) and lists what was not seen, as
 * check does. Anything may be refused; nothing may crash, hang or leak.
 */
#include <stdint.h>
#include <stdlib.h>

#include "baseline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256];
    bl_baseline *b = bl_parse((const char *)data, size, err, sizeof err);
    if (!b)
        return 0;
    static const char *files[] = {"tcp_gap.pcap", "dir/tcp_gap.pcap", "x"};
    for (int m = 0; m < 2; m++) {
        if (m == BL_FRAME && !bl_has_frames(b))
            continue;
        for (size_t fi = 0; fi < sizeof files / sizeof files[0]; fi++) {
            bl_begin(b, files[fi], (bl_match)m);
            for (uint64_t frame = 0; frame < 12; frame++)
                bl_take(b, (dnp3kit_finding_code)(frame % DNP3KIT_F_COUNT_), frame % 3 ? 1 : -1, frame);
            size_t n = bl_missing_count(b);
            for (size_t k = 0; k < n; k++) {
                bl_missing x = bl_missing_at(b, k);
                if (!x.name)
                    abort();
            }
        }
    }
    bl_free(b);
    return 0;
}
