/*
 * dnp3-master checkout POINTS.csv: verify a point list against the
 * outstation (docs/checkout.md). One integrity poll gives every point's
 * value and flags; each row is checked against its expected value (exact,
 * a state, or a range LO..HI) and flags; each row with a control is operated
 * only after its own confirmation (or --yes), then the point it names is read
 * until it shows the expected value or the watch timeout passes. The result:
 * a CSV and a self-contained HTML report (no external resources).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"
#include "dnp3kit/render.h"

#define MAX_ROWS 100000
#define NCOLS 8

enum { C_TYPE, C_INDEX, C_NAME, C_EXPECTED, C_FLAGS, C_CONTROL, C_WATCH, C_WATCH_EXPECTED };
static const char *const colnames[NCOLS] = {"type", "index", "name", "expected", "flags", "control", "watch",
                                            "watch_expected"};

typedef enum { R_PASS, R_FAIL, R_SKIPPED } result_kind;

typedef struct row {
    unsigned line;
    int type;
    uint32_t index;
    char *f[NCOLS];      /* the cells (heap) */
    int wtype;           /* watch: type and index, -1 when none */
    uint32_t windex;
    /* outcome */
    result_kind res;
    char observed[48], flags[96], when[40], detail[240];
} row;

static uint64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

/* One CSV record (RFC 4180 quoting) from line into cells; returns the count or -1. */
static int split_csv(char *line, char **cells, int max)
{
    int n = 0;
    char *p = line, *w;
    for (;;) {
        if (n == max)
            return -1;
        cells[n++] = w = p;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p)
                    return -1; /* unterminated quote */
                if (*p == '"' && p[1] == '"') {
                    *w++ = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    *w++ = *p++;
                }
            }
            if (*p && *p != ',')
                return -1;
        } else {
            while (*p && *p != ',')
                *w++ = *p++;
        }
        char *end = w;
        bool more = *p == ',';
        if (*p)
            p++;
        *end = 0;
        /* trim */
        char *c = cells[n - 1];
        while (*c == ' ' || *c == '\t')
            c++;
        size_t l = strlen(c);
        while (l && (c[l - 1] == ' ' || c[l - 1] == '\t' || c[l - 1] == '\r' || c[l - 1] == '\n'))
            c[--l] = 0;
        cells[n - 1] = c;
        if (!more)
            return n;
    }
}

static int type_of(const char *s)
{
    return dnp3kit_master_point_type_parse(s);
}

/* "bi 3" -> type, index */
static bool parse_ref(const char *s, int *t, uint32_t *i)
{
    char ty[32];
    unsigned long ix;
    char extra;
    if (sscanf(s, "%31s %lu %c", ty, &ix, &extra) != 2 || ix > 0xFFFFFFFFul)
        return false;
    *t = type_of(ty);
    *i = (uint32_t)ix;
    return *t >= 0;
}

static bool valid_expected(const char *e)
{
    if (!*e)
        return true;
    static const char *const states[] = {"ON", "OFF", "INTERMEDIATE", "INDETERMINATE"};
    for (int k = 0; k < 4; k++)
        if (!strcasecmp(e, states[k]))
            return true;
    char *end;
    const char *dots = strstr(e, "..");
    if (dots) {
        char lo[64];
        if ((size_t)(dots - e) >= sizeof lo || dots == e)
            return false;
        memcpy(lo, e, (size_t)(dots - e));
        lo[dots - e] = 0;
        strtod(lo, &end); /* "0." would swallow a dot of ".." in place */
        if (*end)
            return false;
        strtod(dots + 2, &end);
        return *end == 0 && end != dots + 2;
    }
    strtod(e, &end);
    return *end == 0 && end != e;
}

