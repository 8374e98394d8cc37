/*
 * dnp3-master file ls|info|get|put|rm (g70). A get writes LOCAL.part and
 * renames it to LOCAL only once every block arrived: an interrupted or
 * refused transfer leaves no partial file (it says so). Names the outstation
 * sends (directory entries) with a path separator or a NUL are refused.
 * A short outage is bridged by the session's retries (a READ or WRITE of a
 * block is repeated with the same block number, which is idempotent).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cli.h"
#include "dnp3kit/render.h"
#include "master_private.h"

static int auth(const cli_ctx *c, uint32_t *key, dnp3kit_error_detail *d)
{
    *key = 0;
    if (!c->user && !c->password)
        return DNP3KIT_OK;
    return dnp3kit_master_file_authenticate(c->m, c->user ? c->user : "", c->password ? c->password : "", key, d);
}

static const char *base(const char *p)
{
    const char *s = strrchr(p, '/');
    return s && s[1] ? s + 1 : p;
}

static void progress(const char *what, uint64_t done, uint64_t total, bool end)
{
    if (!isatty(STDERR_FILENO))
        return;
    if (total)
        fprintf(stderr, "\r%s: %" PRIu64 " of %" PRIu64 " octets (%u%%)", what, done, total,
                (unsigned)(done * 100 / total));
    else
        fprintf(stderr, "\r%s: %" PRIu64 " octets", what, done);
    if (end)
        fputc('\n', stderr);
    fflush(stderr);
}

/* s as a JSON string (quotes included) into b. */
static const char *jq(const char *s, char *b, size_t cap)
{
    size_t k = 0;
    if (cap < 8)
        return "\"\"";
    b[k++] = '"';
    for (; *s && k + 8 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            k += (size_t)snprintf(b + k, cap - k, "\\%c", ch);
        else if (ch < 0x20)
            k += (size_t)snprintf(b + k, cap - k, "\\u%04x", ch);
        else
            b[k++] = (char)ch;
    }
    b[k++] = '"';
    b[k] = 0;
    return b;
}

/* The outcome of a complete get or put. */
static int transferred(const cli_ctx *c, const char *verb, const char *remote, const char *local, uint64_t octets,
                       uint32_t blocks, unsigned block)
{
    char ej[1200], et[600], q1[300], q2[300], cmd[16];
    bool get = verb[0] == 'g';
    snprintf(ej, sizeof ej, "\"remote\":%s,\"local\":%s,\"size\":%" PRIu64 ",\"blocks\":%" PRIu32
             ",\"block_size\":%u", jq(remote, q1, sizeof q1), jq(local, q2, sizeof q2), octets, blocks, block);
    snprintf(et, sizeof et, "(%s -> %s, %" PRIu64 " octets in %" PRIu32 " blocks of %u)", get ? remote : local,
             get ? local : remote, octets, blocks, block);
    snprintf(cmd, sizeof cmd, "file %s", verb);
    cli_report_ok(c->json, cmd, ej, et);
    return EXIT_OK;
}

static void json_name(FILE *f, const char *s, size_t n)
{
    cli_json_string(f, s, n);
}

/* Read a whole file (or the directory) into memory: for ls only (directories are small). */
static int read_all(const cli_ctx *c, const char *name, uint32_t key, uint8_t **out, size_t *outlen,
                    dnp3kit_error_detail *d)
{
    uint32_t size = 0, handle;
    uint16_t block = c->block_size;
    int rc = dnp3kit_master_file_open(c->m, name, DNP3KIT_FILE_READ, key, &size, &block, &handle, d);
    if (rc != DNP3KIT_OK)
        return rc;
    uint8_t *buf = NULL;
    size_t len = 0;
    bool last = false;
    for (uint32_t b = 0; !last && rc == DNP3KIT_OK; b++) {
        uint8_t *nb = realloc(buf, len + block);
        if (!nb) {
            rc = DNP3KIT_ERR_NOMEM;
            break;
        }
        buf = nb;
        size_t n;
        rc = dnp3kit_master_file_read(c->m, handle, b, buf + len, block, &n, &last, d);
        len += rc == DNP3KIT_OK ? n : 0;
        if (len > (64u << 20)) {
            detail_msg(d, "directory listing larger than 64 MiB");
            rc = DNP3KIT_ERR_TOO_LARGE;
        }
    }
    dnp3kit_error_detail d2;
    (void)dnp3kit_master_file_close(c->m, handle, &d2);
    if (rc != DNP3KIT_OK) {
        free(buf);
        return rc;
    }
    *out = buf;
    *outlen = len;
    return DNP3KIT_OK;
}

