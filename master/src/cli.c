/*
 * dnp3-master: a DNP3 master on the command line (docs/dnp3-master.md).
 *
 * dnp3-master [--host H] [--port P] [--master N] [--outstation N] [--json] [--pcap FILE] COMMAND ...
 * Exit status: 0 success, 1 the outstation answered with an error (IIN,
 * control status), 2 usage error, 3 communication error or timeout.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "dnp3kit/dnp3kit.h"
#include "dnp3kit/master.h"
#include "dnp3kit/render.h"
#include "capture.h"
#include "cli_endpoint.h"

enum { EXIT_OK = 0, EXIT_OUTSTATION = 1, EXIT_USAGE = 2, EXIT_COMM = 3 };

static const char *usage_text =
    "usage: dnp3-master [OPTIONS] COMMAND ...\n"
    "\n"
    "commands:\n"
    "  poll                                  integrity poll (class 1, 2, 3, 0)\n"
    "  read class LIST                       read event/static classes, e.g. 1,2,3 or 0\n"
    "  read TYPE START[-STOP] [--variation V]  TYPE: bi dbi bo counter frozen-counter ai ao\n"
    "  operate bo INDEX on|off|trip|close|pulse-on|pulse-off\n"
    "         [--on-ms N] [--off-ms N] [--count N] [--clear] [--sbo|--direct|--no-ack]\n"
    "  operate ao INDEX VALUE [--type int16|int32|float|double] [--sbo|--direct|--no-ack]\n"
    "  freeze [--clear]                      freeze all counters (and clear them)\n"
    "  time-sync [--lan|--non-lan]           set the outstation's clock\n"
    "  restart cold|warm                     restart; prints the delay the outstation reports\n"
    "  unsolicited enable|disable [CLASSES]  e.g. 1,2,3 (default)\n"
    "  link-status                           REQUEST_LINK_STATUS\n"
    "  startup                               startup sequence: clear restart, disable unsolicited,\n"
    "                                        integrity poll, time sync if needed, enable unsolicited\n"
    "  monitor [--duration S] [--interval S] startup, then event polls and unsolicited responses,\n"
    "                                        printing each change until interrupted\n"
    "\n"
    "options:\n"
    "  --host H              outstation address (default 127.0.0.1)\n"
    "  --port P              TCP port (default 20000)\n"
    "  --master N            master link address (default 1)\n"
    "  --outstation N        outstation link address (default 10); give it several times to poll\n"
    "                        several outstations in turn on one line (multi-drop; poll only)\n"
    "  --json                machine-readable output\n"
    "  --pcap FILE           record the session as a capture (Ethernet/IP/TCP or UDP; serial:\n"
    "                        LINKTYPE_RTAC_SERIAL, see docs/transports.md)\n"
    "  -v, -vv               print every fragment (-vv: and link frame, findings) on stderr\n"
    "  --timeout MS          response timeout (default 5000)\n"
    "  --connect-timeout MS  (default 5000)\n"
    "  --select-timeout MS   (default 5000)\n"
    "  --retries N           extra attempts after a timeout (default 2)\n"
    "  --retry-delay MS      (default 1000)\n"
    "  --keepalive MS        link status keep-alive after MS of silence (default off)\n"
    "  --max-frame N         link user data octets per frame (6-250, default 250)\n"
    "  --max-fragment N      fragment size limit (249-65535, default 2048)\n"
    "  --time-sync MODE      lan, non-lan or none: reaction to NEED_TIME (default lan)\n"
    "  --startup             run the startup sequence after connecting\n"
    "  --reaction-window MS  each IIN reaction (clear restart, time sync, integrity poll after\n"
    "                        overflow) at most once per MS (default 5000)\n"
    "  --reaction-attempts N reactions to a bit the outstation keeps set before giving up on it\n"
    "                        (1-100, default 3); each futile one fails the command (exit 1)\n"
    "  --max-rate N          at most N requests per second (bursts of N), 0 = no cap (default 100)\n"
    "  --yes                 do not ask before controls and restarts (needed without a terminal)\n"
    "\n"
    "exit status: 0 success, 1 the outstation answered with an error (IIN, control status) or\n"
    "kept an IIN bit set that the master's reaction should have cleared (session_iin_stuck),\n"
    "2 usage error, 3 communication error or timeout.\n";

/* ---- options ---- */

typedef struct opts {
    dnp3kit_master_config cfg;
    bool json, yes;
    int verbose;
    const char *pcap;
    int variation;
    long on_ms, off_ms, count;
    bool clear, lan, non_lan;
    int mode; /* -1 default */
    const char *ao_type;
    double duration, interval;
    const char *pos[8];
    int npos;
    uint16_t outs[32];  /* every --outstation given (several: multi-drop, polled in turn) */
    int nouts;
} opts;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "dnp3-master: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see dnp3-master --help)\n");
    return EXIT_USAGE;
}

