/*
 * Text and JSON renderers for application fragments and link frames.
 *
 * Output is streamed through the caller's sink via a small local buffer:
 * a 2048-octet fragment of packed bits is 16384 points, so nothing here is
 * ever built whole in memory, and the buffer only saves sink calls.
 * Fragments are walked with the same iterators every other consumer uses
 * (app.c for object headers, points.c for objects), and each field is
 * rendered from the catalogue's field list, so a new variation needs no
 * change here (DESIGN.md principle 2).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dnp3kit/app.h"
#include "dnp3kit/catalog.h"
#include "dnp3kit/render.h"
#include "dnp3kit/values.h"

/* ---- buffered writer ---- */

typedef struct wbuf {
    const dnp3kit_out *out;
    size_t n;
    char b[2048];
} wbuf;

static void flush(wbuf *w)
{
    if (w->n && w->out && w->out->write)
        w->out->write(w->out->user, w->b, w->n);
    w->n = 0;
}

static void put(wbuf *w, const char *s, size_t n)
{
    if (n > sizeof w->b - w->n) {
        flush(w);
        /* Large pieces (long names, caller strings) go straight through. */
        if (n > sizeof w->b) {
            if (w->out && w->out->write)
                w->out->write(w->out->user, s, n);
            return;
        }
    }
    memcpy(w->b + w->n, s, n);
    w->n += n;
}

static void putstr(wbuf *w, const char *s) { put(w, s, strlen(s)); }

static void putf(wbuf *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void putf(wbuf *w, const char *fmt, ...)
{
    /* Format in place when it fits; otherwise flush and try once more with
     * the whole buffer. Items are short (a number, a name), so the cut at
     * sizeof b - 1 only matters for absurd input. */
    for (int pass = 0; pass < 2; pass++) {
        size_t room = sizeof w->b - w->n;
        va_list ap;
        va_start(ap, fmt);
        int r = vsnprintf(w->b + w->n, room, fmt, ap);
        va_end(ap);
        if (r < 0)
            return;
        if ((size_t)r < room) {
            w->n += (size_t)r;
            return;
        }
        if (pass == 0 && w->n > 0) {
            flush(w);
            continue;
        }
        w->n = sizeof w->b - 1; /* cut: what vsnprintf wrote, minus its NUL */
        return;
    }
}

static const char hexdig[] = "0123456789abcdef";

/* RFC 8259 section 7: quote, backslash and C0 controls must be escaped.
 * Octets >= 0x80 are escaped as \u00XX too, because the input is octets of
 * unknown encoding (device names, octet strings) and invalid UTF-8 would
 * make the whole document invalid JSON; this maps each octet to the code
 * point of the same value (Latin-1), which is lossless. */
static void jstr(wbuf *w, const char *s, size_t n)
{
    put(w, "\"", 1);
    size_t run = 0; /* start of the pending run of octets needing no escape */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[6];
        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c == '\b')
            esc = "\\b";
        else if (c == '\f')
            esc = "\\f";
        else if (c >= 0x20 && c < 0x7F)
            continue;
        if (i > run)
            put(w, s + run, i - run);
        run = i + 1;
        if (esc) {
            put(w, esc, 2);
        } else {
            /* other C0 controls, DEL (allowed raw, escaped for readability) and >= 0x80 */
            u[0] = '\\';
            u[1] = 'u';
            u[2] = '0';
            u[3] = '0';
            u[4] = hexdig[c >> 4];
            u[5] = hexdig[c & 15];
            put(w, u, 6);
        }
    }
    if (n > run)
        put(w, s + run, n - run);
    put(w, "\"", 1);
}

static void jcstr(wbuf *w, const char *s)
{
    if (s)
        jstr(w, s, strlen(s));
    else
        put(w, "null", 4);
}

/* Member key with the comma that separates it from the previous one. */
static void jkey(wbuf *w, bool *first, const char *k)
{
    if (!*first)
        put(w, ",", 1);
    *first = false;
    jcstr(w, k);
    put(w, ":", 1);
}

/* ---- public helpers ---- */

void dnp3kit_outf(const dnp3kit_out *out, const char *fmt, ...)
{
    if (!out || !out->write || !fmt)
        return;
    char buf[1025];
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (r <= 0)
        return;
    size_t n = (size_t)r < sizeof buf ? (size_t)r : sizeof buf - 1;
    out->write(out->user, buf, n);
}

void dnp3kit_json_string(const dnp3kit_out *out, const char *s, size_t n)
{
    if (!out)
        return;
    wbuf w;
    w.out = out;
    w.n = 0;
    jstr(&w, s ? s : "", s ? n : 0);
    flush(&w);
}

/* Days since 1970-01-01 to a proleptic Gregorian date. Shift the epoch to
 * 0000-03-01 so the leap day is the last day of the (March-based) year,
 * then split into 400-year eras of 146097 days, which repeat exactly. All
 * quantities are non-negative because ms is unsigned. */
