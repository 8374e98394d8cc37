/*
 * File transfer (g70, IEEE 1815-2012 A.27) over the blocking API: each call
 * builds one free-format (qualifier 0x5B) object, sends it with a RAW task
 * and checks the answer's g70 object. Layouts: see tests/harness/files.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3kit/app.h"
#include "dnp3kit/master.h"

static void put(uint8_t *p, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

const char *dnp3kit_file_status_name(uint8_t s)
{
    switch (s) {
    case 0: return "SUCCESS";
    case 1: return "PERMISSION_DENIED";
    case 2: return "INVALID_MODE";
    case 3: return "FILE_NOT_FOUND";
    case 4: return "FILE_LOCKED";
    case 5: return "TOO_MANY_OPEN";
    case 6: return "INVALID_HANDLE";
    case 7: return "WRITE_BLOCK_SIZE";
    case 8: return "COMM_LOST";
    case 9: return "CANNOT_ABORT";
    case 16: return "NOT_OPENED";
    case 17: return "HANDLE_EXPIRED";
    case 18: return "BUFFER_OVERRUN";
    case 19: return "FATAL";
    case 20: return "BLOCK_SEQ";
    default: return "UNDEFINED";
    }
}

static int fail(dnp3kit_error_detail *err, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static int fail(dnp3kit_error_detail *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        dnp3kit_error_detail_clear(err);
        err->code = code;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Send one g70 object with func; the answer's g70 object of variation want, its octets in *obj. */
static int exchange(dnp3kit_master *m, uint8_t func, uint8_t var, const uint8_t *o, size_t n, uint8_t want,
                    dnp3kit_master_result *r, uint8_t **obj, size_t *olen, dnp3kit_error_detail *err)
{
    *obj = NULL;
    *olen = 0;
    uint8_t *b = malloc(n + 6);
    if (!b)
        return fail(err, DNP3KIT_ERR_NOMEM, "out of memory");
    b[0] = 70;
    b[1] = var;
    b[2] = 0x5B;
    b[3] = 1;
    put(b + 4, n, 2);
    memcpy(b + 6, o, n);
    dnp3kit_master_request rq = {0};
    rq.type = DNP3KIT_TASK_RAW;
    rq.func = func;
    rq.objects = b;
    rq.objects_len = n + 6;
    int rc = dnp3kit_master_run(m, &rq, r, err);
    free(b);
    if (rc != DNP3KIT_OK)
        return rc;
    for (size_t i = 0; i < r->nobjects; i++) {
        const dnp3kit_master_object *x = &r->objects[i];
        if (x->group != 70)
            continue;
        /* the whole object again, from its fields (every g70 row ends with an OCTETS field) */
        size_t total = 0;
        for (unsigned f = 0; f < x->nfields; f++)
            total += x->fields[f].type == DNP3KIT_FT_OCTETS ? x->fields[f].octets_len
                                                             : dnp3kit_field_width(x->fields[f].type);
        uint8_t *buf = malloc(total + 1);
        if (!buf)
            return fail(err, DNP3KIT_ERR_NOMEM, "out of memory");
        size_t k = 0;
        for (unsigned f = 0; f < x->nfields; f++) {
            const dnp3kit_master_field *fd = &x->fields[f];
            if (fd->type == DNP3KIT_FT_OCTETS) {
                memcpy(buf + k, dnp3kit_master_field_octets(r, fd), fd->octets_len);
                k += fd->octets_len;
            } else {
                unsigned w = dnp3kit_field_width(fd->type);
                put(buf + k, fd->v.u, w);
                k += w;
            }
        }
        if (x->variation == want || (x->variation == 4 && want != 4) || (x->variation == 6 && want == 5)) {
            *obj = buf;
            *olen = k;
            return x->variation == want ? DNP3KIT_OK : (int)x->variation; /* a status instead: caller decides */
        }
        free(buf);
    }
    return fail(err, DNP3KIT_ERR_PROTOCOL, "%s answered without a g70v%u object", dnp3kit_app_func_name(func), want);
}

