/* dnp3-pcap: check and decode DNP3 in pcap/pcapng captures. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "baseline.h"
#include "engine.h"
#include "fuzz.h"
#include "replay.h"

enum { EXIT_CLEAN = 0, EXIT_FINDINGS = 1, EXIT_USAGE = 2, EXIT_NO_DNP3 = 3 };

static const char *prog = "dnp3-pcap";

static void usage(FILE *out)
{
    fprintf(out,
            "usage: %s COMMAND [OPTIONS] FILE...\n"
            "\n"
            "Check, decode, replay and fuzz DNP3 (IEEE 1815) traffic from pcap and pcapng captures\n"
            "(gzip'd and zstd-compressed ones too, FILE.gz, FILE.zst: decompressed in memory,\n"
            "up to 1 GiB). FILE - is standard input; from a pipe or FIFO findings and records\n"
            "are printed as the packets arrive, compressed input decompressed as it comes.\n"
            "\n"
            "commands:\n"
            "  check    validate every layer (link frames and CRCs, transport segments,\n"
            "           application fragments and objects) and the rules across messages\n"
            "           (sequence numbers, request/response matching, confirms, select/operate)\n"
            "  decode   print each application fragment (or link frame) as text or JSON Lines\n"
            "  findings list every finding check can report: name, severity, layer, meaning\n"
            "  replay   drive a live outstation with a recorded session and compare its answers\n"
            "           object by object, or serve recorded responses to a live master\n"
            "           (dnp3-pcap replay --help)\n"
            "  fuzz     mutate DNP3 at every layer against the core in-process or a live\n"
            "           target; saves a reproducer capture per crash (dnp3-pcap fuzz --help)\n"
            "\n"
            "common options:\n"
            "  -p, --port N[,N...]    TCP/UDP ports that carry DNP3 (default 20000; repeatable)\n"
            "  -a, --any-port         also find DNP3 on other ports by a valid link header\n"
            "      --max-message N    transport maximum message size (default 2048)\n"
            "  -j, --threads N        1 or 2: read the capture and process DNP3 on two\n"
            "                         threads (default 2 when the machine has 2+ CPUs;\n"
            "                         the output is identical)\n"
            "      --json             machine-readable output (check: one JSON report;\n"
            "                         decode: JSON Lines)\n"
            "  -h, --help             this help\n"
            "      --version          print the version\n"
            "\n"
            "check options:\n"
            "      --fail-on LEVEL    exit 1 when a finding at or above LEVEL exists:\n"
            "                         info, warning or error (default error)\n"
            "  -q, --quiet            print only the summary\n"
            "      --allow-empty      a file without any DNP3 is not an error (default: exit 3,\n"
            "                         naming the ports where DNP3 link frames were seen)\n"
            "      --baseline FILE    compare with the known findings of FILE (written by\n"
            "                         --write-baseline): only new findings fail (at or above\n"
            "                         --fail-on); known ones are marked \"(known)\", baseline\n"
            "                         findings not seen are listed (informational)\n"
            "      --write-baseline FILE  write this run's findings to FILE as a baseline\n"
            "                         (JSON, docs/json.md); alone, findings do not fail the run\n"
            "      --baseline-match M frame: a finding is known by name, flow and frame (the\n"
            "                         default when writing); count: by name, up to the count in\n"
            "                         the baseline (default: the match the baseline was written with)\n"
            "      --fail-on-missing  baseline findings not seen fail the run too (exit 1)\n"
            "\n"
            "decode options:\n"
            "      --layer L          app (default: one record per application fragment)\n"
            "                         or link (one record per link frame)\n"
            "      --max-points N     print at most N points per object header (text)\n"
            "      --findings         with --json: also a finding record (check's finding\n"
            "                         object) for each finding no record carries: link,\n"
            "                         transport, capture and end-of-stream ones (with\n"
            "                         --layer link, every finding); text always has them\n"
            "\n"
            "exit status: 0 clean, 1 findings at or above --fail-on (check; with --baseline: new ones),\n"
            "2 usage or I/O error, "
            "3 a file holds no DNP3 (check, unless --allow-empty).\n"
            "Findings and the JSON schemas are described in docs/dnp3-pcap.md.\n",
            prog);
}

/* ---- options ---- */

typedef struct opts {
    dpc_options cap;
    dpe_options eng;
    bool json;
    bool quiet;
    int fail_on;           /* severity */
    bool link_layer;
    size_t max_points;
    bool progress;
    bool allow_empty;      /* check: a file without DNP3 is not an error */
    bool finding_records;  /* decode --json: findings outside the records as lines of their own */
    const char *baseline;  /* check --baseline FILE */
    const char *write_baseline; /* check --write-baseline FILE */
    int baseline_match;    /* -1: the baseline's own; else BL_FRAME / BL_COUNT */
    bool fail_on_missing;  /* baseline findings not seen fail the run */
} opts;

