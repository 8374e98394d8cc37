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
#include "cli.h"
#include "master_private.h"


static const char *usage_text =
    "usage: dnp3-master [OPTIONS] COMMAND ...\n"
    "\n"
    "commands:\n"
    "  poll                                  integrity poll (class 1, 2, 3, 0)\n"
    "  read class LIST                       read event/static classes, e.g. 1,2,3 or 0\n"
    "  read TYPE START[-STOP]|I,J,K [--variation V]  TYPE: bi dbi bo counter frozen-counter ai ao\n"
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
    "  attributes [VAR] [--write VAR=VALUE]  device attributes (g0): all, one, or write one\n"
    "  deadband read LIST | write INDEX VALUE [--variation 1|2|3]  analog input dead-bands (g34)\n"
    "  file ls [DIR] | info NAME | get REMOTE [LOCAL] | put LOCAL [REMOTE] | rm NAME\n"
    "         [--user U --password P] [--block-size N]  file transfer (g70)\n"
    "  checkout POINTS.csv [--report BASE] [--watch-timeout S]  verify a point list, operate its\n"
    "                                        controls (each confirmed, or --yes), report CSV + HTML\n"
    "  help [COMMAND]                        this text, or one command's (also: COMMAND --help)\n"
    "\n"
    "options:\n"
    "  --host H              outstation address (default 127.0.0.1)\n"
    "  --port P              TCP port (default 20000)\n"
    "  --master N            master link address (default 1)\n"
    "  --outstation N        outstation link address (default 10); give it several times to poll\n"
    "                        several outstations in turn on one line (multi-drop; poll only; a\n"
    "                        serial line is opened once, --listen takes all dialling in at once,\n"
    "                        unless --pcap is given)\n"
    "  --json                machine-readable output\n"
    "  --pcap FILE           record the session as a capture (Ethernet/IP/TCP or UDP; serial:\n"
    "                        LINKTYPE_RTAC_SERIAL, see docs/transports.md)\n"
    "  --pcap-max SIZE       size cap of the recording, whole packets (default 100M; suffix K, M, G:\n"
    "                        KiB, MiB, GiB; 0 = none): at the cap recording stops with a message,\n"
    "                        the session goes on\n"
    "  --pcap-files N        rotate through N files instead (default 1): a full FILE becomes FILE.1\n"
    "                        (FILE.1 becomes FILE.2 ..., FILE.<N-1> is dropped), FILE starts anew\n"
    "  -v, -vv               print every fragment (-vv: and every link frame as hex, findings, times) on stderr\n"
    "  --log FILE            append the -vv trace, with times, to FILE\n"
    "  --site NAME           take the options of [NAME] in ~/.config/dnp3kit/sites.conf first\n"
    "                        (the command line overrides them); see docs/dnp3-master.md\n"
    "  --profile FILE        the site profiles file to read instead\n"
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
    "  --no-iin-reactions    never answer IIN bits by itself (no clear restart, time sync, integrity poll)\n"
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
    uint64_t pcap_max;      /* --pcap-max, octets per file (0: no cap) */
    unsigned long pcap_files;
    int variation;
    long on_ms, off_ms, count;
    bool clear, lan, non_lan;
    int mode; /* -1 default */
    const char *mode_opt; /* the option that set it, to name a conflict */
    const char *write;    /* attributes --write VAR=VALUE */
    cli_live *live;       /* monitor on a terminal without --json */
    const char *report;   /* checkout --report BASE */
    double watch_s;       /* checkout --watch-timeout S */
    const char *log;      /* --log FILE */
    const char *user, *password;
    unsigned long block_size;
    bool help;
    const char *ao_type;
    double duration, interval;
    const char *pos[8];
    int npos;
    uint16_t outs[32];  /* every --outstation given (several: multi-drop, polled in turn) */
    int nouts;
} opts;

int cli_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "dnp3-master: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(see dnp3-master --help)\n");
    return EXIT_USAGE;
}
#define usage_error cli_usage_error

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

/* "104857600", "100M", "64K", "1G" (powers of 1024); 0, or at least 1 KiB. */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned shift = 0;
    if (*end == 'k' || *end == 'K')
        shift = 10;
    else if (*end == 'm' || *end == 'M')
        shift = 20;
    else if (*end == 'g' || *end == 'G')
        shift = 30;
    if (shift)
        end++;
    if (errno || *end || end == s || v > (1ull << 50) || (v && (v << shift) < 1024))
        return false;
    *out = (uint64_t)v << shift;
    return true;
}