static bool valid_control(int type, const char *c)
{
    if (!*c)
        return true;
    if (type == DNP3KIT_POINT_BO) {
        static const char *const ops[] = {"on", "off", "trip", "close", "pulse-on", "pulse-off"};
        for (int k = 0; k < 6; k++)
            if (!strcmp(c, ops[k]))
                return true;
        return false;
    }
    if (type == DNP3KIT_POINT_AO) {
        char *end;
        strtod(c, &end);
        return *end == 0 && end != c;
    }
    return false;
}

static void rows_free(row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < NCOLS; k++)
            free(rows[i].f[k]);
    free(rows);
}

/* Read and check the whole list; every error names its line; nothing is sent before. */
static int load(const char *path, row **out, size_t *nout)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "dnp3-master: checkout: cannot read %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    char line[4096];
    int col[NCOLS];
    for (int k = 0; k < NCOLS; k++)
        col[k] = -1;
    unsigned ln = 0;
    bool header = false;
    row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = EXIT_OK;
    int got;
    while (rc == EXIT_OK && (got = cli_read_line(f, line, sizeof line, path, &ln)) != 0) {
        if (got < 0) {
            rc = EXIT_USAGE;
            break;
        }
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#' || *s == '\n' || *s == '\r' || !*s)
            continue;
        char *cells[32];
        int nc = split_csv(s, cells, 32);
        if (nc < 0) {
            fprintf(stderr, "dnp3-master: %s:%u: not a CSV record (an unterminated quote, or more than 32 cells)\n",
                    path, ln);
            rc = EXIT_USAGE;
            break;
        }
        if (!header) {
            for (int i = 0; i < nc; i++) {
                int k;
                for (k = 0; k < NCOLS && strcasecmp(cells[i], colnames[k]); k++)
                    ;
                if (k == NCOLS) {
                    fprintf(stderr, "dnp3-master: %s:%u: unknown column '%s' (columns: type, index, name, expected, "
                                    "flags, control, watch, watch_expected)\n", path, ln, cells[i]);
                    rc = EXIT_USAGE;
                    break;
                }
                if (col[k] >= 0) {
                    fprintf(stderr, "dnp3-master: %s:%u: column '%s' twice\n", path, ln, cells[i]);
                    rc = EXIT_USAGE;
                    break;
                }
                col[k] = i;
            }
            for (int k = 0; rc == EXIT_OK && k < 3; k++)
                if (col[k] < 0) {
                    fprintf(stderr, "dnp3-master: %s:%u: the header lacks the column '%s' (type, index and name are "
                                    "needed)\n", path, ln, colnames[k]);
                    rc = EXIT_USAGE;
                }
            header = true;
            continue;
        }
        if (n == MAX_ROWS) {
            fprintf(stderr, "dnp3-master: %s:%u: more than %d points\n", path, ln, MAX_ROWS);
            rc = EXIT_USAGE;
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            row *nr = realloc(rows, cap * sizeof *nr);
            if (!nr) {
                rc = EXIT_USAGE;
                break;
            }
            rows = nr;
        }
        row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->line = ln;
        r->wtype = -1;
        for (int k = 0; k < NCOLS; k++)
            r->f[k] = strdup(col[k] >= 0 && col[k] < nc ? cells[col[k]] : "");
        for (int k = 0; k < 3; k++)
            if (col[k] >= nc || !r->f[k][0]) {
                fprintf(stderr, "dnp3-master: %s:%u: the '%s' cell is missing\n", path, ln, colnames[k]);
                rc = EXIT_USAGE;
                break;
            }
        if (rc != EXIT_OK)
            break;
        r->type = type_of(r->f[C_TYPE]);
        char *end;
        errno = 0;
        unsigned long ix = strtoul(r->f[C_INDEX], &end, 10);
        if (r->type < 0) {
            fprintf(stderr, "dnp3-master: %s:%u: unknown point type '%s' (bi dbi bo counter frozen-counter ai ao)\n",
                    path, ln, r->f[C_TYPE]);
            rc = EXIT_USAGE;
        } else if (*end || errno || ix > 65535 || !isdigit((unsigned char)r->f[C_INDEX][0])) {
            fprintf(stderr, "dnp3-master: %s:%u: index '%s' is not 0-65535\n", path, ln, r->f[C_INDEX]);
            rc = EXIT_USAGE;
        } else if (!valid_expected(r->f[C_EXPECTED])) {
            fprintf(stderr, "dnp3-master: %s:%u: expected '%s': a number, LO..HI, ON, OFF, INTERMEDIATE or "
                            "INDETERMINATE\n", path, ln, r->f[C_EXPECTED]);
            rc = EXIT_USAGE;
        } else if (!valid_control(r->type, r->f[C_CONTROL])) {
            fprintf(stderr, "dnp3-master: %s:%u: control '%s': %s\n", path, ln, r->f[C_CONTROL],
                    r->type == DNP3KIT_POINT_BO   ? "on, off, trip, close, pulse-on or pulse-off"
                    : r->type == DNP3KIT_POINT_AO ? "a number to set"
                                                  : "only outputs (bo, ao) have controls");
            rc = EXIT_USAGE;
        } else if (r->f[C_WATCH][0] && !parse_ref(r->f[C_WATCH], &r->wtype, &r->windex)) {
            fprintf(stderr, "dnp3-master: %s:%u: watch '%s': TYPE INDEX, e.g. 'bi 3'\n", path, ln, r->f[C_WATCH]);
            rc = EXIT_USAGE;
        } else if (r->f[C_WATCH][0] && !r->f[C_CONTROL][0]) {
            fprintf(stderr, "dnp3-master: %s:%u: a watch needs a control to watch the effect of\n", path, ln);
            rc = EXIT_USAGE;
        } else if (!valid_expected(r->f[C_WATCH_EXPECTED])) {
            fprintf(stderr, "dnp3-master: %s:%u: watch_expected '%s': a number, LO..HI or a state\n", path, ln,
                    r->f[C_WATCH_EXPECTED]);
            rc = EXIT_USAGE;
        }
        r->index = (uint32_t)ix;
        for (size_t i = 0; rc == EXIT_OK && i + 1 < n; i++)
            if (rows[i].type == r->type && rows[i].index == r->index) {
                fprintf(stderr, "dnp3-master: %s:%u: %s %" PRIu32 " is listed twice (first on line %u)\n", path, ln,
                        r->f[C_TYPE], r->index, rows[i].line);
                rc = EXIT_USAGE;
            }
    }
    fclose(f);
    if (rc == EXIT_OK && !header) {
        fprintf(stderr, "dnp3-master: %s: no header line (type,index,name,...)\n", path);
        rc = EXIT_USAGE;
    }
    if (rc == EXIT_OK && n == 0) {
        fprintf(stderr, "dnp3-master: %s: no points\n", path);
        rc = EXIT_USAGE;
    }
    if (rc != EXIT_OK) {
        rows_free(rows, n);
        return rc;
    }
    *out = rows;
    *nout = n;
    return EXIT_OK;
}

