/* Per-point-type index fields, as newer Wireshark's built-in dnp3 has them
 * (dnp3.al.bi.index, dnp3.al.ai.event.index, ...): dnp3kit.al.bi.index,
 * dnp3kit.al.bi.static.index, dnp3kit.al.bi.event.index, and .cmnd.index for
 * the output types, so `dnp3kit.al.ai.index == 5` finds analog input 5 and not
 * counter 5. Hidden items beside dnp3kit.al.point.index, added when a filter
 * names them or a visible tree's output may print them (hidden.c: tshark
 * -T fields -e naming them, -T json, the GUI), never for a summary-only pass. */
#include "dnp3kit-ws.h"

enum { K_ANY, K_STATIC, K_EVENT, K_CMND, K_KINDS };

typedef struct point_type {
    const char *abbrev, *name;
    bool has_cmnd;
} point_type;

enum { T_BI, T_DBI, T_BO, T_CTR, T_AI, T_AO, T_OS, T_TYPES };

static const point_type types[T_TYPES] = {
    [T_BI] = {"bi", "Binary Input", false},      [T_DBI] = {"dbi", "Double-bit Binary Input", false},
    [T_BO] = {"bo", "Binary Output", true},      [T_CTR] = {"counter", "Counter", false},
    [T_AI] = {"ai", "Analog Input", false},      [T_AO] = {"ao", "Analog Output", true},
    [T_OS] = {"os", "Octet String", false},
};

/* Group -> type and kind (IEEE 1815-2012 Annex A). g13 and g43 (command
 * events) count as events; g21 (frozen counters) and g31 (frozen analog
 * inputs) as static. -1: no per-type field. */
static const struct {
    uint8_t group;
    int8_t type, kind;
} groups[] = {
    {1, T_BI, K_STATIC},   {2, T_BI, K_EVENT},    {3, T_DBI, K_STATIC},  {4, T_DBI, K_EVENT},
    {10, T_BO, K_STATIC},  {11, T_BO, K_EVENT},   {12, T_BO, K_CMND},    {13, T_BO, K_EVENT},
    {20, T_CTR, K_STATIC}, {21, T_CTR, K_STATIC}, {22, T_CTR, K_EVENT},  {23, T_CTR, K_EVENT},
    {30, T_AI, K_STATIC},  {31, T_AI, K_STATIC},  {32, T_AI, K_EVENT},   {33, T_AI, K_EVENT},
    {40, T_AO, K_STATIC},  {41, T_AO, K_CMND},    {42, T_AO, K_EVENT},   {43, T_AO, K_EVENT},
    {110, T_OS, K_STATIC}, {111, T_OS, K_EVENT},
};

static int hf_ti[T_TYPES][K_KINDS];
static int8_t by_group[256][2]; /* type, kind; type -1 none */

void dk_register_type_index(int proto)
{
    static const char *const kind_ab[K_KINDS] = {"", ".static", ".event", ".cmnd"};
    static const char *const kind_nm[K_KINDS] = {"", " Static", " Event", " Command"};
    static hf_register_info hfr[T_TYPES * K_KINDS];
    int n = 0;
    for (int t = 0; t < T_TYPES; t++)
        for (int k = 0; k < K_KINDS; k++) {
            hf_ti[t][k] = -1;
            if (k == K_CMND && !types[t].has_cmnd)
                continue;
            hf_register_info h = {&hf_ti[t][k],
                                  {g_strdup_printf("%s%s Index", types[t].name, kind_nm[k]),
                                   g_strdup_printf("dnp3kit.al.%s%s.index", types[t].abbrev, kind_ab[k]), FT_UINT32,
                                   BASE_DEC, NULL, 0, "Point index of this point type (hidden; dnp3kit.al.point.index shows it)",
                                   HFILL}};
            hfr[n++] = h;
        }
    proto_register_field_array(proto, hfr, n);
    for (int g = 0; g < 256; g++)
        by_group[g][0] = -1;
    for (size_t i = 0; i < G_N_ELEMENTS(groups); i++) {
        by_group[groups[i].group][0] = groups[i].type;
        by_group[groups[i].group][1] = groups[i].kind;
    }
}

bool dk_type_index_referenced(proto_tree *tree)
{
    for (int t = 0; t < T_TYPES; t++)
        for (int k = 0; k < K_KINDS; k++)
            if (hf_ti[t][k] > 0 && proto_field_is_referenced(tree, hf_ti[t][k]))
                return true;
    return false;
}

void dk_type_index(proto_tree *tree, tvbuff_t *tvb, uint8_t group, int off, int len, uint32_t index)
{
    int t = by_group[group][0];
    if (t < 0)
        return;
    int ids[2] = {hf_ti[t][K_ANY], hf_ti[t][by_group[group][1]]};
    for (int i = 0; i < 2; i++)
        if (dk_hidden_wanted(tree, ids[i]))
            proto_item_set_hidden(proto_tree_add_uint(tree, ids[i], tvb, off, len, index));
}
