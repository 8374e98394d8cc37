/* libFuzzer target: the streaming link parser under input-driven chunking,
 * and dnp3kit_link_decode on the raw input. */
#include <stdint.h>
#include <stddef.h>

#include "dnp3kit/dnp3kit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *user, const dnp3kit_finding *f)
{
    (void)f;
    ++*(size_t *)user;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0;
    dnp3kit_sink sink = {count, &n};
    dnp3kit_link_frame f;
    (void)dnp3kit_link_decode(data, size, &f, &sink);

    /* The first octet picks the chunk size, so splits at every point get explored. */
    size_t chunk = size ? (size_t)data[0] % 32 + 1 : 1;
    dnp3kit_link_parser lp;
    dnp3kit_link_parser_init(&lp);
    size_t pos = 0;
    while (pos < size) {
        size_t len = size - pos < chunk ? size - pos : chunk;
        const uint8_t *p = data + pos;
        size_t left = len;
        while (left > 0) {
            if (dnp3kit_link_parser_step(&lp, &p, &left, &f, &sink) == 1 && f.user_len > DNP3KIT_LINK_MAX_USER)
                __builtin_trap();
        }
        pos += len;
    }
    dnp3kit_link_parser_finish(&lp, &sink);
    return 0;
}
