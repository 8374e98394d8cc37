/* Plain main for fuzz targets: runs LLVMFuzzerTestOneInput on every file named
 * (directories are walked one level, recursively). Used by ctest to replay seeds
 * and crash reproducers without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long files;

static void run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    if (fseek(f, 0, SEEK_END) != 0) { fclose(f); return; }
    long n = ftell(f);
    if (n < 0 || n > 64L * 1024 * 1024) { fclose(f); return; }
    rewind(f);
    uint8_t *buf = malloc((size_t)n + 1);
    if (!buf) { fclose(f); return; }
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    /* Exact-size copy so an over-read hits the sanitizer's redzone. */
    uint8_t *exact = malloc(got ? got : 1);
    if (exact) {
        memcpy(exact, buf, got);
        LLVMFuzzerTestOneInput(exact, got);
        free(exact);
        files++;
    }
    free(buf);
}

static void walk(const char *path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    if (S_ISREG(st.st_mode)) {
        run_file(path);
        return;
    }
    if (!S_ISDIR(st.st_mode) || depth > 8)
        return;
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        walk(sub, depth + 1);
    }
    closedir(d);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        walk(argv[i], 0);
    printf("replayed %lu inputs\n", files);
    return 0;
}
