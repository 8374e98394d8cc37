/*
 * Point-list checkout (docs/checkout.md), the library's half of
 * dnp3-master checkout: verify a point list against the outstation. One
 * integrity poll gives every point's value and flags; each row is checked
 * against its expected value (exact, a state, or a range LO..HI) and flags;
 * each row with a control is operated only when the caller's confirm
 * callback says so, then the point it names is read until it shows the
 * expected value or the watch timeout passes. The result: a CSV and a
 * self-contained HTML report (no external resources), and the rows.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "dnp3kit/render.h"
#include "master_private.h"

#define MAX_ROWS 100000
#define NCOLS DNP3KIT_CHECKOUT_COLUMNS_

enum {
    C_TYPE = DNP3KIT_CHECKOUT_TYPE, C_INDEX = DNP3KIT_CHECKOUT_INDEX, C_NAME = DNP3KIT_CHECKOUT_NAME,
    C_EXPECTED = DNP3KIT_CHECKOUT_EXPECTED, C_FLAGS = DNP3KIT_CHECKOUT_FLAGS, C_CONTROL = DNP3KIT_CHECKOUT_CONTROL,
    C_WATCH = DNP3KIT_CHECKOUT_WATCH, C_WATCH_EXPECTED = DNP3KIT_CHECKOUT_WATCH_EXPECTED
};
static const char *const colnames[NCOLS] = {"type", "index", "name", "expected", "flags", "control", "watch",
                                            "watch_expected"};

static uint64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

/* One line into line; 1, 0 at the end, -1 (err set) for a line too long. */
static int read_line(FILE *f, char *line, size_t cap, const char *path, unsigned *ln, char *err, size_t ecap)
{
    if (!fgets(line, (int)cap, f))
        return 0;
    ++*ln;
    if (!strchr(line, '\n') && !feof(f)) {
        snprintf(err, ecap, "%s:%u: line longer than %zu characters", path, *ln, cap - 2);
        return -1;
    }
    return 1;
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

static void rows_free(dnp3kit_checkout_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < NCOLS; k++)
            free(rows[i].cell[k]);
    free(rows);
}