/* A status object (g70v4: status at 12, g70v6: at 8) that is not SUCCESS as an error. */
static int status_error(dnp3kit_error_detail *err, uint8_t func, const uint8_t *o, size_t n, unsigned at)
{
    uint8_t st = n > at ? o[at] : 255;
    if (st == 0)
        return DNP3KIT_OK;
    char what[64];
    snprintf(what, sizeof what, "%s refused: %s", dnp3kit_app_func_name(func), dnp3kit_file_status_name(st));
    return fail(err, DNP3KIT_ERR_PROTOCOL, "%s (status %u)", what, st);
}

int dnp3kit_master_file_authenticate(dnp3kit_master *m, const char *user, const char *password, uint32_t *key,
                                     dnp3kit_error_detail *err)
{
    size_t ul = strlen(user), pl = strlen(password);
    if (ul > 255 || pl > 255)
        return fail(err, DNP3KIT_ERR_ARG, "user name and password: at most 255 characters each");
    uint8_t o[12 + 512];
    put(o, 12, 2);
    put(o + 2, ul, 2);
    put(o + 4, 12 + ul, 2);
    put(o + 6, pl, 2);
    put(o + 8, 0, 4);
    memcpy(o + 12, user, ul);
    memcpy(o + 12 + ul, password, pl);
    dnp3kit_master_result r = {0};
    uint8_t *a = NULL;
    size_t n;
    int rc = exchange(m, DNP3KIT_FC_AUTHENTICATE_FILE, 2, o, 12 + ul + pl, 2, &r, &a, &n, err);
    if (rc == DNP3KIT_OK && n < 12)
        rc = fail(err, DNP3KIT_ERR_PROTOCOL, "AUTHENTICATE_FILE answer of %zu octets", n);
    if (rc == DNP3KIT_OK) {
        *key = (uint32_t)le(a + 8, 4);
        if (*key == 0)
            rc = fail(err, DNP3KIT_ERR_PROTOCOL, "the outstation refused the user name or password for '%s'", user);
    } else if (rc > 0) {
        rc = fail(err, DNP3KIT_ERR_PROTOCOL, "AUTHENTICATE_FILE answered with g70v%d", rc);
    }
    free(a);
    dnp3kit_master_result_free(&r);
    return rc;
}

/* g70v3 file command for name (OPEN_FILE, DELETE_FILE). */
static size_t file_command(uint8_t *o, const char *name, size_t nl, uint32_t key, uint32_t size, unsigned mode,
                           uint16_t block)
{
    memset(o, 0, 26);
    put(o, 26, 2);
    put(o + 2, nl, 2);
    put(o + 10, key, 4);
    put(o + 14, size, 4);
    put(o + 18, mode, 2);
    put(o + 20, block, 2);
    put(o + 22, 0x1D, 2); /* request id */
    memcpy(o + 26, name, nl);
    return 26 + nl;
}

int dnp3kit_master_file_open(dnp3kit_master *m, const char *name, dnp3kit_file_mode mode, uint32_t auth_key,
                             uint32_t *size, uint16_t *block, uint32_t *handle, dnp3kit_error_detail *err)
{
    size_t nl = strlen(name);
    if (nl > 1024)
        return fail(err, DNP3KIT_ERR_ARG, "file name longer than 1024 characters");
    uint8_t o[26 + 1024];
    size_t n = file_command(o, name, nl, auth_key, mode == DNP3KIT_FILE_WRITE ? *size : 0, mode, *block);
    dnp3kit_master_result r = {0};
    uint8_t *a = NULL;
    size_t al;
    int rc = exchange(m, DNP3KIT_FC_OPEN_FILE, 3, o, n, 4, &r, &a, &al, err);
    if (rc == DNP3KIT_OK && al < 13)
        rc = fail(err, DNP3KIT_ERR_PROTOCOL, "OPEN_FILE status of %zu octets", al);
    if (rc == DNP3KIT_OK && (rc = status_error(err, DNP3KIT_FC_OPEN_FILE, a, al, 12)) != DNP3KIT_OK)
        snprintf(err->message + strlen(err->message), sizeof err->message - strlen(err->message), " for '%s'",
                 name);
    if (rc == DNP3KIT_OK) {
        *handle = (uint32_t)le(a, 4);
        if (mode == DNP3KIT_FILE_READ)
            *size = (uint32_t)le(a + 4, 4);
        uint16_t granted = (uint16_t)le(a + 8, 2);
        if (granted == 0)
            rc = fail(err, DNP3KIT_ERR_PROTOCOL, "OPEN_FILE granted a block size of 0 for '%s'", name);
        else if (granted < *block || *block == 0)
            *block = granted;
    }
    free(a);
    dnp3kit_master_result_free(&r);
    return rc;
}