static int parse_args(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    dnp3kit_master_config_default(&o->cfg);
    o->cfg.port = 0; /* not given: 20000, or 19999 with TLS (set after the options) */
    o->cfg.startup = false;
    o->variation = -1;
    o->on_ms = o->off_ms = o->count = -1;
    o->mode = -1;
    o->interval = 1.0;
    o->pcap_max = 100ull << 20; /* a recording never fills a disk by default */
    o->pcap_files = 1;
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
            /* after a command: that command's help (main prints it, or "did you mean") */
            if (o->npos > 0) {
                o->help = true;
                return EXIT_OK;
            }
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
        if (!strcmp(a, "--port")) {
            NEEDV();
            if (!parse_u(v, 65535, &u) || u == 0) /* 0 stands for "not given" until the options end */
                return usage_error("bad value for --port: '%s' (1-65535)", v);
            o->cfg.port = (uint16_t)u;
            continue;
        }
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
        UOPT("--link-timeout", 3600000, o->cfg.link_timeout_ms)
        UOPT("--link-retries", 100, o->cfg.link_retries)
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
        if (!strcmp(a, "--pcap-max")) {
            NEEDV();
            if (!parse_size(v, &o->pcap_max))
                return usage_error("bad value for --pcap-max: '%s' (octets, or a number with K, M or G; at least "
                                   "1K, or 0 for no cap)", v);
            continue;
        }
        UOPT("--pcap-files", 1000, o->pcap_files)
        if (!strcmp(a, "--type")) {
            NEEDV();
            o->ao_type = v;
            continue;
        }
        if (!strcmp(a, "--log")) {
            NEEDV();
            o->log = v;
            continue;
        }
        if (!strcmp(a, "--user") || !strcmp(a, "--password")) {
            NEEDV();
            if (a[2] == 'u')
                o->user = v;
            else
                o->password = v;
            continue;
        }
        UOPT("--block-size", 65535, o->block_size)
        if (!strcmp(a, "--write")) {
            NEEDV();
            o->write = v;
            continue;
        }
        if (!strcmp(a, "--report")) {
            NEEDV();
            o->report = v;
            continue;
        }
        if (!strcmp(a, "--duration") || !strcmp(a, "--interval") || !strcmp(a, "--watch-timeout")) {
            NEEDV();
            char *end;
            double d = strtod(v, &end);
            if (*end || !(d >= 0) || d > 1e7)
                return usage_error("bad number of seconds: '%s'", v);
            if (!strcmp(a, "--watch-timeout"))
                o->watch_s = d;
            else if (!strcmp(a, "--duration"))
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
        else if (!strcmp(a, "--link-confirm")) o->cfg.link_confirm = true;
        else if (!strcmp(a, "--tls")) o->cfg.tls.enabled = true;
        else if (!strcmp(a, "--clear")) o->clear = true;
        else if (!strcmp(a, "--lan")) o->lan = true;
        else if (!strcmp(a, "--non-lan")) o->non_lan = true;
        else if (!strcmp(a, "--no-iin-reactions")) o->cfg.iin_reactions = false;
        else if (!strcmp(a, "--sbo") || !strcmp(a, "--direct") || !strcmp(a, "--no-ack")) {
            int m = !strcmp(a, "--sbo") ? DNP3KIT_CONTROL_SBO
                    : !strcmp(a, "--direct") ? DNP3KIT_CONTROL_DIRECT : DNP3KIT_CONTROL_DIRECT_NO_ACK;
            if (o->mode >= 0 && o->mode != m) {
                fprintf(stderr, "dnp3-master: %s and %s conflict: choose one control mode\n", o->mode_opt, a);
                return EXIT_USAGE;
            }
            o->mode = m;
            o->mode_opt = a;
        } else
            return usage_error("unknown option %s", a);
#undef UOPT
#undef NEEDV
    }
    if (o->cfg.port == 0)
        o->cfg.port = o->cfg.tls.enabled ? DNP3KIT_TLS_PORT : 20000;
    dnp3kit_error_detail d;
    if (dnp3kit_master_config_validate(&o->cfg, &d) != DNP3KIT_OK)
        return usage_error("%s", d.message);
    if (o->lan && o->non_lan) {
        fprintf(stderr, "dnp3-master: --lan and --non-lan conflict: choose one\n");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* ---- output helpers ---- */

#define out_file cli_out_file

static void json_str(FILE *f, const char *s)
{
    cli_json_string(f, s, strlen(s));
}

static void json_value(FILE *f, const dnp3kit_master_point *p)
{
    if (p->type == DNP3KIT_POINT_BI || p->type == DNP3KIT_POINT_BO)
        fputs(p->value != 0 ? "true" : "false", f);
    else if (isfinite(p->value)) {
        char b[40];
        master_number(p->value, master_variation_is_f32(p->group, p->variation), b, sizeof b);
        fputs(b, f);
    } else
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
        dnp3kit_flags_format(master_flag_group(p), master_flag_bits(p), fl, sizeof fl);
        char *save = NULL, *tok = strtok_r(fl, "|", &save);
        bool first = true;
        for (; tok; tok = strtok_r(NULL, "|", &save)) {
            if (!first)
                fputc(',', f);
            first = false;
            json_str(f, tok);
        }
    }
    fprintf(f, "],\"flags_raw\":%u,\"time\":", p->flags);
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
    if (r->count == 0 && r->nobjects > 0)
        return; /* only other objects: their table says it all */
    fprintf(f, "%-15s %7s  %-14s %-28s %-25s %s\n", "TYPE", "INDEX", "VALUE", "FLAGS", "TIME", "KIND");
    for (size_t i = 0; i < r->count; i++) {
        const dnp3kit_master_point *p = &r->points[i];
        master_point_value_text(p, val, sizeof val);
        if (p->has_flags) {
            dnp3kit_flags_format(master_flag_group(p), master_flag_bits(p), fl, sizeof fl);
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

/* "error":{...} of a document */
static void error_json(FILE *f, int err, const dnp3kit_error_detail *d)
{
    fprintf(f, "\"error\":{\"code\":\"%s\",\"message\":", dnp3kit_err_name(err));
    json_str(f, d->message[0] ? d->message : dnp3kit_strerror(err));
    if (d->iin >= 0) {
        fputs(",\"iin\":", f);
        iin_json(f, (uint16_t)d->iin);
        fprintf(f, ",\"iin_raw\":%d", d->iin);
    }
    if (d->control_status >= 0)
        fprintf(f, ",\"control_status\":\"%s\"", dnp3kit_control_status_name((uint8_t)d->control_status));
    if (d->finding != DNP3KIT_F_COUNT_)
        fprintf(f, ",\"finding\":\"%s\"", dnp3kit_finding_name(d->finding));
    if (d->timeout_s > 0)
        fprintf(f, ",\"timeout_s\":%.3f", d->timeout_s);
    fputc('}', f);
}

/* The body of a result document (points, objects, IIN, counts), without braces. */
void cli_result_json_body(FILE *f, const dnp3kit_master_result *r)
{
    fputs("\"points\":[", f);
    for (size_t i = 0; i < r->count; i++) {
        if (i)
            fputc(',', f);
        point_json(f, &r->points[i]);
    }
    fputs("],", f);
    cli_objects_json(f, r);
    fputs(",\"iin\":", f);
    iin_json(f, r->has_iin ? r->iin : 0);
    fprintf(f, ",\"iin_raw\":%u,\"fragments\":%" PRIu32 ",\"dropped\":%zu,\"undecoded\":%zu",
            r->has_iin ? r->iin : 0, r->fragments, r->dropped, r->undecoded);
}

/* One document per command: the result and, for a partial one, the error beside it. */
void cli_print_doc(bool json, const char *command, const dnp3kit_master_result *r, int err,
                   const dnp3kit_error_detail *d)
{
    if (json) {
        fprintf(stdout, "{\"schema\":1,\"command\":\"%s\",", command);
        cli_result_json_body(stdout, r);
        if (err != DNP3KIT_OK && d) {
            fputc(',', stdout);
            error_json(stdout, err, d);
        }
        fputs("}\n", stdout);
    } else {
        points_table(stdout, r);
        cli_objects_table(stdout, r);
        fprintf(stdout, "%zu point%s", r->count, r->count == 1 ? "" : "s");
        if (r->nobjects)
            fprintf(stdout, ", %zu other object%s", r->nobjects, r->nobjects == 1 ? "" : "s");
        fprintf(stdout, " in %" PRIu32 " fragment%s", r->fragments, r->fragments == 1 ? "" : "s");
        if (r->dropped)
            fprintf(stdout, " (%zu more dropped: over the point limit)", r->dropped);
        if (r->undecoded)
            fprintf(stdout, " (%zu not decodable: kept as octets)", r->undecoded);
        fputc('\n', stdout);
        print_iin_line(stdout, r->has_iin, r->iin);
    }
    fflush(stdout);
}

/* The message on stderr and the exit status (the JSON already printed). */
int cli_report_error_text(int err, const dnp3kit_error_detail *d)
{
    fprintf(stderr, "dnp3-master: %s [%s]\n", d->message[0] ? d->message : dnp3kit_strerror(err),
            dnp3kit_err_name(err));
    return exit_code(err);
}

int cli_report_error(bool json, const char *command, int err, const dnp3kit_error_detail *d)
{
    if (json) {
        fprintf(stdout, "{\"schema\":1,\"command\":\"%s\",", command);
        error_json(stdout, err, d);
        fputs("}\n", stdout);
        fflush(stdout);
    }
    return cli_report_error_text(err, d);
}

static int report_error(const opts *o, int err, const dnp3kit_error_detail *d)
{
    return cli_report_error(o->json, o->npos ? o->pos[0] : "", err, d);
}

int cli_finish_read(bool json, const char *command, const dnp3kit_master_result *r, int rc,
                    const dnp3kit_error_detail *d)
{
    if (rc == DNP3KIT_OK || r->count || r->nobjects) {
        cli_print_doc(json, command, r, rc, d);
        return rc == DNP3KIT_OK ? EXIT_OK : cli_report_error_text(rc, d);
    }
    return cli_report_error(json, command, rc, d);
}

static int finish_read(const opts *o, const dnp3kit_master_result *r, int rc, const dnp3kit_error_detail *d)
{
    return cli_finish_read(o->json, o->pos[0], r, rc, d);
}

void cli_report_ok(bool json, const char *what, const char *extra_json, const char *extra_text)
{
    if (json)
        fprintf(stdout, "{\"schema\":1,\"ok\":true,\"command\":\"%s\"%s%s}\n", what, extra_json ? "," : "", extra_json ? extra_json : "");
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
    cli_report_ok(o->json, what, extra_json, extra_text);
    return rc == DNP3KIT_OK ? EXIT_OK : report_error(o, rc, d);
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

static void rec_note(void *user, const char *msg)
{
    (void)user;
    fprintf(stderr, "dnp3-master: --pcap: %s\n", msg);
}

/* The --pcap writer with its bounds (--pcap-max, --pcap-files); NULL with a message on stderr. */
static dpc_writer *rec_open(const opts *o, bool serial)
{
    char eb[256];
    dpc_writer *w = serial ? dpc_writer_open_serial(o->pcap, eb, sizeof eb) : dpc_writer_open(o->pcap, eb, sizeof eb);
    if (!w) {
        fprintf(stderr, "dnp3-master: cannot write %s: %s\n", o->pcap, eb);
        return NULL;
    }
    dpc_writer_set_limit(w, o->pcap_max, (unsigned)o->pcap_files, rec_note, NULL);
    return w;
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
        fprintf(stderr, "dnp3-master: refusing to %s without a terminal to confirm on; add --yes (nothing was sent)\n",
                what);
        return false;
    }
    fprintf(stderr, "%s on %s:%u (outstation %u)? [y/N] ", what, o->cfg.host, o->cfg.port, o->cfg.outstation_address);
    char line[16];
    if (fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y'))
        return true;
    fprintf(stderr, "dnp3-master: declined: nothing was sent\n");
    return false;
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

/* monitor --json: JSON Lines of one record type; "kind" says what it is: integrity (the
 * startup's poll), reconnected (the poll after a reconnection), events (an event poll's
 * answer with something in it), unsolicited, error. */
static void mon_record(const opts *o, const char *kind, const dnp3kit_master_result *r, int err,
                       const dnp3kit_error_detail *d)
{
    if (o->json) {
        struct timeval tv;
        gettimeofday(&tv, NULL);
        char tm[40];
        dnp3kit_format_time_ms((uint64_t)tv.tv_sec * 1000u, tm, sizeof tm);
        tm[19] = 0; /* the seconds; microseconds below */
        fprintf(stdout, "{\"schema\":1,\"kind\":\"%s\",\"time\":\"%s.%06ldZ\",", kind, tm, (long)tv.tv_usec);
        if (r)
            cli_result_json_body(stdout, r);
        if (r && err != DNP3KIT_OK)
            fputc(',', stdout);
        if (err != DNP3KIT_OK)
            error_json(stdout, err, d);
        fputs("}\n", stdout);
    } else if (o->live) {
        if (r)
            cli_live_update(o->live, kind, r);
        else if (d)
            cli_live_status(o->live, d->message);
    } else if (r) {
        if (!strcmp(kind, "unsolicited"))
            fprintf(stdout, "-- unsolicited: %zu point%s\n", r->count, r->count == 1 ? "" : "s");
        cli_print_doc(o->json, kind, r, DNP3KIT_OK, NULL);
    }
    fflush(stdout);
}

static int monitor_loop(dnp3kit_master *m, const opts *o);

static void mon_uns(void *user, const dnp3kit_master_result *r)
{
    const opts *o = user;
    if (r->count == 0 && r->nobjects == 0)
        return;
    mon_record(o, "unsolicited", r, DNP3KIT_OK, NULL);
}

static int cmd_monitor(dnp3kit_master *m, opts *o)
{
    char target[120];
    snprintf(target, sizeof target, "%s:%u outstation %u", o->cfg.host, o->cfg.port, o->cfg.outstation_address);
    if (!o->json && isatty(STDOUT_FILENO))
        o->live = cli_live_new(stdout, target);
    int rc = monitor_loop(m, o);
    cli_live_free(o->live);
    o->live = NULL;
    return rc;
}

static int monitor_loop(dnp3kit_master *m, const opts *o)
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
    mon_record(o, "integrity", &r, DNP3KIT_OK, NULL);
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
                if (o->live)
                    cli_live_status(o->live, "reconnected; startup sequence run again");
                else
                    fprintf(stderr, "dnp3-master: reconnected; startup sequence run again\n");
                mon_record(o, "reconnected", &r, DNP3KIT_OK, NULL);
                last = DNP3KIT_OK;
                continue; /* printed once: not again as an event poll's answer below */
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
                    cli_print_doc(o->json, o->pos[0], &r, DNP3KIT_OK, NULL);
                continue;
            }
            last = rc;
            if (rc == DNP3KIT_ERR_TIMEOUT || rc == DNP3KIT_ERR_CONNECT || rc == DNP3KIT_ERR_CLOSED ||
                rc == DNP3KIT_ERR_IO)
                resync = true;
            continue;
        }
        last = DNP3KIT_OK;
        if (r.count > 0 || r.nobjects > 0)
            mon_record(o, "events", &r, DNP3KIT_OK, NULL);
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
        rc = finish_read(o, &r, rc, &d);
        dnp3kit_master_result_free(&r);
        return rc;
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
            uint8_t var = (uint8_t)(o->variation < 0 ? 0 : o->variation);
            if (!strcmp(o->pos[1], "deadband")) {
                cli_ctx c = {m, o->json, o->pos, o->npos, o->variation, NULL, NULL, NULL, 0, o->yes};
                const char *p2[3] = {"deadband", "read", o->npos > 2 ? o->pos[2] : ""};
                c.pos = p2;
                c.npos = o->npos == 3 ? 3 : 2;
                return cmd_deadband(&c);
            }
            if (type < 0)
                return usage_error("read: unknown point type '%s' (bi dbi bo counter frozen-counter ai ao deadband)",
                                   o->pos[1]);
            if (o->npos == 3 && strchr(o->pos[2], ',')) {
                uint32_t *idx;
                size_t n;
                char why[128];
                if (!cli_parse_index_list(o->pos[2], &idx, &n, why, sizeof why))
                    return usage_error("read: %s", why);
                rc = dnp3kit_master_read_indices(m, (dnp3kit_point_type)type, var, idx, n, &r, &d);
                free(idx);
                rc = finish_read(o, &r, rc, &d);
                dnp3kit_master_result_free(&r);
                return rc;
            }
            if (o->npos != 3 || !parse_range(o->pos[2], &a, &b))
                return usage_error("read: START[-STOP] or I,J,K expected, got '%s'", o->npos > 2 ? o->pos[2] : "");
            rc = dnp3kit_master_read_range(m, (dnp3kit_point_type)type, var, a, b, &r, &d);
        }
        rc = finish_read(o, &r, rc, &d);
        dnp3kit_master_result_free(&r);
        return rc;
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
            char num[40];
            master_number(v, t == DNP3KIT_AO_FLOAT32, num, sizeof num);
            snprintf(ej, sizeof ej, "\"index\":%lu,\"value\":%s,\"type\":\"%s\",\"mode\":\"%s\"", idx, num, tn,
                     mname[mode]);
            snprintf(et, sizeof et, "(ao %lu = %s as %s, %s)", idx, num, tn, mname[mode]);
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
        rc = finish_read(o, &r, rc, &d);
        dnp3kit_master_result_free(&r);
        return rc;
    }
    if (!strcmp(cmd, "monitor"))
        return cmd_monitor(m, o);
    cli_ctx c = {m, o->json, o->pos, o->npos, o->variation, o->write, o->user, o->password,
                 (uint16_t)(o->block_size ? o->block_size : 1024), o->yes};
    if (!strcmp(cmd, "file"))
        return cmd_file(&c);
    if (!strcmp(cmd, "checkout")) {
        char target[120];
        snprintf(target, sizeof target, "%s:%u, outstation %u, master %u", o->cfg.host, o->cfg.port,
                 o->cfg.outstation_address, o->cfg.master_address);
        return cmd_checkout(&c, target, o->pcap, o->report, o->watch_s > 0 ? o->watch_s : 5.0);
    }
    if (!strcmp(cmd, "attributes"))
        return cmd_attributes(&c);
    if (!strcmp(cmd, "deadband"))
        return cmd_deadband(&c);
    return usage_error("unknown command '%s'", cmd);
}

/* Several outstations on one channel (multi-drop): each polled in turn, one
 * request on the wire at a time; a silent one costs its own timeout and
 * retries, then the next is polled. Exit status: the worst of them. --json:
 * one poll document per outstation with "outstation" and "elapsed_s" added
 * (and "error" for one that failed), then a "summary" document. */
/* One outstation's outcome of a multi-drop poll, printed in polling order. */
static void multi_print(const opts *o, int i, int rc, const dnp3kit_error_detail *d, const dnp3kit_master_result *r,
                        double el)
{
    if (o->json) {
        printf("{\"schema\":1,\"command\":\"poll\",\"outstation\":%u,\"elapsed_s\":%.3f,", o->outs[i], el);
        if (rc == DNP3KIT_OK)
            cli_result_json_body(stdout, r);
        else
            error_json(stdout, rc, d);
        fputs("}\n", stdout);
    } else if (rc == DNP3KIT_OK) {
        printf("outstation %u: OK in %.3f s\n", o->outs[i], el);
        cli_print_doc(false, "poll", r, DNP3KIT_OK, NULL);
    } else {
        printf("outstation %u: %s [%s]\n", o->outs[i], d->message[0] ? d->message : dnp3kit_strerror(rc),
               dnp3kit_err_name(rc));
    }
    fflush(stdout);
}

/* A multi-drop poll through the socket loop: a serial port opened once, one
 * session per outstation sharing the line, each polled in turn (the loop puts
 * one request on the wire at a time); or --listen: one listener, each
 * outstation polled once it has dialled in. elapsed_s: from the start to its answer. */
typedef struct multi_slot {
    uint32_t task;
    bool done;
    int rc;
    double el;
    dnp3kit_error_detail d;
    dnp3kit_master_result r;
    uint64_t t0;
    cli_trace *tr;
} multi_slot;

static void multi_done(void *user, uint32_t id, bool internal, int err, const dnp3kit_error_detail *d,
                       dnp3kit_master_result *r)
{
    multi_slot *sl = user;
    if (internal || id != sl->task || sl->done)
        return;
    sl->done = true;
    sl->rc = err;
    sl->d = *d;
    sl->el = (double)(dnp3kit_master_now_ms() - sl->t0) / 1000.0;
    dnp3kit_master_result_take(&sl->r, r);
}

static void multi_frame(void *user, bool tx, const dnp3kit_link_frame *f)
{
    multi_slot *sl = user;
    if (sl->tr->verbose >= 2 || sl->tr->file)
        cli_log_frame(sl->tr, tx, f);
}

static void multi_fragment(void *user, bool tx, const uint8_t *p, size_t len)
{
    multi_slot *sl = user;
    if (sl->tr->verbose || sl->tr->file)
        cli_log_fragment(sl->tr, tx, p, len);
}

static void multi_finding(void *user, const dnp3kit_finding *f)
{
    multi_slot *sl = user;
    if (sl->tr->verbose >= 2 || sl->tr->file)
        cli_log_finding(sl->tr, f);
}

static uint64_t multi_wall(void *user)
{
    (void)user;
    return dnp3kit_master_wall_ms();
}

static void multi_log(void *user, int handle, const char *msg)
{
    (void)user, (void)handle;
    fprintf(stderr, "dnp3-master: %s\n", msg);
}

static int run_multi_loop(opts *o)
{
    dnp3kit_master_loop *l = dnp3kit_master_loop_new();
    multi_slot sl[32];
    dnp3kit_master_session *ss[32] = {0};
    cli_trace tr = {o->verbose, NULL};
    int worst = EXIT_OK, answered = 0, rc = EXIT_OK;
    if (!l)
        return usage_error("%s", "out of memory");
    dnp3kit_master_loop_set_log(l, multi_log, NULL);
    memset(sl, 0, sizeof sl);
    uint64_t t0 = dnp3kit_master_now_ms();
    for (int i = 0; i < o->nouts; i++) {
        dnp3kit_master_config c = o->cfg;
        c.outstation_address = o->outs[i];
        dnp3kit_error_detail d;
        dnp3kit_master_callbacks cb = {multi_done, NULL, multi_frame, multi_fragment, multi_finding, multi_wall};
        sl[i].t0 = t0;
        sl[i].tr = &tr;
        sl[i].r.control_status = -1;
        ss[i] = dnp3kit_master_session_new(&c, &cb, &sl[i], &d);
        if (!ss[i] || dnp3kit_master_loop_add(l, ss[i], &d) < 0) {
            rc = usage_error("%s", d.message);
            goto out;
        }
        dnp3kit_master_request rq = {0};
        rq.type = DNP3KIT_TASK_READ_CLASS;
        rq.classes = 0x0F;
        int id = dnp3kit_master_session_submit(ss[i], &rq, dnp3kit_master_now_ms(), &d);
        if (id < 0) {
            rc = usage_error("%s", d.message);
            goto out;
        }
        sl[i].task = (uint32_t)id;
    }
    for (;;) {
        int left = 0;
        for (int i = 0; i < o->nouts; i++)
            left += !sl[i].done;
        if (!left)
            break;
        if (dnp3kit_master_loop_run_once(l, 100) < 0) {
            rc = usage_error("socket loop failed: %s", strerror(errno));
            goto out;
        }
    }
    for (int i = 0; i < o->nouts; i++) {
        if (sl[i].rc == DNP3KIT_OK) {
            answered++;
        } else {
            int e = exit_code(sl[i].rc);
            if (e > worst)
                worst = e;
        }
        multi_print(o, i, sl[i].rc, &sl[i].d, &sl[i].r, sl[i].el);
    }
    if (o->json)
        printf("{\"schema\":1,\"command\":\"poll\",\"summary\":{\"outstations\":%d,\"answered\":%d}}\n", o->nouts,
               answered);
    else
        printf("%d of %d outstations answered\n", answered, o->nouts);
    rc = worst;
out:
    dnp3kit_master_loop_free(l);
    for (int i = 0; i < o->nouts; i++) {
        dnp3kit_master_session_free(ss[i]);
        dnp3kit_master_result_free(&sl[i].r);
    }
    return rc;
}

static int run_multi(opts *o, recorder *rec)
{
    if (strcmp(o->pos[0], "poll") != 0 || o->npos != 1)
        return usage_error("several --outstation addresses: only 'poll' (not '%s')", o->pos[0]);
    /* without a recording, through the socket loop: a serial line opened once and shared,
     * or one listener that takes every outstation dialling in at once */
    if ((o->cfg.transport == DNP3KIT_TRANSPORT_SERIAL || o->cfg.transport == DNP3KIT_TRANSPORT_TCP_LISTEN) && !rec->w)
        return run_multi_loop(o);
    int worst = EXIT_OK, answered = 0;
    for (int i = 0; i < o->nouts; i++) {
        dnp3kit_master_config c = o->cfg;
        c.outstation_address = o->outs[i];
        dnp3kit_error_detail d;
        dnp3kit_master *m = dnp3kit_master_new(&c, &d);
        if (!m)
            return usage_error("%s", d.message);
        dnp3kit_master_set_log(m, cli_log, NULL);
        master_set_neighbours(m, o->outs, (size_t)o->nouts); /* the other drops' frames are not strays */
        if (rec->w)
            dnp3kit_master_set_wire_hook(m, rec_wire, rec);
        cli_trace tr = {o->verbose, NULL};
        if (o->verbose)
            dnp3kit_master_set_trace(m, cli_log_frame, cli_log_fragment, cli_log_finding, &tr);
        dnp3kit_master_result r = {0};
        uint64_t t0 = dnp3kit_master_now_ms();
        int rc = dnp3kit_master_connect(m, &d);
        if (rc == DNP3KIT_OK)
            rc = dnp3kit_master_integrity_poll(m, &r, &d);
        double el = (double)(dnp3kit_master_now_ms() - t0) / 1000.0;
        if (rc == DNP3KIT_OK) {
            answered++;
        } else {
            int e = exit_code(rc);
            if (e > worst)
                worst = e;
        }
        multi_print(o, i, rc, &d, &r, el);
        dnp3kit_master_result_free(&r);
        dnp3kit_master_close(m);
        dnp3kit_master_free(m);
    }
    if (o->json)
        printf("{\"schema\":1,\"command\":\"poll\",\"summary\":{\"outstations\":%d,\"answered\":%d}}\n", o->nouts,
               answered);
    else
        printf("%d of %d outstations answered\n", answered, o->nouts);
    return worst;
}

/* --site NAME [--profile FILE]: the site's options go before the command line's
 * (which therefore override them). Returns EXIT_OK with *nargv (heap) set. */
static int apply_profile(int argc, char **argv, int *nargc, char ***nargv, cli_profile *p)
{
    const char *site = NULL, *file = NULL;
    char def[600];
    p->argc = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--site") || !strcmp(argv[i], "--profile")) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", argv[i]);
            if (argv[i][2] == 's')
                site = argv[i + 1];
            else
                file = argv[i + 1];
            i++;
        }
    }
    if (file && !site)
        return usage_error("--profile %s: name the site with --site NAME", file);
    if (site) {
        if (!file && !(file = cli_profile_default_path(def, sizeof def)))
            return usage_error("--site %s: no HOME or XDG_CONFIG_HOME to find sites.conf; use --profile FILE", site);
        int rc = cli_profile_load(file, site, p);
        if (rc != EXIT_OK)
            return rc;
        /* each line alone must be an option with its value: name the line of a bad one */
        opts t;
        char *one[4];
        for (int i = 0; i < p->argc;) {
            int k = 0;
            one[k++] = argv[0];
            unsigned ln = p->line[i];
            while (i < p->argc && p->line[i] == ln && k < 3)
                one[k++] = p->argv[i++];
            one[k] = NULL;
            if (parse_args(k, one, &t) != EXIT_OK || t.npos != 0) {
                if (t.npos)
                    fprintf(stderr, "dnp3-master: %s takes no value (yes or no)\n", one[1]);
                fprintf(stderr, "dnp3-master: in %s line %u, site [%s]\n", file, ln, site);
                cli_profile_free(p);
                return EXIT_USAGE;
            }
        }
    }
    char **v = calloc((size_t)argc + (size_t)p->argc + 1, sizeof *v);
    if (!v)
        return usage_error("%s", "out of memory");
    int n = 0;
    v[n++] = argv[0];
    for (int i = 0; i < p->argc; i++)
        v[n++] = p->argv[i];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--site") || !strcmp(argv[i], "--profile")) {
            i++;
            continue;
        }
        v[n++] = argv[i];
    }
    *nargc = n;
    *nargv = v;
    return EXIT_OK;
}