/* Read and check the whole list; every error names its line; nothing is sent before. */
static int load(const char *path, dnp3kit_checkout_row **out, size_t *nout, char *err, size_t ecap)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, ecap, "checkout: cannot read %s: %s", path, strerror(errno));
        return DNP3KIT_ERR_ARG;
    }
    char line[4096];
    int col[NCOLS];
    for (int k = 0; k < NCOLS; k++)
        col[k] = -1;
    unsigned ln = 0;
    bool header = false;
    dnp3kit_checkout_row *rows = NULL;
    size_t n = 0, cap = 0;
    int rc = DNP3KIT_OK;
    int got;
    while (rc == DNP3KIT_OK && (got = read_line(f, line, sizeof line, path, &ln, err, ecap)) != 0) {
        if (got < 0) {
            rc = DNP3KIT_ERR_ARG;
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
            snprintf(err, ecap, "%s:%u: not a CSV record (an unterminated quote, or more than 32 cells)",
                    path, ln);
            rc = DNP3KIT_ERR_ARG;
            break;
        }
        if (!header) {
            for (int i = 0; i < nc; i++) {
                int k;
                for (k = 0; k < NCOLS && strcasecmp(cells[i], colnames[k]); k++)
                    ;
                if (k == NCOLS) {
                    snprintf(err, ecap, "%s:%u: unknown column '%s' (columns: type, index, name, expected, "
                                    "flags, control, watch, watch_expected)", path, ln, cells[i]);
                    rc = DNP3KIT_ERR_ARG;
                    break;
                }
                if (col[k] >= 0) {
                    snprintf(err, ecap, "%s:%u: column '%s' twice", path, ln, cells[i]);
                    rc = DNP3KIT_ERR_ARG;
                    break;
                }
                col[k] = i;
            }
            for (int k = 0; rc == DNP3KIT_OK && k < 3; k++)
                if (col[k] < 0) {
                    snprintf(err, ecap, "%s:%u: the header lacks the column '%s' (type, index and name are "
                                    "needed)", path, ln, colnames[k]);
                    rc = DNP3KIT_ERR_ARG;
                }
            header = true;
            continue;
        }
        if (n == MAX_ROWS) {
            snprintf(err, ecap, "%s:%u: more than %d points", path, ln, MAX_ROWS);
            rc = DNP3KIT_ERR_ARG;
            break;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            dnp3kit_checkout_row *nr = realloc(rows, cap * sizeof *nr);
            if (!nr) {
                snprintf(err, ecap, "%s:%u: out of memory", path, ln);
                rc = DNP3KIT_ERR_NOMEM;
                break;
            }
            rows = nr;
        }
        dnp3kit_checkout_row *r = &rows[n++];
        memset(r, 0, sizeof *r);
        r->line = ln;
        r->watch_type = -1;
        for (int k = 0; k < NCOLS; k++)
            r->cell[k] = strdup(col[k] >= 0 && col[k] < nc ? cells[col[k]] : "");
        for (int k = 0; k < 3; k++)
            if (col[k] >= nc || !r->cell[k][0]) {
                snprintf(err, ecap, "%s:%u: the '%s' cell is missing", path, ln, colnames[k]);
                rc = DNP3KIT_ERR_ARG;
                break;
            }
        if (rc != DNP3KIT_OK)
            break;
        r->type = type_of(r->cell[C_TYPE]);
        char *end;
        errno = 0;
        unsigned long ix = strtoul(r->cell[C_INDEX], &end, 10);
        if (r->type < 0) {
            snprintf(err, ecap, "%s:%u: unknown point type '%s' (bi dbi bo counter frozen-counter ai ao)",
                    path, ln, r->cell[C_TYPE]);
            rc = DNP3KIT_ERR_ARG;
        } else if (*end || errno || ix > 65535 || !isdigit((unsigned char)r->cell[C_INDEX][0])) {
            snprintf(err, ecap, "%s:%u: index '%s' is not 0-65535", path, ln, r->cell[C_INDEX]);
            rc = DNP3KIT_ERR_ARG;
        } else if (!valid_expected(r->cell[C_EXPECTED])) {
            snprintf(err, ecap, "%s:%u: expected '%s': a number, LO..HI, ON, OFF, INTERMEDIATE or "
                            "INDETERMINATE", path, ln, r->cell[C_EXPECTED]);
            rc = DNP3KIT_ERR_ARG;
        } else if (!valid_control(r->type, r->cell[C_CONTROL])) {
            snprintf(err, ecap, "%s:%u: control '%s': %s", path, ln, r->cell[C_CONTROL],
                    r->type == DNP3KIT_POINT_BO   ? "on, off, trip, close, pulse-on or pulse-off"
                    : r->type == DNP3KIT_POINT_AO ? "a number to set"
                                                  : "only outputs (bo, ao) have controls");
            rc = DNP3KIT_ERR_ARG;
        } else if (r->cell[C_WATCH][0] && !parse_ref(r->cell[C_WATCH], &r->watch_type, &r->watch_index)) {
            snprintf(err, ecap, "%s:%u: watch '%s': TYPE INDEX, e.g. 'bi 3'", path, ln, r->cell[C_WATCH]);
            rc = DNP3KIT_ERR_ARG;
        } else if (r->cell[C_WATCH][0] && !r->cell[C_CONTROL][0]) {
            snprintf(err, ecap, "%s:%u: a watch needs a control to watch the effect of", path, ln);
            rc = DNP3KIT_ERR_ARG;
        } else if (!valid_expected(r->cell[C_WATCH_EXPECTED])) {
            snprintf(err, ecap, "%s:%u: watch_expected '%s': a number, LO..HI or a state", path, ln,
                    r->cell[C_WATCH_EXPECTED]);
            rc = DNP3KIT_ERR_ARG;
        }
        r->index = (uint32_t)ix;
        for (size_t i = 0; rc == DNP3KIT_OK && i + 1 < n; i++)
            if (rows[i].type == r->type && rows[i].index == r->index) {
                snprintf(err, ecap, "%s:%u: %s %" PRIu32 " is listed twice (first on line %u)", path, ln,
                        r->cell[C_TYPE], r->index, rows[i].line);
                rc = DNP3KIT_ERR_ARG;
            }
    }
    fclose(f);
    if (rc == DNP3KIT_OK && !header) {
        snprintf(err, ecap, "%s: no header line (type,index,name,...)", path);
        rc = DNP3KIT_ERR_ARG;
    }
    if (rc == DNP3KIT_OK && n == 0) {
        snprintf(err, ecap, "%s: no points", path);
        rc = DNP3KIT_ERR_ARG;
    }
    if (rc != DNP3KIT_OK) {
        rows_free(rows, n);
        return rc;
    }
    *out = rows;
    *nout = n;
    return DNP3KIT_OK;
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

