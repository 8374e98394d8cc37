/* libFuzzer target: transport reassembly fed with input-defined segments,
 * each reassembled message validated by the application layer. The input is
 * a sequence of [len][segment octets]. */
#include <stdint.h>
#include <stddef.h>

#include "dnp3kit/dnp3kit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t buf[512]; /* small limit so the too-large path is reached */
    dnp3kit_reassembler r;
    dnp3kit_reassembler_init(&r, buf, sizeof buf);
    size_t pos = 0;
    while (pos < size) {
        size_t len = data[pos++] % 251;
        if (len > size - pos)
            len = size - pos;
        const uint8_t *msg;
        size_t mlen;
        if (len && dnp3kit_reassembler_push(&r, data + pos, len, &msg, &mlen, NULL) == 1) {
            if (mlen > r.cap)
                __builtin_trap();
            (void)dnp3kit_app_validate(msg, mlen, NULL, NULL);
        }
        pos += len;
    }
    dnp3kit_reassembler_finish(&r, NULL);
    return 0;
}
