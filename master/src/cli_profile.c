/*
 * Site profiles: named sets of dnp3-master options in a file
 * (--profile FILE, else $XDG_CONFIG_HOME/dnp3kit/sites.conf, else
 * ~/.config/dnp3kit/sites.conf):
 *
 *     [substation-4]
 *     host = 10.20.0.4
 *     outstation = 4
 *     timeout = 3000
 *     no-iin-reactions = yes
 *
 * A key is any option's long name without "--"; a value of yes/true/on turns a
 * switch on, no/false/off leaves it out. `--site NAME` puts the site's options
 * before the command line's, so whatever the command line says wins, and every
 * option the parser knows (transports' endpoint options included) can live in
 * a profile without this file knowing them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        s[--n] = 0;
    return s;
}

static bool push(cli_profile *p, const char *s, unsigned line)
{
    if (p->argc >= CLI_PROFILE_MAX_ARGS)
        return false;
    p->argv[p->argc] = strdup(s);
    p->line[p->argc] = line;
    if (!p->argv[p->argc])
        return false;
    p->argc++;
    return true;
}

int cli_read_line(FILE *f, char *line, size_t cap, const char *path, unsigned *ln)
{
    if (!fgets(line, (int)cap, f))
        return 0;
    ++*ln;
    if (!strchr(line, '\n') && !feof(f)) {
        fprintf(stderr, "dnp3-master: %s:%u: line longer than %zu characters\n", path, *ln, cap - 2);
        return -1;
    }
    return 1;
}

void cli_profile_free(cli_profile *p)
{
    for (int i = 0; i < p->argc; i++)
        free(p->argv[i]);
    p->argc = 0;
}

const char *cli_profile_default_path(char *buf, size_t cap)
{
    const char *x = getenv("XDG_CONFIG_HOME");
    const char *h = getenv("HOME");
    if (x && *x)
        snprintf(buf, cap, "%s/dnp3kit/sites.conf", x);
    else if (h && *h)
        snprintf(buf, cap, "%s/.config/dnp3kit/sites.conf", h);
    else
        return NULL;
    return buf;
}

int cli_profile_load(const char *path, const char *site, cli_profile *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->path, sizeof p->path, "%s", path);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "dnp3-master: cannot read the site profiles %s: %s\n", path, strerror(errno));
        return EXIT_USAGE;
    }
    char line[1024], sites[512] = "";
    unsigned ln = 0;
    bool in = false, found = false;
    int rc = EXIT_OK;
    int got;
    while (rc == EXIT_OK && (got = cli_read_line(f, line, sizeof line, path, &ln)) != 0) {
        if (got < 0) {
            rc = EXIT_USAGE;
            break;
        }
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';')
            continue;
        if (*s == '[') {
            char *e = strchr(s, ']');
            if (!e || trim(e + 1)[0]) {
                fprintf(stderr, "dnp3-master: %s:%u: a section is [NAME], not '%s'\n", path, ln, s);
                rc = EXIT_USAGE;
                break;
            }
            *e = 0;
            char *name = trim(s + 1);
            if (strlen(sites) + strlen(name) + 3 < sizeof sites)
                snprintf(sites + strlen(sites), sizeof sites - strlen(sites), "%s%s", sites[0] ? ", " : "", name);
            in = !strcmp(name, site);
            if (in && found) {
                fprintf(stderr, "dnp3-master: %s:%u: site [%s] defined twice\n", path, ln, site);
                rc = EXIT_USAGE;
                break;
            }
            found |= in;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!eq) {
            fprintf(stderr, "dnp3-master: %s:%u: KEY = VALUE expected, not '%s'\n", path, ln, s);
            rc = EXIT_USAGE;
            break;
        }
        *eq = 0;
        char *key = trim(s), *val = trim(eq + 1);
        if (!in)
            continue;
        if (!*key || key[0] == '-' || !strcmp(key, "site") || !strcmp(key, "profile")) {
            fprintf(stderr, "dnp3-master: %s:%u: '%s' cannot be set in a profile\n", path, ln, key);
            rc = EXIT_USAGE;
            break;
        }
        char opt[128];
        snprintf(opt, sizeof opt, "--%s", key);
        bool ok;
        if (!strcmp(val, "yes") || !strcmp(val, "true") || !strcmp(val, "on"))
            ok = push(p, opt, ln);
        else if (!strcmp(val, "no") || !strcmp(val, "false") || !strcmp(val, "off"))
            ok = true;
        else
            ok = push(p, opt, ln) && push(p, val, ln);
        if (!ok) {
            fprintf(stderr, "dnp3-master: %s:%u: too many settings in [%s]\n", path, ln, site);
            rc = EXIT_USAGE;
        }
    }
    fclose(f);
    if (rc == EXIT_OK && !found) {
        fprintf(stderr, "dnp3-master: no site [%s] in %s (sites: %s)\n", site, path, sites[0] ? sites : "none");
        rc = EXIT_USAGE;
    }
    if (rc != EXIT_OK)
        cli_profile_free(p);
    return rc;
}
