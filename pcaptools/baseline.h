/*
 * check baselines (docs/dnp3-pcap.md, "Baselines"; docs/json.md): the
 * findings a regression run expects. A baseline is read from a JSON document
 * {"schema":1,"kind":"dnp3kit-baseline","match":"frame"|"count","files":[
 * {"file":F,"findings":[{"name","frame","flow",...} or {"name","count"}]}]}
 * (a saved `check --json` report reads as one too). Each checked file is
 * compared with the baseline's section of the same file name (else of the
 * same base name): a finding is known while an unused baseline entry with
 * the same key remains - (name, flow, frame) when matching by frame,
 * (name) up to its count when matching by count - else it is new; entries
 * left over are reported as not seen.
 */
#ifndef DNP3KIT_PCAP_BASELINE_H
#define DNP3KIT_PCAP_BASELINE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dnp3kit/dnp3kit.h"

typedef enum { BL_FRAME, BL_COUNT } bl_match;

typedef struct bl_baseline bl_baseline;

/* Read and check a baseline document. NULL with err set on any problem
 * (unreadable, not JSON, an unsupported schema, a malformed entry). */
bl_baseline *bl_load(const char *path, char *err, size_t errcap);
/* The same for a document in memory (text[0..len), not NUL-terminated). */
bl_baseline *bl_parse(const char *text, size_t len, char *err, size_t errcap);
void bl_free(bl_baseline *b);
/* The match the baseline was written with ("match"; frame when absent). */
bl_match bl_written_match(const bl_baseline *b);
/* False when some entry has no frame (a count baseline): it cannot be matched by frame. */
bool bl_has_frames(const bl_baseline *b);

/* Start comparing one checked file (resets the section's use counts).
 * Returns false when the baseline has no section for it (every finding is new). */
bool bl_begin(bl_baseline *b, const char *file, bl_match m);
/* One finding of the current file: true when the baseline knows it (and uses up that entry).
 * flow: -1 for a finding tied to no flow. */
bool bl_take(bl_baseline *b, dnp3kit_finding_code code, int64_t flow, uint64_t frame);

/* What the current file's baseline section holds that the run did not use up. */
typedef struct bl_missing {
    const char *name;
    bool has_frame;
    int64_t flow;       /* -1: none */
    uint64_t frame;
    uint64_t count;     /* count match: how many of name were not seen; frame match: 1 */
} bl_missing;
size_t bl_missing_count(const bl_baseline *b);
/* The i-th left-over entry (0 <= i < bl_missing_count), in baseline order. */
bl_missing bl_missing_at(const bl_baseline *b, size_t i);

/* ---- writing ---- */

typedef struct bl_writer bl_writer;
bl_writer *bl_writer_new(bl_match m);
void bl_writer_free(bl_writer *w);
/* A new file section; summary_json is its check summary object (copied). */
void bl_writer_file(bl_writer *w, const char *file);
void bl_writer_finding(bl_writer *w, dnp3kit_finding_code code, int64_t flow, uint64_t frame, bool has_link,
                       uint16_t link_src, uint16_t link_dst, const char *detail);
void bl_writer_summary(bl_writer *w, const char *summary_json);
/* Write the document to path (via path.tmp and rename); false with err set on failure. */
bool bl_writer_save(bl_writer *w, const char *path, char *err, size_t errcap);

const char *bl_match_name(bl_match m);

#endif
