/*
 * dnp3-master per-command help (`dnp3-master COMMAND --help`, `dnp3-master help
 * COMMAND`) and "did you mean" for a mistyped command. One table: the command
 * list, the help and the suggestions all read it.
 */
#include <string.h>

#include "cli.h"

typedef struct cmd_help {
    const char *name;
    const char *usage;
    const char *text;
} cmd_help;

static const cmd_help cmds[] = {
    {"poll", "poll",
     "Integrity poll: READ class 1, 2, 3 and 0. Prints every point (type, index, value, flags,\n"
     "time, static/event), every other object of the answer (time, octet strings, attributes,\n"
     "files, security statistics, undecodable octets) and the IIN.\n"},
    {"read", "read class LIST | read TYPE START[-STOP] | read TYPE I,J,K [--variation V]",
     "Read classes (LIST of 0-3, e.g. 1,2,3) or points of one type by range or by index list\n"
     "(qualifier 0x17 or 0x28). TYPE: bi dbi bo counter frozen-counter ai ao, or deadband (g34).\n"
     "--variation V asks for that variation (default 0: the outstation's choice).\n"
     "Examples: read ai 3,7,12   read counter 0-9 --variation 5   read deadband 0-3\n"},
    {"operate", "operate bo INDEX on|off|trip|close|pulse-on|pulse-off [OPTIONS] | operate ao INDEX VALUE [OPTIONS]",
     "Control one output. Binary (CROB g12v1): --on-ms N --off-ms N --count N --clear (pulses default\n"
     "to 1000 ms on and off). Analog (g41): --type int16|int32|float|double (default int32 for\n"
     "integers, double otherwise); a value the type cannot hold exactly is refused.\n"
     "Mode: --sbo (select before operate, the default), --direct, --no-ack (one of them).\n"
     "Asks for confirmation on a terminal (without one: --yes). An OPERATE or DIRECT_OPERATE\n"
     "is never repeated automatically: after a timeout it may have executed.\n"},
    {"freeze", "freeze [--clear]", "Immediate freeze of all counters (--clear: freeze and clear).\n"},
    {"time-sync", "time-sync [--lan|--non-lan]",
     "Set the outstation's clock. LAN: RECORD_CURRENT_TIME then WRITE g50v3; non-LAN:\n"
     "DELAY_MEASURE then WRITE g50v1 corrected by the measured delay.\n"},
    {"restart", "restart cold|warm",
     "Cold or warm restart; prints the delay the outstation reports (g52). Asks for confirmation.\n"},
    {"unsolicited", "unsolicited enable|disable [CLASSES]",
     "Enable or disable unsolicited reporting of classes 1-3 (e.g. 1,2,3, the default).\n"},
    {"link-status", "link-status", "REQUEST_LINK_STATUS; succeeds on LINK_STATUS.\n"},
    {"startup", "startup",
     "The startup sequence: clear restart, disable unsolicited, integrity poll, time sync if\n"
     "NEED_TIME, enable unsolicited. Prints the integrity poll.\n"},
    {"monitor", "monitor [--duration S] [--interval S]",
     "Startup sequence, then an event poll every interval (default 1 s) and every unsolicited\n"
     "response, printing changes until SIGINT/SIGTERM or the duration. After losing the\n"
     "outstation for longer than the retries it runs the startup sequence again.\n"
     "With --json: JSON Lines, one record per answer, each with a \"kind\" field.\n"},
    {"attributes", "attributes [VARIATION] | attributes --write VAR=VALUE",
     "Device attributes (g0). Without arguments: READ g0v254 (all), shown by name with the value\n"
     "decoded by its data type (VSTR, UINT, INT, FLT, OSTR, BSTR, lists) and which are writable\n"
     "(from the outstation's list, v255). VARIATION: read that one (255: the list).\n"
     "--write VAR=VALUE: checks the list says VAR is writable, reads its data type, encodes VALUE\n"
     "for it (text, integer, number, or hex octets), writes it and reads it back.\n"
     "Example: attributes --write 247=RTU-7\n"},
    {"deadband", "deadband read LIST [--variation V] | deadband write INDEX VALUE [--variation 1|2|3]",
     "Analog input dead-bands (g34). read: LIST is a range (0-3) or indices (1,5,9), qualifier\n"
     "0x00/0x01 or 0x17/0x28; --variation 1 (16-bit), 2 (32-bit), 3 (float), default any.\n"
     "write: one dead-band, qualifier 0x28; the variation defaults to 2 for whole numbers, 3 otherwise;\n"
     "a value the variation cannot hold exactly is refused.\n"},
    {"file", "file ls [DIR] | info NAME | get REMOTE [LOCAL] | put LOCAL [REMOTE] | rm NAME",
     "File transfer (g70). ls: the directory (default /) as OPEN_FILE + READ of g70v7 descriptors;\n"
     "entries whose names hold a path separator or a NUL are refused (named on stderr, exit 1).\n"
     "info: GET_FILE_INFO. get: OPEN_FILE (read), READ of each g70v5 block, CLOSE_FILE; written to\n"
     "LOCAL.part and renamed to LOCAL (default: the remote name's last part) once complete; a\n"
     "transfer that stops leaves no partial file and says how far it got. The disk space is\n"
     "checked against the size the outstation announces, and more than announced is refused.\n"
     "put: OPEN_FILE (write, with the size), WRITE of each block, CLOSE_FILE. rm: DELETE_FILE\n"
     "(asks for confirmation; --yes). --user U --password P: AUTHENTICATE_FILE first, its key in\n"
     "every request. --block-size N: asked for (default 1024); the outstation's answer wins.\n"
     "A progress line is shown on a terminal. Lost connections are bridged by the retries.\n"},
    {"checkout", "checkout POINTS.csv [--report BASE] [--watch-timeout S] [--yes] [--pcap FILE]",
     "Verify a point list (CSV, docs/checkout.md): one integrity poll, then each row's value\n"
     "(exact, a state, or LO..HI) and flags are checked. A row with a control (bo: on, off, trip,\n"
     "close, pulse-on, pulse-off; ao: a value) is operated (SBO) only after its own confirmation\n"
     "(or --yes; declined: SKIPPED, nothing sent), then the 'watch' point is read until it shows\n"
     "'watch_expected' (default --watch-timeout 5 s). Writes BASE.csv and BASE.html (default\n"
     "POINTS-report), pass/fail per point with observed values and times, and the --pcap\n"
     "recording's name. Errors in the list name their line; nothing is sent before it is valid.\n"
     "Exit 1 when a point failed.\n"},
    {"help", "help [COMMAND]", "The global usage, or the help of one command.\n"},
};