static void civil_from_days(uint64_t days, uint64_t *y, unsigned *m, unsigned *d)
{
    uint64_t z = days + 719468; /* days from 0000-03-01 to 1970-01-01 */
    uint64_t era = z / 146097;
    uint64_t doe = z - era * 146097;                                      /* [0, 146096] */
    uint64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    uint64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    uint64_t mp = (5 * doy + 2) / 153;                                    /* March = 0 */
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Digits by hand, not snprintf: a time is formatted for every event in a
 * dissector tree or a decode, and printf's parsing cost about 3,400
 * instructions a call. */
static char *put_digits(char *p, uint64_t v, int width)
{
    char d[24];
    int n = 0;
    do
        d[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n < width)
        d[n++] = '0';
    while (n)
        *p++ = d[--n];
    return p;
}

int dnp3kit_format_time_ms(uint64_t ms, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return DNP3KIT_ERR_ARG;
    uint64_t days = ms / 86400000u;
    uint64_t rem = ms % 86400000u;
    uint64_t y;
    unsigned mo, d;
    civil_from_days(days, &y, &mo, &d);
    /* YYYY-MM-DDTHH:MM:SS.mmmZ, the year at least four digits */
    char t[48], *p = put_digits(t, y, 4);
    *p++ = '-';
    p = put_digits(p, mo, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, rem / 3600000u, 2);
    *p++ = ':';
    p = put_digits(p, rem / 60000u % 60u, 2);
    *p++ = ':';
    p = put_digits(p, rem / 1000u % 60u, 2);
    *p++ = '.';
    p = put_digits(p, rem % 1000u, 3);
    *p++ = 'Z';
    size_t n = (size_t)(p - t);
    if (n >= cap) {
        buf[0] = '\0';
        return DNP3KIT_ERR_BUFFER;
    }
    memcpy(buf, t, n);
    buf[n] = '\0';
    return (int)n;
}

/* ---- value formatting shared by text and JSON ---- */

/* %.17g (F64) / %.9g (F32) round-trip their type exactly. The decimal point
 * comes from the C locale only if nobody called setlocale(); a host such as
 * Wireshark may have, so anything that is not a digit, sign or exponent is
 * forced back to '.'. NaN and infinities are not JSON numbers: they are
 * written as the strings JavaScript's Number() accepts. */
static void put_float(wbuf *w, double v, bool f32, bool json)
{
    if (isnan(v)) {
        putstr(w, json ? "\"NaN\"" : "NaN");
        return;
    }
    if (isinf(v)) {
        putstr(w, v > 0 ? (json ? "\"Infinity\"" : "Infinity") : (json ? "\"-Infinity\"" : "-Infinity"));
        return;
    }
    char b[40];
    int r = f32 ? dnp3kit_format_f32((float)v, b, sizeof b) : snprintf(b, sizeof b, "%.17g", v);
    if (r <= 0)
        return;
    size_t n = (size_t)r < sizeof b ? (size_t)r : sizeof b - 1;
    for (size_t i = 0; i < n; i++) {
        char c = b[i];
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == 'e' || c == 'E'))
            b[i] = '.';
    }
    put(w, b, n);
}

/* m * 10^e by repeated multiplication in double: the read-back rule of
 * dnp3kit_format_f32, shared by its printf and its integer paths so that both
 * pick the same number of digits. */
static double times_pow10(double m, int e)
{
    double p = 1;
    for (int k = 0; k < (e < 0 ? -e : e); k++)
        p *= 10;
    return e < 0 ? m / p : m * p;
}

/* The value of snprintf's "%e" text, digit by digit (strtof is outside the
 * core's libc allowlist). Any non-digit before the exponent is the decimal
 * point, whatever the locale. Exact enough to tell floats apart: the error is
 * a few double ulps, a float ulp is 2^29 of them. */
static double parse_e(const char *s)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    double m = 0;
    int frac = 0;
    bool dot = false;
    for (; *s && *s != 'e' && *s != 'E'; s++) {
        if (*s >= '0' && *s <= '9') {
            m = m * 10 + (*s - '0');
            frac += dot;
        } else {
            dot = true;
        }
    }
    int e = 0;
    if (*s) {
        s++;
        bool eneg = *s == '-';
        if (*s == '-' || *s == '+')
            s++;
        for (; *s >= '0' && *s <= '9'; s++)
            e = e * 10 + (*s - '0');
        if (eneg)
            e = -e;
    }
    double v = times_pow10(m, e - frac);
    return neg ? -v : v;
}

/* The fewest digits (6 to 9) that read back as the same float: 0.1f is
 * "0.1", not "0.100000001" (%.9g) or "0.100000001490116" (as a double).
 * f32_slow is the definition; f32_fast gives the same text without printf
 * for the floats analog values are made of (about 1e-4 to 1e12), where
 * each candidate's digits fit 64-bit integers exactly. */
static int f32_slow(float v, char *buf, size_t cap)
{
    if (isnan(v) || isinf(v))
        return snprintf(buf, cap, "%g", (double)v);
    int p = 6;
    for (; p < 9; p++) {
        char e[40];
        snprintf(e, sizeof e, "%.*e", p - 1, (double)v);
        if ((float)parse_e(e) == v)
            break;
    }
    return snprintf(buf, cap, "%.*g", p, (double)v);
}

static const uint64_t pow10_u64[20] = {1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull,
                                       10000000ull, 100000000ull, 1000000000ull, 10000000000ull,
                                       100000000000ull, 1000000000000ull, 10000000000000ull,
                                       100000000000000ull, 1000000000000000ull, 10000000000000000ull,
                                       100000000000000000ull, 1000000000000000000ull,
                                       10000000000000000000ull};

/* m * 2^b * 10^s rounded to the nearest integer, ties to even (as printf
 * rounds), computed exactly; false when an operand would not fit. */
static bool scaled_round(uint64_t m, int b, int s, uint64_t *q)
{
    uint64_t n = m, d = 1;
    if (b > 0) {
        if (b > 39) /* m < 2^24 */
            return false;
        n <<= b;
    } else if (b < 0) {
        if (b < -61)
            return false;
        d <<= -b;
    }
    if (s > 0) {
        if (s > 19 || n > UINT64_MAX / pow10_u64[s])
            return false;
        n *= pow10_u64[s];
    } else if (s < 0) {
        if (s < -19 || d > (UINT64_MAX >> 1) / pow10_u64[-s])
            return false;
        d *= pow10_u64[-s];
    }
    uint64_t qq = n / d, r = n % d;
    if (2 * r > d || (2 * r == d && (qq & 1)))
        qq++;
    *q = qq;
    return true;
}

/* p significant digits of |v| (m * 2^b): q (10^(p-1) <= q < 10^p) and the
 * decimal exponent x of its first digit, as %.*e with p - 1 would print. */
static bool digits_of(uint64_t m, int b, int x0, int p, uint64_t *q, int *x)
{
    int e = x0;
    for (int tries = 0; tries < 4; tries++) {
        if (!scaled_round(m, b, p - 1 - e, q))
            return false;
        if (*q >= pow10_u64[p])
            e++;
        else if (*q < pow10_u64[p - 1])
            e--;
        else {
            *x = e;
            return true;
        }
    }
    return false;
}

/* parse_e of the %.*e text for (q, x, p): the same double arithmetic */
static bool reads_back(uint64_t q, int x, int p, float a) { return (float)times_pow10((double)q, x - (p - 1)) == a; }