static bool parse_u(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return false;
    errno = 0;
    unsigned long v = strtoul(s, &end, 0);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

static int parse_args(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    dnp3kit_master_config_default(&o->cfg);
    o->cfg.startup = false;
    o->variation = -1;
    o->on_ms = o->off_ms = o->count = -1;
    o->mode = -1;
    o->interval = 1.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool isopt = a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9') && a[1] != '.';
        if (!isopt) {
            if (o->npos >= 8)
                return usage_error("too many arguments at '%s'", a);
            o->pos[o->npos++] = a;
            continue;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        unsigned long u;
#define NEEDV()                                                                                                        \
    do {                                                                                                               \
        if (!v)                                                                                                        \
            return usage_error("%s needs a value", a);                                                                 \
        i++;                                                                                                           \
    } while (0)
#define UOPT(name, max, field)                                                                                         \
    if (!strcmp(a, name)) {                                                                                            \
        NEEDV();                                                                                                       \
        if (!parse_u(v, max, &u))                                                                                      \
            return usage_error("bad value for " name ": '%s'", v);                                                    \
        field = u;                                                                                                     \
        continue;                                                                                                      \
    }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            fputs("\ntransports (docs/transports.md):\n", stdout);
            fputs(cli_endpoint_help, stdout);
            exit(EXIT_OK);
        }
        if (!strcmp(a, "--version")) {
            printf("dnp3-master %s\n", DNP3KIT_VERSION_STRING);
            exit(EXIT_OK);
        }
        if (a[1] == '-' && v) {
            char why[160];
            int er = cli_endpoint_option(&o->cfg, a + 2, v, why, sizeof why);
            if (er < 0)
                return usage_error("%s", why);
            if (er > 0) {
                i++;
                continue;
            }
        }
        if (!strcmp(a, "--host")) {
            NEEDV();
            if (strlen(v) >= sizeof o->cfg.host)
                return usage_error("host too long: '%s'", v);
            snprintf(o->cfg.host, sizeof o->cfg.host, "%s", v);
            continue;
        }
        UOPT("--port", 65535, o->cfg.port)
        UOPT("--master", 65535, o->cfg.master_address)
        if (!strcmp(a, "--outstation")) {
            NEEDV();
            if (!parse_u(v, 65535, &u))
                return usage_error("bad value for --outstation: '%s'", v);
            if (o->nouts >= (int)(sizeof o->outs / sizeof o->outs[0]))
                return usage_error("at most 32 --outstation addresses (got '%s' after 32)", v);
            o->outs[o->nouts++] = (uint16_t)u;
            o->cfg.outstation_address = (uint16_t)u;
            continue;
        }
        UOPT("--timeout", 3600000, o->cfg.response_timeout_ms)
        UOPT("--connect-timeout", 3600000, o->cfg.connect_timeout_ms)
        UOPT("--select-timeout", 3600000, o->cfg.select_timeout_ms)
        UOPT("--retries", 100, o->cfg.retries)
        UOPT("--retry-delay", 3600000, o->cfg.retry_delay_ms)
        UOPT("--keepalive", 86400000, o->cfg.keepalive_ms)
        UOPT("--max-frame", 100000, o->cfg.max_frame_size)
        UOPT("--max-fragment", 10000000, o->cfg.max_fragment_size)
        UOPT("--reaction-window", 86400000, o->cfg.reaction_window_ms)
        UOPT("--reaction-attempts", 1000, o->cfg.reaction_attempts)
        UOPT("--max-rate", 10000000, o->cfg.max_requests_per_s)
        UOPT("--variation", 255, o->variation)
        UOPT("--on-ms", 0xFFFFFFFFul, o->on_ms)
        UOPT("--off-ms", 0xFFFFFFFFul, o->off_ms)
        UOPT("--count", 255, o->count)
        if (!strcmp(a, "--time-sync")) {
            NEEDV();
            if (!strcmp(v, "lan"))
                o->cfg.time_sync = DNP3KIT_TIME_SYNC_LAN;
            else if (!strcmp(v, "non-lan"))
                o->cfg.time_sync = DNP3KIT_TIME_SYNC_NON_LAN;
            else if (!strcmp(v, "none"))
                o->cfg.time_sync = DNP3KIT_TIME_SYNC_NONE;
            else
                return usage_error("--time-sync: lan, non-lan or none, not '%s'", v);
            continue;
        }
        if (!strcmp(a, "--pcap")) {
            NEEDV();
            o->pcap = v;
            continue;
        }
        if (!strcmp(a, "--type")) {
            NEEDV();
            o->ao_type = v;
            continue;
        }
        if (!strcmp(a, "--duration") || !strcmp(a, "--interval")) {
            NEEDV();
            char *end;
            double d = strtod(v, &end);
            if (*end || !(d >= 0) || d > 1e7)
                return usage_error("bad number of seconds: '%s'", v);
            if (!strcmp(a, "--duration"))
                o->duration = d;
            else
                o->interval = d;
            continue;
        }
        if (!strcmp(a, "--json")) o->json = true;
        else if (!strcmp(a, "--yes") || !strcmp(a, "-y")) o->yes = true;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) o->verbose++;
        else if (!strcmp(a, "-vv")) o->verbose += 2;
        else if (!strcmp(a, "--startup")) o->cfg.startup = true;
        else if (!strcmp(a, "--rs485")) o->cfg.serial.rs485 = true;
        else if (!strcmp(a, "--clear")) o->clear = true;
        else if (!strcmp(a, "--lan")) o->lan = true;
        else if (!strcmp(a, "--non-lan")) o->non_lan = true;
        else if (!strcmp(a, "--sbo")) o->mode = DNP3KIT_CONTROL_SBO;
        else if (!strcmp(a, "--direct")) o->mode = DNP3KIT_CONTROL_DIRECT;
        else if (!strcmp(a, "--no-ack")) o->mode = DNP3KIT_CONTROL_DIRECT_NO_ACK;
        else
            return usage_error("unknown option %s", a);
#undef UOPT
#undef NEEDV
    }
    dnp3kit_error_detail d;
    if (dnp3kit_master_config_validate(&o->cfg, &d) != DNP3KIT_OK)
        return usage_error("%s", d.message);
    return EXIT_OK;
}

/* ---- output helpers ---- */

static void out_file(void *user, const char *s, size_t n)
{
    fwrite(s, 1, n, (FILE *)user);
}

static void json_str(FILE *f, const char *s)
{
    dnp3kit_out o = {out_file, f};
    dnp3kit_json_string(&o, s, strlen(s));
}