static void observe(dnp3kit_checkout_row *w, const dnp3kit_master_point *p)
{
    master_point_value_text(p, w->observed, sizeof w->observed);
    master_point_flags_text(p, w->flags, sizeof w->flags);
    dnp3kit_format_time_ms(p->has_time ? p->time_ms : wall_ms(), w->time, sizeof w->time);
}

static void check_row(dnp3kit_checkout_row *w, const dnp3kit_master_result *r)
{
    const dnp3kit_master_point *p = find_point(r, w->type, w->index);
    if (!p) {
        w->verdict = DNP3KIT_CHECKOUT_FAIL;
        snprintf(w->detail, sizeof w->detail, "not reported by the outstation");
        snprintf(w->observed, sizeof w->observed, "-");
        snprintf(w->flags, sizeof w->flags, "-");
        return;
    }
    observe(w, p);
    char missing[128];
    if (!matches(w->cell[C_EXPECTED], p, w->observed)) {
        w->verdict = DNP3KIT_CHECKOUT_FAIL;
        snprintf(w->detail, sizeof w->detail, "value %s, expected %s", w->observed, w->cell[C_EXPECTED]);
    } else if (!flags_ok(w->cell[C_FLAGS], w->flags, missing, sizeof missing)) {
        w->verdict = DNP3KIT_CHECKOUT_FAIL;
        snprintf(w->detail, sizeof w->detail, "flags %s lack %s", w->flags, missing);
    } else {
        w->verdict = DNP3KIT_CHECKOUT_PASS;
        snprintf(w->detail, sizeof w->detail, "as expected");
    }
}