static int f32_fast(float v, char *buf, size_t cap)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    bool neg = u >> 31;
    unsigned ex = (u >> 23) & 0xFF;
    uint64_t m = u & 0x7FFFFF;
    if (ex == 0xFF)
        return -1;
    char t[48], *o = t;
    if (neg)
        *o++ = '-';
    if (ex == 0 && m == 0) {
        *o++ = '0';
    } else {
        int b = ex ? (int)ex - 150 : -149;
        if (ex)
            m |= 0x800000;
        while (!(m & 1)) {
            m >>= 1;
            b++;
        }
        float a = neg ? -v : v;
        /* first estimate of the decimal exponent: 2^e2 <= a < 2^(e2+1), and
         * floor(e2 * log10(2)) by 78913 / 2^18 (exact for |e2| < 1000);
         * digits_of corrects it by one where the estimate falls short */
        int e2 = b;
        for (uint64_t mm = m; mm > 1; mm >>= 1)
            e2++;
        long sc = (long)e2 * 78913L;
        int x0 = (int)(sc >= 0 ? sc >> 18 : -((-sc + (1L << 18) - 1) >> 18));
        uint64_t q = 0;
        int x = 0, p = 6;
        for (;; p++) {
            if (!digits_of(m, b, x0, p, &q, &x))
                return -1;
            if (p == 9 || reads_back(q, x, p, a))
                break;
        }
        char d[10];
        for (int i = p - 1; i >= 0; i--, q /= 10)
            d[i] = (char)('0' + q % 10);
        int nd = p; /* %g drops trailing zeros (and a point with nothing after it) */
        if (x < -4 || x >= p) {
            while (nd > 1 && d[nd - 1] == '0')
                nd--;
            *o++ = d[0];
            if (nd > 1) {
                *o++ = '.';
                memcpy(o, d + 1, (size_t)nd - 1);
                o += nd - 1;
            }
            *o++ = 'e';
            *o++ = x < 0 ? '-' : '+';
            o = put_digits(o, (uint64_t)(x < 0 ? -x : x), 2);
        } else if (x >= 0) {
            int ip = x + 1; /* digits before the point */
            while (nd > ip && d[nd - 1] == '0')
                nd--;
            memcpy(o, d, (size_t)ip);
            o += ip;
            if (nd > ip) {
                *o++ = '.';
                memcpy(o, d + ip, (size_t)(nd - ip));
                o += nd - ip;
            }
        } else {
            while (d[nd - 1] == '0')
                nd--;
            *o++ = '0';
            *o++ = '.';
            for (int k = 0; k < -x - 1; k++)
                *o++ = '0';
            memcpy(o, d, (size_t)nd);
            o += nd;
        }
    }
    size_t n = (size_t)(o - t);
    if (cap) {
        size_t c = n < cap - 1 ? n : cap - 1;
        memcpy(buf, t, c);
        buf[c] = '\0';
    }
    return (int)n;
}

int dnp3kit_format_f32(float v, char *buf, size_t cap)
{
    int r = f32_fast(v, buf, cap);
    return r >= 0 ? r : f32_slow(v, buf, cap);
}

static void put_time(wbuf *w, uint64_t ms)
{
    char b[48];
    if (dnp3kit_format_time_ms(ms, b, sizeof b) > 0)
        putstr(w, b);
}

static void put_hex(wbuf *w, const uint8_t *p, size_t n)
{
    char b[64];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        b[k++] = hexdig[p[i] >> 4];
        b[k++] = hexdig[p[i] & 15];
        if (k == sizeof b) {
            put(w, b, k);
            k = 0;
        }
    }
    put(w, b, k);
}

static const char *const dbit_names[4] = {"INTERMEDIATE", "OFF", "ON", "INDETERMINATE"};

static const char *crob_op_name(uint8_t code)
{
    switch (code & 0x0F) {
    case DNP3KIT_OP_NUL: return "NUL";
    case DNP3KIT_OP_PULSE_ON: return "PULSE_ON";
    case DNP3KIT_OP_PULSE_OFF: return "PULSE_OFF";
    case DNP3KIT_OP_LATCH_ON: return "LATCH_ON";
    case DNP3KIT_OP_LATCH_OFF: return "LATCH_OFF";
    default: return "RESERVED";
    }
}

static const char *crob_tcc_name(uint8_t code)
{
    static const char *const n[4] = {"NUL", "CLOSE", "TRIP", "RESERVED"};
    return n[(code >> 6) & 3];
}

/* ---- fragment walk ---- */

/* Remembers the most severe finding (the first one of that severity) that
 * the iterators report, so the renderer can name the defect it stopped at. */
typedef struct capture {
    dnp3kit_finding f;
    bool have;
} capture;

static void capture_fn(void *user, const dnp3kit_finding *f)
{
    capture *c = user;
    if (!c->have || dnp3kit_finding_severity(f->code) > dnp3kit_finding_severity(c->f.code)) {
        c->f = *f;
        c->have = true;
    }
}

typedef struct ctx {
    wbuf w;
    bool json;
    const char *indent;
    size_t max_points;
    bool cto_valid;  /* a g51 object was seen earlier in this fragment */
    uint64_t cto_ms; /* its time: base of RELTIME16 (clause 11.9.2) */
    capture cap;
    dnp3kit_sink sink;
} ctx;

static void put_indent(ctx *c, int depth)
{
    for (int i = 0; i < depth; i++)
        putstr(&c->w, c->indent);
}

/* Does the row carry the binary / double-bit state only inside its flags
 * octet (g1v2, g2, g4, g10v2 ...)? Then the point's normalised state is
 * rendered as "value" right after the flags. */
static bool state_in_flags(const dnp3kit_point *pt)
{
    if (pt->value_kind != DNP3KIT_VAL_BOOL && pt->value_kind != DNP3KIT_VAL_DBIT)
        return false;
    for (unsigned i = 0; i < pt->nfields && i < DNP3KIT_MAX_FIELDS; i++) {
        const dnp3kit_field_value *fv = &pt->fields[i];
        if (fv->type == DNP3KIT_FT_BIT || fv->type == DNP3KIT_FT_DBIT)
            return false;
        if (fv->name && strcmp(fv->name, "value") == 0)
            return false;
    }
    return true;
}