/* Group whose flag names to use: double-bit inputs name bits 6-7 as a state,
 * which is the value here, so their quality bits (0-5) are named as a binary input's. */
static uint8_t flag_group(const dnp3kit_master_point *p)
{
    return p->type == DNP3KIT_POINT_DBI ? 1 : p->group;
}

/* Flag names without the state bits (those are the value). */
static uint8_t flag_bits(const dnp3kit_master_point *p)
{
    uint8_t f = p->flags;
    if (p->type == DNP3KIT_POINT_BI || p->type == DNP3KIT_POINT_BO)
        f &= 0x7F;
    else if (p->type == DNP3KIT_POINT_DBI)
        f &= 0x3F;
    return f;
}

static void value_text(const dnp3kit_master_point *p, char *buf, size_t cap)
{
    static const char *const dbit[4] = {"INTERMEDIATE", "OFF", "ON", "INDETERMINATE"};
    if (p->type == DNP3KIT_POINT_BI || p->type == DNP3KIT_POINT_BO)
        snprintf(buf, cap, "%s", p->value != 0 ? "ON" : "OFF");
    else if (p->type == DNP3KIT_POINT_DBI)
        snprintf(buf, cap, "%s", dbit[(int)p->value & 3]);
    else
        snprintf(buf, cap, "%.17g", p->value);
}

static void json_value(FILE *f, const dnp3kit_master_point *p)
{
    if (p->type == DNP3KIT_POINT_BI || p->type == DNP3KIT_POINT_BO)
        fputs(p->value != 0 ? "true" : "false", f);
    else if (isfinite(p->value))
        fprintf(f, "%.17g", p->value);
    else
        fputs("null", f);
}

static void iin_json(FILE *f, uint16_t iin)
{
    fputc('[', f);
    bool first = true;
    for (int b = 15; b >= 0; b--) {
        uint16_t bit = (uint16_t)(1u << b);
        if (!(iin & bit))
            continue;
        const char *n = dnp3kit_iin_bit_name(bit);
        if (!first)
            fputc(',', f);
        first = false;
        json_str(f, n ? n : "?");
    }
    fputc(']', f);
}

static void point_json(FILE *f, const dnp3kit_master_point *p)
{
    char fl[160], tm[40];
    fprintf(f, "{\"type\":\"%s\",\"index\":%" PRIu32 ",\"value\":", dnp3kit_master_point_type_name(p->type), p->index);
    json_value(f, p);
    fputs(",\"flags\":[", f);
    if (p->has_flags) {
        dnp3kit_flags_format(flag_group(p), flag_bits(p), fl, sizeof fl);
        char *save = NULL, *tok = strtok_r(fl, "|", &save);
        bool first = true;
        for (; tok; tok = strtok_r(NULL, "|", &save)) {
            if (!first)
                fputc(',', f);
            first = false;
            json_str(f, tok);
        }
    }
    fputs("],\"time\":", f);
    if (p->has_time) {
        dnp3kit_format_time_ms(p->time_ms, tm, sizeof tm);
        json_str(f, tm);
    } else {
        fputs("null", f);
    }
    fprintf(f, ",\"event\":%s,\"group\":%u,\"variation\":%u}", p->event ? "true" : "false", p->group, p->variation);
}

static void points_table(FILE *f, const dnp3kit_master_result *r)
{
    char fl[160], tm[40], val[48];
    fprintf(f, "%-15s %7s  %-14s %-28s %-25s %s\n", "TYPE", "INDEX", "VALUE", "FLAGS", "TIME", "KIND");
    for (size_t i = 0; i < r->count; i++) {
        const dnp3kit_master_point *p = &r->points[i];
        value_text(p, val, sizeof val);
        if (p->has_flags) {
            dnp3kit_flags_format(flag_group(p), flag_bits(p), fl, sizeof fl);
            if (!fl[0])
                snprintf(fl, sizeof fl, "-");
        } else {
            snprintf(fl, sizeof fl, "-");
        }
        if (p->has_time)
            dnp3kit_format_time_ms(p->time_ms, tm, sizeof tm);
        else
            snprintf(tm, sizeof tm, "-");
        fprintf(f, "%-15s %7" PRIu32 "  %-14s %-28s %-25s %s\n", dnp3kit_master_point_type_name(p->type), p->index,
                val, fl, tm, p->event ? "event" : "static");
    }
}

static void print_iin_line(FILE *f, bool has, uint16_t iin)
{
    char b[160];
    if (!has)
        return;
    dnp3kit_iin_format(iin, b, sizeof b);
    fprintf(f, "IIN: %s\n", b[0] ? b : "(none)");
}

static void print_result(const opts *o, const dnp3kit_master_result *r)
{
    if (o->json) {
        fputs("{\"points\":[", stdout);
        for (size_t i = 0; i < r->count; i++) {
            if (i)
                fputc(',', stdout);
            point_json(stdout, &r->points[i]);
        }
        fputs("],\"iin\":", stdout);
        iin_json(stdout, r->has_iin ? r->iin : 0);
        fprintf(stdout, ",\"fragments\":%" PRIu32 ",\"dropped\":%zu}\n", r->fragments, r->dropped);
    } else {
        points_table(stdout, r);
        fprintf(stdout, "%zu point%s in %" PRIu32 " fragment%s", r->count, r->count == 1 ? "" : "s", r->fragments,
                r->fragments == 1 ? "" : "s");
        if (r->dropped)
            fprintf(stdout, " (%zu more dropped: over the point limit)", r->dropped);
        fputc('\n', stdout);
        print_iin_line(stdout, r->has_iin, r->iin);
    }
    fflush(stdout);
}

static int exit_code(int err)
{
    switch (err) {
    case DNP3KIT_OK: return EXIT_OK;
    case DNP3KIT_ERR_PROTOCOL:
    case DNP3KIT_ERR_CONTROL: return EXIT_OUTSTATION;
    case DNP3KIT_ERR_ARG: return EXIT_USAGE;
    default: return EXIT_COMM;
    }
}

