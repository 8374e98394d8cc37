/* check baselines: reading, matching, writing (see baseline.h). */
#include "baseline.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"

#define BL_MAX_SIZE (512u * 1024u * 1024u) /* a baseline larger than this is refused */

typedef struct entry {
    char *name;
    dnp3kit_finding_code code; /* DNP3KIT_F_COUNT_: a name this build does not know (never matches) */
    bool has_frame;
    int64_t flow;              /* -1: none */
    uint64_t frame;
    uint64_t count;            /* 1 for a finding; "count" of a count entry */
    uint64_t left;             /* not yet used in the current comparison */
} entry;

typedef struct section {
    char *file;
    entry *e;
    size_t n;
    size_t *order;             /* frame match: indices sorted by (code, flow, frame, index) */
} section;

struct bl_baseline {
    bl_match written;
    bool has_frames;
    section *s;
    size_t n;
    section *cur;              /* NULL: no section for the current file */
    bl_match m;
    uint64_t count_left[DNP3KIT_F_COUNT_ + 1]; /* count match: per code, what remains */
    uint64_t count_total[DNP3KIT_F_COUNT_ + 1];
    size_t nmissing;
    size_t *missing;           /* frame match: entry indices; count match: codes with something left */
    char **missing_names;      /* count match: names this build does not know */
    uint64_t *missing_counts;
};

const char *bl_match_name(bl_match m) { return m == BL_COUNT ? "count" : "frame"; }

static char *dupstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void bl_free(bl_baseline *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        for (size_t k = 0; k < b->s[i].n; k++)
            free(b->s[i].e[k].name);
        free(b->s[i].e);
        free(b->s[i].order);
        free(b->s[i].file);
    }
    free(b->s);
    free(b->missing);
    free(b->missing_names);
    free(b->missing_counts);
    free(b);
}

static char *slurp(const char *path, size_t *len, char *err, size_t errcap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errcap, "cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            if (cap >= BL_MAX_SIZE) {
                snprintf(err, errcap, "larger than %u MiB", BL_MAX_SIZE >> 20);
                free(buf);
                fclose(f);
                return NULL;
            }
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb, cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    if (bad) {
        snprintf(err, errcap, "read error");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static bool uint_member(const jsn *o, const char *key, uint64_t *out, bool *present, char *err, size_t errcap,
                        size_t fi, size_t ei)
{
    const jsn *v = jsn_get(o, key);
    *present = v != NULL && v->type != JSN_NULL;
    if (!*present)
        return true;
    if (v->type != JSN_NUMBER || !v->is_int || v->i < 0) {
        snprintf(err, errcap, "files[%zu].findings[%zu].%s: not a non-negative integer", fi, ei, key);
        return false;
    }
    *out = (uint64_t)v->i;
    return true;
}

static bool load_entry(const jsn *o, entry *e, char *err, size_t errcap, size_t fi, size_t ei)
{
    memset(e, 0, sizeof *e);
    e->flow = -1;
    if (!o || o->type != JSN_OBJECT) {
        snprintf(err, errcap, "files[%zu].findings[%zu]: not an object", fi, ei);
        return false;
    }
    const jsn *name = jsn_get(o, "name");
    if (!name || name->type != JSN_STRING || !name->str[0]) {
        snprintf(err, errcap, "files[%zu].findings[%zu]: no \"name\"", fi, ei);
        return false;
    }
    uint64_t v = 0;
    bool present;
    if (!uint_member(o, "frame", &v, &present, err, errcap, fi, ei))
        return false;
    e->has_frame = present;
    e->frame = v;
    if (!uint_member(o, "flow", &v, &present, err, errcap, fi, ei))
        return false;
    if (present)
        e->flow = (int64_t)(v > INT64_MAX ? INT64_MAX : v);
    if (!uint_member(o, "count", &v, &present, err, errcap, fi, ei))
        return false;
    if (present && v == 0) {
        snprintf(err, errcap, "files[%zu].findings[%zu].count: must be at least 1", fi, ei);
        return false;
    }
    if (present && e->has_frame && v != 1) {
        snprintf(err, errcap, "files[%zu].findings[%zu]: a count beside a frame", fi, ei);
        return false;
    }
    e->count = present ? v : 1;
    e->name = dupstr(name->str);
    if (!e->name) {
        snprintf(err, errcap, "out of memory");
        return false;
    }
    e->code = dnp3kit_finding_by_name(e->name);
    return true;
}

static const section *sort_sec; /* qsort has no context argument in C17 */
static int cmp_key(const entry *x, const entry *y)
{
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    if (x->flow != y->flow)
        return x->flow < y->flow ? -1 : 1;
    if (x->frame != y->frame)
        return x->frame < y->frame ? -1 : 1;
    return 0;
}
static int cmp_order(const void *a, const void *b)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int c = cmp_key(&sort_sec->e[i], &sort_sec->e[j]);
    return c ? c : (i < j ? -1 : i > j);
}