/* Text: " name=value" for one field. */
static void text_sep(ctx *c, bool *first)
{
    if (!*first)
        put(&c->w, " ", 1);
    *first = false;
}

static void text_state(ctx *c, bool *first, const dnp3kit_point *pt)
{
    text_sep(c, first);
    if (pt->value_kind == DNP3KIT_VAL_BOOL)
        putf(&c->w, "value=%d", pt->b ? 1 : 0);
    else
        putf(&c->w, "value=%s", dbit_names[pt->dbit & 3]);
}

static void json_state(ctx *c, bool *first, const dnp3kit_point *pt)
{
    jkey(&c->w, first, "value");
    if (pt->value_kind == DNP3KIT_VAL_BOOL) {
        putstr(&c->w, pt->b ? "true" : "false");
    } else {
        putf(&c->w, "%u", pt->dbit & 3u);
        jkey(&c->w, first, "state");
        jcstr(&c->w, dbit_names[pt->dbit & 3]);
    }
}

static void text_rel_time(ctx *c, uint64_t rel)
{
    if (c->cto_valid)
        put_time(&c->w, c->cto_ms + rel);
    else
        putf(&c->w, "+%llums(no CTO)", (unsigned long long)rel);
}

/* JSON times are RFC 3339 UTC strings (docs/json.md), like the text output. */
static void json_time(wbuf *w, uint64_t ms)
{
    put(w, "\"", 1);
    put_time(w, ms);
    put(w, "\"", 1);
}

static void json_rel_time(ctx *c, uint64_t rel)
{
    if (c->cto_valid)
        json_time(&c->w, c->cto_ms + rel);
    else
        putf(&c->w, "{\"relative_ms\":%llu}", (unsigned long long)rel);
}

/* Flags as the array of their names, the octet beside it as KEY_raw
 * (docs/json.md: the same shape as "iin"/"iin_raw"). */
static void json_flags(wbuf *w, bool *first, const char *key, uint8_t group, uint8_t flags)
{
    char b[256], k[80];
    dnp3kit_flags_format(group, flags, b, sizeof b);
    jkey(w, first, key);
    put(w, "[", 1);
    const char *s = b;
    while (*s) {
        const char *e = strchr(s, '|');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (s != b)
            put(w, ",", 1);
        put(w, "\"", 1);
        put(w, s, n);
        put(w, "\"", 1);
        s += n + (e ? 1 : 0);
    }
    put(w, "]", 1);
    snprintf(k, sizeof k, "%s_raw", key);
    jkey(w, first, k);
    putf(w, "%u", flags);
}

static bool printable(const uint8_t *p, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (p[i] < 0x20 || p[i] > 0x7E)
            return false;
    return true;
}

static void text_field(ctx *c, bool *first, const dnp3kit_field_value *fv, uint8_t group)
{
    wbuf *w = &c->w;
    const char *name = fv->name ? fv->name : "field";
    char b[256];
    text_sep(c, first);
    putf(w, "%s=", name);
    switch (fv->type) {
    case DNP3KIT_FT_FLAGS:
        dnp3kit_flags_format(group, (uint8_t)fv->v.u, b, sizeof b);
        if (b[0])
            putstr(w, b);
        else
            putf(w, "0x%02x", (unsigned)(fv->v.u & 0xFF));
        break;
    case DNP3KIT_FT_BIT:
        putstr(w, fv->v.u ? "1" : "0");
        break;
    case DNP3KIT_FT_DBIT:
        putstr(w, dbit_names[fv->v.u & 3]);
        break;
    case DNP3KIT_FT_I16:
    case DNP3KIT_FT_I32:
        putf(w, "%lld", (long long)fv->v.i);
        break;
    case DNP3KIT_FT_F32:
    case DNP3KIT_FT_F64:
        put_float(w, fv->v.f, fv->type == DNP3KIT_FT_F32, false);
        break;
    case DNP3KIT_FT_TIME48:
        put_time(w, fv->v.u);
        break;
    case DNP3KIT_FT_RELTIME16:
        text_rel_time(c, fv->v.u);
        break;
    case DNP3KIT_FT_STATUS: {
        uint8_t st = (uint8_t)fv->v.u;
        const char *sn = dnp3kit_control_status_name(st);
        if (!sn || strcmp(sn, "RESERVED") == 0)
            putf(w, "RESERVED(%u)", st);
        else
            putstr(w, sn);
        break;
    }
    case DNP3KIT_FT_CONTROL:
        dnp3kit_crob_format((uint8_t)fv->v.u, b, sizeof b);
        putf(w, "0x%02x(%s)", (unsigned)(fv->v.u & 0xFF), b);
        break;
    case DNP3KIT_FT_OCTETS:
        put_hex(w, fv->octets, fv->octets ? fv->octets_len : 0);
        if (fv->octets && printable(fv->octets, fv->octets_len)) {
            put(w, "(\"", 2);
            put(w, (const char *)fv->octets, fv->octets_len);
            put(w, "\")", 2);
        }
        break;
    default: { /* U8, U16, U32, BCD (decoded by points.c) */
        putf(w, "%llu", (unsigned long long)fv->v.u);
        const char *en = dnp3kit_enum_name(dnp3kit_field_enum(name), fv->v.u);
        if (en)
            putf(w, "(%s)", en);
        else if (group == 70 && fv->type == DNP3KIT_FT_U32 && strcmp(name, "block") == 0)
            putf(w, "(%llu%s)", (unsigned long long)(fv->v.u & DNP3KIT_FILE_BLOCK_MASK),
                 (fv->v.u & DNP3KIT_FILE_LAST_BLOCK) ? " last" : "");
        break;
    }
    }
}