static int parse_ports(const char *s, dpc_options *o, bool *ports_set)
{
    if (!*ports_set) {
        o->nports = 0;
        *ports_set = true;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
        char *end;
        errno = 0;
        long v = strtol(tok, &end, 10);
        if (errno || *end || v < 1 || v > 65535) {
            fprintf(stderr, "%s: invalid port '%s' (1-65535)\n", prog, tok);
            return -1;
        }
        if (o->nports >= DPC_MAX_PORTS) {
            fprintf(stderr, "%s: at most %d ports\n", prog, DPC_MAX_PORTS);
            return -1;
        }
        o->ports[o->nports++] = (uint16_t)v;
    }
    return 0;
}

/* ---- output helpers ---- */

/* The progress line on stderr (a terminal) is cleared before anything else
 * is written, so a finding or record never starts after "42% of 8 MB"; the
 * next progress step draws it again below. */
static bool progress_drawn; /* one thread writes all output, -j 2 included (pipeline.c) */
static void progress_clear(void)
{
    if (progress_drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        progress_drawn = false;
    }
}

/* Reading a stream, the reader waits for input (or has not paused for
 * DPC_IDLE_MAX_US): what was printed so far goes out now, not when the
 * stdio buffer fills, so findings and records follow the packets that
 * caused them (tcpdump -U -w - | dnp3-pcap check -). */
static void flush_stdout(void *ctx)
{
    (void)ctx;
    fflush(stdout);
}

static void out_file(void *user, const char *s, size_t n)
{
    progress_clear();
    fwrite(s, 1, n, (FILE *)user);
}

/* RFC 3339 UTC with microseconds, the one time format of every JSON record
 * (docs/json.md): "2026-12-02T16:41:13.123456Z". */
static void format_time_us(uint64_t us, char *buf, size_t cap)
{
    char b[40]; /* 24 in practice; shorter than the callers' 48 so the microseconds always fit */
    if (dnp3kit_format_time_ms(us / 1000, b, sizeof b) < 2) {
        snprintf(buf, cap, "1970-01-01T00:00:00.000000Z");
        return;
    }
    b[strlen(b) - 1] = '\0'; /* drop the Z, append the microseconds */
    snprintf(buf, cap, "%s%03uZ", b, (unsigned)(us % 1000));
}

/* "file" and, for a packet, "frame" and "time": the keys every record starts with. */
static void json_origin(const dnp3kit_out *o, const char *file, const dpc_packet *pkt)
{
    dnp3kit_outf(o, "{\"schema\":%d,\"file\":", DNP3KIT_JSON_SCHEMA);
    dnp3kit_json_string(o, file, strlen(file));
    if (pkt) {
        char t[48];
        format_time_us(pkt->ts_us, t, sizeof t);
        dnp3kit_outf(o, ",\"frame\":%" PRIu64 ",\"time\":\"%s\"", pkt->frame, t);
    } else {
        dnp3kit_outf(o, ",\"frame\":0");
    }
}

static void where_addrs(const dpe_where *w, char *src, size_t scap, char *dst, size_t dcap)
{
    src[0] = dst[0] = '\0';
    if (!w->flow)
        return;
    const dpc_addr *a = w->from_a ? &w->flow->a : &w->flow->b;
    const dpc_addr *b = w->from_a ? &w->flow->b : &w->flow->a;
    dpc_addr_format(a, src, scap);
    dpc_addr_format(b, dst, dcap);
}

/* "flow", "src", "dst" (and "proto") of a record tied to a flow, each followed by a comma. */
static void json_flow(const dnp3kit_out *o, const dpe_where *w, bool proto)
{
    if (!w->flow)
        return;
    char src[64], dst[64];
    where_addrs(w, src, sizeof src, dst, sizeof dst);
    dnp3kit_outf(o, "\"flow\":%u,\"src\":", w->flow->id);
    dnp3kit_json_string(o, src, strlen(src));
    dnp3kit_outf(o, ",\"dst\":");
    dnp3kit_json_string(o, dst, strlen(dst));
    dnp3kit_outf(o, ",");
    if (proto)
        dnp3kit_outf(o, "\"proto\":\"%s\",", w->flow->serial ? "serial" : w->flow->tcp ? "tcp" : "udp");
}

/* ---- check ---- */

/* A finding as one line of text: FILE:FRAME: severity layer name: detail [flow, link]. */
static void finding_line(const char *file, const dpe_where *w, const dnp3kit_finding *f, const char *suffix)
{
    char detail[256], src[64], dst[64];
    dnp3kit_finding_format(f, detail, sizeof detail);
    where_addrs(w, src, sizeof src, dst, sizeof dst);
    progress_clear();
    printf("%s:%" PRIu64 ": %s %s %s: %s", file, w->pkt ? w->pkt->frame : 0,
           dnp3kit_severity_name(dnp3kit_finding_severity(f->code)),
           dnp3kit_layer_name(dnp3kit_finding_layer(f->code)), dnp3kit_finding_name(f->code), detail);
    if (w->flow)
        printf(" [flow %u %s -> %s", w->flow->id, src, dst);
    if (w->has_link)
        printf("%slink %u -> %u", w->flow ? ", " : " [", w->link_src, w->link_dst);
    if (w->flow || w->has_link)
        printf("]");
    printf("%s\n", suffix);
}