static void type_time(const dnp3kit_file_info *e, char *tm, size_t cap)
{
    if (e->time_ms)
        dnp3kit_format_time_ms(e->time_ms, tm, cap);
    else
        snprintf(tm, cap, "-");
}

static int cmd_ls(const cli_ctx *c, const char *dir)
{
    dnp3kit_error_detail d;
    uint32_t key;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = auth(c, &key, &d);
    if (rc == DNP3KIT_OK)
        rc = read_all(c, dir, key, &buf, &len, &d);
    if (rc != DNP3KIT_OK)
        return cli_report_error(c->json, "file", rc, &d);
    dnp3kit_file_info *v = NULL;
    size_t n = 0;
    rc = dnp3kit_file_parse_directory(buf, len, &v, &n, &d);
    free(buf);
    if (rc != DNP3KIT_OK)
        return cli_report_error(c->json, "file", rc, &d);
    int refused = 0;
    if (c->json)
        printf("{\"schema\":1,\"command\":\"file ls\",\"directory\":");
    if (c->json) {
        json_name(stdout, dir, strlen(dir));
        printf(",\"entries\":[");
    } else {
        printf("%-10s %10s  %-25s %-6s %s\n", "TYPE", "SIZE", "TIME", "PERMS", "NAME");
    }
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        dnp3kit_file_info *e = &v[i];
        if (memchr(e->name, '/', e->name_len) || memchr(e->name, 0, e->name_len) || e->name_len == 0 ||
            (e->name_len == 2 && !memcmp(e->name, "..", 2))) {
            /* a name we would not write to a local disk: refused, named, the rest goes on */
            fprintf(stderr, "dnp3-master: directory entry %zu refused: its name (", i);
            for (size_t k = 0; k < e->name_len; k++)
                fprintf(stderr, e->name[k] >= 0x20 && e->name[k] < 0x7F && e->name[k] != '\\' ? "%c" : "\\x%02x",
                        (unsigned char)e->name[k]);
            fprintf(stderr, ") %s\n",
                    memchr(e->name, 0, e->name_len) ? "holds a NUL" : e->name_len ? "holds a path separator or is '..'"
                                                                                 : "is empty");
            e->name_len = SIZE_MAX; /* marked */
            refused++;
            continue;
        }
        char tm[40];
        type_time(e, tm, sizeof tm);
        if (c->json) {
            printf("%s{\"name\":", first ? "" : ",");
            json_name(stdout, e->name, e->name_len);
            printf(",\"type\":\"%s\",\"size\":%" PRIu32 ",\"time\":", e->type == 0 ? "directory" : "file", e->size);
            if (e->time_ms)
                printf("\"%s\"", tm);
            else
                printf("null");
            printf(",\"permissions\":%u}", e->permissions);
        } else {
            printf("%-10s %10" PRIu32 "  %-25s %06o %.*s\n", e->type == 0 ? "directory" : "file", e->size, tm,
                   e->permissions, (int)e->name_len, e->name);
        }
        first = false;
    }
    if (c->json)
        printf("],\"refused\":%d}\n", refused);
    else
        printf("%zu entr%s%s\n", n - (size_t)refused, n - (size_t)refused == 1 ? "y" : "ies",
               refused ? " (and refused ones: see stderr)" : "");
    free(v);
    fflush(stdout);
    return refused ? EXIT_OUTSTATION : EXIT_OK;
}

static int cmd_info(const cli_ctx *c, const char *name)
{
    dnp3kit_error_detail d;
    dnp3kit_file_info e;
    uint32_t key;
    int rc = auth(c, &key, &d);
    if (rc == DNP3KIT_OK)
        rc = dnp3kit_master_file_info(c->m, name, &e, &d);
    if (rc != DNP3KIT_OK)
        return cli_report_error(c->json, "file", rc, &d);
    char tm[40];
    type_time(&e, tm, sizeof tm);
    if (c->json) {
        printf("{\"schema\":1,\"command\":\"file info\",\"name\":");
        json_name(stdout, e.name, e.name_len);
        printf(",\"type\":\"%s\",\"size\":%" PRIu32 ",\"time\":%s%s%s,\"permissions\":%u}\n",
               e.type == 0 ? "directory" : "file", e.size, e.time_ms ? "\"" : "", e.time_ms ? tm : "null",
               e.time_ms ? "\"" : "", e.permissions);
    } else {
        printf("name: %.*s\ntype: %s\nsize: %" PRIu32 " octets\ntime: %s\npermissions: %06o\n", (int)e.name_len,
               e.name, e.type == 0 ? "directory" : "file", e.size, tm, e.permissions);
    }
    fflush(stdout);
    return EXIT_OK;
}