static int report_error(const opts *o, int err, const dnp3kit_error_detail *d)
{
    if (o->json) {
        fprintf(stdout, "{\"error\":{\"code\":\"%s\",\"message\":", dnp3kit_err_name(err));
        json_str(stdout, d->message[0] ? d->message : dnp3kit_strerror(err));
        if (d->iin >= 0) {
            fputs(",\"iin\":", stdout);
            iin_json(stdout, (uint16_t)d->iin);
        }
        if (d->control_status >= 0)
            fprintf(stdout, ",\"control_status\":\"%s\"", dnp3kit_control_status_name((uint8_t)d->control_status));
        if (d->finding != DNP3KIT_F_COUNT_)
            fprintf(stdout, ",\"finding\":\"%s\"", dnp3kit_finding_name(d->finding));
        if (d->timeout_s > 0)
            fprintf(stdout, ",\"timeout_s\":%.3f", d->timeout_s);
        fputs("}}\n", stdout);
    }
    fprintf(stderr, "dnp3-master: %s [%s]\n", d->message[0] ? d->message : dnp3kit_strerror(err),
            dnp3kit_err_name(err));
    return exit_code(err);
}

static void report_ok(const opts *o, const char *what, const char *extra_json, const char *extra_text)
{
    if (o->json)
        fprintf(stdout, "{\"ok\":true,\"command\":\"%s\"%s%s}\n", what, extra_json ? "," : "", extra_json ? extra_json : "");
    else
        fprintf(stdout, "%s: OK%s%s\n", what, extra_text ? " " : "", extra_text ? extra_text : "");
    fflush(stdout);
}

/* End of a command that prints "OK": a request that went through while the outstation
 * ignored an IIN reaction (session_iin_stuck) still says so (a control did happen), and
 * then fails with exit status 1. */
static int finish_ok(const opts *o, int rc, const dnp3kit_error_detail *d, const char *what, const char *extra_json,
                     const char *extra_text)
{
    if (rc != DNP3KIT_OK && d->finding != DNP3KIT_F_SESSION_IIN_STUCK)
        return report_error(o, rc, d);
    report_ok(o, what, extra_json, extra_text);
    return rc == DNP3KIT_OK ? EXIT_OK : report_error(o, rc, d);
}

/* ---- tracing (-v) ---- */

static void tr_frame(void *user, bool tx, const dnp3kit_link_frame *f)
{
    const opts *o = user;
    if (o->verbose < 2)
        return;
    dnp3kit_out out = {out_file, stderr};
    fputs(tx ? "--> " : "<-- ", stderr);
    dnp3kit_render_link_text(f, &out);
    fputc('\n', stderr);
}

static void tr_fragment(void *user, bool tx, const uint8_t *p, size_t n)
{
    (void)user;
    dnp3kit_out out = {out_file, stderr};
    dnp3kit_render_opts ro = {"    ", 0};
    fputs(tx ? "--> " : "<-- ", stderr);
    dnp3kit_render_fragment_text(p, n, &ro, &out);
    fflush(stderr);
}

static void tr_finding(void *user, const dnp3kit_finding *f)
{
    const opts *o = user;
    char b[160];
    if (o->verbose < 2)
        return;
    dnp3kit_finding_format(f, b, sizeof b);
    fprintf(stderr, "!!! %s %s: %s\n", dnp3kit_severity_name(dnp3kit_finding_severity(f->code)),
            dnp3kit_finding_name(f->code), b);
}

/* ---- recording (--pcap) ---- */

typedef struct recorder {
    dpc_writer *w;
    int conn;
    bool udp;           /* datagrams: each read and write is one UDP packet */
    bool serial;        /* LINKTYPE_RTAC_SERIAL records, one per read and write */
    dpc_addr me, peer;
} recorder;

static uint64_t now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

static void rec_wire(void *user, int ev, bool tx, const uint8_t *p, size_t n)
{
    recorder *r = user;
    if (!r->w)
        return;
    if (ev == DNP3KIT_WIRE_CONNECTED && n == 2 * sizeof(struct sockaddr_storage)) {
        struct sockaddr_storage ss[2];
        memcpy(ss, p, sizeof ss);
        dpc_addr_from_sockaddr((const struct sockaddr *)&ss[0], &r->me);
        dpc_addr_from_sockaddr((const struct sockaddr *)&ss[1], &r->peer);
        if (!r->udp && !r->serial)
            r->conn = dpc_writer_tcp_open(r->w, &r->me, &r->peer, true, now_us());
    } else if (ev == DNP3KIT_WIRE_DATA && r->serial) {
        dpc_writer_serial(r->w, tx, p, n, now_us());
    } else if (ev == DNP3KIT_WIRE_DATA && r->udp) {
        dpc_writer_udp(r->w, tx ? &r->me : &r->peer, tx ? &r->peer : &r->me, p, n, now_us());
    } else if (ev == DNP3KIT_WIRE_DATA && r->conn >= 0) {
        dpc_writer_tcp_send(r->w, r->conn, tx, p, n, now_us());
    } else if (ev == DNP3KIT_WIRE_CLOSED && r->conn >= 0) {
        dpc_writer_tcp_close(r->w, r->conn, now_us());
        r->conn = -1;
    }
}

/* Channel notes (a datagram from an unexpected peer, why a connection was lost). */
static void cli_log(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "dnp3-master: %s\n", msg);
}

/* ---- commands ---- */