typedef struct check_ctx {
    const opts *o;
    const char *file;
    dnp3kit_out out;
    bool first_finding;
    bl_baseline *bl;        /* --baseline */
    bl_writer *bw;          /* --write-baseline */
    uint64_t known, fresh;  /* this file's findings the baseline knows / does not */
    uint64_t fresh_by_severity[3];
} check_ctx;

/* A finding as one JSON object (docs/json.md `finding`): an element of check's
 * "findings" array, and a line of its own in decode --json. */
static void finding_json(const dnp3kit_out *o, const char *file, const dpe_where *w, const dnp3kit_finding *f,
                         const char *mark)
{
    char detail[256];
    dnp3kit_finding_format(f, detail, sizeof detail);
    json_origin(o, file, w->pkt);
    dnp3kit_outf(o, ",");
    json_flow(o, w, false);
    if (w->has_link)
        dnp3kit_outf(o, "\"link_src\":%u,\"link_dst\":%u,", w->link_src, w->link_dst);
    dnp3kit_outf(o, "\"layer\":\"%s\",\"severity\":\"%s\",\"name\":\"%s\",",
                 dnp3kit_layer_name(dnp3kit_finding_layer(f->code)),
                 dnp3kit_severity_name(dnp3kit_finding_severity(f->code)), dnp3kit_finding_name(f->code));
    if (f->offset != SIZE_MAX)
        dnp3kit_outf(o, "\"offset\":%zu,", f->offset);
    dnp3kit_outf(o, "\"detail\":");
    dnp3kit_json_string(o, detail, strlen(detail));
    if (mark) /* check --baseline: "known" or "new" */
        dnp3kit_outf(o, ",\"baseline\":\"%s\"", mark);
    dnp3kit_outf(o, "}");
}

static void check_finding(void *ctx, const dpe_where *w, const dnp3kit_finding *f)
{
    check_ctx *c = ctx;
    char detail[256];
    dnp3kit_finding_format(f, detail, sizeof detail);
    int64_t flow = w->flow ? (int64_t)w->flow->id : -1;
    uint64_t frame = w->pkt ? w->pkt->frame : 0;
    const char *mark = NULL; /* with --baseline: "known" or "new" */
    if (c->bl) {
        bool known = bl_take(c->bl, f->code, flow, frame);
        mark = known ? "known" : "new";
        if (known)
            c->known++;
        else {
            c->fresh++;
            c->fresh_by_severity[dnp3kit_finding_severity(f->code)]++;
        }
    }
    if (c->bw)
        bl_writer_finding(c->bw, f->code, flow, frame, w->has_link, w->link_src, w->link_dst, detail);
    if (c->o->quiet)
        return;
    if (c->o->json) {
        dnp3kit_outf(&c->out, "%s\n    ", c->first_finding ? "" : ",");
        c->first_finding = false;
        finding_json(&c->out, c->file, w, f, mark);
    } else {
        finding_line(c->file, w, f, mark && !strcmp(mark, "known") ? " (known)" : "");
    }
}

static void progress_fn(void *ctx, uint64_t done, uint64_t total)
{
    (void)ctx;
    fflush(stdout); /* what was written before it stays above the line */
    if (total)
        fprintf(stderr, "\r%3u%% of %" PRIu64 " MB", (unsigned)(done * 100 / total), total >> 20);
    else
        fprintf(stderr, "\r%" PRIu64 " MB", done >> 20);
    fflush(stderr);
    progress_drawn = true;
}

static void progress_end(const opts *o)
{
    (void)o;
    progress_clear();
}

/* The CRC implementation is part of the version: benchmark figures depend on it. */
static int print_version(void)
{
    printf("dnp3-pcap (dnp3kit) %s (CRC: %s)\n", DNP3KIT_VERSION_STRING, dnp3kit_crc16_impl());
    return EXIT_CLEAN;
}

/* ---- a file without DNP3 ---- */

typedef struct port_scan {
    uint16_t ports[DPC_MAX_PORTS];
    size_t n;
} port_scan;

/* The lower port of a flow carrying link frames: the well-known side (DNP3
 * listens on a fixed port; the other end is usually ephemeral). */
static void scan_link(void *ctx, const dpe_where *w, const dnp3kit_link_frame *f)
{
    port_scan *ps = ctx;
    if (!w->flow || !f->crc_ok)
        return;
    uint16_t p = w->flow->a.port < w->flow->b.port ? w->flow->a.port : w->flow->b.port;
    for (size_t i = 0; i < ps->n; i++)
        if (ps->ports[i] == p)
            return;
    if (ps->n < DPC_MAX_PORTS)
        ps->ports[ps->n++] = p;
}

/* Read the file again with --any-port to name the ports where DNP3-looking
 * traffic (valid link frames) is. Standard input cannot be read twice. */
