/* dnp3-master: helpers shared by the command files (cli_*.c). */
#ifndef DNP3KIT_CLI_H
#define DNP3KIT_CLI_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dnp3kit/master.h"
#include "master_private.h" /* master_number, master_point_value_text, ... (pointtext.c) */

enum { EXIT_OK = 0, EXIT_OUTSTATION = 1, EXIT_USAGE = 2, EXIT_COMM = 3 };

/* What a command file gets from the option parser (cli.c). */
typedef struct cli_ctx {
    dnp3kit_master *m;
    bool json;
    const char *const *pos; /* pos[0] is the command */
    int npos;
    int variation;          /* --variation, -1 when not given */
    const char *write;      /* --write VAR=VALUE */
    const char *user, *password; /* --user, --password: file authentication (g70v2) */
    uint16_t block_size;    /* --block-size: file blocks asked for */
    bool yes;               /* --yes */
} cli_ctx;

/* ---- cli.c: documents and errors ---- */
/* One document: points, objects, IIN and, for a partial result, the error beside them. */
void cli_print_doc(bool json, const char *command, const dnp3kit_master_result *r, int err,
                   const dnp3kit_error_detail *d);
/* Error document (with --json) and message on stderr; returns the exit status. */
int cli_report_error(bool json, const char *command, int err, const dnp3kit_error_detail *d);
int cli_report_error_text(int err, const dnp3kit_error_detail *d);
/* A read's outcome: what arrived, and the error when there is one; returns the exit status. */
int cli_finish_read(bool json, const char *command, const dnp3kit_master_result *r, int rc,
                    const dnp3kit_error_detail *d);
/* "points":[...],"objects":[...],"iin":... without braces. */
void cli_result_json_body(FILE *f, const dnp3kit_master_result *r);
void cli_report_ok(bool json, const char *what, const char *extra_json, const char *extra_text);
int cli_usage_error(const char *fmt, const char *arg);

/* ---- cmd_objects.c ---- */
/* "3,7,12" or "1-3,7": a list of indices (heap, *n of them); false with why filled. */
bool cli_parse_index_list(const char *s, uint32_t **out, size_t *n, char *why, size_t cap);
int cmd_attributes(const cli_ctx *c);
int cmd_deadband(const cli_ctx *c);
/* ---- cmd_checkout.c ---- */
int cmd_checkout(const cli_ctx *c, const char *target, const char *recording, const char *report, double watch_s);
/* ---- cmd_file.c ---- */
int cmd_file(const cli_ctx *c);

/* ---- cli_out.c ---- */
void cli_out_file(void *user, const char *s, size_t n);
void cli_json_string(FILE *f, const char *s, size_t n);
/* The other objects of a result: a table (nothing when there are none) or "objects":[...]. */
void cli_objects_table(FILE *f, const dnp3kit_master_result *r);
void cli_objects_json(FILE *f, const dnp3kit_master_result *r);
void cli_object_json(FILE *f, const dnp3kit_master_result *r, const dnp3kit_master_object *o);
/* Device attributes (g0). */
const char *cli_attr_type_name(unsigned type);
const char *cli_attr_name(uint8_t variation);
void cli_attr_value_text(FILE *f, unsigned type, const uint8_t *p, size_t n);
void cli_attr_value_json(FILE *f, unsigned type, const uint8_t *p, size_t n);
bool cli_attr_decoded(const dnp3kit_master_result *r, const dnp3kit_master_object *o, unsigned *type,
                      const uint8_t **p, size_t *n);

/* ---- cli_log.c: -v, -vv, --log FILE ---- */
typedef struct cli_trace {
    int verbose;  /* 1: fragments on stderr; 2: and frames as hex, findings, times */
    FILE *file;   /* --log: everything -vv shows, with times */
} cli_trace;
void cli_log_frame(void *user, bool tx, const dnp3kit_link_frame *f);
void cli_log_fragment(void *user, bool tx, const uint8_t *p, size_t len);
void cli_log_finding(void *user, const dnp3kit_finding *f);
/* A line of the tool's own (command, outcome) into the log file. */
void cli_log_note(const cli_trace *l, const char *what);

/* ---- cli_profile.c: --site NAME [--profile FILE] ---- */
#define CLI_PROFILE_MAX_ARGS 128
typedef struct cli_profile {
    char path[512];
    int argc;
    char *argv[CLI_PROFILE_MAX_ARGS]; /* "--key", "value" ... */
    unsigned line[CLI_PROFILE_MAX_ARGS];
} cli_profile;
const char *cli_profile_default_path(char *buf, size_t cap);
/* The options of [site] in path; EXIT_OK, or EXIT_USAGE with the reason (file, line) on stderr. */
int cli_profile_load(const char *path, const char *site, cli_profile *p);
void cli_profile_free(cli_profile *p);
/* One line of a text file: 1, 0 at the end, -1 (said on stderr, with path and line) when too long. */
int cli_read_line(FILE *f, char *line, size_t cap, const char *path, unsigned *ln);

/* ---- cli_live.c: monitor's live view ---- */
typedef struct cli_live cli_live;
cli_live *cli_live_new(FILE *out, const char *target);
/* An answer (kind: integrity, events, unsolicited, reconnected): rows updated, redrawn. */
void cli_live_update(cli_live *l, const char *kind, const dnp3kit_master_result *r);
/* The status line (errors, reconnection), redrawn. */
void cli_live_status(cli_live *l, const char *msg);
void cli_live_free(cli_live *l);

/* ---- cli_help.c ---- */
/* Print the help of one command; false when there is no such command. */
bool cli_command_help(const char *cmd, FILE *f);
/* Is cmd a command? */
bool cli_known_command(const char *cmd);
/* The command closest to a mistyped one, or NULL when none is close. */
const char *cli_suggest(const char *word);
#endif