static bool confirm(const opts *o, const char *what)
{
    if (o->yes)
        return true;
    if (!isatty(STDIN_FILENO)) {
        fprintf(stderr, "dnp3-master: refusing to %s without a terminal to confirm on; add --yes\n", what);
        return false;
    }
    fprintf(stderr, "%s on %s:%u (outstation %u)? [y/N] ", what, o->cfg.host, o->cfg.port, o->cfg.outstation_address);
    char line[16];
    if (!fgets(line, sizeof line, stdin))
        return false;
    return line[0] == 'y' || line[0] == 'Y';
}

static bool parse_classes(const char *s, unsigned *out, bool allow0)
{
    unsigned c = 0;
    if (!s || !*s)
        return false;
    for (const char *p = s; *p; p++) {
        if (*p == ',')
            continue;
        if (*p < '0' || *p > '3' || (*p == '0' && !allow0))
            return false;
        c |= 1u << (*p - '0');
    }
    *out = c;
    return c != 0;
}

static bool parse_range(const char *s, uint32_t *a, uint32_t *b)
{
    char buf[32];
    unsigned long x, y;
    if (!s || strlen(s) >= sizeof buf)
        return false;
    snprintf(buf, sizeof buf, "%s", s);
    char *dash = strchr(buf, '-');
    if (dash)
        *dash = 0;
    if (!parse_u(buf, 0xFFFFFFFFul, &x))
        return false;
    y = x;
    if (dash && !parse_u(dash + 1, 0xFFFFFFFFul, &y))
        return false;
    if (y < x)
        return false;
    *a = (uint32_t)x;
    *b = (uint32_t)y;
    return true;
}

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void mon_uns(void *user, const dnp3kit_master_result *r)
{
    const opts *o = user;
    if (r->count == 0)
        return;
    if (o->json) {
        for (size_t i = 0; i < r->count; i++) {
            fputs("{\"unsolicited\":true,\"point\":", stdout);
            point_json(stdout, &r->points[i]);
            fputs("}\n", stdout);
        }
    } else {
        fprintf(stdout, "-- unsolicited: %zu point%s\n", r->count, r->count == 1 ? "" : "s");
        points_table(stdout, r);
    }
    fflush(stdout);
}

static int cmd_monitor(dnp3kit_master *m, const opts *o)
{
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    dnp3kit_master_set_unsolicited(m, mon_uns, (void *)o);
    /* startup sequence by hand, so its integrity poll is printed */
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_STARTUP;
    int rc = dnp3kit_master_run(m, &rq, &r, &d);
    if (rc != DNP3KIT_OK && rc != DNP3KIT_ERR_PROTOCOL) {
        dnp3kit_master_result_free(&r);
        return report_error(o, rc, &d);
    }
    int stuck = DNP3KIT_OK; /* an ignored IIN reaction fails the run, whatever came after */
    if (rc == DNP3KIT_ERR_PROTOCOL) {
        fprintf(stderr, "dnp3-master: startup: %s (continuing)\n", d.message);
        if (d.finding == DNP3KIT_F_SESSION_IIN_STUCK)
            stuck = rc;
    }
    print_result(o, &r);
    uint64_t end = o->duration > 0 ? dnp3kit_master_now_ms() + (uint64_t)(o->duration * 1000) : UINT64_MAX;
    uint64_t ival = o->interval > 0 ? (uint64_t)(o->interval * 1000) : 1000;
    int last = DNP3KIT_OK;
    /* After a communication failure (the outstation gone longer than the
     * retries last) the next contact may be with a restarted outstation whose
     * unsolicited reporting is off: run the startup sequence again first.
     * Shorter outages are bridged by the retries; the event polls go on. */
    bool resync = false;
    while (!stop_flag) {
        uint64_t now = dnp3kit_master_now_ms();
        if (now >= end)
            break;
        uint64_t wait = end - now < ival ? end - now : ival;
        if (dnp3kit_master_process(m, (int)wait, &d) == DNP3KIT_ERR_PROTOCOL) {
            fprintf(stderr, "dnp3-master: %s [%s]\n", d.message, dnp3kit_err_name(DNP3KIT_ERR_PROTOCOL));
            stuck = DNP3KIT_ERR_PROTOCOL;
        }
        if (stop_flag || dnp3kit_master_now_ms() >= end)
            break;
        if (resync) {
            rc = dnp3kit_master_run(m, &rq, &r, &d);
            if (rc == DNP3KIT_OK || rc == DNP3KIT_ERR_PROTOCOL) {
                resync = false;
                fprintf(stderr, "dnp3-master: reconnected; startup sequence run again\n");
                print_result(o, &r);
            }
        } else {
            rc = dnp3kit_master_read_class(m, 0x0E, &r, &d);
        }
        if (rc != DNP3KIT_OK) {
            fprintf(stderr, "dnp3-master: %s: %s [%s]\n", resync ? "startup" : "event poll", d.message,
                    dnp3kit_err_name(rc));
            if (d.finding == DNP3KIT_F_SESSION_IIN_STUCK) {
                stuck = rc; /* the poll itself went through */
                if (r.count > 0)
                    print_result(o, &r);
                continue;
            }
            last = rc;
            if (rc == DNP3KIT_ERR_TIMEOUT || rc == DNP3KIT_ERR_CONNECT || rc == DNP3KIT_ERR_CLOSED ||
                rc == DNP3KIT_ERR_IO)
                resync = true;
            continue;
        }
        last = DNP3KIT_OK;
        if (r.count > 0)
            print_result(o, &r);
    }
    dnp3kit_master_result_free(&r);
    return exit_code(last != DNP3KIT_OK ? last : stuck);
}

