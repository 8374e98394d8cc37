/*
 * The simulator's file transfer (g70, IEEE 1815-2012 clause 4.5 / A.27),
 * served from cfg.files_dir. See files.h. Object layouts (little-endian):
 *   g70v2 authentication: user offset 12, user size, password offset, password size, key u32, user, password
 *   g70v3 file command:   name offset 26, name size, time(6), permissions u16, key u32, size u32,
 *                         mode u16 (0 none, 1 read, 2 write, 3 append), max block u16, request id u16, name
 *   g70v4 command status: handle u32, size u32, max block u16, request id u16, status u8, text
 *   g70v5 transport:      handle u32, block u32 (bit 31: last), data
 *   g70v6 transport status: handle u32, block u32, status u8, text
 *   g70v7 descriptor:     name offset 20, name size, type u16 (0 directory, 1 file), size u32, time(6),
 *                         permissions u16, request id u16, name
 */
#include "files.h"
#include "extra.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_OPEN 4
#define AUTH_KEY 0x5EC2E7u

enum { ST_OK = 0, ST_DENIED = 1, ST_BAD_MODE = 2, ST_NOT_FOUND = 3, ST_TOO_MANY = 5, ST_BAD_HANDLE = 6,
       ST_BLOCK_SIZE = 7, ST_OVERRUN = 18, ST_FATAL = 19 };

typedef struct open_file {
    bool used, dir, write;
    uint32_t handle;
    FILE *f;
    uint32_t size;        /* read: the file's; write: announced at open */
    uint32_t written;
    uint16_t block;       /* negotiated block size */
    uint8_t *dirbuf;      /* directory: its descriptors */
    size_t dirlen;
} open_file;

typedef struct dnp3kit_os_files {
    open_file open[MAX_OPEN];
    uint32_t next_handle;
} dnp3kit_os_files;

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