static int cmd_get(const cli_ctx *c, const char *remote, const char *local)
{
    dnp3kit_error_detail d;
    uint32_t key, size = 0, handle;
    uint16_t block = c->block_size;
    int rc = auth(c, &key, &d);
    if (rc == DNP3KIT_OK)
        rc = dnp3kit_master_file_open(c->m, remote, DNP3KIT_FILE_READ, key, &size, &block, &handle, &d);
    if (rc != DNP3KIT_OK)
        return cli_report_error(c->json, "file", rc, &d);
    char part[4096];
    snprintf(part, sizeof part, "%s.part", local);
    /* room for what the outstation announced, before anything is written */
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", local);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = 0; /* "/" */
    else
        *slash = 0;
    struct statvfs vs;
    if (statvfs(dir, &vs) == 0 && (uint64_t)vs.f_bavail * vs.f_frsize < size) {
        dnp3kit_error_detail_clear(&d);
        detail_msg(&d, "'%s' is %" PRIu32 " octets; only %" PRIu64 " free in %s: nothing written",
                 remote, size, (uint64_t)vs.f_bavail * vs.f_frsize, dir);
        (void)dnp3kit_master_file_close(c->m, handle, NULL);
        return cli_report_error(c->json, "file", DNP3KIT_ERR_TOO_LARGE, &d);
    }
    FILE *f = fopen(part, "wb");
    if (!f) {
        fprintf(stderr, "dnp3-master: cannot write %s: %s (nothing transferred)\n", part, strerror(errno));
        (void)dnp3kit_master_file_close(c->m, handle, NULL);
        return EXIT_USAGE;
    }
    uint8_t *buf = malloc(block ? block : 1);
    uint64_t got = 0;
    uint32_t b = 0;
    bool last = false;
    char what[300];
    snprintf(what, sizeof what, "get %s", remote);
    while (!last && buf) {
        size_t n;
        rc = dnp3kit_master_file_read(c->m, handle, b, buf, block, &n, &last, &d);
        if (rc != DNP3KIT_OK)
            break;
        if (size && got + n > size) {
            dnp3kit_error_detail_clear(&d);
            detail_msg(&d, "the outstation sent more than the %" PRIu32 " octets it announced",
                     size);
            rc = DNP3KIT_ERR_PROTOCOL;
            break;
        }
        if (fwrite(buf, 1, n, f) != n) {
            dnp3kit_error_detail_clear(&d);
            detail_msg(&d, "writing %s: %s", part, strerror(errno));
            rc = DNP3KIT_ERR_IO;
            break;
        }
        got += n;
        b++;
        progress(what, got, size, false);
    }
    if (!buf)
        rc = DNP3KIT_ERR_NOMEM;
    free(buf);
    progress(what, got, size, true);
    int crc = DNP3KIT_OK;
    dnp3kit_error_detail cd;
    if (rc == DNP3KIT_OK)
        crc = dnp3kit_master_file_close(c->m, handle, &cd);
    else
        (void)dnp3kit_master_file_close(c->m, handle, NULL);
    if (fclose(f) != 0 && rc == DNP3KIT_OK) {
        dnp3kit_error_detail_clear(&d);
        detail_msg(&d, "writing %s: %s", part, strerror(errno));
        rc = DNP3KIT_ERR_IO;
    }
    if (rc == DNP3KIT_OK && crc != DNP3KIT_OK) {
        rc = crc;
        d = cd;
    }
    if (rc == DNP3KIT_OK && size && got != size) {
        dnp3kit_error_detail_clear(&d);
        detail_msg(&d, "the outstation announced %" PRIu32 " octets and sent %" PRIu64, size,
                 got);
        rc = DNP3KIT_ERR_PROTOCOL;
    }
    if (rc == DNP3KIT_OK && rename(part, local) != 0) {
        dnp3kit_error_detail_clear(&d);
        detail_msg(&d, "renaming %s to %s: %s", part, local, strerror(errno));
        rc = DNP3KIT_ERR_IO;
    }
    if (rc != DNP3KIT_OK) {
        unlink(part);
        char m[sizeof d.message];
        snprintf(m, sizeof m, "%s", d.message);
        detail_msg(&d, "get '%s' stopped after %" PRIu64 " of %" PRIu32 " octets (block %" PRIu32
                 "): %s; %s not written", remote, got, size, b, m, local);
        return cli_report_error(c->json, "file", rc, &d);
    }
    return transferred(c, "get", remote, local, got, b, block);
}