static void scan_ports(const opts *o, const char *file, port_scan *ps)
{
    ps->n = 0;
    struct stat sb;
    if (!strcmp(file, "-") || stat(file, &sb) != 0 || !S_ISREG(sb.st_mode))
        return; /* a stream (pipe, FIFO) is gone once read */
    dpc_options cap = o->cap;
    cap.any_port = true;
    dpe_options eng = o->eng;
    eng.threads = 1;
    dpe_callbacks cb = {.on_link = scan_link};
    dpe_engine *e = dpe_new(&eng, &cb, ps);
    if (!e)
        return;
    char err[256];
    dpe_run_file(e, file, &cap, NULL, err, sizeof err, NULL, NULL);
    dpe_free(e);
}

static void say_no_dnp3(const opts *o, const char *file, const port_scan *ps)
{
    char ports[128] = "", seen[160] = "";
    size_t k = 0;
    for (size_t i = 0; i < o->cap.nports; i++)
        k += (size_t)snprintf(ports + k, sizeof ports - k, "%s%u", i ? "," : "", o->cap.ports[i]);
    k = 0;
    for (size_t i = 0; i < ps->n && k < sizeof seen; i++)
        k += (size_t)snprintf(seen + k, sizeof seen - k, "%s%u", i ? "," : "", ps->ports[i]);
    fprintf(stderr, "%s: %s: no DNP3 found%s%s", prog, file, o->cap.any_port ? " on any port" : " on port ",
            o->cap.any_port ? "" : ports);
    if (ps->n)
        fprintf(stderr, "; DNP3 link frames seen on port %s (use -p %s or --any-port)", seen, seen);
    fprintf(stderr, "%s\n", o->allow_empty ? "" : " [exit 3; --allow-empty accepts it]");
}

/* The check summary of one file as a JSON object (check --json and baselines). */
static void summary_json(FILE *out, const dpc_stats *cs, const dpe_stats *st, bool no_dnp3, const port_scan *ps)
{
    uint64_t total = st->by_severity[0] + st->by_severity[1] + st->by_severity[2];
    fprintf(out,
            "{\"packets\":%" PRIu64 ",\"dnp3_packets\":%" PRIu64 ",\"flows\":%" PRIu64 ",\"link_frames\":%" PRIu64
            ",\"bad_link_frames\":%" PRIu64 ",\"fragments\":%" PRIu64 ",\"bad_fragments\":%" PRIu64
            ",\"findings\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"warnings\":%" PRIu64 ",\"infos\":%" PRIu64
            ",\"by_name\":{",
            cs->packets, cs->dnp3_packets, cs->flows, st->link_frames, st->bad_link_frames, st->fragments,
            st->bad_fragments, total, st->by_severity[2], st->by_severity[1], st->by_severity[0]);
    bool first = true;
    for (int k = 0; k < DNP3KIT_F_COUNT_; k++) {
        if (!st->findings[k])
            continue;
        fprintf(out, "%s\"%s\":%" PRIu64, first ? "" : ",", dnp3kit_finding_name((dnp3kit_finding_code)k),
                st->findings[k]);
        first = false;
    }
    fprintf(out, "}");
    if (no_dnp3) {
        fprintf(out, ",\"dnp3_ports_seen\":[");
        for (size_t k = 0; k < ps->n; k++)
            fprintf(out, "%s%u", k ? "," : "", ps->ports[k]);
        fprintf(out, "]");
    }
    fprintf(out, "}");
}

/* A baseline entry not seen in this run, as text ("NAME frame F flow N" or "NAME xC"). */
static void missing_text(const bl_missing *m, char *buf, size_t cap)
{
    if (m->has_frame && m->flow >= 0)
        snprintf(buf, cap, "%s frame %" PRIu64 " flow %" PRId64, m->name, m->frame, m->flow);
    else if (m->has_frame)
        snprintf(buf, cap, "%s frame %" PRIu64, m->name, m->frame);
    else
        snprintf(buf, cap, "%s x%" PRIu64, m->name, m->count);
}

/* After a file: the baseline's verdict (text lines or the "baseline" member). Returns the entries not seen. */
static uint64_t baseline_report(const opts *o, check_ctx *c, bl_match m, bool have_section)
{
    size_t nm = bl_missing_count(c->bl);
    uint64_t missing = 0;
    for (size_t k = 0; k < nm; k++)
        missing += bl_missing_at(c->bl, k).count;
    if (o->json) {
        printf(",\n   \"baseline\":{\"file\":");
        dnp3kit_json_string(&c->out, o->baseline, strlen(o->baseline));
        printf(",\"match\":\"%s\",\"section\":%s,\"known\":%" PRIu64 ",\"new\":%" PRIu64 ",\"missing\":%" PRIu64
               ",\"not_seen\":[",
               bl_match_name(m), have_section ? "true" : "false", c->known, c->fresh, missing);
        for (size_t k = 0; k < nm; k++) {
            bl_missing x = bl_missing_at(c->bl, k);
            printf("%s{\"name\":", k ? "," : "");
            dnp3kit_json_string(&c->out, x.name, strlen(x.name));
            if (x.has_frame)
                printf(",\"frame\":%" PRIu64, x.frame);
            if (x.has_frame && x.flow >= 0)
                printf(",\"flow\":%" PRId64, x.flow);
            if (!x.has_frame)
                printf(",\"count\":%" PRIu64, x.count);
            printf("}");
        }
        printf("]}");
        return missing;
    }
    if (!o->quiet)
        for (size_t k = 0; k < nm; k++) {
            bl_missing x = bl_missing_at(c->bl, k);
            char t[160];
            missing_text(&x, t, sizeof t);
            printf("%s: not seen (in the baseline): %s\n", c->file, t);
        }
    printf("%s: baseline %s (match %s%s): %" PRIu64 " known, %" PRIu64 " new, %" PRIu64 " not seen%s\n", c->file,
           o->baseline, bl_match_name(m), have_section ? "" : "; no section for this file", c->known, c->fresh,
           missing, missing && !o->fail_on_missing ? " (informational; --fail-on-missing fails on them)" : "");
    return missing;
}

