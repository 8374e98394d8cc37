/* libFuzzer target: application fragment validation, object-header and point
 * iteration, both renderers, and the session analyzer. */
#include <stdint.h>
#include <stddef.h>

#include "dnp3kit/dnp3kit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void discard(void *user, const char *s, size_t n)
{
    (void)s;
    *(size_t *)user += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dnp3kit_app_summary sum;
    int rc = dnp3kit_app_validate(data, size, &sum, NULL);
    if (rc == DNP3KIT_OK) {
        /* Consumers act only on validated fragments: every point must decode. */
        dnp3kit_object_iter it;
        dnp3kit_object_header oh;
        dnp3kit_object_iter_init(&it, data, size, &sum.header);
        while (dnp3kit_object_iter_next(&it, &oh, NULL) == 1) {
            if (oh.data_offset + oh.data_len > size)
                __builtin_trap();
            if (!oh.has_data)
                continue;
            dnp3kit_point_iter pi;
            dnp3kit_point pt;
            dnp3kit_point_iter_init(&pi, data, size, &oh);
            while (dnp3kit_point_iter_next(&pi, &pt) == 1) {
                if (pt.offset + pt.size > size)
                    __builtin_trap();
            }
        }
        dnp3kit_analyzer a;
        dnp3kit_analyzer_init(&a);
        dnp3kit_analyzer_feed(&a, !sum.header.has_iin, false, data, size, &sum.header, NULL);
        dnp3kit_analyzer_finish(&a, NULL);
    }
    size_t n = 0;
    dnp3kit_out out = {discard, &n};
    dnp3kit_render_opts ro = {0};
    (void)dnp3kit_render_fragment_text(data, size, &ro, &out);
    (void)dnp3kit_render_fragment_json(data, size, &ro, &out);
    return 0;
}