bl_baseline *bl_load(const char *path, char *err, size_t errcap)
{
    size_t len = 0;
    char *text = slurp(path, &len, err, errcap);
    if (!text)
        return NULL;
    bl_baseline *b = bl_parse(text, len, err, errcap);
    free(text);
    return b;
}

bl_baseline *bl_parse(const char *text, size_t len, char *err, size_t errcap)
{
    char jerr[160] = "";
    jsn *doc = jsn_parse(text, len, jerr, sizeof jerr);
    if (!doc) {
        snprintf(err, errcap, "not JSON: %s", jerr);
        return NULL;
    }
    bl_baseline *b = calloc(1, sizeof *b);
    bool ok = false;
    if (!b) {
        snprintf(err, errcap, "out of memory");
        goto out;
    }
    b->has_frames = true;
    const jsn *schema = jsn_get(doc, "schema");
    if (doc->type != JSN_OBJECT || !schema) {
        snprintf(err, errcap, "not a baseline: no \"schema\" member");
        goto out;
    }
    if (schema->type != JSN_NUMBER || !schema->is_int || schema->i != DNP3KIT_JSON_SCHEMA) {
        snprintf(err, errcap, "schema %g is not supported (this dnp3-pcap reads schema %d)",
                 schema->type == JSN_NUMBER ? schema->num : -1.0, DNP3KIT_JSON_SCHEMA);
        goto out;
    }
    const jsn *kind = jsn_get(doc, "kind");
    if (kind && (kind->type != JSN_STRING || strcmp(kind->str, "dnp3kit-baseline"))) {
        snprintf(err, errcap, "\"kind\" is not \"dnp3kit-baseline\"");
        goto out;
    }
    const jsn *match = jsn_get(doc, "match");
    b->written = BL_FRAME;
    if (match) {
        if (match->type == JSN_STRING && !strcmp(match->str, "count"))
            b->written = BL_COUNT;
        else if (match->type != JSN_STRING || strcmp(match->str, "frame")) {
            snprintf(err, errcap, "\"match\" is neither \"frame\" nor \"count\"");
            goto out;
        }
    }
    const jsn *files = jsn_get(doc, "files");
    if (!files || files->type != JSN_ARRAY) {
        snprintf(err, errcap, "no \"files\" array");
        goto out;
    }
    b->s = calloc(files->n ? files->n : 1, sizeof *b->s);
    if (!b->s) {
        snprintf(err, errcap, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < files->n; i++) {
        const jsn *fo = &files->items[i];
        const jsn *fname = jsn_get(fo, "file");
        const jsn *finds = jsn_get(fo, "findings");
        if (!fname || fname->type != JSN_STRING || !fname->str[0]) {
            snprintf(err, errcap, "files[%zu]: no \"file\"", i);
            goto out;
        }
        if (!finds || finds->type != JSN_ARRAY) {
            snprintf(err, errcap, "files[%zu]: no \"findings\" array", i);
            goto out;
        }
        section *s = &b->s[b->n++];
        s->file = dupstr(fname->str);
        s->e = calloc(finds->n ? finds->n : 1, sizeof *s->e);
        s->order = calloc(finds->n ? finds->n : 1, sizeof *s->order);
        if (!s->file || !s->e || !s->order) {
            snprintf(err, errcap, "out of memory");
            goto out;
        }
        for (size_t k = 0; k < finds->n; k++) {
            if (!load_entry(&finds->items[k], &s->e[k], err, errcap, i, k))
                goto out;
            s->n++;
            if (!s->e[k].has_frame)
                b->has_frames = false;
            s->order[k] = k;
        }
        sort_sec = s;
        qsort(s->order, s->n, sizeof *s->order, cmp_order);
    }
    ok = true;
out:
    jsn_free(doc);
    if (!ok) {
        bl_free(b);
        return NULL;
    }
    return b;
}

bl_match bl_written_match(const bl_baseline *b) { return b->written; }
bool bl_has_frames(const bl_baseline *b) { return b->has_frames; }

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

bool bl_begin(bl_baseline *b, const char *file, bl_match m)
{
    b->m = m;
    b->cur = NULL;
    for (size_t i = 0; i < b->n && !b->cur; i++)
        if (!strcmp(b->s[i].file, file))
            b->cur = &b->s[i];
    for (size_t i = 0; i < b->n && !b->cur; i++)
        if (!strcmp(base_name(b->s[i].file), base_name(file)))
            b->cur = &b->s[i];
    memset(b->count_left, 0, sizeof b->count_left);
    memset(b->count_total, 0, sizeof b->count_total);
    if (!b->cur)
        return false;
    for (size_t k = 0; k < b->cur->n; k++) {
        entry *e = &b->cur->e[k];
        e->left = e->count;
        if (e->code < DNP3KIT_F_COUNT_) {
            b->count_left[e->code] += e->count;
            b->count_total[e->code] += e->count;
        }
    }
    return true;
}

bool bl_take(bl_baseline *b, dnp3kit_finding_code code, int64_t flow, uint64_t frame)
{
    section *s = b->cur;
    if (!s || code >= DNP3KIT_F_COUNT_)
        return false;
    if (b->m == BL_COUNT) {
        if (!b->count_left[code])
            return false;
        b->count_left[code]--;
        return true;
    }
    entry key = {.code = code, .flow = flow, .frame = frame};
    size_t lo = 0, hi = s->n; /* first entry with a key >= key */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_key(&s->e[s->order[mid]], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t k = lo; k < s->n && cmp_key(&s->e[s->order[k]], &key) == 0; k++) {
        entry *e = &s->e[s->order[k]];
        if (e->has_frame && e->left) {
            e->left--;
            return true;
        }
    }
    return false;
}

static void collect_missing(const bl_baseline *cb)
{
    bl_baseline *b = (bl_baseline *)cb;
    free(b->missing);
    free(b->missing_names);
    free(b->missing_counts);
    b->missing = NULL;
    b->missing_names = NULL;
    b->missing_counts = NULL;
    b->nmissing = 0;
    section *s = b->cur;
    if (!s || !s->n)
        return;
    b->missing = calloc(s->n, sizeof *b->missing);
    b->missing_names = calloc(s->n, sizeof *b->missing_names);
    b->missing_counts = calloc(s->n, sizeof *b->missing_counts);
    if (!b->missing || !b->missing_names || !b->missing_counts)
        return;
    if (b->m == BL_FRAME) {
        for (size_t k = 0; k < s->n; k++)
            if (s->e[k].left)
                b->missing[b->nmissing++] = k;
        return;
    }
    /* count: each name once, where it first appears in the baseline */
    bool seen[DNP3KIT_F_COUNT_] = {false};
    for (size_t k = 0; k < s->n; k++) {
        entry *e = &s->e[k];
        if (e->code >= DNP3KIT_F_COUNT_) {
            b->missing[b->nmissing] = k;
            b->missing_names[b->nmissing] = e->name;
            b->missing_counts[b->nmissing++] = e->count;
        } else if (!seen[e->code]) {
            seen[e->code] = true;
            if (b->count_left[e->code]) {
                b->missing[b->nmissing] = k;
                b->missing_names[b->nmissing] = e->name;
                b->missing_counts[b->nmissing++] = b->count_left[e->code];
            }
        }
    }
}

size_t bl_missing_count(const bl_baseline *b)
{
    collect_missing(b);
    return b->nmissing;
}

bl_missing bl_missing_at(const bl_baseline *b, size_t i)
{
    bl_missing m = {.name = "", .flow = -1, .count = 1};
    if (i >= b->nmissing || !b->cur)
        return m;
    const entry *e = &b->cur->e[b->missing[i]];
    m.name = e->name;
    if (b->m == BL_FRAME) {
        m.has_frame = e->has_frame;
        m.flow = e->flow;
        m.frame = e->frame;
        m.count = e->left;
    } else {
        m.count = b->missing_counts[i];
    }
    return m;
}

/* ---- writing ---- */

typedef struct wfinding {
    dnp3kit_finding_code code;
    int64_t flow;
    uint64_t frame;
    bool has_link;
    uint16_t link_src, link_dst;
    char *detail;
} wfinding;

typedef struct wfile {
    char *file;
    wfinding *f;
    size_t n, cap;
    char *summary;
} wfile;

struct bl_writer {
    bl_match m;
    wfile *files;
    size_t n, cap;
    bool oom;
};

bl_writer *bl_writer_new(bl_match m)
{
    bl_writer *w = calloc(1, sizeof *w);
    if (w)
        w->m = m;
    return w;
}

void bl_writer_free(bl_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < w->n; i++) {
        for (size_t k = 0; k < w->files[i].n; k++)
            free(w->files[i].f[k].detail);
        free(w->files[i].f);
        free(w->files[i].file);
        free(w->files[i].summary);
    }
    free(w->files);
    free(w);
}