static int operate(dnp3kit_master *m, const dnp3kit_checkout_row *w, dnp3kit_error_detail *d)
{
    const char *op = w->cell[C_CONTROL];
    if (w->type == DNP3KIT_POINT_AO) {
        double v = strtod(op, NULL);
        dnp3kit_ao_type t = floor(v) == v && fabs(v) <= 2147483647.0 ? DNP3KIT_AO_INT32 : DNP3KIT_AO_FLOAT64;
        return dnp3kit_master_operate_analog(m, (uint16_t)w->index, t, v, DNP3KIT_CONTROL_SBO, d);
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
    return dnp3kit_master_operate_binary(m, (uint16_t)w->index, &k, DNP3KIT_CONTROL_SBO, d);
}

static void control_row(dnp3kit_master *m, const dnp3kit_checkout_options *o, dnp3kit_checkout_row *w, double watch_s)
{
    char what[300];
    snprintf(what, sizeof what, "operate %s %" PRIu32 " (%s): %s", w->cell[C_TYPE], w->index, w->cell[C_NAME],
             w->cell[C_CONTROL]);
    if (w->verdict == DNP3KIT_CHECKOUT_FAIL) {
        snprintf(w->detail + strlen(w->detail), sizeof w->detail - strlen(w->detail), "; control not tried");
        return;
    }
    if (!o || !o->confirm || !o->confirm(o->user, what)) {
        w->verdict = DNP3KIT_CHECKOUT_SKIPPED;
        snprintf(w->detail, sizeof w->detail, "control %s declined: nothing was sent", w->cell[C_CONTROL]);
        return;
    }
    dnp3kit_error_detail d;
    int rc = operate(m, w, &d);
    if (rc != DNP3KIT_OK) {
        w->verdict = DNP3KIT_CHECKOUT_FAIL;
        snprintf(w->detail, sizeof w->detail, "control %s failed: %s", w->cell[C_CONTROL], d.message);
        return;
    }
    if (w->watch_type < 0) {
        snprintf(w->detail, sizeof w->detail, "control %s: SUCCESS", w->cell[C_CONTROL]);
        return;
    }
    /* watch the named point until it shows the expected value */
    uint64_t until = wall_ms() + (uint64_t)(watch_s * 1000);
    dnp3kit_master_result r = {0};
    char seen[48] = "-";
    for (;;) {
        rc = dnp3kit_master_read_range(m, (dnp3kit_point_type)w->watch_type, 0, w->watch_index, w->watch_index, &r, &d);
        const dnp3kit_master_point *p = rc == DNP3KIT_OK ? find_point(&r, w->watch_type, w->watch_index) : NULL;
        if (p) {
            master_point_value_text(p, seen, sizeof seen);
            if (matches(w->cell[C_WATCH_EXPECTED], p, seen)) {
                snprintf(w->detail, sizeof w->detail, "control %s: SUCCESS; %s showed %s", w->cell[C_CONTROL],
                         w->cell[C_WATCH], seen);
                dnp3kit_format_time_ms(wall_ms(), w->time, sizeof w->time);
                break;
            }
        }
        if (wall_ms() >= until) {
            w->verdict = DNP3KIT_CHECKOUT_FAIL;
            snprintf(w->detail, sizeof w->detail, "control %s: SUCCESS, but %s showed %s, not %s within %.1f s",
                     w->cell[C_CONTROL], w->cell[C_WATCH], seen, w->cell[C_WATCH_EXPECTED], watch_s);
            break;
        }
        dnp3kit_master_process(m, 250, &d);
    }
    dnp3kit_master_result_free(&r);
}

static const char *res_name(int k)
{
    return k == DNP3KIT_CHECKOUT_PASS ? "PASS" : k == DNP3KIT_CHECKOUT_FAIL ? "FAIL" : "SKIPPED";
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
                         dnp3kit_checkout_report *rep, char *err, size_t ecap)
{
    const dnp3kit_checkout_row *rows = rep->rows;
    size_t n = rep->count;
    const char *t0 = rep->started, *t1 = rep->finished;
    char *csvp = rep->report_csv, *htmlp = rep->report_html;
    snprintf(csvp, sizeof rep->report_csv, "%s.csv", base);
    snprintf(htmlp, sizeof rep->report_html, "%s.html", base);
    FILE *c = fopen(csvp, "w");
    FILE *h = c ? fopen(htmlp, "w") : NULL;
    if (!c || !h) {
        snprintf(err, ecap, "checkout: cannot write %s: %s", c ? htmlp : csvp, strerror(errno));
        if (c)
            fclose(c);
        return DNP3KIT_ERR_IO;
    }
    fputs("line,type,index,name,expected,flags_expected,control,watch,watch_expected,result,observed,flags,time,"
          "detail\n", c);
    for (size_t i = 0; i < n; i++) {
        const dnp3kit_checkout_row *w = &rows[i];
        char ln[16], ix[16];
        snprintf(ln, sizeof ln, "%u", w->line);
        snprintf(ix, sizeof ix, "%" PRIu32, w->index);
        const char *cells[14] = {ln, w->cell[C_TYPE], ix, w->cell[C_NAME], w->cell[C_EXPECTED], w->cell[C_FLAGS],
                                 w->cell[C_CONTROL], w->cell[C_WATCH], w->cell[C_WATCH_EXPECTED], res_name(w->verdict),
                                 w->observed, w->flags, w->time, w->detail};
        for (int k = 0; k < 14; k++)
            csv_cell(c, cells[k], k == 13);
    }
    if (fclose(c) != 0) {
        snprintf(err, ecap, "checkout: cannot write %s: %s", csvp, strerror(errno));
        fclose(h);
        return DNP3KIT_ERR_IO;
    }
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
               "<span>%zu failed</span><span>%zu skipped</span></p>\n", n, rep->passed, rep->failed, rep->skipped);
    fputs("<table id=\"results\"><thead><tr><th>Line</th><th>Type</th><th>Index</th><th>Name</th><th>Expected</th>"
          "<th>Control</th><th>Result</th><th>Observed</th><th>Flags</th><th>Time</th><th>Detail</th></tr></thead>"
          "<tbody>\n", h);
    for (size_t i = 0; i < n; i++) {
        const dnp3kit_checkout_row *w = &rows[i];
        char exp[300];
        snprintf(exp, sizeof exp, "%s%s%s", w->cell[C_EXPECTED][0] ? w->cell[C_EXPECTED] : "any",
                 w->cell[C_FLAGS][0] ? " / " : "", w->cell[C_FLAGS]);
        char ctl[300];
        snprintf(ctl, sizeof ctl, "%s%s%s%s%s", w->cell[C_CONTROL], w->cell[C_WATCH][0] ? " → " : "", w->cell[C_WATCH],
                 w->cell[C_WATCH_EXPECTED][0] ? " = " : "", w->cell[C_WATCH_EXPECTED]);
        fprintf(h, "<tr><td>%u</td><td>", w->line);
        html(h, w->cell[C_TYPE]);
        fprintf(h, "</td><td>%" PRIu32 "</td><td>", w->index);
        html(h, w->cell[C_NAME]);
        fputs("</td><td>", h);
        html(h, exp);
        fputs("</td><td>", h);
        html(h, ctl);
        fprintf(h, "</td><td class=\"%s\">%s</td><td>", res_name(w->verdict), res_name(w->verdict));
        html(h, w->observed);
        fputs("</td><td>", h);
        html(h, w->flags);
        fputs("</td><td>", h);
        html(h, w->time);
        fputs("</td><td>", h);
        html(h, w->detail);
        fputs("</td></tr>\n", h);
    }
    fputs("</tbody></table>\n<p>dnp3kit dnp3-master checkout</p></body></html>\n", h);
    if (fclose(h) != 0) {
        snprintf(err, ecap, "checkout: cannot write %s: %s", htmlp, strerror(errno));
        return DNP3KIT_ERR_IO;
    }
    return DNP3KIT_OK;
}