/* Does the observed text/value match an expectation ("" matches anything)? */
static bool matches(const char *exp, const dnp3kit_master_point *p, const char *text)
{
    if (!*exp)
        return true;
    const char *dots = strstr(exp, "..");
    if (dots) {
        double lo = strtod(exp, NULL), hi = strtod(dots + 2, NULL);
        return p->type != DNP3KIT_POINT_BI && p->type != DNP3KIT_POINT_BO && p->type != DNP3KIT_POINT_DBI &&
               p->value >= lo && p->value <= hi;
    }
    char *end;
    double v = strtod(exp, &end);
    if (*end == 0 && end != exp)
        return p->type != DNP3KIT_POINT_BI && p->type != DNP3KIT_POINT_BO && p->type != DNP3KIT_POINT_DBI &&
               fabs(p->value - v) <= 1e-9 * (fabs(v) > 1 ? fabs(v) : 1);
    return !strcasecmp(exp, text);
}

/* Every name of exp ("A|B") among the names of have. */
static bool flags_ok(const char *exp, const char *have, char *missing, size_t cap)
{
    char e[256];
    snprintf(e, sizeof e, "%s", exp);
    missing[0] = 0;
    for (char *save = NULL, *t = strtok_r(e, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
        while (*t == ' ')
            t++;
        char h[160];
        snprintf(h, sizeof h, "%s", have);
        bool found = false;
        for (char *s2 = NULL, *u = strtok_r(h, "|", &s2); u; u = strtok_r(NULL, "|", &s2))
            found |= !strcasecmp(u, t);
        if (!found)
            snprintf(missing + strlen(missing), cap - strlen(missing), "%s%s", missing[0] ? "|" : "", t);
    }
    return missing[0] == 0;
}

static const dnp3kit_master_point *find_point(const dnp3kit_master_result *r, int type, uint32_t index)
{
    const dnp3kit_master_point *best = NULL;
    for (size_t i = 0; i < r->count; i++)
        if (r->points[i].type == type && r->points[i].index == index && (!best || !r->points[i].event))
            best = &r->points[i]; /* the static value when there is one */
    return best;
}

static void observe(row *w, const dnp3kit_master_point *p)
{
    cli_point_value_text(p, w->observed, sizeof w->observed);
    cli_point_flags_text(p, w->flags, sizeof w->flags);
    dnp3kit_format_time_ms(p->has_time ? p->time_ms : wall_ms(), w->when, sizeof w->when);
}

static void check_row(row *w, const dnp3kit_master_result *r)
{
    const dnp3kit_master_point *p = find_point(r, w->type, w->index);
    if (!p) {
        w->res = R_FAIL;
        snprintf(w->detail, sizeof w->detail, "not reported by the outstation");
        snprintf(w->observed, sizeof w->observed, "-");
        snprintf(w->flags, sizeof w->flags, "-");
        return;
    }
    observe(w, p);
    char missing[128];
    if (!matches(w->f[C_EXPECTED], p, w->observed)) {
        w->res = R_FAIL;
        snprintf(w->detail, sizeof w->detail, "value %s, expected %s", w->observed, w->f[C_EXPECTED]);
    } else if (!flags_ok(w->f[C_FLAGS], w->flags, missing, sizeof missing)) {
        w->res = R_FAIL;
        snprintf(w->detail, sizeof w->detail, "flags %s lack %s", w->flags, missing);
    } else {
        w->res = R_PASS;
        snprintf(w->detail, sizeof w->detail, "as expected");
    }
}

static bool confirm_control(const cli_ctx *c, const char *what)
{
    if (c->yes)
        return true;
    if (!isatty(STDIN_FILENO))
        return false;
    fprintf(stderr, "%s? [y/N] ", what);
    char line[16];
    return fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y');
}

static int operate(const cli_ctx *c, const row *w, dnp3kit_error_detail *d)
{
    const char *op = w->f[C_CONTROL];
    if (w->type == DNP3KIT_POINT_AO) {
        double v = strtod(op, NULL);
        dnp3kit_ao_type t = floor(v) == v && fabs(v) <= 2147483647.0 ? DNP3KIT_AO_INT32 : DNP3KIT_AO_FLOAT64;
        return dnp3kit_master_operate_analog(c->m, (uint16_t)w->index, t, v, DNP3KIT_CONTROL_SBO, d);
    }
    dnp3kit_crob k = {0};
    k.count = 1;
    if (!strcmp(op, "on")) k.op = DNP3KIT_OP_LATCH_ON;
    else if (!strcmp(op, "off")) k.op = DNP3KIT_OP_LATCH_OFF;
    else {
        k.op = !strcmp(op, "pulse-off") ? DNP3KIT_OP_PULSE_OFF : DNP3KIT_OP_PULSE_ON;
        k.tcc = !strcmp(op, "trip") ? DNP3KIT_TCC_TRIP : !strcmp(op, "close") ? DNP3KIT_TCC_CLOSE : DNP3KIT_TCC_NUL;
        k.on_ms = k.off_ms = 1000;
    }
    return dnp3kit_master_operate_binary(c->m, (uint16_t)w->index, &k, DNP3KIT_CONTROL_SBO, d);
}

static void control_row(const cli_ctx *c, row *w, double watch_s)
{
    char what[300];
    snprintf(what, sizeof what, "operate %s %" PRIu32 " (%s): %s", w->f[C_TYPE], w->index, w->f[C_NAME],
             w->f[C_CONTROL]);
    if (w->res == R_FAIL) {
        snprintf(w->detail + strlen(w->detail), sizeof w->detail - strlen(w->detail), "; control not tried");
        return;
    }
    if (!confirm_control(c, what)) {
        w->res = R_SKIPPED;
        snprintf(w->detail, sizeof w->detail, "control %s declined: nothing was sent", w->f[C_CONTROL]);
        fprintf(stderr, "dnp3-master: %s declined: nothing was sent\n", what);
        return;
    }
    dnp3kit_error_detail d;
    int rc = operate(c, w, &d);
    if (rc != DNP3KIT_OK) {
        w->res = R_FAIL;
        snprintf(w->detail, sizeof w->detail, "control %s failed: %s", w->f[C_CONTROL], d.message);
        return;
    }
    if (w->wtype < 0) {
        snprintf(w->detail, sizeof w->detail, "control %s: SUCCESS", w->f[C_CONTROL]);
        return;
    }
    /* watch the named point until it shows the expected value */
    uint64_t until = wall_ms() + (uint64_t)(watch_s * 1000);
    dnp3kit_master_result r = {0};
    char seen[48] = "-";
    for (;;) {
        rc = dnp3kit_master_read_range(c->m, (dnp3kit_point_type)w->wtype, 0, w->windex, w->windex, &r, &d);
        const dnp3kit_master_point *p = rc == DNP3KIT_OK ? find_point(&r, w->wtype, w->windex) : NULL;
        if (p) {
            cli_point_value_text(p, seen, sizeof seen);
            if (matches(w->f[C_WATCH_EXPECTED], p, seen)) {
                snprintf(w->detail, sizeof w->detail, "control %s: SUCCESS; %s showed %s", w->f[C_CONTROL],
                         w->f[C_WATCH], seen);
                dnp3kit_format_time_ms(wall_ms(), w->when, sizeof w->when);
                break;
            }
        }
        if (wall_ms() >= until) {
            w->res = R_FAIL;
            snprintf(w->detail, sizeof w->detail, "control %s: SUCCESS, but %s showed %s, not %s within %.1f s",
                     w->f[C_CONTROL], w->f[C_WATCH], seen, w->f[C_WATCH_EXPECTED], watch_s);
            break;
        }
        dnp3kit_master_process(c->m, 250, &d);
    }
    dnp3kit_master_result_free(&r);
}

static const char *res_name(result_kind k)
{
    return k == R_PASS ? "PASS" : k == R_FAIL ? "FAIL" : "SKIPPED";
}

static void csv_cell(FILE *f, const char *s, bool last)
{
    bool q = strpbrk(s, ",\"\n\r") != NULL;
    if (q) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

static void html(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static int write_reports(const char *base, const char *list, const char *target, const char *recording,
                         const char *t0, const char *t1, const row *rows, size_t n, size_t pass, size_t failc,
                         size_t skip, char *csvp, char *htmlp, size_t cap)
{
    snprintf(csvp, cap, "%s.csv", base);
    snprintf(htmlp, cap, "%s.html", base);
    FILE *c = fopen(csvp, "w");
    FILE *h = c ? fopen(htmlp, "w") : NULL;
    if (!c || !h) {
        fprintf(stderr, "dnp3-master: checkout: cannot write %s: %s\n", c ? htmlp : csvp, strerror(errno));
        if (c)
            fclose(c);
        return EXIT_USAGE;
    }
    fputs("line,type,index,name,expected,flags_expected,control,watch,watch_expected,result,observed,flags,time,"
          "detail\n", c);
    for (size_t i = 0; i < n; i++) {
        const row *w = &rows[i];
        char ln[16], ix[16];
        snprintf(ln, sizeof ln, "%u", w->line);
        snprintf(ix, sizeof ix, "%" PRIu32, w->index);
        const char *cells[14] = {ln, w->f[C_TYPE], ix, w->f[C_NAME], w->f[C_EXPECTED], w->f[C_FLAGS],
                                 w->f[C_CONTROL], w->f[C_WATCH], w->f[C_WATCH_EXPECTED], res_name(w->res),
                                 w->observed, w->flags, w->when, w->detail};
        for (int k = 0; k < 14; k++)
            csv_cell(c, cells[k], k == 13);
    }
    fclose(c);
    /* self-contained: inline style, no script, no external resource */
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>DNP3 point checkout</title>\n"
          "<style>body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;width:100%}"
          "th,td{border:1px solid #bbb;padding:4px 8px;text-align:left;font-size:13px}th{background:#eee}"
          "td.PASS{background:#d8f5d8;font-weight:bold}td.FAIL{background:#f8d0d0;font-weight:bold}"
          "td.SKIPPED{background:#f4ecc8}.sum span{margin-right:2em}</style></head><body>\n", h);
    fputs("<h1>DNP3 point checkout</h1>\n<table class=\"meta\">", h);
    const char *meta[][2] = {{"Point list", list}, {"Outstation", target}, {"Started", t0}, {"Finished", t1},
                             {"Recording", recording && *recording ? recording : "(none: use --pcap FILE)"}};
    for (size_t k = 0; k < sizeof meta / sizeof meta[0]; k++) {
        fputs("<tr><th>", h);
        html(h, meta[k][0]);
        fputs("</th><td>", h);
        html(h, meta[k][1]);
        fputs("</td></tr>", h);
    }
    fprintf(h, "</table>\n<p class=\"sum\" id=\"summary\"><span>%zu points</span><span>%zu passed</span>"
               "<span>%zu failed</span><span>%zu skipped</span></p>\n", n, pass, failc, skip);
    fputs("<table id=\"results\"><thead><tr><th>Line</th><th>Type</th><th>Index</th><th>Name</th><th>Expected</th>"
          "<th>Control</th><th>Result</th><th>Observed</th><th>Flags</th><th>Time</th><th>Detail</th></tr></thead>"
          "<tbody>\n", h);
    for (size_t i = 0; i < n; i++) {
        const row *w = &rows[i];
        char exp[300];
        snprintf(exp, sizeof exp, "%s%s%s", w->f[C_EXPECTED][0] ? w->f[C_EXPECTED] : "any",
                 w->f[C_FLAGS][0] ? " / " : "", w->f[C_FLAGS]);
        char ctl[300];
        snprintf(ctl, sizeof ctl, "%s%s%s%s%s", w->f[C_CONTROL], w->f[C_WATCH][0] ? " → " : "", w->f[C_WATCH],
                 w->f[C_WATCH_EXPECTED][0] ? " = " : "", w->f[C_WATCH_EXPECTED]);
        fprintf(h, "<tr><td>%u</td><td>", w->line);
        html(h, w->f[C_TYPE]);
        fprintf(h, "</td><td>%" PRIu32 "</td><td>", w->index);
        html(h, w->f[C_NAME]);
        fputs("</td><td>", h);
        html(h, exp);
        fputs("</td><td>", h);
        html(h, ctl);
        fprintf(h, "</td><td class=\"%s\">%s</td><td>", res_name(w->res), res_name(w->res));
        html(h, w->observed);
        fputs("</td><td>", h);
        html(h, w->flags);
        fputs("</td><td>", h);
        html(h, w->when);
        fputs("</td><td>", h);
        html(h, w->detail);
        fputs("</td></tr>\n", h);
    }
    fputs("</tbody></table>\n<p>dnp3kit dnp3-master checkout</p></body></html>\n", h);
    return fclose(h) == 0 ? EXIT_OK : EXIT_USAGE;
}

int cmd_checkout(const cli_ctx *c, const char *target, const char *recording, const char *report, double watch_s)
{
    if (c->npos != 2)
        return cli_usage_error("checkout POINTS.csv [--report BASE] [--watch-timeout S] (%s)", "see help checkout");
    const char *list = c->pos[1];
    row *rows;
    size_t n;
    int rc = load(list, &rows, &n);
    if (rc != EXIT_OK)
        return rc;
    char base[1024];
    if (report) {
        snprintf(base, sizeof base, "%s", report);
    } else {
        snprintf(base, sizeof base, "%s", list);
        size_t l = strlen(base);
        if (l > 4 && !strcasecmp(base + l - 4, ".csv"))
            base[l - 4] = 0;
        strncat(base, "-report", sizeof base - strlen(base) - 1);
    }
    char t0[40], t1[40];
    dnp3kit_format_time_ms(wall_ms(), t0, sizeof t0);
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    rc = dnp3kit_master_integrity_poll(c->m, &r, &d);
    if (rc != DNP3KIT_OK && r.count == 0) {
        dnp3kit_master_result_free(&r);
        rows_free(rows, n);
        return cli_report_error(c->json, "checkout", rc, &d);
    }
    for (size_t i = 0; i < n; i++)
        check_row(&rows[i], &r);
    dnp3kit_master_result_free(&r);
    for (size_t i = 0; i < n; i++)
        if (rows[i].f[C_CONTROL][0])
            control_row(c, &rows[i], watch_s);
    dnp3kit_format_time_ms(wall_ms(), t1, sizeof t1);
    size_t pass = 0, failc = 0, skip = 0;
    for (size_t i = 0; i < n; i++) {
        pass += rows[i].res == R_PASS;
        failc += rows[i].res == R_FAIL;
        skip += rows[i].res == R_SKIPPED;
    }
    char csvp[1100], htmlp[1100];
    rc = write_reports(base, list, target, recording, t0, t1, rows, n, pass, failc, skip, csvp, htmlp, sizeof csvp);
    if (rc == EXIT_OK) {
        if (c->json) {
            printf("{\"schema\":1,\"command\":\"checkout\",\"checked\":%zu,\"passed\":%zu,\"failed\":%zu,"
                   "\"skipped\":%zu,\"report_csv\":", n, pass, failc, skip);
            cli_json_string(stdout, csvp, strlen(csvp));
            printf(",\"report_html\":");
            cli_json_string(stdout, htmlp, strlen(htmlp));
            printf(",\"failures\":[");
            bool first = true;
            for (size_t i = 0; i < n; i++) {
                if (rows[i].res != R_FAIL)
                    continue;
                printf("%s{\"line\":%u,\"type\":\"%s\",\"index\":%" PRIu32 ",\"name\":", first ? "" : ",",
                       rows[i].line, rows[i].f[C_TYPE], rows[i].index);
                cli_json_string(stdout, rows[i].f[C_NAME], strlen(rows[i].f[C_NAME]));
                printf(",\"detail\":");
                cli_json_string(stdout, rows[i].detail, strlen(rows[i].detail));
                putchar('}');
                first = false;
            }
            puts("]}");
        } else {
            for (size_t i = 0; i < n; i++)
                if (rows[i].res != R_PASS)
                    printf("%-7s line %u: %s %" PRIu32 " (%s): %s\n", res_name(rows[i].res), rows[i].line,
                           rows[i].f[C_TYPE], rows[i].index, rows[i].f[C_NAME], rows[i].detail);
            printf("checkout: %zu points, %zu passed, %zu failed, %zu skipped; report %s and %s\n", n, pass, failc,
                   skip, csvp, htmlp);
        }
        fflush(stdout);
        rc = failc ? EXIT_OUTSTATION : EXIT_OK;
    }
    rows_free(rows, n);
    return rc;
}