static void json_field(ctx *c, bool *first, const dnp3kit_field_value *fv, uint8_t group)
{
    wbuf *w = &c->w;
    const char *name = fv->name ? fv->name : "field";
    if (fv->type == DNP3KIT_FT_FLAGS) {
        json_flags(w, first, name, group, (uint8_t)fv->v.u);
        return;
    }
    jkey(w, first, name);
    switch (fv->type) {
    case DNP3KIT_FT_TIME48:
        json_time(w, fv->v.u);
        break;
    case DNP3KIT_FT_BIT:
        putstr(w, fv->v.u ? "true" : "false");
        break;
    case DNP3KIT_FT_DBIT:
        putf(w, "%u", (unsigned)(fv->v.u & 3));
        jkey(w, first, "state");
        jcstr(w, dbit_names[fv->v.u & 3]);
        break;
    case DNP3KIT_FT_I16:
    case DNP3KIT_FT_I32:
        putf(w, "%lld", (long long)fv->v.i);
        break;
    case DNP3KIT_FT_F32:
    case DNP3KIT_FT_F64:
        put_float(w, fv->v.f, fv->type == DNP3KIT_FT_F32, true);
        break;
    case DNP3KIT_FT_RELTIME16:
        json_rel_time(c, fv->v.u);
        break;
    case DNP3KIT_FT_STATUS: {
        char k[80];
        putf(w, "%u", (unsigned)(fv->v.u & 0xFF));
        snprintf(k, sizeof k, "%s_name", name);
        jkey(w, first, k);
        jcstr(w, dnp3kit_control_status_name((uint8_t)fv->v.u));
        break;
    }
    case DNP3KIT_FT_CONTROL: {
        uint8_t code = (uint8_t)fv->v.u;
        putf(w, "%u", code);
        jkey(w, first, "op");
        jcstr(w, crob_op_name(code));
        jkey(w, first, "tcc");
        jcstr(w, crob_tcc_name(code));
        jkey(w, first, "queue");
        putstr(w, (code & DNP3KIT_CROB_QUEUE) ? "true" : "false");
        jkey(w, first, "clear");
        putstr(w, (code & DNP3KIT_CROB_CLEAR) ? "true" : "false");
        break;
    }
    case DNP3KIT_FT_OCTETS:
        put(w, "\"", 1);
        put_hex(w, fv->octets, fv->octets ? fv->octets_len : 0);
        put(w, "\"", 1);
        break;
    default: { /* U8, U16, U32, BCD */
        putf(w, "%llu", (unsigned long long)fv->v.u);
        const char *en = fv->type == DNP3KIT_FT_FLAGS ? NULL : dnp3kit_enum_name(dnp3kit_field_enum(name), fv->v.u);
        if (en) {
            char k[80];
            snprintf(k, sizeof k, "%s_name", name);
            jkey(w, first, k);
            jcstr(w, en);
        } else if (group == 70 && fv->type == DNP3KIT_FT_U32 && strcmp(name, "block") == 0) {
            jkey(w, first, "block_number");
            putf(w, "%llu", (unsigned long long)(fv->v.u & DNP3KIT_FILE_BLOCK_MASK));
            jkey(w, first, "last_block");
            putstr(w, (fv->v.u & DNP3KIT_FILE_LAST_BLOCK) ? "true" : "false");
        }
        break;
    }
    }
}

static const dnp3kit_field_value *field_named(const dnp3kit_point *pt, const char *name)
{
    for (unsigned i = 0; i < pt->nfields && i < DNP3KIT_MAX_FIELDS; i++)
        if (pt->fields[i].name && strcmp(pt->fields[i].name, name) == 0)
            return &pt->fields[i];
    return NULL;
}

/* What the row cannot list (dnp3kit/values.h): the g70v3 File Command's
 * fields, a g0 attribute's value by its data type, a g121/g122 statistic's
 * name. Text members follow the fields as key=value, JSON members as keys. */
static void put_extras(ctx *c, bool *first, const dnp3kit_object_header *oh, const dnp3kit_point *pt)
{
    wbuf *w = &c->w;
    if (oh->group == 70 && oh->variation == 3 && pt->nfields == 1 && pt->fields[0].octets) {
        dnp3kit_file_command fc;
        bool ok = dnp3kit_file_command_decode(pt->fields[0].octets, pt->fields[0].octets_len, &fc) == DNP3KIT_OK;
        if (pt->fields[0].octets_len < DNP3KIT_FILE_COMMAND_FIXED)
            return;
        const char *mode = dnp3kit_enum_name(dnp3kit_field_enum("mode"), fc.mode);
        if (c->json) {
            jkey(w, first, "file_command");
            put(w, "{", 1);
            bool f2 = true;
            if (ok) {
                jkey(w, &f2, "name");
                jstr(w, (const char *)fc.name, fc.name_len);
            }
            jkey(w, &f2, "mode");
            putf(w, "%u", fc.mode);
            jkey(w, &f2, "mode_name");
            jcstr(w, mode ? mode : "RESERVED");
            jkey(w, &f2, "permissions");
            putf(w, "%u", fc.permissions);
            jkey(w, &f2, "created");
            json_time(w, fc.created_ms);
            jkey(w, &f2, "auth_key");
            putf(w, "%u", fc.auth_key);
            jkey(w, &f2, "file_size");
            putf(w, "%u", fc.file_size);
            jkey(w, &f2, "max_block");
            putf(w, "%u", fc.max_block);
            jkey(w, &f2, "request_id");
            putf(w, "%u", fc.request_id);
            put(w, "}", 1);
        } else {
            if (ok) {
                putstr(w, " name=\"");
                put(w, (const char *)fc.name, printable(fc.name, fc.name_len) ? fc.name_len : 0);
                putstr(w, "\"");
            }
            putf(w, " mode=%s permissions=0%o created=", mode ? mode : "RESERVED", fc.permissions);
            put_time(w, fc.created_ms);
            putf(w, " auth_key=%u file_size=%u max_block=%u request_id=%u", fc.auth_key, fc.file_size, fc.max_block,
                 fc.request_id);
        }
        return;
    }
    if (oh->info && oh->info->size_rule == DNP3KIT_SIZE_ATTRIBUTE) {
        const dnp3kit_field_value *ty = field_named(pt, "data_type"), *val = field_named(pt, "value");
        if (!ty || !val || val->type != DNP3KIT_FT_OCTETS)
            return;
        dnp3kit_attr_value v;
        dnp3kit_attr_value_decode((uint8_t)ty->v.u, val->octets, val->octets_len, &v);
        if (v.kind == DNP3KIT_AV_NONE || v.kind == DNP3KIT_AV_OCTETS || v.kind == DNP3KIT_AV_LIST)
            return; /* the octets are the value */
        if (c->json)
            jkey(w, first, "attribute");
        else
            putstr(w, " attribute=");
        switch (v.kind) {
        case DNP3KIT_AV_TEXT:
            if (c->json)
                jstr(w, (const char *)v.octets, v.len);
            else
                put(w, "\"", 1), put(w, (const char *)v.octets, printable(v.octets, v.len) ? v.len : 0), put(w, "\"", 1);
            break;
        case DNP3KIT_AV_UINT: putf(w, "%llu", (unsigned long long)v.u); break;
        case DNP3KIT_AV_INT: putf(w, "%lld", (long long)v.i); break;
        case DNP3KIT_AV_FLOAT: put_float(w, v.f, v.f32, c->json); break;
        case DNP3KIT_AV_TIME:
            if (c->json)
                json_time(w, v.u);
            else
                put_time(w, v.u);
            break;
        default: break;
        }
        return;
    }
    if ((oh->group == 121 || oh->group == 122) && pt->has_index) {
        const char *sn = dnp3kit_security_statistic_name(pt->index);
        if (!sn)
            return;
        if (c->json) {
            jkey(w, first, "statistic");
            jcstr(w, sn);
        } else {
            putf(w, " statistic=%s", sn);
        }
    }
}

