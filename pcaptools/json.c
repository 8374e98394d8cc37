/* A small recursive-descent JSON reader (see json.h). */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct parser {
    const char *p, *end, *start;
    char *err;
    size_t errcap;
    bool failed;
} parser;

static void fail(parser *ps, const char *what)
{
    if (ps->failed)
        return;
    ps->failed = true;
    size_t line = 1, col = 1;
    for (const char *q = ps->start; q < ps->p && q < ps->end; q++) {
        if (*q == '\n')
            line++, col = 1;
        else
            col++;
    }
    if (ps->err && ps->errcap)
        snprintf(ps->err, ps->errcap, "line %zu, column %zu: %s", line, col, what);
}

static void ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static void free_inner(jsn *v)
{
    if (!v)
        return;
    free(v->str);
    for (size_t k = 0; k < v->n; k++) {
        free_inner(&v->items[k]);
        if (v->keys)
            free(v->keys[k]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

void jsn_free(jsn *v)
{
    free_inner(v);
    free(v);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool hex4(parser *ps, unsigned *out)
{
    if (ps->end - ps->p < 4) {
        fail(ps, "\\u needs four hex digits");
        return false;
    }
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(ps->p[k]);
        if (h < 0) {
            fail(ps, "\\u needs four hex digits");
            return false;
        }
        v = v << 4 | (unsigned)h;
    }
    ps->p += 4;
    *out = v;
    return true;
}

static size_t utf8(unsigned cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* At the opening quote; returns a malloc'd, unescaped string. */
static char *string(parser *ps)
{
    ps->p++; /* " */
    /* The unescaped text is never longer than the escaped one. */
    const char *q = ps->p;
    while (q < ps->end && *q != '"')
        q += (*q == '\\' && q + 1 < ps->end) ? 2 : 1;
    if (q >= ps->end) {
        fail(ps, "unterminated string");
        return NULL;
    }
    char *s = malloc((size_t)(q - ps->p) + 1);
    if (!s) {
        fail(ps, "out of memory");
        return NULL;
    }
    size_t n = 0;
    while (ps->p < ps->end && *ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p;
        if (c < 0x20) {
            fail(ps, "control character in a string");
            free(s);
            return NULL;
        }
        if (c != '\\') {
            s[n++] = (char)c;
            ps->p++;
            continue;
        }
        ps->p++;
        char e = ps->p < ps->end ? *ps->p++ : '\0';
        switch (e) {
        case '"': s[n++] = '"'; break;
        case '\\': s[n++] = '\\'; break;
        case '/': s[n++] = '/'; break;
        case 'b': s[n++] = '\b'; break;
        case 'f': s[n++] = '\f'; break;
        case 'n': s[n++] = '\n'; break;
        case 'r': s[n++] = '\r'; break;
        case 't': s[n++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (!hex4(ps, &cp)) {
                free(s);
                return NULL;
            }
            if (cp >= 0xD800 && cp < 0xDC00) {
                unsigned lo;
                if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') {
                    fail(ps, "lone surrogate in \\u escape");
                    free(s);
                    return NULL;
                }
                ps->p += 2;
                if (!hex4(ps, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
                    fail(ps, "lone surrogate in \\u escape");
                    free(s);
                    return NULL;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                fail(ps, "lone surrogate in \\u escape");
                free(s);
                return NULL;
            }
            if (cp == 0) {
                fail(ps, "\\u0000 in a string");
                free(s);
                return NULL;
            }
            n += utf8(cp, s + n); /* \uXXXX is 6 octets, its UTF-8 at most 3; a pair 12 and 4 */
            break;
        }
        default:
            fail(ps, "invalid escape in a string");
            free(s);
            return NULL;
        }
    }
    ps->p++; /* " */
    s[n] = '\0';
    return s;
}

/* One or more digits (RFC 8259 int/frac/exp parts), else "invalid number". */
static bool digits(parser *ps)
{
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
        fail(ps, "invalid number");
        return false;
    }
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
        ps->p++;
    return true;
}

static bool number(parser *ps, jsn *v)
{
    const char *b = ps->p;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p < ps->end && *ps->p == '0')
        ps->p++; /* no leading zeros: "01" stops after the 0 */
    else if (!digits(ps))
        return false;
    bool integral = true;
    if (ps->p < ps->end && *ps->p == '.') {
        integral = false;
        ps->p++;
        if (!digits(ps))
            return false;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        integral = false;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (!digits(ps))
            return false;
    }
    char buf[64];
    size_t n = (size_t)(ps->p - b);
    if (n >= sizeof buf) {
        fail(ps, "number too long");
        return false;
    }
    memcpy(buf, b, n);
    buf[n] = '\0';
    v->type = JSN_NUMBER;
    v->num = strtod(buf, NULL);
    if (integral && n <= 18) { /* fits int64 without overflow */
        v->is_int = true;
        v->i = strtoll(buf, NULL, 10);
    }
    return true;
}

static bool literal(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
        fail(ps, "unexpected character");
        return false;
    }
    ps->p += n;
    return true;
}

static bool value(parser *ps, jsn *v, int depth);

static bool grow(parser *ps, jsn *v, size_t *cap, bool keys)
{
    if (v->n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 4;
    jsn *ni = realloc(v->items, nc * sizeof *ni);
    if (!ni) {
        fail(ps, "out of memory");
        return false;
    }
    v->items = ni;
    if (keys) {
        char **nk = realloc(v->keys, nc * sizeof *nk);
        if (!nk) {
            fail(ps, "out of memory");
            return false;
        }
        v->keys = nk;
    }
    *cap = nc;
    return true;
}

static bool container(parser *ps, jsn *v, int depth, bool object)
{
    if (depth >= JSN_MAX_DEPTH) {
        fail(ps, "nested too deeply");
        return false;
    }
    char close = object ? '}' : ']';
    v->type = object ? JSN_OBJECT : JSN_ARRAY;
    ps->p++;
    ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        return true;
    }
    size_t cap = 0;
    for (;;) {
        if (!grow(ps, v, &cap, object))
            return false;
        jsn *item = &v->items[v->n];
        memset(item, 0, sizeof *item);
        if (object) {
            v->keys[v->n] = NULL;
            ws(ps);
            if (ps->p >= ps->end || *ps->p != '"') {
                fail(ps, "expected a member name");
                return false;
            }
            char *k = string(ps);
            if (!k)
                return false;
            v->keys[v->n] = k;
            ws(ps);
            if (ps->p >= ps->end || *ps->p != ':') {
                v->n++;
                fail(ps, "expected ':'");
                return false;
            }
            ps->p++;
        }
        v->n++;
        if (!value(ps, item, depth + 1))
            return false;
        ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            return true;
        }
        fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
        return false;
    }
}

static bool value(parser *ps, jsn *v, int depth)
{
    ws(ps);
    if (ps->p >= ps->end) {
        fail(ps, "unexpected end of input");
        return false;
    }
    switch (*ps->p) {
    case '{': return container(ps, v, depth, true);
    case '[': return container(ps, v, depth, false);
    case '"':
        v->type = JSN_STRING;
        v->str = string(ps);
        return v->str != NULL;
    case 't':
        v->type = JSN_BOOL;
        v->b = true;
        return literal(ps, "true");
    case 'f':
        v->type = JSN_BOOL;
        return literal(ps, "false");
    case 'n':
        v->type = JSN_NULL;
        return literal(ps, "null");
    default: return number(ps, v);
    }
}

jsn *jsn_parse(const char *text, size_t len, char *err, size_t errcap)
{
    parser ps = {text, text + len, text, err, errcap, false};
    jsn *v = calloc(1, sizeof *v);
    if (!v) {
        if (err && errcap)
            snprintf(err, errcap, "out of memory");
        return NULL;
    }
    if (value(&ps, v, 0)) {
        ws(&ps);
        if (ps.p != ps.end)
            fail(&ps, "text after the JSON value");
    }
    if (ps.failed) {
        jsn_free(v);
        return NULL;
    }
    return v;
}

const jsn *jsn_get(const jsn *v, const char *key)
{
    if (!v || v->type != JSN_OBJECT)
        return NULL;
    for (size_t k = 0; k < v->n; k++)
        if (v->keys[k] && !strcmp(v->keys[k], key))
            return &v->items[k];
    return NULL;
}