int dnp3kit_master_file_read(dnp3kit_master *m, uint32_t handle, uint32_t block, uint8_t *buf, size_t cap,
                             size_t *n, bool *last, dnp3kit_error_detail *err)
{
    uint8_t o[8];
    put(o, handle, 4);
    put(o + 4, block, 4);
    dnp3kit_master_result r = {0};
    uint8_t *a = NULL;
    size_t al;
    int rc = exchange(m, DNP3KIT_FC_READ, 5, o, 8, 5, &r, &a, &al, err);
    if (rc == 6 || rc == 4)
        rc = status_error(err, DNP3KIT_FC_READ, a, al, rc == 6 ? 8 : 12);
    if (rc == DNP3KIT_OK) {
        uint32_t b = al >= 8 ? (uint32_t)le(a + 4, 4) : 0;
        if (al < 8 || (uint32_t)le(a, 4) != handle || (b & 0x7FFFFFFFu) != block)
            rc = fail(err, DNP3KIT_ERR_PROTOCOL, "READ of block %u answered with another handle or block", block);
        else if (al - 8 > cap)
            rc = fail(err, DNP3KIT_ERR_PROTOCOL, "block %u is larger than the block size granted", block);
        else {
            memcpy(buf, a + 8, al - 8);
            *n = al - 8;
            *last = (b & 0x80000000u) != 0;
        }
    }
    free(a);
    dnp3kit_master_result_free(&r);
    return rc;
}

int dnp3kit_master_file_write(dnp3kit_master *m, uint32_t handle, uint32_t block, bool last, const uint8_t *data,
                              size_t n, dnp3kit_error_detail *err)
{
    uint8_t *o = malloc(8 + n);
    if (!o)
        return fail(err, DNP3KIT_ERR_NOMEM, "out of memory");
    put(o, handle, 4);
    put(o + 4, block | (last ? 0x80000000u : 0), 4);
    if (n)
        memcpy(o + 8, data, n);
    dnp3kit_master_result r = {0};
    uint8_t *a = NULL;
    size_t al;
    int rc = exchange(m, DNP3KIT_FC_WRITE, 5, o, 8 + n, 6, &r, &a, &al, err);
    free(o);
    if (rc == 4)
        rc = status_error(err, DNP3KIT_FC_WRITE, a, al, 12);
    else if (rc == DNP3KIT_OK)
        rc = status_error(err, DNP3KIT_FC_WRITE, a, al, 8);
    free(a);
    dnp3kit_master_result_free(&r);
    return rc;
}

int dnp3kit_master_file_close(dnp3kit_master *m, uint32_t handle, dnp3kit_error_detail *err)
{
    uint8_t o[13] = {0};
    put(o, handle, 4);
    put(o + 10, 0x1D, 2);
    dnp3kit_master_result r = {0};
    uint8_t *a = NULL;
    size_t al;
    int rc = exchange(m, DNP3KIT_FC_CLOSE_FILE, 4, o, sizeof o, 4, &r, &a, &al, err);
    if (rc == DNP3KIT_OK)
        rc = status_error(err, DNP3KIT_FC_CLOSE_FILE, a, al, 12);
    free(a);
    dnp3kit_master_result_free(&r);
    return rc;
}

