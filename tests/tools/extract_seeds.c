/* dnp3-extract-seeds OUTDIR INPUT...: seed corpora for the fuzz targets from
 * captures (files or folders of .pcap/.pcapng): OUTDIR/app (fragments),
 * OUTDIR/transport ([len][segment] runs of one flow), OUTDIR/link (runs of
 * frames rebuilt on the wire), OUTDIR/pcap (the capture files) and
 * OUTDIR/baseline (the check baselines beside them, *.json). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine.h"

#define MAX_SEEDS 3000

static const char *outdir;
static unsigned n_app, n_tr, n_link, n_pcap, n_baseline;
static uint8_t run_tr[4096], run_link[4096];
static size_t run_tr_len, run_link_len;
static uint64_t seen[MAX_SEEDS * 4];
static size_t nseen;

static uint64_t fnv(const uint8_t *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void save(const char *kind, unsigned *counter, const uint8_t *p, size_t n)
{
    if (*counter >= MAX_SEEDS || n == 0)
        return;
    uint64_t h = fnv(p, n) ^ (uint64_t)(uintptr_t)kind;
    for (size_t i = 0; i < nseen; i++)
        if (seen[i] == h)
            return;
    if (nseen < sizeof seen / sizeof seen[0])
        seen[nseen++] = h;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s-%05u", outdir, kind, kind, (*counter)++);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(p, 1, n, f);
        fclose(f);
    }
}

static void on_fragment(void *ctx, const dpe_fragment *fr)
{
    (void)ctx;
    save("app", &n_app, fr->data, fr->len);
}

static void on_link(void *ctx, const dpe_where *w, const dnp3kit_link_frame *f)
{
    (void)ctx;
    (void)w;
    uint8_t wire[DNP3KIT_LINK_MAX_FRAME];
    int n = dnp3kit_link_build(f->ctrl, f->dst, f->src, f->user, f->user_len, wire, sizeof wire);
    if (n > 0) {
        if (run_link_len + (size_t)n > sizeof run_link) {
            save("link", &n_link, run_link, run_link_len);
            run_link_len = 0;
        }
        memcpy(run_link + run_link_len, wire, (size_t)n);
        run_link_len += (size_t)n;
    }
    if (f->user_len) {
        if (run_tr_len + f->user_len + 1 > sizeof run_tr) {
            save("transport", &n_tr, run_tr, run_tr_len);
            run_tr_len = 0;
        }
        run_tr[run_tr_len++] = (uint8_t)f->user_len;
        memcpy(run_tr + run_tr_len, f->user, f->user_len);
        run_tr_len += f->user_len;
    }
}

static void copy_file(const char *path, const char *kind, unsigned *count)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    save(kind, count, buf, n);
}

static void process(const char *path, dpe_engine *e)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (!d)
            return;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            process(sub, e);
        }
        closedir(d);
        return;
    }
    size_t l = strlen(path);
    if (l > 5 && !strcmp(path + l - 5, ".json")) { /* check baselines (captures/NAME.expected.json) */
        if (st.st_size < (1 << 20))
            copy_file(path, "baseline", &n_baseline);
        return;
    }
    if (!(l > 5 && !strcmp(path + l - 5, ".pcap")) && !(l > 7 && !strcmp(path + l - 7, ".pcapng")))
        return;
    dpc_options po;
    dpc_options_default(&po);
    po.any_port = true;
    char err[256];
    run_tr_len = run_link_len = 0;
    dpe_run_file(e, path, &po, NULL, err, sizeof err, NULL, NULL);
    save("transport", &n_tr, run_tr, run_tr_len);
    save("link", &n_link, run_link, run_link_len);
    if (st.st_size < (1 << 20))
        copy_file(path, "pcap", &n_pcap);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: dnp3-extract-seeds OUTDIR CAPTURE-OR-DIR...\n");
        return 2;
    }
    outdir = argv[1];
    const char *kinds[] = {"", "/app", "/transport", "/link", "/pcap", "/baseline"};
    for (size_t i = 0; i < 6; i++) {
        char p[4096];
        snprintf(p, sizeof p, "%s%s", outdir, kinds[i]);
        mkdir(p, 0755);
    }
    dpe_callbacks cb = {.on_fragment = on_fragment, .on_link = on_link};
    dpe_engine *e = dpe_new(NULL, &cb, NULL);
    if (!e)
        return 2;
    for (int i = 2; i < argc; i++)
        process(argv[i], e);
    dpe_free(e);
    printf("seeds: %u app, %u transport, %u link, %u pcap, %u baseline\n", n_app, n_tr, n_link, n_pcap, n_baseline);
    return 0;
}