void bl_writer_file(bl_writer *w, const char *file)
{
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 8;
        wfile *nf = realloc(w->files, nc * sizeof *nf);
        if (!nf) {
            w->oom = true;
            return;
        }
        w->files = nf, w->cap = nc;
    }
    wfile *f = &w->files[w->n++];
    memset(f, 0, sizeof *f);
    f->file = dupstr(file);
    if (!f->file)
        w->oom = true;
}

void bl_writer_finding(bl_writer *w, dnp3kit_finding_code code, int64_t flow, uint64_t frame, bool has_link,
                       uint16_t link_src, uint16_t link_dst, const char *detail)
{
    if (!w->n || w->oom)
        return;
    wfile *f = &w->files[w->n - 1];
    if (f->n == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 16;
        wfinding *nf = realloc(f->f, nc * sizeof *nf);
        if (!nf) {
            w->oom = true;
            return;
        }
        f->f = nf, f->cap = nc;
    }
    wfinding *x = &f->f[f->n++];
    *x = (wfinding){code, flow, frame, has_link, link_src, link_dst, dupstr(detail)};
    if (!x->detail)
        w->oom = true;
}

void bl_writer_summary(bl_writer *w, const char *summary_json)
{
    if (!w->n || w->oom)
        return;
    wfile *f = &w->files[w->n - 1];
    free(f->summary);
    f->summary = dupstr(summary_json);
    if (!f->summary)
        w->oom = true;
}

