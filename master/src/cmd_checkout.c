/*
 * dnp3-master checkout POINTS.csv: verify a point list against the
 * outstation (docs/checkout.md). The work is the library's
 * (dnp3kit_master_checkout, checkout.c); here: the confirmation on the
 * terminal (or --yes), the errors on stderr, the summary or --json.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const char *verdict_name(int k)
{
    return k == DNP3KIT_CHECKOUT_PASS ? "PASS" : k == DNP3KIT_CHECKOUT_FAIL ? "FAIL" : "SKIPPED";
}

/* Each control only after its own confirmation on the terminal, or with --yes. */
static bool confirm_control(void *user, const char *what)
{
    const cli_ctx *c = user;
    if (c->yes)
        return true;
    bool yes = false;
    if (isatty(STDIN_FILENO)) {
        fprintf(stderr, "%s? [y/N] ", what);
        char line[16];
        yes = fgets(line, sizeof line, stdin) && (line[0] == 'y' || line[0] == 'Y');
    }
    if (!yes)
        fprintf(stderr, "dnp3-master: %s declined: nothing was sent\n", what);
    return yes;
}

int cmd_checkout(const cli_ctx *c, const char *target, const char *recording, const char *report, double watch_s)
{
    if (c->npos != 2)
        return cli_usage_error("checkout POINTS.csv [--report BASE] [--watch-timeout S] (%s)", "see help checkout");
    dnp3kit_checkout_options o = {report, target, recording, watch_s, confirm_control, (void *)c};
    dnp3kit_checkout_report r;
    dnp3kit_error_detail d;
    int rc = dnp3kit_master_checkout(c->m, c->pos[1], &o, &r, &d);
    if (rc != DNP3KIT_OK) {
        int stage = r.stage;
        dnp3kit_checkout_report_free(&r);
        if (stage == DNP3KIT_CHECKOUT_STAGE_POLL)
            return cli_report_error(c->json, "checkout", rc, &d);
        fprintf(stderr, "dnp3-master: %s\n", r.error);
        return EXIT_USAGE;
    }
    if (c->json) {
        printf("{\"schema\":1,\"command\":\"checkout\",\"checked\":%zu,\"passed\":%zu,\"failed\":%zu,"
               "\"skipped\":%zu,\"report_csv\":", r.count, r.passed, r.failed, r.skipped);
        cli_json_string(stdout, r.report_csv, strlen(r.report_csv));
        printf(",\"report_html\":");
        cli_json_string(stdout, r.report_html, strlen(r.report_html));
        printf(",\"failures\":[");
        bool first = true;
        for (size_t i = 0; i < r.count; i++) {
            const dnp3kit_checkout_row *w = &r.rows[i];
            if (w->verdict != DNP3KIT_CHECKOUT_FAIL)
                continue;
            printf("%s{\"line\":%u,\"type\":\"%s\",\"index\":%" PRIu32 ",\"name\":", first ? "" : ",", w->line,
                   w->cell[DNP3KIT_CHECKOUT_TYPE], w->index);
            cli_json_string(stdout, w->cell[DNP3KIT_CHECKOUT_NAME], strlen(w->cell[DNP3KIT_CHECKOUT_NAME]));
            printf(",\"detail\":");
            cli_json_string(stdout, w->detail, strlen(w->detail));
            putchar('}');
            first = false;
        }
        puts("]}");
    } else {
        for (size_t i = 0; i < r.count; i++) {
            const dnp3kit_checkout_row *w = &r.rows[i];
            if (w->verdict != DNP3KIT_CHECKOUT_PASS)
                printf("%-7s line %u: %s %" PRIu32 " (%s): %s\n", verdict_name(w->verdict), w->line,
                       w->cell[DNP3KIT_CHECKOUT_TYPE], w->index, w->cell[DNP3KIT_CHECKOUT_NAME], w->detail);
        }
        printf("checkout: %zu points, %zu passed, %zu failed, %zu skipped; report %s and %s\n", r.count, r.passed,
               r.failed, r.skipped, r.report_csv, r.report_html);
    }
    fflush(stdout);
    rc = r.failed ? EXIT_OUTSTATION : EXIT_OK;
    dnp3kit_checkout_report_free(&r);
    return rc;
}