#define NCMDS (sizeof cmds / sizeof cmds[0])

static const cmd_help *find(const char *cmd)
{
    for (size_t i = 0; cmd && i < NCMDS; i++)
        if (!strcmp(cmd, cmds[i].name))
            return &cmds[i];
    return NULL;
}

bool cli_known_command(const char *cmd)
{
    return find(cmd) != NULL;
}

bool cli_command_help(const char *cmd, FILE *f)
{
    const cmd_help *c = find(cmd);
    if (!c)
        return false;
    fprintf(f, "usage: dnp3-master [OPTIONS] %s\n\n%s\n(connection and output options: dnp3-master --help)\n", c->usage,
            c->text);
    return true;
}

/* Edit distance (insert, delete, substitute, swap of neighbours), capped at 9. */
static unsigned distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 30 || lb > 30)
        return 9;
    unsigned d[32][32];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (unsigned)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (unsigned)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            unsigned c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c)
                c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c)
                c = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < c)
                c = d[i - 2][j - 2] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

const char *cli_suggest(const char *word)
{
    const char *best = NULL;
    unsigned bd = 9;
    size_t wl = strlen(word);
    for (size_t i = 0; i < NCMDS; i++) {
        unsigned dd = distance(word, cmds[i].name);
        if (wl >= 3 && !strncmp(cmds[i].name, word, wl))
            dd = 1; /* an unambiguous-looking prefix */
        if (dd < bd) {
            bd = dd;
            best = cmds[i].name;
        }
    }
    /* close means: at most 2 edits, and fewer than half the word */
    return best && bd <= 2 && bd * 2 < (wl > 2 ? wl : 3) ? best : NULL;
}