/* Points that came without a field list: render the normalised view. */
static void text_normalised(ctx *c, bool *first, const dnp3kit_point *pt, uint8_t group)
{
    wbuf *w = &c->w;
    char b[256];
    if (pt->has_flags) {
        text_sep(c, first);
        dnp3kit_flags_format(group, pt->flags, b, sizeof b);
        if (b[0])
            putf(w, "flags=%s", b);
        else
            putf(w, "flags=0x%02x", pt->flags);
    }
    switch (pt->value_kind) {
    case DNP3KIT_VAL_BOOL:
    case DNP3KIT_VAL_DBIT:
        text_state(c, first, pt);
        break;
    case DNP3KIT_VAL_INT:
        text_sep(c, first);
        putf(w, "value=%lld", (long long)pt->i);
        break;
    case DNP3KIT_VAL_UINT:
        text_sep(c, first);
        putf(w, "value=%llu", (unsigned long long)pt->u);
        break;
    case DNP3KIT_VAL_FLOAT:
        text_sep(c, first);
        putstr(w, "value=");
        put_float(w, pt->f, false, false);
        break;
    case DNP3KIT_VAL_OCTETS:
        text_sep(c, first);
        putstr(w, "value=");
        put_hex(w, pt->octets, pt->octets ? pt->octets_len : 0);
        break;
    default:
        break;
    }
    if (pt->has_time) {
        text_sep(c, first);
        putstr(w, "time=");
        if (pt->time_relative)
            text_rel_time(c, pt->time_ms);
        else
            put_time(w, pt->time_ms);
    }
    if (pt->has_status) {
        text_sep(c, first);
        const char *sn = dnp3kit_control_status_name(pt->status);
        if (!sn || strcmp(sn, "RESERVED") == 0)
            putf(w, "status=RESERVED(%u)", pt->status);
        else
            putf(w, "status=%s", sn);
    }
}

static void json_normalised(ctx *c, bool *first, const dnp3kit_point *pt, uint8_t group)
{
    wbuf *w = &c->w;
    if (pt->has_flags)
        json_flags(w, first, "flags", group, pt->flags);
    switch (pt->value_kind) {
    case DNP3KIT_VAL_BOOL:
    case DNP3KIT_VAL_DBIT:
        json_state(c, first, pt);
        break;
    case DNP3KIT_VAL_INT:
        jkey(w, first, "value");
        putf(w, "%lld", (long long)pt->i);
        break;
    case DNP3KIT_VAL_UINT:
        jkey(w, first, "value");
        putf(w, "%llu", (unsigned long long)pt->u);
        break;
    case DNP3KIT_VAL_FLOAT:
        jkey(w, first, "value");
        put_float(w, pt->f, false, true);
        break;
    case DNP3KIT_VAL_OCTETS:
        jkey(w, first, "value");
        put(w, "\"", 1);
        put_hex(w, pt->octets, pt->octets ? pt->octets_len : 0);
        put(w, "\"", 1);
        break;
    default:
        break;
    }
    if (pt->has_time) {
        jkey(w, first, "time");
        if (pt->time_relative)
            json_rel_time(c, pt->time_ms);
        else
            json_time(w, pt->time_ms);
    }
    if (pt->has_status) {
        jkey(w, first, "status");
        putf(w, "%u", pt->status);
        jkey(w, first, "status_name");
        jcstr(w, dnp3kit_control_status_name(pt->status));
    }
}

static void emit_point(ctx *c, const dnp3kit_object_header *oh, const dnp3kit_point *pt,
                       uint64_t number)
{
    wbuf *w = &c->w;
    bool first = true;
    unsigned nf = pt->nfields < DNP3KIT_MAX_FIELDS ? pt->nfields : DNP3KIT_MAX_FIELDS;
    bool derived = nf > 0 && state_in_flags(pt);
    bool derived_done = false;
    if (c->json) {
        if (number > 0)
            put(w, ",", 1);
        put(w, "{", 1);
        if (pt->has_index) {
            jkey(w, &first, "index");
            putf(w, "%llu", (unsigned long long)pt->index);
        }
        if (nf == 0)
            json_normalised(c, &first, pt, oh->group);
        for (unsigned i = 0; i < nf; i++) {
            json_field(c, &first, &pt->fields[i], oh->group);
            if (derived && !derived_done && pt->fields[i].type == DNP3KIT_FT_FLAGS) {
                json_state(c, &first, pt);
                derived_done = true;
            }
        }
        if (derived && !derived_done)
            json_state(c, &first, pt);
        put_extras(c, &first, oh, pt);
        put(w, "}", 1);
    } else {
        put_indent(c, 2);
        if (pt->has_index) {
            putf(w, "[%llu]", (unsigned long long)pt->index);
            first = false;
        }
        if (nf == 0)
            text_normalised(c, &first, pt, oh->group);
        for (unsigned i = 0; i < nf; i++) {
            text_field(c, &first, &pt->fields[i], oh->group);
            if (derived && !derived_done && pt->fields[i].type == DNP3KIT_FT_FLAGS) {
                text_state(c, &first, pt);
                derived_done = true;
            }
        }
        if (derived && !derived_done)
            text_state(c, &first, pt);
        put_extras(c, &first, oh, pt);
        put(w, "\n", 1);
    }
}

