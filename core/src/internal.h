/* Private helpers shared by the core's source files. */
#ifndef DNP3KIT_INTERNAL_H
#define DNP3KIT_INTERNAL_H
#include "dnp3kit/common.h"

/* Report one finding; a no-op without a sink, so parsers call it freely. */
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