static int run(dnp3kit_master *m, opts *o)
{
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    dnp3kit_error_detail_clear(&d);
    const char *cmd = o->pos[0];
    int rc;
    char ej[128], et[128];

    if (!strcmp(cmd, "poll")) {
        if (o->npos != 1)
            return usage_error("%s takes no arguments", "poll");
        rc = dnp3kit_master_integrity_poll(m, &r, &d);
        if (rc == DNP3KIT_OK || r.count)
            print_result(o, &r);
        dnp3kit_master_result_free(&r);
        return rc == DNP3KIT_OK ? EXIT_OK : report_error(o, rc, &d);
    }
    if (!strcmp(cmd, "read")) {
        if (o->npos < 2)
            return usage_error("read: %s", "class LIST, or TYPE START[-STOP]");
        if (!strcmp(o->pos[1], "class")) {
            unsigned classes;
            if (o->npos != 3 || !parse_classes(o->pos[2], &classes, true))
                return usage_error("read class: LIST of 0-3, e.g. 1,2,3 (got '%s')", o->npos > 2 ? o->pos[2] : "");
            rc = dnp3kit_master_read_class(m, classes, &r, &d);
        } else {
            int type = dnp3kit_master_point_type_parse(o->pos[1]);
            uint32_t a, b;
            if (type < 0)
                return usage_error("read: unknown point type '%s' (bi dbi bo counter frozen-counter ai ao)", o->pos[1]);
            if (o->npos != 3 || !parse_range(o->pos[2], &a, &b))
                return usage_error("read: START[-STOP] expected, got '%s'", o->npos > 2 ? o->pos[2] : "");
            rc = dnp3kit_master_read_range(m, (dnp3kit_point_type)type, (uint8_t)(o->variation < 0 ? 0 : o->variation),
                                           a, b, &r, &d);
        }
        if (rc == DNP3KIT_OK || r.count)
            print_result(o, &r);
        dnp3kit_master_result_free(&r);
        return rc == DNP3KIT_OK ? EXIT_OK : report_error(o, rc, &d);
    }
    if (!strcmp(cmd, "operate")) {
        unsigned long idx;
        if (o->npos != 4 || (strcmp(o->pos[1], "bo") && strcmp(o->pos[1], "ao")))
            return usage_error("operate: %s", "bo INDEX OPERATION, or ao INDEX VALUE");
        if (!parse_u(o->pos[2], 65535, &idx))
            return usage_error("operate: INDEX 0-65535, not '%s'", o->pos[2]);
        dnp3kit_control_mode mode = o->mode < 0 ? DNP3KIT_CONTROL_SBO : (dnp3kit_control_mode)o->mode;
        static const char *const mname[] = {"sbo", "direct", "no-ack"};
        char what[96];
        if (!strcmp(o->pos[1], "bo")) {
            dnp3kit_crob c = {0};
            const char *op = o->pos[3];
            bool pulse = true;
            if (!strcmp(op, "on")) c.op = DNP3KIT_OP_LATCH_ON, pulse = false;
            else if (!strcmp(op, "off")) c.op = DNP3KIT_OP_LATCH_OFF, pulse = false;
            else if (!strcmp(op, "trip")) c.op = DNP3KIT_OP_PULSE_ON, c.tcc = DNP3KIT_TCC_TRIP;
            else if (!strcmp(op, "close")) c.op = DNP3KIT_OP_PULSE_ON, c.tcc = DNP3KIT_TCC_CLOSE;
            else if (!strcmp(op, "pulse-on")) c.op = DNP3KIT_OP_PULSE_ON;
            else if (!strcmp(op, "pulse-off")) c.op = DNP3KIT_OP_PULSE_OFF;
            else
                return usage_error("operate bo: on, off, trip, close, pulse-on or pulse-off, not '%s'", op);
            c.clear = o->clear;
            c.count = (uint8_t)(o->count >= 0 ? o->count : 1);
            c.on_ms = (uint32_t)(o->on_ms >= 0 ? o->on_ms : (pulse ? 1000 : 0));
            c.off_ms = (uint32_t)(o->off_ms >= 0 ? o->off_ms : (pulse ? 1000 : 0));
            snprintf(what, sizeof what, "operate binary output %lu: %s (%s)", idx, op, mname[mode]);
            if (!confirm(o, what))
                return EXIT_USAGE;
            rc = dnp3kit_master_operate_binary(m, (uint16_t)idx, &c, mode, &d);
            char code[48];
            dnp3kit_crob_format(dnp3kit_crob_code(c.op, c.tcc, c.clear), code, sizeof code);
            snprintf(ej, sizeof ej, "\"index\":%lu,\"code\":\"%s\",\"mode\":\"%s\",\"status\":\"%s\"", idx, code,
                     mname[mode], mode == DNP3KIT_CONTROL_DIRECT_NO_ACK ? "NOT_CHECKED" : "SUCCESS");
            snprintf(et, sizeof et, "(bo %lu %s, %s, status %s)", idx, code, mname[mode],
                     mode == DNP3KIT_CONTROL_DIRECT_NO_ACK ? "not checked: no-ack" : "SUCCESS");
        } else {
            char *end;
            double v = strtod(o->pos[3], &end);
            if (*end || end == o->pos[3])
                return usage_error("operate ao: VALUE must be a number, not '%s'", o->pos[3]);
            dnp3kit_ao_type t = DNP3KIT_AO_INT32;
            const char *tn = o->ao_type ? o->ao_type : (floor(v) == v && fabs(v) <= 2147483647.0 ? "int32" : "double");
            if (!strcmp(tn, "int32")) t = DNP3KIT_AO_INT32;
            else if (!strcmp(tn, "int16")) t = DNP3KIT_AO_INT16;
            else if (!strcmp(tn, "float")) t = DNP3KIT_AO_FLOAT32;
            else if (!strcmp(tn, "double")) t = DNP3KIT_AO_FLOAT64;
            else
                return usage_error("operate ao --type: int16, int32, float or double, not '%s'", tn);
            uint8_t tmp[64];
            if (dnp3kit_build_analog_output(tmp, sizeof tmp, 0, DNP3KIT_FC_SELECT, (uint16_t)idx, t, v) < 0)
                return usage_error("operate ao: %s does not fit the chosen type exactly (never truncated)", o->pos[3]);
            snprintf(what, sizeof what, "set analog output %lu to %s as %s (%s)", idx, o->pos[3], tn, mname[mode]);
            if (!confirm(o, what))
                return EXIT_USAGE;
            rc = dnp3kit_master_operate_analog(m, (uint16_t)idx, t, v, mode, &d);
            snprintf(ej, sizeof ej, "\"index\":%lu,\"value\":%.17g,\"type\":\"%s\",\"mode\":\"%s\"", idx, v, tn,
                     mname[mode]);
            snprintf(et, sizeof et, "(ao %lu = %.17g as %s, %s)", idx, v, tn, mname[mode]);
        }
        return finish_ok(o, rc, &d, "operate", ej, et);
    }
    if (!strcmp(cmd, "freeze")) {
        if (o->npos != 1)
            return usage_error("%s takes no arguments (use --clear)", "freeze");
        rc = dnp3kit_master_freeze(m, o->clear, &d);
        return finish_ok(o, rc, &d, "freeze", o->clear ? "\"clear\":true" : "\"clear\":false",
                         o->clear ? "(and clear)" : NULL);
    }
    if (!strcmp(cmd, "time-sync")) {
        if (o->npos != 1 || (o->lan && o->non_lan))
            return usage_error("%s: --lan or --non-lan", "time-sync");
        dnp3kit_time_sync_mode mode = o->lan       ? DNP3KIT_TIME_SYNC_LAN
                                      : o->non_lan ? DNP3KIT_TIME_SYNC_NON_LAN
                                                   : DNP3KIT_TIME_SYNC_NONE;
        rc = dnp3kit_master_time_sync(m, mode, &d);
        bool nl = mode == DNP3KIT_TIME_SYNC_NON_LAN ||
                  (mode == DNP3KIT_TIME_SYNC_NONE && o->cfg.time_sync == DNP3KIT_TIME_SYNC_NON_LAN);
        return finish_ok(o, rc, &d, "time-sync", nl ? "\"mode\":\"non-lan\"" : "\"mode\":\"lan\"",
                         nl ? "(non-LAN)" : "(LAN)");
    }
    if (!strcmp(cmd, "restart")) {
        if (o->npos != 2 || (strcmp(o->pos[1], "cold") && strcmp(o->pos[1], "warm")))
            return usage_error("restart: %s", "cold or warm");
        bool cold = !strcmp(o->pos[1], "cold");
        if (!confirm(o, cold ? "cold restart the outstation" : "warm restart the outstation"))
            return EXIT_USAGE;
        uint32_t delay = 0;
        rc = cold ? dnp3kit_master_cold_restart(m, &delay, &d) : dnp3kit_master_warm_restart(m, &delay, &d);
        snprintf(ej, sizeof ej, "\"restart\":\"%s\",\"delay_ms\":%" PRIu32, o->pos[1], delay);
        snprintf(et, sizeof et, "(%s; the outstation will be back in %" PRIu32 " ms)", o->pos[1], delay);
        return finish_ok(o, rc, &d, "restart", ej, et);
    }
    if (!strcmp(cmd, "unsolicited")) {
        unsigned classes = 0x0E;
        if (o->npos < 2 || o->npos > 3 || (strcmp(o->pos[1], "enable") && strcmp(o->pos[1], "disable")))
            return usage_error("unsolicited: %s", "enable|disable [CLASSES]");
        if (o->npos == 3 && !parse_classes(o->pos[2], &classes, false))
            return usage_error("unsolicited: CLASSES are 1-3, e.g. 1,2,3 (got '%s')", o->pos[2]);
        bool en = !strcmp(o->pos[1], "enable");
        rc = en ? dnp3kit_master_enable_unsolicited(m, classes, &d) : dnp3kit_master_disable_unsolicited(m, classes, &d);
        snprintf(ej, sizeof ej, "\"unsolicited\":\"%s\",\"classes\":[%s%s%s]", o->pos[1],
                 classes & 2 ? "1" : "", classes & 4 ? (classes & 2 ? ",2" : "2") : "",
                 classes & 8 ? (classes & 6 ? ",3" : "3") : "");
        return finish_ok(o, rc, &d, "unsolicited", ej, en ? "(enabled)" : "(disabled)");
    }
    if (!strcmp(cmd, "link-status")) {
        rc = dnp3kit_master_link_status(m, &d);
        return finish_ok(o, rc, &d, "link-status", "\"link_status\":\"LINK_STATUS\"", "(LINK_STATUS received)");
    }
    if (!strcmp(cmd, "startup")) {
        dnp3kit_master_request rq = {0};
        rq.type = DNP3KIT_TASK_STARTUP;
        rc = dnp3kit_master_run(m, &rq, &r, &d);
        if (rc == DNP3KIT_OK || r.count)
            print_result(o, &r);
        dnp3kit_master_result_free(&r);
        return rc == DNP3KIT_OK ? EXIT_OK : report_error(o, rc, &d);
    }
    if (!strcmp(cmd, "monitor"))
        return cmd_monitor(m, o);
    return usage_error("unknown command '%s'", cmd);
}

