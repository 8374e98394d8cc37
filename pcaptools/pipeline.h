/* Two-stage (reader thread -> engine thread) variant of dpc_read_file with
 * identical results; see pipeline.c. */
#ifndef DNP3KIT_PIPELINE_H
#define DNP3KIT_PIPELINE_H
#include "pcapin.h"

int dpe_pipeline_read_file(const char *path, const dpc_options *opt, const dpc_callbacks *cb, void *ctx,
                           dpc_stats *stats, char *errbuf, size_t errcap,
                           void (*progress)(void *ctx, uint64_t done, uint64_t total));
#endif