/* A g51 object sets the base for the relative times that follow it. */
static void note_cto(ctx *c, const dnp3kit_object_header *oh, const dnp3kit_point *pt)
{
    if (oh->group != 51)
        return;
    unsigned nf = pt->nfields < DNP3KIT_MAX_FIELDS ? pt->nfields : DNP3KIT_MAX_FIELDS;
    for (unsigned i = 0; i < nf; i++) {
        if (pt->fields[i].type == DNP3KIT_FT_TIME48) {
            c->cto_ms = pt->fields[i].v.u;
            c->cto_valid = true;
            return;
        }
    }
    if (pt->has_time && !pt->time_relative) {
        c->cto_ms = pt->time_ms;
        c->cto_valid = true;
    }
}

static const char *object_name(const dnp3kit_object_header *oh)
{
    return oh->info ? oh->info->name : NULL;
}

static void begin_header(ctx *c, const dnp3kit_object_header *oh, bool first_header)
{
    wbuf *w = &c->w;
    const char *name = object_name(oh);
    if (c->json) {
        bool first = true;
        if (!first_header)
            put(w, ",", 1);
        put(w, "{", 1);
        jkey(w, &first, "group");
        putf(w, "%u", oh->group);
        jkey(w, &first, "variation");
        putf(w, "%u", oh->variation);
        jkey(w, &first, "name");
        jcstr(w, name);
        jkey(w, &first, "qualifier");
        putf(w, "%u", oh->qualifier);
        if (oh->has_range) {
            jkey(w, &first, "start");
            putf(w, "%llu", (unsigned long long)oh->start);
            jkey(w, &first, "stop");
            putf(w, "%llu", (unsigned long long)oh->stop);
        } else if (oh->range_code == DNP3KIT_RANGE_ALL) {
            jkey(w, &first, "all");
            putstr(w, "true");
        } else {
            jkey(w, &first, "count");
            putf(w, "%llu", (unsigned long long)oh->count);
        }
    } else {
        put_indent(c, 1);
        putf(w, "g%uv%u ", oh->group, oh->variation);
        if (name) {
            putstr(w, name);
        } else {
            const char *gn = dnp3kit_group_name(oh->group);
            if (gn)
                putf(w, "%s (unknown variation)", gn);
            else
                putstr(w, "(unknown object)");
        }
        putf(w, " q=0x%02x", oh->qualifier);
        if (oh->has_range)
            putf(w, " start=%llu stop=%llu", (unsigned long long)oh->start,
                 (unsigned long long)oh->stop);
        else if (oh->range_code == DNP3KIT_RANGE_ALL)
            putstr(w, " all");
        else
            putf(w, " count=%llu", (unsigned long long)oh->count);
        put(w, "\n", 1);
    }
}

/* Render the objects of one header; returns 0 or the point iterator's error. */
static int render_points(ctx *c, const uint8_t *frag, size_t len, const dnp3kit_object_header *oh)
{
    wbuf *w = &c->w;
    dnp3kit_point_iter pi;
    dnp3kit_point pt;
    uint64_t shown = 0;
    int rc = 0;
    bool capped = false;
    dnp3kit_point_iter_init(&pi, frag, len, oh);
    if (c->json)
        putstr(w, ",\"points\":[");
    for (;;) {
        if (c->max_points && shown >= c->max_points) {
            capped = true;
            break;
        }
        int r = dnp3kit_point_iter_next(&pi, &pt);
        if (r == 0)
            break;
        if (r < 0) {
            rc = r;
            break;
        }
        emit_point(c, oh, &pt, shown);
        note_cto(c, oh, &pt);
        shown++;
    }
    /* A capped g51 still has to set the base for what follows it. */
    if (capped && oh->group == 51) {
        while (dnp3kit_point_iter_next(&pi, &pt) > 0)
            note_cto(c, oh, &pt);
    }
    uint64_t omitted = capped && oh->count > shown ? oh->count - shown : 0;
    if (c->json) {
        put(w, "]", 1);
        if (omitted)
            putf(w, ",\"points_omitted\":%llu", (unsigned long long)omitted);
    } else if (omitted) {
        put_indent(c, 2);
        putf(w, "... %llu more points omitted\n", (unsigned long long)omitted);
    }
    return rc;
}

/* Name the defect rendering stopped at: the finding the iterator reported,
 * or the bare error when it reported none. */
static void emit_error(ctx *c, int err, bool leading_comma)
{
    wbuf *w = &c->w;
    char detail[256];
    const char *name;
    size_t offset = SIZE_MAX;
    if (c->cap.have) {
        name = dnp3kit_finding_name(c->cap.f.code);
        dnp3kit_finding_format(&c->cap.f, detail, sizeof detail);
        offset = c->cap.f.offset;
    } else {
        name = dnp3kit_err_name(err);
        snprintf(detail, sizeof detail, "%s", dnp3kit_strerror(err));
    }
    if (c->json) {
        bool first = true;
        if (leading_comma)
            put(w, ",", 1);
        /* the record holds the valid prefix only */
        putstr(w, "\"complete\":false,\"decode_error\":{");
        jkey(w, &first, "name");
        jcstr(w, name);
        jkey(w, &first, "detail");
        jcstr(w, detail);
        if (offset != SIZE_MAX) {
            jkey(w, &first, "offset");
            putf(w, "%zu", offset);
        }
        put(w, "}", 1);
    } else {
        put_indent(c, 1);
        putf(w, "! %s: %s\n", name, detail);
    }
}

