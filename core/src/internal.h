/* Private helpers shared by the core's source files. */
#ifndef DNP3KIT_INTERNAL_H
#define DNP3KIT_INTERNAL_H
#include "dnp3kit/common.h"

/* Report one finding; a no-op without a sink, so parsers call it freely. */
/* Octets in a g0 attribute value of data type `type` whose length octet is
 * `len`. Types 254 and 255 are lists of (variation, properties) octet pairs;
 * the length octet counts octets, and for the extended list (255, used past
 * 255 octets) the value holds len + 256 octets. */
static inline uint32_t attr_value_len(uint8_t type, uint8_t len) { return len + (type == 255 ? 256u : 0u); }

static inline void finding_at(const dnp3kit_sink *sink, dnp3kit_finding_code code, size_t offset,
                              uint64_t expected, uint64_t actual, uint32_t index, uint8_t func)
{
    if (!sink || !sink->fn)
        return;
    dnp3kit_finding f = {.code = code, .offset = offset, .expected = expected, .actual = actual,
                         .index = index, .func = func};
    sink->fn(sink->user, &f);
}
#endif