static int cmd_check(const opts *o, int nfiles, char **files)
{
    int worst = EXIT_CLEAN;
    bool io_error = false, empty = false;
    check_ctx c = {.o = o, .out = {out_file, stdout}};
    bl_match m = BL_FRAME;
    if (o->baseline) {
        char err[256];
        c.bl = bl_load(o->baseline, err, sizeof err);
        if (!c.bl) {
            fprintf(stderr, "%s: baseline %s: %s\n", prog, o->baseline, err);
            return EXIT_USAGE;
        }
        m = o->baseline_match >= 0 ? (bl_match)o->baseline_match : bl_written_match(c.bl);
        if (m == BL_FRAME && !bl_has_frames(c.bl)) {
            fprintf(stderr, "%s: baseline %s holds counts, not frames (written with --baseline-match count): "
                            "compare with --baseline-match count\n", prog, o->baseline);
            bl_free(c.bl);
            return EXIT_USAGE;
        }
    }
    if (o->write_baseline) {
        c.bw = bl_writer_new(o->baseline_match == BL_COUNT ? BL_COUNT : BL_FRAME);
        if (!c.bw) {
            fprintf(stderr, "%s: out of memory\n", prog);
            bl_free(c.bl);
            return EXIT_USAGE;
        }
    }
    if (o->json)
        printf("{\"schema\":%d,\"files\":[", DNP3KIT_JSON_SCHEMA);
    for (int i = 0; i < nfiles; i++) {
        c.file = files[i];
        c.first_finding = true;
        c.known = c.fresh = 0;
        memset(c.fresh_by_severity, 0, sizeof c.fresh_by_severity);
        bool have_section = c.bl ? bl_begin(c.bl, files[i], m) : false;
        if (c.bw)
            bl_writer_file(c.bw, files[i]);
        dpe_callbacks cb = {.on_finding = check_finding, .on_idle = flush_stdout};
        dpe_engine *e = dpe_new(&o->eng, &cb, &c);
        if (!e) {
            fprintf(stderr, "%s: out of memory\n", prog);
            return EXIT_USAGE;
        }
        if (o->json) {
            printf("%s\n  {\"file\":", i ? "," : "");
            dnp3kit_json_string(&c.out, files[i], strlen(files[i]));
            printf(",\"findings\":[");
        }
        char err[512] = "";
        dpc_stats cs;
        memset(&cs, 0, sizeof cs);
        int rc = dpe_run_file(e, files[i], &o->cap, &cs, err, sizeof err, o->progress ? progress_fn : NULL, NULL);
        progress_end(o);
        const dpe_stats *st = dpe_get_stats(e);
        if (rc != 0) {
            fprintf(stderr, "%s: %s: %s\n", prog, files[i], err[0] ? err : "cannot read capture");
            io_error = true;
        }
        uint64_t total = st->by_severity[0] + st->by_severity[1] + st->by_severity[2];
        /* Not one link frame: the wrong port, the wrong file, or no DNP3 at all. */
        bool no_dnp3 = rc == 0 && st->link_frames == 0;
        port_scan ps = {.n = 0};
        if (no_dnp3) {
            scan_ports(o, files[i], &ps);
            say_no_dnp3(o, files[i], &ps);
            if (!o->allow_empty)
                empty = true;
        }
        if (c.bw) {
            char *sj = NULL;
            size_t sl = 0;
            FILE *mf = open_memstream(&sj, &sl);
            if (mf) {
                summary_json(mf, &cs, st, no_dnp3, &ps);
                fclose(mf);
                bl_writer_summary(c.bw, sj);
                free(sj);
            }
        }
        if (o->json) {
            printf("%s],\n   \"error\":", c.first_finding ? "" : "\n  ");
            if (rc != 0)
                dnp3kit_json_string(&c.out, err, strlen(err));
            else
                printf("null");
            printf(",\n   \"summary\":");
            summary_json(stdout, &cs, st, no_dnp3, &ps);
            printf(",\"no_dnp3\":%s", no_dnp3 ? "true" : "false");
        } else {
            printf("%s: %" PRIu64 " packets (%" PRIu64 " DNP3), %" PRIu64 " flows, %" PRIu64 " link frames (%" PRIu64
                   " bad CRC), %" PRIu64 " fragments (%" PRIu64 " invalid), %" PRIu64 " findings: %" PRIu64
                   " error, %" PRIu64 " warning, %" PRIu64 " info\n",
                   files[i], cs.packets, cs.dnp3_packets, cs.flows, st->link_frames, st->bad_link_frames,
                   st->fragments, st->bad_fragments, total, st->by_severity[2], st->by_severity[1],
                   st->by_severity[0]);
            for (int k = 0; k < DNP3KIT_F_COUNT_; k++)
                if (st->findings[k])
                    printf("  %-40s %8" PRIu64 "  %s\n", dnp3kit_finding_name((dnp3kit_finding_code)k),
                           st->findings[k], dnp3kit_severity_name(dnp3kit_finding_severity((dnp3kit_finding_code)k)));
        }
        if (c.bl) {
            /* Only new findings fail; baseline entries not seen fail with --fail-on-missing. */
            uint64_t missing = baseline_report(o, &c, m, have_section);
            for (int s = o->fail_on; s <= 2; s++)
                if (c.fresh_by_severity[s])
                    worst = EXIT_FINDINGS;
            if (missing && o->fail_on_missing)
                worst = EXIT_FINDINGS;
        } else if (!c.bw) {
            for (int s = o->fail_on; s <= 2; s++)
                if (st->by_severity[s])
                    worst = EXIT_FINDINGS;
        }
        if (o->json)
            printf("}");
        dpe_free(e);
    }
    if (c.bw) {
        char err[512];
        if (!bl_writer_save(c.bw, o->write_baseline, err, sizeof err)) {
            fprintf(stderr, "%s: baseline: %s\n", prog, err);
            io_error = true;
        } else if (!o->json && !o->quiet) {
            fprintf(stderr, "%s: baseline written to %s (match %s)\n", prog, o->write_baseline,
                    o->baseline_match == BL_COUNT ? "count" : "frame");
        }
        bl_writer_free(c.bw);
    }
    bl_free(c.bl);
    /* Precedence: I/O error, then a file without DNP3 (a CI job pointed at the
     * wrong port or file must not pass), then findings. */
    int rc = io_error ? EXIT_USAGE : empty ? EXIT_NO_DNP3 : worst;
    if (o->json)
        printf("\n],\"exit\":%d}\n", rc);
    fflush(stdout);
    return rc;
}