static void out_fwrite(void *user, const char *s, size_t n) { fwrite(s, 1, n, (FILE *)user); }

bool bl_writer_save(bl_writer *w, const char *path, char *err, size_t errcap)
{
    if (w->oom) {
        snprintf(err, errcap, "out of memory");
        return false;
    }
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 5);
    if (!tmp) {
        snprintf(err, errcap, "out of memory");
        return false;
    }
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, ".tmp", 5);
    FILE *out = fopen(tmp, "w");
    if (!out) {
        snprintf(err, errcap, "cannot write %s: %s", tmp, strerror(errno));
        free(tmp);
        return false;
    }
    dnp3kit_out o = {out_fwrite, out};
    fprintf(out, "{\"schema\":%d,\"kind\":\"dnp3kit-baseline\",\"match\":\"%s\",\"files\":[", DNP3KIT_JSON_SCHEMA,
            bl_match_name(w->m));
    for (size_t i = 0; i < w->n; i++) {
        wfile *f = &w->files[i];
        fprintf(out, "%s\n {\"file\":", i ? "," : "");
        dnp3kit_json_string(&o, f->file, strlen(f->file));
        fprintf(out, ",\n  \"findings\":[");
        bool first = true;
        if (w->m == BL_FRAME) {
            for (size_t k = 0; k < f->n; k++) {
                wfinding *x = &f->f[k];
                fprintf(out, "%s\n   {\"name\":\"%s\",\"frame\":%" PRIu64, first ? "" : ",",
                        dnp3kit_finding_name(x->code), x->frame);
                first = false;
                if (x->flow >= 0)
                    fprintf(out, ",\"flow\":%" PRId64, x->flow);
                if (x->has_link)
                    fprintf(out, ",\"link_src\":%u,\"link_dst\":%u", x->link_src, x->link_dst);
                fprintf(out, ",\"layer\":\"%s\",\"severity\":\"%s\",\"detail\":",
                        dnp3kit_layer_name(dnp3kit_finding_layer(x->code)),
                        dnp3kit_severity_name(dnp3kit_finding_severity(x->code)));
                dnp3kit_json_string(&o, x->detail, strlen(x->detail));
                fprintf(out, "}");
            }
        } else {
            uint64_t counts[DNP3KIT_F_COUNT_] = {0};
            for (size_t k = 0; k < f->n; k++)
                counts[f->f[k].code]++;
            for (int c = 0; c < DNP3KIT_F_COUNT_; c++) {
                if (!counts[c])
                    continue;
                dnp3kit_finding_code code = (dnp3kit_finding_code)c;
                fprintf(out, "%s\n   {\"name\":\"%s\",\"count\":%" PRIu64 ",\"layer\":\"%s\",\"severity\":\"%s\"}",
                        first ? "" : ",", dnp3kit_finding_name(code), counts[c],
                        dnp3kit_layer_name(dnp3kit_finding_layer(code)),
                        dnp3kit_severity_name(dnp3kit_finding_severity(code)));
                first = false;
            }
        }
        fprintf(out, "%s]", first ? "" : "\n  ");
        if (f->summary)
            fprintf(out, ",\n  \"summary\":%s", f->summary);
        fprintf(out, "}");
    }
    fprintf(out, "\n]}\n");
    bool bad = ferror(out);
    if (fclose(out) != 0)
        bad = true;
    if (bad || rename(tmp, path) != 0) {
        snprintf(err, errcap, "cannot write %s: %s", path, strerror(errno));
        remove(tmp);
        free(tmp);
        return false;
    }
    free(tmp);
    return true;
}