static int run_main(int argc, char **argv);

int main(int argc, char **argv)
{
    cli_profile prof;
    char **pargv = NULL;
    int nargc = 0;
    int rc = apply_profile(argc, argv, &nargc, &pargv, &prof);
    if (rc != EXIT_OK)
        return rc;
    rc = run_main(nargc, pargv); /* the profile's options, then the command line's */
    free(pargv);
    cli_profile_free(&prof);
    return rc;
}

static int run_main(int argc, char **argv)
{
    opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc != EXIT_OK)
        return rc;
    if (o.npos == 0) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    if (o.help && cli_command_help(o.pos[0], stdout))
        return EXIT_OK;
    if (!strcmp(o.pos[0], "help")) {
        if (o.npos == 1) {
            fputs(usage_text, stdout);
            return EXIT_OK;
        }
        if (cli_command_help(o.pos[1], stdout))
            return EXIT_OK;
    }
    if (!strcmp(o.pos[0], "help") || !cli_known_command(o.pos[0])) {
        const char *w = !strcmp(o.pos[0], "help") ? o.pos[1] : o.pos[0];
        const char *sug = cli_suggest(w);
        fprintf(stderr, "dnp3-master: unknown command '%s'", w);
        if (sug)
            fprintf(stderr, "; did you mean '%s'?", sug);
        fprintf(stderr, "\n(see dnp3-master --help)\n");
        return EXIT_USAGE;
    }
    signal(SIGPIPE, SIG_IGN);
    if (o.nouts > 1) {
        recorder mrec = {NULL, -1, o.cfg.transport == DNP3KIT_TRANSPORT_UDP,
                         o.cfg.transport == DNP3KIT_TRANSPORT_SERIAL, {0}, {0}};
        if (o.pcap && !(mrec.w = rec_open(&o, mrec.serial)))
            return EXIT_USAGE;
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
        if (!(rec.w = rec_open(&o, rec.serial))) {
            dnp3kit_master_free(m);
            return EXIT_USAGE;
        }
        dnp3kit_master_set_wire_hook(m, rec_wire, &rec);
    }
    cli_trace lg = {o.verbose, NULL};
    if (o.log) {
        lg.file = fopen(o.log, "a");
        if (!lg.file) {
            fprintf(stderr, "dnp3-master: cannot write the log %s: %s\n", o.log, strerror(errno));
            dnp3kit_master_free(m);
            if (rec.w)
                dpc_writer_close(rec.w);
            return EXIT_USAGE;
        }
        char note[256];
        int k = snprintf(note, sizeof note, "dnp3-master");
        for (int i = 1; i < argc && k > 0 && (size_t)k < sizeof note; i++)
            k += snprintf(note + k, sizeof note - (size_t)k, " %s", argv[i]);
        cli_log_note(&lg, note);
    }
    if (o.verbose || lg.file)
        dnp3kit_master_set_trace(m, cli_log_frame, cli_log_fragment, cli_log_finding, &lg);
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
    if (lg.file) {
        char note[64];
        snprintf(note, sizeof note, "exit status %d", rc);
        cli_log_note(&lg, note);
        fclose(lg.file);
    }
    return rc;
}