static void put(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* A flat name inside the directory: no '/', no "..", no NUL, not empty. */
static bool name_ok(const uint8_t *p, size_t n, char *out, size_t cap)
{
    if (n == 0 || n >= cap || memchr(p, '/', n) || memchr(p, 0, n) || (n == 2 && p[0] == '.' && p[1] == '.') ||
        (n == 1 && p[0] == '.'))
        return false;
    memcpy(out, p, n);
    out[n] = 0;
    return true;
}

static bool is_dir_name(const uint8_t *p, size_t n)
{
    return n == 0 || (n == 1 && (p[0] == '/' || p[0] == '.'));
}

static void path_of(const dnp3kit_outstation *os, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", os->cfg.files_dir, name);
}

static void send_one(dnp3kit_outstation *os, uint8_t seq, uint8_t var, const uint8_t *obj, size_t n, uint64_t now)
{
    uint8_t frag[DNP3KIT_OS_MAX_REQUEST];
    dnp3kit_app_writer w;
    dnp3kit_app_writer_init(&w, frag, sizeof frag, dnp3kit_app_ctrl(true, true, false, false, seq),
                            DNP3KIT_FC_RESPONSE, 0);
    const uint8_t *objs[1] = {obj};
    size_t lens[1] = {n};
    dnp3kit_app_write_free(&w, 70, var, objs, lens, 1);
    int len = dnp3kit_app_writer_finish(&w);
    if (len > 0)
        dnp3kit_os_respond(os, frag, (size_t)len, 0, now);
    else
        dnp3kit_os_respond_null(os, seq, DNP3KIT_IIN_PARAMETER_ERROR, now);
}

static void command_status(dnp3kit_outstation *os, uint8_t seq, uint32_t handle, uint32_t size, uint16_t block,
                           uint16_t req_id, uint8_t status, uint64_t now)
{
    uint8_t o[13];
    put(o, handle, 4);
    put(o + 4, size, 4);
    put(o + 8, block, 2);
    put(o + 10, req_id, 2);
    o[12] = status;
    send_one(os, seq, 4, o, sizeof o, now);
}

static void transport_status(dnp3kit_outstation *os, uint8_t seq, uint32_t handle, uint32_t block, uint8_t status,
                             uint64_t now)
{
    uint8_t o[9];
    put(o, handle, 4);
    put(o + 4, block, 4);
    o[8] = status;
    send_one(os, seq, 6, o, sizeof o, now);
}

static dnp3kit_os_files *state(dnp3kit_outstation *os)
{
    if (!os->files) {
        os->files = calloc(1, sizeof *os->files);
        if (os->files)
            os->files->next_handle = 0x1000;
    }
    return os->files;
}

static open_file *find(dnp3kit_os_files *fs, uint32_t handle)
{
    for (int i = 0; i < MAX_OPEN; i++)
        if (fs->open[i].used && fs->open[i].handle == handle)
            return &fs->open[i];
    return NULL;
}

static void close_one(open_file *of)
{
    if (of->f)
        fclose(of->f);
    free(of->dirbuf);
    memset(of, 0, sizeof *of);
}

void dnp3kit_os_files_free(dnp3kit_outstation *os)
{
    if (!os->files)
        return;
    for (int i = 0; i < MAX_OPEN; i++)
        if (os->files->open[i].used)
            close_one(&os->files->open[i]);
    free(os->files);
    os->files = NULL;
}

/* One g70v7 descriptor appended to *buf. */
static bool add_descriptor(uint8_t **buf, size_t *len, size_t *cap, const char *name, size_t n, uint16_t type,
                           uint32_t size, uint64_t mtime_ms)
{
    if (n > 255)
        return true; /* not representable: left out */
    if (*len + 20 + n > *cap) {
        size_t nc = (*cap ? *cap * 2 : 1024) + 20 + n;
        uint8_t *nb = realloc(*buf, nc);
        if (!nb)
            return false;
        *buf = nb;
        *cap = nc;
    }
    uint8_t *d = *buf + *len;
    put(d, 20, 2);
    put(d + 2, n, 2);
    put(d + 4, type, 2);
    put(d + 6, size, 4);
    put(d + 10, mtime_ms, 6);
    put(d + 16, 0644, 2);
    put(d + 18, 0, 2);
    memcpy(d + 20, name, n);
    *len += 20 + n;
    return true;
}

/* The directory as one file of descriptors (regular files only, sorted for a stable order). */
static int dir_listing(dnp3kit_outstation *os, uint8_t **out, size_t *outlen)
{
    DIR *d = opendir(os->cfg.files_dir);
    if (!d)
        return -1;
    char *names[512];
    size_t nn = 0;
    struct dirent *e;
    while ((e = readdir(d)) && nn < 512) {
        char p[1024];
        struct stat st;
        path_of(os, e->d_name, p, sizeof p);
        if (e->d_name[0] == '.' || stat(p, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        names[nn] = strdup(e->d_name);
        if (names[nn])
            nn++;
    }
    closedir(d);
    for (size_t i = 1; i < nn; i++)
        for (size_t k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            char *t = names[k];
            names[k] = names[k - 1];
            names[k - 1] = t;
        }
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    bool ok = true;
    for (size_t i = 0; i < nn; i++) {
        char p[1024];
        struct stat st;
        path_of(os, names[i], p, sizeof p);
        if (ok && stat(p, &st) == 0)
            ok = add_descriptor(&buf, &len, &cap, names[i], strlen(names[i]), 1, (uint32_t)st.st_size,
                                (uint64_t)st.st_mtime * 1000u);
        free(names[i]);
    }
    /* hostile mode: entries a master must refuse to turn into local file names */
    if (ok && os->cfg.files_bad_names) {
        ok = add_descriptor(&buf, &len, &cap, "../escape", 9, 1, 1, 0) &&
             add_descriptor(&buf, &len, &cap, "a\0b", 3, 1, 1, 0);
    }
    if (!ok) {
        free(buf);
        return -1;
    }
    *out = buf;
    *outlen = len;
    return 0;
}

static bool auth_ok(const dnp3kit_outstation *os, uint32_t key)
{
    return !os->cfg.file_auth || key == AUTH_KEY;
}

static void do_open(dnp3kit_outstation *os, uint8_t seq, const uint8_t *o, size_t n, uint64_t now)
{
    dnp3kit_os_files *fs = state(os);
    if (!fs || n < 26 || le(o, 2) != 26 || 26 + le(o + 2, 2) > n) {
        dnp3kit_os_respond_null(os, seq, DNP3KIT_IIN_PARAMETER_ERROR, now);
        return;
    }
    size_t nl = (size_t)le(o + 2, 2);
    uint32_t key = (uint32_t)le(o + 10, 4), size = (uint32_t)le(o + 14, 4);
    unsigned mode = (unsigned)le(o + 18, 2);
    uint16_t block = (uint16_t)le(o + 20, 2), rid = (uint16_t)le(o + 22, 2);
    const uint8_t *name = o + 26;
    uint16_t maxb = (uint16_t)(os->cfg.max_fragment - 32 < 1024 ? os->cfg.max_fragment - 32 : 1024);
    if (block == 0 || block > maxb)
        block = maxb;
    if (!auth_ok(os, key)) {
        command_status(os, seq, 0, 0, 0, rid, ST_DENIED, now);
        return;
    }
    open_file *of = NULL;
    for (int i = 0; i < MAX_OPEN && !of; i++)
        if (!fs->open[i].used)
            of = &fs->open[i];
    if (!of) {
        command_status(os, seq, 0, 0, 0, rid, ST_TOO_MANY, now);
        return;
    }
    char fname[256], path[1024];
    if (is_dir_name(name, nl)) {
        if (mode != 1) {
            command_status(os, seq, 0, 0, 0, rid, ST_BAD_MODE, now);
            return;
        }
        if (dir_listing(os, &of->dirbuf, &of->dirlen) != 0) {
            command_status(os, seq, 0, 0, 0, rid, ST_FATAL, now);
            return;
        }
        of->dir = true;
        of->size = (uint32_t)of->dirlen;
    } else {
        if (!name_ok(name, nl, fname, sizeof fname) || (mode != 1 && mode != 2)) {
            command_status(os, seq, 0, 0, 0, rid, mode != 1 && mode != 2 ? ST_BAD_MODE : ST_NOT_FOUND, now);
            return;
        }
        path_of(os, fname, path, sizeof path);
        of->f = fopen(path, mode == 1 ? "rb" : "wb");
        if (!of->f) {
            command_status(os, seq, 0, 0, 0, rid, errno == EACCES ? ST_DENIED : ST_NOT_FOUND, now);
            return;
        }
        of->write = mode == 2;
        if (mode == 1) {
            struct stat st;
            fstat(fileno(of->f), &st);
            of->size = (uint32_t)st.st_size;
        } else {
            of->size = size;
        }
    }
    of->used = true;
    of->handle = fs->next_handle++;
    of->block = block;
    command_status(os, seq, of->handle, of->size, block, rid, ST_OK, now);
}

static void do_read(dnp3kit_outstation *os, uint8_t seq, const uint8_t *o, size_t n, uint64_t now)
{
    dnp3kit_os_files *fs = state(os);
    open_file *of = fs && n >= 8 ? find(fs, (uint32_t)le(o, 4)) : NULL;
    uint32_t block = n >= 8 ? (uint32_t)le(o + 4, 4) & 0x7FFFFFFFu : 0;
    if (!of || of->write) {
        transport_status(os, seq, n >= 4 ? (uint32_t)le(o, 4) : 0, block, ST_BAD_HANDLE, now);
        return;
    }
    uint8_t obj[8 + 2048];
    uint64_t off = (uint64_t)block * of->block;
    size_t got = 0;
    if (off < of->size) {
        size_t want = of->size - off < of->block ? (size_t)(of->size - off) : of->block;
        if (of->dir) {
            memcpy(obj + 8, of->dirbuf + off, want);
            got = want;
        } else if (fseek(of->f, (long)off, SEEK_SET) == 0) {
            got = fread(obj + 8, 1, want, of->f);
        }
    }
    bool last = off + got >= of->size;
    put(obj, of->handle, 4);
    put(obj + 4, block | (last ? 0x80000000u : 0), 4);
    send_one(os, seq, 5, obj, 8 + got, now);
}

static void do_write(dnp3kit_outstation *os, uint8_t seq, const uint8_t *o, size_t n, uint64_t now)
{
    dnp3kit_os_files *fs = state(os);
    open_file *of = fs && n >= 8 ? find(fs, (uint32_t)le(o, 4)) : NULL;
    uint32_t block = n >= 8 ? (uint32_t)le(o + 4, 4) & 0x7FFFFFFFu : 0;
    if (!of || !of->write) {
        transport_status(os, seq, n >= 4 ? (uint32_t)le(o, 4) : 0, block, ST_BAD_HANDLE, now);
        return;
    }
    size_t dl = n - 8;
    uint64_t off = (uint64_t)block * of->block;
    if (dl > of->block) {
        transport_status(os, seq, of->handle, block, ST_BLOCK_SIZE, now);
        return;
    }
    if (of->size && off + dl > of->size) {
        transport_status(os, seq, of->handle, block, ST_OVERRUN, now); /* more than announced */
        return;
    }
    if (fseek(of->f, (long)off, SEEK_SET) != 0 || fwrite(o + 8, 1, dl, of->f) != dl) {
        transport_status(os, seq, of->handle, block, ST_FATAL, now);
        return;
    }
    fflush(of->f);
    if (off + dl > of->written)
        of->written = (uint32_t)(off + dl);
    transport_status(os, seq, of->handle, block, ST_OK, now);
}

static void do_info(dnp3kit_outstation *os, uint8_t seq, const uint8_t *o, size_t n, uint64_t now)
{
    char fname[256], path[1024];
    if (n < 20 || le(o, 2) != 20 || 20 + le(o + 2, 2) > n) {
        dnp3kit_os_respond_null(os, seq, DNP3KIT_IIN_PARAMETER_ERROR, now);
        return;
    }
    size_t nl = (size_t)le(o + 2, 2);
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0;
    struct stat st;
    bool dir = is_dir_name(o + 20, nl);
    if (dir) {
        stat(os->cfg.files_dir, &st);
        add_descriptor(&buf, &len, &cap, "/", 1, 0, 0, (uint64_t)st.st_mtime * 1000u);
    } else if (name_ok(o + 20, nl, fname, sizeof fname)) {
        path_of(os, fname, path, sizeof path);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
            add_descriptor(&buf, &len, &cap, fname, strlen(fname), 1, (uint32_t)st.st_size,
                           (uint64_t)st.st_mtime * 1000u);
    }
    if (!buf) {
        /* no such file: the status of a command (there is none for GET_FILE_INFO in g70v7) */
        command_status(os, seq, 0, 0, 0, 0, ST_NOT_FOUND, now);
        return;
    }
    send_one(os, seq, 7, buf, len, now);
    free(buf);
}

bool dnp3kit_os_files_request(dnp3kit_outstation *os, const uint8_t *frag, size_t len, const dnp3kit_app_header *h,
                              uint64_t now)
{
    bool file_fc = h->func >= DNP3KIT_FC_OPEN_FILE && h->func <= DNP3KIT_FC_ABORT_FILE;
    if (!file_fc && h->func != DNP3KIT_FC_READ && h->func != DNP3KIT_FC_WRITE)
        return false;
    /* one g70 object with a 2-octet size prefix (qualifier 0x5B) */
    if (len < 2 + 3 + 1 + 2 || frag[2] != 70 || frag[4] != 0x5B) {
        if (file_fc)
            dnp3kit_os_respond_null(os, h->seq, DNP3KIT_IIN_PARAMETER_ERROR, now);
        return file_fc;
    }
    if (!os->cfg.files_dir) {
        dnp3kit_os_respond_null(os, h->seq, DNP3KIT_IIN_NO_FUNC_CODE_SUPPORT, now);
        return true;
    }
    uint8_t var = frag[3];
    size_t n = (size_t)le(frag + 6, 2);
    const uint8_t *o = frag + 8;
    if (frag[5] != 1 || 8 + n != len) {
        dnp3kit_os_respond_null(os, h->seq, DNP3KIT_IIN_PARAMETER_ERROR, now);
        return true;
    }
    dnp3kit_os_files *fs = state(os);
    switch (h->func) {
    case DNP3KIT_FC_OPEN_FILE:
        if (var == 3)
            do_open(os, h->seq, o, n, now);
        else
            dnp3kit_os_respond_null(os, h->seq, DNP3KIT_IIN_OBJECT_UNKNOWN, now);
        return true;
    case DNP3KIT_FC_READ:
        if (var == 5)
            do_read(os, h->seq, o, n, now);
        else
            dnp3kit_os_respond_null(os, h->seq, DNP3KIT_IIN_OBJECT_UNKNOWN, now);
        return true;
    case DNP3KIT_FC_WRITE:
        if (var == 5)
            do_write(os, h->seq, o, n, now);
        else
            dnp3kit_os_respond_null(os, h->seq, DNP3KIT_IIN_OBJECT_UNKNOWN, now);
        return true;
    case DNP3KIT_FC_CLOSE_FILE:
    case DNP3KIT_FC_ABORT_FILE: {
        open_file *of = fs && var == 4 && n >= 4 ? find(fs, (uint32_t)le(o, 4)) : NULL;
        uint16_t rid = n >= 12 ? (uint16_t)le(o + 10, 2) : 0;
        if (!of) {
            command_status(os, h->seq, n >= 4 ? (uint32_t)le(o, 4) : 0, 0, 0, rid, ST_BAD_HANDLE, now);
            return true;
        }
        uint32_t hd = of->handle, size = of->dir ? of->size : of->write ? of->written : of->size;
        close_one(of);
        command_status(os, h->seq, hd, size, 0, rid, ST_OK, now);
        return true;
    }
    case DNP3KIT_FC_DELETE_FILE: {
        char fname[256], path[1024];
        if (var != 3 || n < 26 || le(o, 2) != 26 || 26 + le(o + 2, 2) > n) {
            dnp3kit_os_respond_null(os, h->seq, DNP3KIT_IIN_PARAMETER_ERROR, now);
            return true;
        }
        uint16_t rid = (uint16_t)le(o + 22, 2);
        if (!auth_ok(os, (uint32_t)le(o + 10, 4))) {
            command_status(os, h->seq, 0, 0, 0, rid, ST_DENIED, now);
            return true;
        }
        if (!name_ok(o + 26, (size_t)le(o + 2, 2), fname, sizeof fname)) {
            command_status(os, h->seq, 0, 0, 0, rid, ST_NOT_FOUND, now);
            return true;
        }
        path_of(os, fname, path, sizeof path);
        command_status(os, h->seq, 0, 0, 0, rid, unlink(path) == 0 ? ST_OK : ST_NOT_FOUND, now);
        return true;
    }
    case DNP3KIT_FC_GET_FILE_INFO:
        if (var == 7)
            do_info(os, h->seq, o, n, now);
        else
            dnp3kit_os_respond_null(os, h->seq, DNP3KIT_IIN_OBJECT_UNKNOWN, now);
        return true;
    case DNP3KIT_FC_AUTHENTICATE_FILE: {
        if (var != 2 || n < 12 || le(o, 2) != 12 || 12 + le(o + 2, 2) + le(o + 6, 2) > n) {
            dnp3kit_os_respond_null(os, h->seq, DNP3KIT_IIN_PARAMETER_ERROR, now);
            return true;
        }
        size_t ul = (size_t)le(o + 2, 2), pl = (size_t)le(o + 6, 2);
        char cred[600];
        snprintf(cred, sizeof cred, "%.*s:%.*s", (int)ul, (const char *)(o + 12), (int)pl,
                 (const char *)(o + 12 + ul));
        uint8_t r[12];
        memcpy(r, o, 8);
        put(r, 12, 2);
        put(r + 2, 0, 2);
        put(r + 4, 12, 2);
        put(r + 6, 0, 2);
        put(r + 8, os->cfg.file_auth && !strcmp(cred, os->cfg.file_auth) ? AUTH_KEY : 0, 4);
        send_one(os, h->seq, 2, r, sizeof r, now);
        return true;
    }
    default:
        dnp3kit_os_respond_null(os, h->seq, DNP3KIT_IIN_NO_FUNC_CODE_SUPPORT, now);
        return true;
    }
}
