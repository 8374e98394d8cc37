/*
 * monitor's live view on a terminal: one row per point, updated in place
 * (value, flags, time of the last change, number of changes), event and
 * answer counts, the IIN and the last status line. Redrawn whole after each
 * answer with ANSI cursor-home + clear (one write per frame), cut to the
 * terminal's height. Not used when stdout is not a terminal or with --json.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "cli.h"
#include "dnp3kit/render.h"

typedef struct live_row {
    uint8_t type;
    uint32_t index;
    char value[40], flags[80];
    uint64_t changed_ms; /* wall time of the last change seen */
    uint32_t changes;    /* changes after the first value */
    uint32_t events;     /* event objects received for it */
} live_row;

struct cli_live {
    FILE *out;
    live_row *rows;
    size_t n, cap;
    uint64_t answers[4]; /* integrity, events, unsolicited, reconnected */
    uint64_t events_total;
    bool has_iin;
    uint16_t iin;
    char status[200];
    char target[120];
};

cli_live *cli_live_new(FILE *out, const char *target)
{
    cli_live *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->out = out;
    snprintf(l->target, sizeof l->target, "%s", target);
    return l;
}

void cli_live_free(cli_live *l)
{
    if (!l)
        return;
    fputs("\n", l->out);
    free(l->rows);
    free(l);
}

static uint64_t wall_ms(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
}

static live_row *row_of(cli_live *l, uint8_t type, uint32_t index)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) { /* rows sorted by (type, index) */
        size_t mid = (lo + hi) / 2;
        live_row *r = &l->rows[mid];
        if (r->type < type || (r->type == type && r->index < index))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < l->n && l->rows[lo].type == type && l->rows[lo].index == index)
        return &l->rows[lo];
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 64;
        if (nc > 1000000)
            return NULL;
        live_row *nr = realloc(l->rows, nc * sizeof *nr);
        if (!nr)
            return NULL;
        l->rows = nr;
        l->cap = nc;
    }
    memmove(&l->rows[lo + 1], &l->rows[lo], (l->n - lo) * sizeof *l->rows);
    l->n++;
    live_row *r = &l->rows[lo];
    memset(r, 0, sizeof *r);
    r->type = type;
    r->index = index;
    return r;
}

static void redraw(cli_live *l)
{
    struct winsize ws;
    unsigned height = 24;
    if (ioctl(fileno(l->out), TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0)
        height = ws.ws_row;
    char iin[160] = "-", tm[40];
    if (l->has_iin) {
        dnp3kit_iin_format(l->iin, iin, sizeof iin);
        if (!iin[0])
            snprintf(iin, sizeof iin, "(none)");
    }
    /* home, clear: the frame replaces the previous one in place */
    fputs("\033[H\033[2J", l->out);
    fprintf(l->out, "dnp3-master monitor  %s  answers: %" PRIu64 " integrity, %" PRIu64 " event polls, %" PRIu64
            " unsolicited  events: %" PRIu64 "\n", l->target, l->answers[0] + l->answers[3], l->answers[1],
            l->answers[2], l->events_total);
    fprintf(l->out, "IIN: %s\n", iin);
    fprintf(l->out, "%-15s %7s  %-16s %-28s %-25s %7s %7s\n", "TYPE", "INDEX", "VALUE", "FLAGS", "LAST CHANGE",
            "CHANGES", "EVENTS");
    unsigned room = height > 5 ? height - 5 : 1;
    for (size_t i = 0; i < l->n && i < room; i++) {
        const live_row *r = &l->rows[i];
        if (r->changed_ms)
            dnp3kit_format_time_ms(r->changed_ms, tm, sizeof tm);
        else
            snprintf(tm, sizeof tm, "-");
        fprintf(l->out, "%-15s %7" PRIu32 "  %-16s %-28s %-25s %7" PRIu32 " %7" PRIu32 "\n",
                dnp3kit_master_point_type_name((dnp3kit_point_type)r->type), r->index, r->value, r->flags, tm,
                r->changes, r->events);
    }
    if (l->n > room)
        fprintf(l->out, "... %zu more points (a taller terminal shows them)\n", l->n - room);
    fprintf(l->out, "%s", l->status);
    fflush(l->out);
}

void cli_live_update(cli_live *l, const char *kind, const dnp3kit_master_result *r)
{
    int k = !strcmp(kind, "integrity") ? 0 : !strcmp(kind, "events") ? 1 : !strcmp(kind, "unsolicited") ? 2 : 3;
    l->answers[k]++;
    if (r->has_iin) {
        l->has_iin = true;
        l->iin = r->iin;
    }
    uint64_t now = wall_ms();
    for (size_t i = 0; i < r->count; i++) {
        const dnp3kit_master_point *p = &r->points[i];
        live_row *row = row_of(l, p->type, p->index);
        if (!row)
            continue;
        char v[40], f[80];
        master_point_value_text(p, v, sizeof v);
        master_point_flags_text(p, f, sizeof f);
        bool first = !row->value[0];
        if (!first && (strcmp(v, row->value) || strcmp(f, row->flags))) {
            row->changes++;
            row->changed_ms = p->has_time ? p->time_ms : now;
        }
        if (p->event) {
            row->events++;
            l->events_total++;
        }
        snprintf(row->value, sizeof row->value, "%s", v);
        snprintf(row->flags, sizeof row->flags, "%s", f);
    }
    redraw(l);
}

void cli_live_status(cli_live *l, const char *msg)
{
    char tm[40];
    dnp3kit_format_time_ms(wall_ms(), tm, sizeof tm);
    snprintf(l->status, sizeof l->status, "%s %s\n", tm, msg);
    redraw(l);
}