/* ---- decode ---- */

typedef struct decode_ctx {
    const opts *o;
    const char *file;
    dnp3kit_out out;
} decode_ctx;

static void json_context(const dnp3kit_out *o, const char *file, const dpe_where *w, bool from_master)
{
    json_origin(o, file, w->pkt);
    dnp3kit_outf(o, ",");
    json_flow(o, w, true);
    dnp3kit_outf(o, "\"link_src\":%u,\"link_dst\":%u,\"dir\":\"%s\",", w->link_src, w->link_dst,
                 from_master ? "master" : "outstation");
}

static void text_context(const dpe_where *w, bool from_master, const char *file)
{
    char src[64], dst[64], t[40] = "";
    where_addrs(w, src, sizeof src, dst, sizeof dst);
    if (w->pkt)
        dnp3kit_format_time_ms(w->pkt->ts_us / 1000, t, sizeof t);
    printf("%s:%" PRIu64 " %s %s -> %s %s %u -> %u\n", file, w->pkt ? w->pkt->frame : 0, t, src, dst,
           from_master ? "master" : "outstation", w->link_src, w->link_dst);
}

static void decode_fragment(void *ctx, const dpe_fragment *fr)
{
    decode_ctx *d = ctx;
    if (d->o->link_layer)
        return;
    dnp3kit_render_opts ro = {.indent = "  ", .max_points = d->o->max_points};
    if (d->o->json) {
        json_context(&d->out, d->file, &fr->where, fr->from_master);
        dnp3kit_outf(&d->out, "\"segments\":%u,", fr->segments);
        if (fr->tentative)
            dnp3kit_outf(&d->out, "\"tentative\":\"%s\",", dnp3kit_finding_name(DNP3KIT_F_LINK_RESERVED_FUNCTION));
        if (fr->len >= 2) {
            dnp3kit_render_fragment_json(fr->data, fr->len, &ro, &d->out);
            dnp3kit_outf(&d->out, ",");
        }
        dnp3kit_outf(&d->out, "\"findings\":[");
        for (size_t i = 0; i < fr->nfindings; i++)
            dnp3kit_outf(&d->out, "%s\"%s\"", i ? "," : "", dnp3kit_finding_name(fr->findings[i].code));
        dnp3kit_outf(&d->out, "]}\n");
    } else {
        text_context(&fr->where, fr->from_master, d->file);
        if (fr->tentative) /* its finding (link_reserved_function) has a line of its own */
            printf("  [decoded as if user data: link function %u is reserved]\n", fr->link_func);
        dnp3kit_render_fragment_text(fr->data, fr->len, &ro, &d->out);
        for (size_t i = 0; i < fr->nfindings; i++) {
            char detail[256];
            dnp3kit_finding_format(&fr->findings[i], detail, sizeof detail);
            printf("  ! %s %s: %s\n",
                   dnp3kit_severity_name(dnp3kit_finding_severity(fr->findings[i].code)),
                   dnp3kit_finding_name(fr->findings[i].code), detail);
        }
    }
}