static int cmd_put(const cli_ctx *c, const char *local, const char *remote)
{
    dnp3kit_error_detail d;
    FILE *f = fopen(local, "rb");
    if (!f) {
        fprintf(stderr, "dnp3-master: cannot read %s: %s (nothing sent)\n", local, strerror(errno));
        return EXIT_USAGE;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 0xFFFFFFFFll) {
        fclose(f);
        fprintf(stderr, "dnp3-master: %s is not a regular file below 4 GiB (nothing sent)\n", local);
        return EXIT_USAGE;
    }
    uint32_t key, size = (uint32_t)st.st_size, handle;
    uint16_t block = c->block_size;
    int rc = auth(c, &key, &d);
    if (rc == DNP3KIT_OK)
        rc = dnp3kit_master_file_open(c->m, remote, DNP3KIT_FILE_WRITE, key, &size, &block, &handle, &d);
    if (rc != DNP3KIT_OK) {
        fclose(f);
        return cli_report_error(c->json, "file", rc, &d);
    }
    uint8_t *buf = malloc(block);
    uint64_t sent = 0;
    uint32_t b = 0;
    char what[300];
    snprintf(what, sizeof what, "put %s", remote);
    rc = buf ? DNP3KIT_OK : DNP3KIT_ERR_NOMEM;
    for (bool last = false; !last && rc == DNP3KIT_OK; b++) {
        size_t n = fread(buf, 1, block, f);
        last = sent + n >= (uint64_t)st.st_size;
        rc = dnp3kit_master_file_write(c->m, handle, b, last, buf, n, &d);
        if (rc == DNP3KIT_OK)
            sent += n;
        progress(what, sent, (uint64_t)st.st_size, false);
    }
    free(buf);
    fclose(f);
    progress(what, sent, (uint64_t)st.st_size, true);
    if (rc == DNP3KIT_OK)
        rc = dnp3kit_master_file_close(c->m, handle, &d);
    else
        (void)dnp3kit_master_file_close(c->m, handle, NULL);
    if (rc != DNP3KIT_OK) {
        char m[sizeof d.message];
        snprintf(m, sizeof m, "%s", d.message);
        detail_msg(&d, "put '%s' stopped after %" PRIu64 " of %" PRIu64 " octets: %s", remote,
                 sent, (uint64_t)st.st_size, m);
        return cli_report_error(c->json, "file", rc, &d);
    }
    return transferred(c, "put", remote, local, sent, b, block);
}

static int cmd_rm(const cli_ctx *c, const char *name)
{
    if (!c->yes) {
        if (!isatty(STDIN_FILENO)) {
            fprintf(stderr, "dnp3-master: refusing to delete '%s' without a terminal to confirm on; add --yes "
                            "(nothing was sent)\n", name);
            return EXIT_USAGE;
        }
        fprintf(stderr, "delete '%s' on the outstation? [y/N] ", name);
        char line[16];
        if (!fgets(line, sizeof line, stdin) || (line[0] != 'y' && line[0] != 'Y')) {
            fprintf(stderr, "dnp3-master: declined: nothing was sent\n");
            return EXIT_USAGE;
        }
    }
    dnp3kit_error_detail d;
    uint32_t key;
    int rc = auth(c, &key, &d);
    if (rc == DNP3KIT_OK)
        rc = dnp3kit_master_file_delete(c->m, name, key, &d);
    if (rc != DNP3KIT_OK)
        return cli_report_error(c->json, "file", rc, &d);
    char ej[400], q[300];
    snprintf(ej, sizeof ej, "\"deleted\":%s", jq(name, q, sizeof q));
    cli_report_ok(c->json, "file rm", ej, name);
    return EXIT_OK;
}

int cmd_file(const cli_ctx *c)
{
    const char *sub = c->npos >= 2 ? c->pos[1] : "";
    const char *a = c->npos >= 3 ? c->pos[2] : NULL, *b = c->npos >= 4 ? c->pos[3] : NULL;
    if (c->npos > 4)
        return cli_usage_error("file: too many arguments (see dnp3-master help file)%s", "");
    if (!strcmp(sub, "ls"))
        return c->npos <= 3 ? cmd_ls(c, a ? a : "/") : cli_usage_error("file ls [DIRECTORY]%s", "");
    if (!strcmp(sub, "info") && a && !b)
        return cmd_info(c, a);
    if (!strcmp(sub, "get") && a)
        return cmd_get(c, a, b ? b : base(a));
    if (!strcmp(sub, "put") && a)
        return cmd_put(c, a, b ? b : base(a));
    if (!strcmp(sub, "rm") && a && !b)
        return cmd_rm(c, a);
    return cli_usage_error("file: ls [DIR] | info NAME | get REMOTE [LOCAL] | put LOCAL [REMOTE] | rm NAME (got '%s')",
                           sub);
}