int dnp3kit_master_file_delete(dnp3kit_master *m, const char *name, uint32_t auth_key, dnp3kit_error_detail *err)
{
    size_t nl = strlen(name);
    if (nl > 1024 || nl == 0)
        return fail(err, DNP3KIT_ERR_ARG, "file name: 1 to 1024 characters");
    uint8_t o[26 + 1024];
    size_t n = file_command(o, name, nl, auth_key, 0, 0, 0);
    dnp3kit_master_result r = {0};
    uint8_t *a = NULL;
    size_t al;
    int rc = exchange(m, DNP3KIT_FC_DELETE_FILE, 3, o, n, 4, &r, &a, &al, err);
    if (rc == DNP3KIT_OK && (rc = status_error(err, DNP3KIT_FC_DELETE_FILE, a, al, 12)) != DNP3KIT_OK)
        snprintf(err->message + strlen(err->message), sizeof err->message - strlen(err->message), " for '%s'",
                 name);
    free(a);
    dnp3kit_master_result_free(&r);
    return rc;
}

int dnp3kit_file_parse_directory(const uint8_t *p, size_t len, dnp3kit_file_info **out, size_t *n,
                                 dnp3kit_error_detail *err)
{
    size_t cnt = 0, cap = 0, off = 0;
    dnp3kit_file_info *v = NULL;
    *out = NULL;
    *n = 0;
    while (off < len) {
        if (len - off < 20 || le(p + off, 2) != 20 || len - off - 20 < le(p + off + 2, 2)) {
            free(v);
            return fail(err, DNP3KIT_ERR_INVALID, "directory entry %zu: descriptor truncated or malformed", cnt);
        }
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            dnp3kit_file_info *nv = realloc(v, cap * sizeof *v);
            if (!nv) {
                free(v);
                return fail(err, DNP3KIT_ERR_NOMEM, "out of memory");
            }
            v = nv;
        }
        dnp3kit_file_info *e = &v[cnt++];
        memset(e, 0, sizeof *e);
        size_t nl = (size_t)le(p + off + 2, 2);
        e->type = (uint16_t)le(p + off + 4, 2);
        e->size = (uint32_t)le(p + off + 6, 4);
        e->time_ms = le(p + off + 10, 6);
        e->permissions = (uint16_t)le(p + off + 16, 2);
        e->name_len = nl < sizeof e->name - 1 ? nl : sizeof e->name - 1;
        memcpy(e->name, p + off + 20, e->name_len);
        off += 20 + nl;
    }
    *out = v;
    *n = cnt;
    return DNP3KIT_OK;
}

int dnp3kit_master_file_info(dnp3kit_master *m, const char *name, dnp3kit_file_info *info, dnp3kit_error_detail *err)
{
    size_t nl = strlen(name);
    if (nl > 1024)
        return fail(err, DNP3KIT_ERR_ARG, "file name longer than 1024 characters");
    uint8_t o[20 + 1024] = {0};
    put(o, 20, 2);
    put(o + 2, nl, 2);
    memcpy(o + 20, name, nl);
    dnp3kit_master_result r = {0};
    uint8_t *a = NULL;
    size_t al;
    int rc = exchange(m, DNP3KIT_FC_GET_FILE_INFO, 7, o, 20 + nl, 7, &r, &a, &al, err);
    if (rc == 4) {
        rc = status_error(err, DNP3KIT_FC_GET_FILE_INFO, a, al, 12);
        if (rc != DNP3KIT_OK)
            snprintf(err->message + strlen(err->message), sizeof err->message - strlen(err->message), " for '%s'",
                     name);
    } else if (rc == DNP3KIT_OK) {
        dnp3kit_file_info *v = NULL;
        size_t k = 0;
        rc = dnp3kit_file_parse_directory(a, al, &v, &k, err);
        if (rc == DNP3KIT_OK && k == 1)
            *info = v[0];
        else if (rc == DNP3KIT_OK)
            rc = fail(err, DNP3KIT_ERR_PROTOCOL, "GET_FILE_INFO answered with %zu descriptors", k);
        free(v);
    }
    free(a);
    dnp3kit_master_result_free(&r);
    return rc;
}