static void decode_link(void *ctx, const dpe_where *w, const dnp3kit_link_frame *f)
{
    decode_ctx *d = ctx;
    if (!d->o->link_layer)
        return;
    if (d->o->json) {
        json_context(&d->out, d->file, w, f->dir);
        dnp3kit_render_link_json(f, &d->out);
        if (f->user_len) {
            dnp3kit_outf(&d->out, ",\"transport\":{\"fir\":%s,\"fin\":%s,\"seq\":%u}",
                         (f->user[0] & 0x40) ? "true" : "false", (f->user[0] & 0x80) ? "true" : "false",
                         f->user[0] & 0x3F);
        }
        dnp3kit_outf(&d->out, "}\n");
    } else {
        text_context(w, f->dir, d->file);
        printf("  ");
        dnp3kit_render_link_text(f, &d->out);
        printf("\n");
    }
}

/* Findings that belong to no fragment record (link, transport, capture, end of
 * stream; with --layer link, all of them: link records carry none) get a line
 * of their own where they arise, so decode names every finding check names. In
 * JSON only with --findings (a finding record, the object check puts in its
 * "findings"): the documented stream is one record per fragment or frame, and
 * scripts written against it must not meet other lines unasked. */
static void decode_finding(void *ctx, const dpe_where *w, const dnp3kit_finding *f)
{
    decode_ctx *d = ctx;
    if (w->in_fragment && !d->o->link_layer)
        return;
    if (d->o->json) {
        if (!d->o->finding_records)
            return;
        finding_json(&d->out, d->file, w, f, NULL);
        dnp3kit_outf(&d->out, "\n");
    } else {
        finding_line(d->file, w, f, "");
    }
}

static int cmd_decode(const opts *o, int nfiles, char **files)
{
    bool io_error = false;
    decode_ctx d = {.o = o, .out = {out_file, stdout}};
    for (int i = 0; i < nfiles; i++) {
        d.file = files[i];
        dpe_callbacks cb = {.on_fragment = decode_fragment, .on_link = decode_link, .on_finding = decode_finding,
                             .on_idle = flush_stdout};
        dpe_engine *e = dpe_new(&o->eng, &cb, &d);
        if (!e)
            return EXIT_USAGE;
        char err[512] = "";
        int rc = dpe_run_file(e, files[i], &o->cap, NULL, err, sizeof err, o->progress ? progress_fn : NULL, NULL);
        progress_end(o);
        if (rc != 0) {
            fprintf(stderr, "%s: %s: %s\n", prog, files[i], err[0] ? err : "cannot read capture");
            io_error = true;
        }
        dpe_free(e);
    }
    fflush(stdout);
    return io_error ? EXIT_USAGE : EXIT_CLEAN;
}

