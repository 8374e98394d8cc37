/*
 * Which hidden items a tree gets (docs/dissector.md, "Hidden items").
 *
 * Hidden items -- the built-in's dnp3.* fields on the plugin's frames
 * (compat.c), the per-point-type index fields (typeindex.c) and
 * dnp3kit.link.addr -- exist to be filtered on or extracted: -V and the GUI's
 * packet details never show them. They were about a fifth of a full tree, and
 * a full tree is what tshark 4.0 builds for -V and -T fields.
 *
 * So a hidden item is added when something uses it:
 *   - a display filter, colouring rule, custom column, tap or Lua Field that
 *     names the field: Wireshark marks it referenced (hfinfo->ref_type), and
 *     newer tshark marks its -e fields too (HF_REF_TYPE_PRINT);
 *   - a visible tree whose output may show hidden items: any program but
 *     tshark (the GUI builds one for the selected packet only), tshark
 *     -T json/jsonraw/ek/pdml, tshark -X (a Lua script may walk the tree), or
 *     the preference protocols.display_hidden_proto_items;
 *   - a visible tree in tshark -T fields whose -e list names the field.
 *     tshark 4.0 does not mark -e fields, so its command line is read from
 *     /proc/self/cmdline, once, at registration (before tshark's main option
 *     loop, which cuts some values in place; scan() copes with either).
 * Where the command line cannot be read, every visible tree gets them all, as
 * before: this file only ever leaves out what no output of that run prints.
 */
#include "dnp3kit-ws.h"

#include <epan/prefs.h>
#include <string.h>

enum mode { M_UNKNOWN, M_ALL, M_NAMED };

static enum mode mode = M_UNKNOWN;
static GHashTable *named;   /* -e field names (M_NAMED) */
static GHashTable *verdict; /* field id -> 1 named by -e, 2 not */

/* tshark 4.0's single-letter options that take an argument (its getopt
 * string), so that "-r FILE" and clusters such as "-nTfields" are read as
 * tshark reads them. */
static const char ARG_LETTERS[] = "aAbBcCdeEfFHijJKMNoOrRsStTuUwWXyYz";

static bool takes_arg(char c)
{
    return strchr(ARG_LETTERS, c) != NULL;
}

/* One option letter with its value: M_ALL when the output may show hidden
 * items, else M_NAMED (recording -e names). */
static enum mode option(char c, const char *v, enum mode m)
{
    if (c == 'X')
        return M_ALL;
    if (c == 'T' && (!strcmp(v, "json") || !strcmp(v, "jsonraw") || !strcmp(v, "ek") || !strcmp(v, "pdml")))
        return M_ALL;
    if (c == 'e')
        g_hash_table_add(named, g_strdup(v));
    return m;
}

/* argv of a tshark run -> M_ALL (its output may print hidden items) or
 * M_NAMED (only the -e fields recorded in `named` are printed). */
static enum mode scan(char **argv, int argc)
{
    enum mode m = M_NAMED;
    for (int i = 1; i < argc && m == M_NAMED; i++) {
        const char *a = argv[i];
        /* An operand (a capture filter), or a piece of an option's value that
         * tshark cut in place ("-E occurrence=a" reads back as "occurrence",
         * "a" once parsed): step over it. Reading on can only add names. */
        if (a[0] != '-' || !a[1] || !strcmp(a, "--"))
            continue;
        if (a[1] == '-') {
            /* Long options: none prints hidden items or names -e fields. Their
             * value may be the next argument ("--temp-dir DIR"): step over it
             * rather than take it for the first operand and stop early. */
            if (!strchr(a, '=') && i + 1 < argc && argv[i + 1][0] != '-')
                i++;
            continue;
        }
        for (const char *p = a + 1; *p; p++) {
            if (!takes_arg(*p))
                continue;
            const char *v = p[1] ? p + 1 : (i + 1 < argc ? argv[++i] : "");
            m = option(*p, v, m);
            break;
        }
    }
    return m;
}

void dk_hidden_probe(void)
{
    if (mode != M_UNKNOWN)
        return;
    mode = M_ALL;
    char *buf = NULL;
    gsize len = 0;
    if (!g_file_get_contents("/proc/self/cmdline", &buf, &len, NULL) || len == 0) {
        g_free(buf);
        return;
    }
    /* NUL-separated arguments, the last one NUL-terminated */
    GPtrArray *args = g_ptr_array_new();
    for (gsize i = 0; i < len; i += strlen(buf + i) + 1)
        g_ptr_array_add(args, buf + i);
    if (buf[len - 1] == '\0' && args->len > 0) {
        char *base = g_path_get_basename((char *)g_ptr_array_index(args, 0));
        if (g_str_has_prefix(base, "tshark")) {
            named = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
            mode = scan((char **)args->pdata, (int)args->len);
        }
        g_free(base);
    }
    g_ptr_array_free(args, TRUE);
    g_free(buf);
}

/* Whether field id is named by -e, looked up once per field: a string hash
 * per item would cost much of what leaving the item out saves. */
static bool is_named(int id)
{
    if (!verdict)
        verdict = g_hash_table_new(g_direct_hash, g_direct_equal);
    gpointer v = g_hash_table_lookup(verdict, GINT_TO_POINTER(id));
    if (v)
        return GPOINTER_TO_INT(v) == 1;
    header_field_info *h = proto_registrar_get_nth((guint)id);
    bool yes = h && g_hash_table_contains(named, h->abbrev);
    g_hash_table_insert(verdict, GINT_TO_POINTER(id), GINT_TO_POINTER(yes ? 1 : 2));
    return yes;
}

bool dk_hidden_wanted(proto_tree *t, int id)
{
    if (!t || id <= 0 || !proto_field_is_referenced(t, id))
        return false;
    if (!PTREE_DATA(t)->visible)
        return true; /* referenced: a filter, colouring rule, column or tap names it */
    if (mode == M_UNKNOWN)
        dk_hidden_probe();
    if (mode == M_ALL || prefs.display_hidden_proto_items)
        return true;
    header_field_info *h = proto_registrar_get_nth((guint)id);
    return (h && h->ref_type != HF_REF_TYPE_NONE) || is_named(id);
}