/* Several outstations on one channel (multi-drop): each polled in turn, one
 * request on the wire at a time; a silent one costs its own timeout and
 * retries, then the next is polled. Exit status: the worst of them. */
static int run_multi(opts *o, recorder *rec)
{
    if (strcmp(o->pos[0], "poll") != 0 || o->npos != 1)
        return usage_error("several --outstation addresses: only 'poll' (not '%s')", o->pos[0]);
    if (o->json)
        return usage_error("%s", "several --outstation addresses: --json is not supported yet");
    int worst = EXIT_OK, answered = 0;
    for (int i = 0; i < o->nouts; i++) {
        dnp3kit_master_config c = o->cfg;
        c.outstation_address = o->outs[i];
        dnp3kit_error_detail d;
        dnp3kit_master *m = dnp3kit_master_new(&c, &d);
        if (!m)
            return usage_error("%s", d.message);
        dnp3kit_master_set_log(m, cli_log, NULL);
        if (rec->w)
            dnp3kit_master_set_wire_hook(m, rec_wire, rec);
        if (o->verbose)
            dnp3kit_master_set_trace(m, tr_frame, tr_fragment, tr_finding, o);
        dnp3kit_master_result r = {0};
        uint64_t t0 = dnp3kit_master_now_ms();
        int rc = dnp3kit_master_connect(m, &d);
        if (rc == DNP3KIT_OK)
            rc = dnp3kit_master_integrity_poll(m, &r, &d);
        printf("outstation %u: ", o->outs[i]);
        if (rc == DNP3KIT_OK) {
            printf("OK in %.3f s\n", (double)(dnp3kit_master_now_ms() - t0) / 1000.0);
            print_result(o, &r);
            answered++;
        } else {
            printf("%s [%s]\n", d.message[0] ? d.message : dnp3kit_strerror(rc), dnp3kit_err_name(rc));
            int e = exit_code(rc);
            if (e > worst)
                worst = e;
        }
        fflush(stdout);
        dnp3kit_master_result_free(&r);
        dnp3kit_master_close(m);
        dnp3kit_master_free(m);
    }
    printf("%d of %d outstations answered\n", answered, o->nouts);
    return worst;
}

