/*
 * dnp3-master tracing: -v prints every fragment (decoded by the core's
 * renderer) on stderr; -vv adds every link frame as hex with its decoding
 * and the findings, each line stamped with the time; --log FILE writes the
 * -vv trace (times always) to a file, whatever -v says.
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "cli.h"
#include "dnp3kit/render.h"

static void stamp(FILE *f)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    time_t t = tv.tv_sec;
    gmtime_r(&t, &tm);
    fprintf(f, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
            tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
}

/* The sinks of one trace event: stderr at this verbosity, and the log file. */
static int sinks(const cli_trace *l, int level, FILE *out[2], bool stamped[2])
{
    int n = 0;
    if (l->verbose >= level) {
        out[n] = stderr;
        stamped[n++] = l->verbose >= 2;
    }
    if (l->file) {
        out[n] = l->file;
        stamped[n++] = true;
    }
    return n;
}

static void frame_hex(FILE *f, const dnp3kit_link_frame *fr)
{
    /* the frame's octets, rebuilt from its fields: identical to the wire for a good CRC */
    uint8_t b[DNP3KIT_LINK_MAX_FRAME];
    int n = dnp3kit_link_build(fr->ctrl, fr->dst, fr->src, fr->user, fr->user_len, b, sizeof b);
    for (int i = 0; i < n; i += 16) {
        fprintf(f, "    %04x ", i);
        for (int k = i; k < i + 16 && k < n; k++)
            fprintf(f, " %02x", b[k]);
        fputc('\n', f);
    }
}

void cli_log_frame(void *user, bool tx, const dnp3kit_link_frame *fr)
{
    FILE *out[2];
    bool st[2];
    int n = sinks(user, 2, out, st);
    for (int i = 0; i < n; i++) {
        dnp3kit_out o = {cli_out_file, out[i]};
        if (st[i])
            stamp(out[i]);
        fputs(tx ? "--> " : "<-- ", out[i]);
        dnp3kit_render_link_text(fr, &o);
        fputc('\n', out[i]);
        frame_hex(out[i], fr);
        fflush(out[i]);
    }
}

void cli_log_fragment(void *user, bool tx, const uint8_t *p, size_t len)
{
    FILE *out[2];
    bool st[2];
    int n = sinks(user, 1, out, st);
    for (int i = 0; i < n; i++) {
        dnp3kit_out o = {cli_out_file, out[i]};
        dnp3kit_render_opts ro = {"    ", 0};
        if (st[i])
            stamp(out[i]);
        fputs(tx ? "--> " : "<-- ", out[i]);
        dnp3kit_render_fragment_text(p, len, &ro, &o);
        fflush(out[i]);
    }
}

void cli_log_finding(void *user, const dnp3kit_finding *f)
{
    FILE *out[2];
    bool st[2];
    char b[160];
    int n = sinks(user, 2, out, st);
    dnp3kit_finding_format(f, b, sizeof b);
    for (int i = 0; i < n; i++) {
        if (st[i])
            stamp(out[i]);
        fprintf(out[i], "!!! %s %s: %s\n", dnp3kit_severity_name(dnp3kit_finding_severity(f->code)),
                dnp3kit_finding_name(f->code), b);
        fflush(out[i]);
    }
}

void cli_log_note(const cli_trace *l, const char *what)
{
    if (!l->file)
        return;
    stamp(l->file);
    fprintf(l->file, "%s\n", what);
    fflush(l->file);
}