/* The findings table as Markdown: the same list the core reports from (findings.def). */
static int cmd_findings(void)
{
    printf("| name | severity | layer | meaning |\n|---|---|---|---|\n");
    for (int k = 0; k < DNP3KIT_F_COUNT_; k++) {
        dnp3kit_finding_code c = (dnp3kit_finding_code)k;
        printf("| `%s` | %s | %s | %s |\n", dnp3kit_finding_name(c), dnp3kit_severity_name(dnp3kit_finding_severity(c)),
               dnp3kit_layer_name(dnp3kit_finding_layer(c)), dnp3kit_finding_description(c));
    }
    return EXIT_CLEAN;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return EXIT_CLEAN;
    }
    if (!strcmp(cmd, "--version"))
        return print_version();
    if (!strcmp(cmd, "findings"))
        return cmd_findings();
    if (!strcmp(cmd, "replay"))
        return rp_main(argc - 1, argv + 1);
    if (!strcmp(cmd, "fuzz"))
        return fz_main(argc - 1, argv + 1);
    bool is_check = !strcmp(cmd, "check"), is_decode = !strcmp(cmd, "decode");
    if (!is_check && !is_decode) {
        fprintf(stderr, "%s: unknown command '%s'\n", prog, cmd);
        usage(stderr);
        return EXIT_USAGE;
    }
    opts o;
    memset(&o, 0, sizeof o);
    dpc_options_default(&o.cap);
    dpe_options_default(&o.eng);
    o.fail_on = DNP3KIT_SEV_ERROR;
    o.baseline_match = -1;
    bool ports_set = false;
    enum { O_JSON = 256, O_FAIL_ON, O_MAX_MESSAGE, O_LAYER, O_MAX_POINTS, O_VERSION, O_ALLOW_EMPTY, O_FINDINGS,
           O_BASELINE, O_WRITE_BASELINE, O_BASELINE_MATCH, O_FAIL_ON_MISSING };
    o.eng.threads = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 2 : 1;
    static const struct option longopts[] = {
        {"port", required_argument, NULL, 'p'},
        {"any-port", no_argument, NULL, 'a'},
        {"json", no_argument, NULL, O_JSON},
        {"fail-on", required_argument, NULL, O_FAIL_ON},
        {"max-message", required_argument, NULL, O_MAX_MESSAGE},
        {"layer", required_argument, NULL, O_LAYER},
        {"findings", no_argument, NULL, O_FINDINGS},
        {"max-points", required_argument, NULL, O_MAX_POINTS},
        {"quiet", no_argument, NULL, 'q'},
        {"allow-empty", no_argument, NULL, O_ALLOW_EMPTY},
        {"baseline", required_argument, NULL, O_BASELINE},
        {"write-baseline", required_argument, NULL, O_WRITE_BASELINE},
        {"baseline-match", required_argument, NULL, O_BASELINE_MATCH},
        {"fail-on-missing", no_argument, NULL, O_FAIL_ON_MISSING},
        {"threads", required_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, O_VERSION},
        {NULL, 0, NULL, 0},
    };
    optind = 2;
    int ch;
    while ((ch = getopt_long(argc, argv, "p:aqhj:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'p':
            if (parse_ports(optarg, &o.cap, &ports_set) != 0)
                return EXIT_USAGE;
            break;
        case 'a': o.cap.any_port = true; break;
        case 'j':
            if (strcmp(optarg, "1") && strcmp(optarg, "2")) {
                fprintf(stderr, "%s: --threads takes 1 or 2\n", prog);
                return EXIT_USAGE;
            }
            o.eng.threads = (unsigned)atoi(optarg);
            break;
        case 'q': o.quiet = true; break;
        case O_ALLOW_EMPTY: o.allow_empty = true; break;
        case O_BASELINE: o.baseline = optarg; break;
        case O_WRITE_BASELINE: o.write_baseline = optarg; break;
        case O_BASELINE_MATCH:
            if (!strcmp(optarg, "frame")) o.baseline_match = BL_FRAME;
            else if (!strcmp(optarg, "count")) o.baseline_match = BL_COUNT;
            else {
                fprintf(stderr, "%s: --baseline-match takes frame or count\n", prog);
                return EXIT_USAGE;
            }
            break;
        case O_FAIL_ON_MISSING: o.fail_on_missing = true; break;
        case 'h': usage(stdout); return EXIT_CLEAN;
        case O_VERSION: return print_version();
        case O_JSON: o.json = true; break;
        case O_FAIL_ON:
            if (!strcmp(optarg, "info")) o.fail_on = DNP3KIT_SEV_INFO;
            else if (!strcmp(optarg, "warning")) o.fail_on = DNP3KIT_SEV_WARNING;
            else if (!strcmp(optarg, "error")) o.fail_on = DNP3KIT_SEV_ERROR;
            else {
                fprintf(stderr, "%s: --fail-on takes info, warning or error\n", prog);
                return EXIT_USAGE;
            }
            break;
        case O_MAX_MESSAGE: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end || v < 16 || v > 16 * 1024 * 1024) {
                fprintf(stderr, "%s: --max-message takes 16 to 16777216\n", prog);
                return EXIT_USAGE;
            }
            o.eng.max_message = v;
            break;
        }
        case O_FINDINGS:
            o.finding_records = true;
            break;
        case O_LAYER:
            if (!strcmp(optarg, "link")) o.link_layer = true;
            else if (!strcmp(optarg, "app")) o.link_layer = false;
            else {
                fprintf(stderr, "%s: --layer takes app or link\n", prog);
                return EXIT_USAGE;
            }
            break;
        case O_MAX_POINTS: {
            char *end;
            unsigned long v = strtoul(optarg, &end, 10);
            if (*end) {
                fprintf(stderr, "%s: --max-points takes a number\n", prog);
                return EXIT_USAGE;
            }
            o.max_points = v;
            break;
        }
        default:
            usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "%s %s: no capture file given\n", prog, cmd);
        return EXIT_USAGE;
    }
    o.progress = isatty(STDERR_FILENO) && !o.quiet;
    if (is_check && o.link_layer) {
        fprintf(stderr, "%s: --layer applies to decode\n", prog);
        return EXIT_USAGE;
    }
    if (o.finding_records && (is_check || !o.json)) {
        fprintf(stderr, "%s: --findings applies to decode --json (check --json lists every finding; decode's text "
                        "always shows them)\n", prog);
        return EXIT_USAGE;
    }
    if (!is_check && (o.baseline || o.write_baseline || o.baseline_match >= 0 || o.fail_on_missing)) {
        fprintf(stderr, "%s: --baseline, --write-baseline, --baseline-match and --fail-on-missing apply to check\n",
                prog);
        return EXIT_USAGE;
    }
    if (o.fail_on_missing && !o.baseline) {
        fprintf(stderr, "%s: --fail-on-missing needs --baseline FILE\n", prog);
        return EXIT_USAGE;
    }
    if (o.baseline_match >= 0 && !o.baseline && !o.write_baseline) {
        fprintf(stderr, "%s: --baseline-match needs --baseline FILE or --write-baseline FILE\n", prog);
        return EXIT_USAGE;
    }
    return is_check ? cmd_check(&o, argc - optind, argv + optind) : cmd_decode(&o, argc - optind, argv + optind);
}