static void emit_summary(ctx *c, const dnp3kit_app_header *h)
{
    wbuf *w = &c->w;
    const char *fn = dnp3kit_app_func_name(h->func);
    if (c->json) {
        putf(w, "\"ac\":{\"fir\":%s,\"fin\":%s,\"con\":%s,\"uns\":%s,\"seq\":%u}", h->fir ? "true" : "false",
             h->fin ? "true" : "false", h->con ? "true" : "false", h->uns ? "true" : "false", h->seq);
        putf(w, ",\"func\":%u,\"func_name\":", h->func);
        jcstr(w, fn);
        if (h->has_iin) {
            bool first = true;
            putstr(w, ",\"iin\":[");
            /* The one list of IIN bits, in its own order (IIN1 then IIN2). */
            static const struct { uint16_t v; const char *n; } bits[] = {
#define X(n, v) {v, #n},
                DNP3KIT_IIN_BITS(X)
#undef X
            };
            for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
                if (h->iin & bits[i].v) {
                    if (!first)
                        put(w, ",", 1);
                    first = false;
                    jcstr(w, bits[i].n);
                }
            }
            putf(w, "],\"iin_raw\":%u", h->iin);
        }
    } else {
        if (fn)
            putstr(w, fn);
        else
            putf(w, "UNKNOWN(%u)", h->func);
        putf(w, " seq=%u", h->seq);
        if (h->fir)
            putstr(w, " fir");
        if (h->fin)
            putstr(w, " fin");
        if (h->con)
            putstr(w, " con");
        if (h->uns)
            putstr(w, " uns");
        if (h->has_iin) {
            char b[256];
            dnp3kit_iin_format(h->iin, b, sizeof b);
            putf(w, " iin=%s", b[0] ? b : "0");
        }
        put(w, "\n", 1);
    }
}

static int render_fragment(ctx *c, const uint8_t *frag, size_t len)
{
    wbuf *w = &c->w;
    dnp3kit_app_header h;
    dnp3kit_object_iter it;
    dnp3kit_object_header oh;
    int err = DNP3KIT_OK;

    c->cap.have = false;
    if (!frag)
        len = 0;
    int r = dnp3kit_app_header_decode(frag, len, &h, &c->sink);
    if (r < 0) {
        emit_error(c, r, false);
        flush(w);
        return r;
    }
    emit_summary(c, &h);
    if (c->json)
        putstr(w, ",\"objects\":[");
    dnp3kit_object_iter_init(&it, frag, len, &h);
    for (bool first = true;; first = false) {
        c->cap.have = false;
        r = dnp3kit_object_iter_next(&it, &oh, &c->sink);
        if (r == 0)
            break;
        if (r < 0 && !oh.partial) {
            err = r;
            break;
        }
        /* A header whose data breaks off: its whole objects are the valid
         * prefix and are shown; the defect is named after them. */
        begin_header(c, &oh, first);
        if (oh.has_data) {
            if (r < 0) {
                capture keep = c->cap; /* the header's finding names the defect */
                c->cap.have = false;
                (void)render_points(c, frag, len, &oh);
                c->cap = keep;
            } else {
                c->cap.have = false;
                err = render_points(c, frag, len, &oh);
            }
        }
        if (r < 0) {
            err = r;
            if (c->json)
                putstr(w, ",\"complete\":false");
            else {
                put_indent(c, 2);
                putf(w, "... %llu of %llu objects before the defect\n", (unsigned long long)oh.valid_count,
                     (unsigned long long)oh.count);
            }
        }
        if (c->json)
            put(w, "}", 1);
        if (err < 0)
            break;
    }
    if (c->json)
        put(w, "]", 1);
    if (err < 0)
        emit_error(c, err, true);
    flush(w);
    return err;
}

static void ctx_init(ctx *c, const dnp3kit_render_opts *opts, const dnp3kit_out *out, bool json)
{
    c->w.out = out;
    c->w.n = 0;
    c->json = json;
    c->indent = opts && opts->indent ? opts->indent : "  ";
    c->max_points = opts ? opts->max_points : 0;
    c->cto_valid = false;
    c->cto_ms = 0;
    c->cap.have = false;
    c->sink.fn = capture_fn;
    c->sink.user = &c->cap;
}

int dnp3kit_render_fragment_text(const uint8_t *frag, size_t len, const dnp3kit_render_opts *opts,
                                 const dnp3kit_out *out)
{
    if (!out)
        return DNP3KIT_ERR_ARG;
    ctx c;
    ctx_init(&c, opts, out, false);
    return render_fragment(&c, frag, len);
}

int dnp3kit_render_fragment_json(const uint8_t *frag, size_t len, const dnp3kit_render_opts *opts,
                                 const dnp3kit_out *out)
{
    if (!out)
        return DNP3KIT_ERR_ARG;
    ctx c;
    ctx_init(&c, opts, out, true);
    return render_fragment(&c, frag, len);
}

/* ---- link frames ---- */

void dnp3kit_render_link_text(const dnp3kit_link_frame *f, const dnp3kit_out *out)
{
    if (!f || !out)
        return;
    wbuf w;
    w.out = out;
    w.n = 0;
    putf(&w, "link %s dir=%d prm=%d", dnp3kit_link_func_name(f->prm, f->func), f->dir, f->prm);
    /* FCB/FCV belong to primary frames, DFC to secondary ones (clause 9.2.4.1.3). */
    if (f->prm)
        putf(&w, " fcb=%d fcv=%d", f->fcb, f->fcv);
    else
        putf(&w, " dfc=%d", f->dfc);
    putf(&w, " dst=%u src=%u len=%u", f->dst, f->src, f->len);
    if (!f->crc_ok)
        putstr(&w, " crc=bad");
    put(&w, "\n", 1);
    flush(&w);
}

void dnp3kit_render_link_json(const dnp3kit_link_frame *f, const dnp3kit_out *out)
{
    if (!f || !out)
        return;
    wbuf w;
    w.out = out;
    w.n = 0;
    putf(&w, "\"link\":{\"len\":%u,\"ctrl\":%u,\"func\":%u,\"func_name\":", f->len, f->ctrl, f->func);
    jcstr(&w, dnp3kit_link_func_name(f->prm, f->func));
    putf(&w,
         ",\"dir\":%s,\"prm\":%s,\"fcb\":%s,\"fcv\":%s,\"dfc\":%s,\"dst\":%u,\"src\":%u,\"crc_ok\":%s}",
         f->dir ? "true" : "false", f->prm ? "true" : "false", f->fcb ? "true" : "false",
         f->fcv ? "true" : "false", f->dfc ? "true" : "false", f->dst, f->src,
         f->crc_ok ? "true" : "false");
    flush(&w);
}