void dnp3kit_checkout_report_free(dnp3kit_checkout_report *r)
{
    if (!r)
        return;
    rows_free(r->rows, r->count);
    r->rows = NULL;
    r->count = 0;
}

static int stop(dnp3kit_checkout_report *out, int stage, int rc, dnp3kit_error_detail *err)
{
    out->stage = stage;
    if (err) {
        dnp3kit_error_detail_clear(err);
        err->code = rc;
        master_detail_msg(err, "%s", out->error);
    }
    return rc;
}

int dnp3kit_master_checkout(dnp3kit_master *m, const char *list, const dnp3kit_checkout_options *o,
                            dnp3kit_checkout_report *out, dnp3kit_error_detail *err)
{
    if (!out)
        return DNP3KIT_ERR_ARG;
    memset(out, 0, sizeof *out);
    if (!m || !list) {
        snprintf(out->error, sizeof out->error, "checkout: no %s", m ? "point list" : "master");
        return stop(out, DNP3KIT_CHECKOUT_STAGE_LIST, DNP3KIT_ERR_ARG, err);
    }
    int rc = load(list, &out->rows, &out->count, out->error, sizeof out->error);
    if (rc != DNP3KIT_OK) {
        out->rows = NULL;
        out->count = 0;
        return stop(out, DNP3KIT_CHECKOUT_STAGE_LIST, rc, err);
    }
    char base[1024];
    if (o && o->report_base) {
        snprintf(base, sizeof base, "%s", o->report_base);
    } else {
        snprintf(base, sizeof base, "%s", list);
        size_t l = strlen(base);
        if (l > 4 && !strcasecmp(base + l - 4, ".csv"))
            base[l - 4] = 0;
        strncat(base, "-report", sizeof base - strlen(base) - 1);
    }
    char target[160];
    if (o && o->target)
        snprintf(target, sizeof target, "%s", o->target);
    else
        master_peer_name(master_config_of(m), target, sizeof target);
    double watch_s = o && o->watch_timeout_s > 0 ? o->watch_timeout_s : 5.0;
    dnp3kit_format_time_ms(wall_ms(), out->started, sizeof out->started);
    dnp3kit_error_detail d;
    dnp3kit_master_result r = {0};
    rc = dnp3kit_master_integrity_poll(m, &r, &d);
    if (rc != DNP3KIT_OK && r.count == 0) {
        dnp3kit_master_result_free(&r);
        out->stage = DNP3KIT_CHECKOUT_STAGE_POLL;
        snprintf(out->error, sizeof out->error, "%s", d.message);
        if (err)
            *err = d;
        return rc;
    }
    for (size_t i = 0; i < out->count; i++)
        check_row(&out->rows[i], &r);
    dnp3kit_master_result_free(&r);
    for (size_t i = 0; i < out->count; i++)
        if (out->rows[i].cell[C_CONTROL][0])
            control_row(m, o, &out->rows[i], watch_s);
    dnp3kit_format_time_ms(wall_ms(), out->finished, sizeof out->finished);
    for (size_t i = 0; i < out->count; i++) {
        out->passed += out->rows[i].verdict == DNP3KIT_CHECKOUT_PASS;
        out->failed += out->rows[i].verdict == DNP3KIT_CHECKOUT_FAIL;
        out->skipped += out->rows[i].verdict == DNP3KIT_CHECKOUT_SKIPPED;
    }
    rc = write_reports(base, list, target, o ? o->recording : NULL, out, out->error, sizeof out->error);
    if (rc != DNP3KIT_OK)
        return stop(out, DNP3KIT_CHECKOUT_STAGE_REPORT, rc, err);
    if (err)
        dnp3kit_error_detail_clear(err);
    return DNP3KIT_OK;
}