static bool known_command(const char *c)
{
    static const char *const cmds[] = {"poll", "read", "operate", "freeze", "time-sync", "restart", "unsolicited",
                                       "link-status", "startup", "monitor"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (!strcmp(c, cmds[i]))
            return true;
    return false;
}

int main(int argc, char **argv)
{
    opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc != EXIT_OK)
        return rc;
    if (o.npos == 0) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    if (!known_command(o.pos[0]))
        return usage_error("unknown command '%s'", o.pos[0]);
    signal(SIGPIPE, SIG_IGN);
    if (o.nouts > 1) {
        recorder mrec = {NULL, -1, o.cfg.transport == DNP3KIT_TRANSPORT_UDP,
                         o.cfg.transport == DNP3KIT_TRANSPORT_SERIAL, {0}, {0}};
        if (o.pcap) {
            char eb[256];
            mrec.w = mrec.serial ? dpc_writer_open_serial(o.pcap, eb, sizeof eb) : dpc_writer_open(o.pcap, eb, sizeof eb);
            if (!mrec.w) {
                fprintf(stderr, "dnp3-master: cannot write %s: %s\n", o.pcap, eb);
                return EXIT_USAGE;
            }
        }
        rc = run_multi(&o, &mrec);
        if (mrec.w)
            dpc_writer_close(mrec.w);
        return rc;
    }
    dnp3kit_error_detail d;
    bool startup = o.cfg.startup, stuck = false;
    o.cfg.startup = false; /* run explicitly below, so a failure is reported as such */
    dnp3kit_master *m = dnp3kit_master_new(&o.cfg, &d);
    if (!m)
        return usage_error("%s", d.message);
    recorder rec = {NULL, -1, o.cfg.transport == DNP3KIT_TRANSPORT_UDP, o.cfg.transport == DNP3KIT_TRANSPORT_SERIAL,
                    {0}, {0}};
    dnp3kit_master_set_log(m, cli_log, NULL);
    if (o.pcap) {
        char eb[256];
        rec.w = rec.serial ? dpc_writer_open_serial(o.pcap, eb, sizeof eb) : dpc_writer_open(o.pcap, eb, sizeof eb);
        if (!rec.w) {
            dnp3kit_master_free(m);
            fprintf(stderr, "dnp3-master: cannot write %s: %s\n", o.pcap, eb);
            return EXIT_USAGE;
        }
        dnp3kit_master_set_wire_hook(m, rec_wire, &rec);
    }
    if (o.verbose)
        dnp3kit_master_set_trace(m, tr_frame, tr_fragment, tr_finding, &o);
    rc = dnp3kit_master_connect(m, &d);
    if (rc != DNP3KIT_OK) {
        rc = report_error(&o, rc, &d);
    } else {
        rc = EXIT_OK;
        if (startup && strcmp(o.pos[0], "monitor") != 0 && strcmp(o.pos[0], "startup") != 0) {
            dnp3kit_master_request rq = {0};
            dnp3kit_master_result r = {0};
            rq.type = DNP3KIT_TASK_STARTUP;
            int e = dnp3kit_master_run(m, &rq, &r, &d);
            dnp3kit_master_result_free(&r);
            if (e != DNP3KIT_OK && e != DNP3KIT_ERR_PROTOCOL)
                rc = report_error(&o, e, &d);
            else if (e == DNP3KIT_ERR_PROTOCOL)
                fprintf(stderr, "dnp3-master: startup: %s (continuing)\n", d.message);
            stuck = e == DNP3KIT_ERR_PROTOCOL && d.finding == DNP3KIT_F_SESSION_IIN_STUCK;
        }
        if (rc == EXIT_OK)
            rc = run(m, &o);
        if (rc == EXIT_OK && stuck)
            rc = EXIT_OUTSTATION; /* the startup could not clear what it should have */
    }
    dnp3kit_master_close(m);
    dnp3kit_master_free(m);
    if (rec.w)
        dpc_writer_close(rec.w);
    return rc;
}
