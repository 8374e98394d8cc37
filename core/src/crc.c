/* CRC-16/DNP (clause 9.2.4.1.3): reflected polynomial 0xA6BC (0x3D65), init 0,
 * final complement. The link layer runs it over every octet, so it is the hot
 * loop of `check`. Two implementations give the same values:
 *
 * - portable: slicing-by-16 tables, a whole 16-octet data block per step;
 *   used for single CRCs (dnp3kit_crc16) everywhere: one short CRC is a
 *   latency chain, and the table beats carry-less multiplies there.
 * - the data blocks of a whole frame (dnp3kit_crc16_check_blocks) on x86-64
 *   with AVX-512 and VPCLMULQDQ (chosen at start-up from CPUID): four blocks,
 *   one per 128-bit lane, are each folded to 79 bits by two carry-less
 *   multiplies and reduced to 16 bits by a Barrett step (two more). About
 *   2.4x the table on frame bodies (tests/bench: dnp3-crcbench).
 *
 * The carry-less arithmetic works on bit-reflected values: a 64-bit lane whose
 * bit k holds the coefficient of x^(m-k) is written rho_m. A message block
 * loaded little-endian is rho_127(M) (first octet's bit 0 is the highest
 * degree), and clmul(rho_a(A), rho_b(B)) = rho_(a+b)(A*B). The constants
 * below are rho_63 of: x^80 mod P, x^16 mod P (= P - x^16), floor(x^79 / P). */
#include "dnp3kit/crc.h"

/* DNP3KIT_NO_SIMD (CMake option of the same name) builds the portable path only. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(DNP3KIT_NO_SIMD)
#include <cpuid.h>
#include <immintrin.h>
#define CRC_HAVE_CLMUL 1
#endif

static uint16_t tab[16][256];
static int tab_ready;
static int use_avx512; /* set once before main(), read-only afterwards */

static void init_tables(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint16_t c = (uint16_t)i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (uint16_t)((c >> 1) ^ 0xA6BC) : (uint16_t)(c >> 1);
        tab[0][i] = c;
    }
    for (unsigned i = 0; i < 256; i++)
        for (int t = 1; t < 16; t++)
            tab[t][i] = (uint16_t)((tab[t - 1][i] >> 8) ^ tab[0][tab[t - 1][i] & 0xFF]);
    /* The tables are the same whichever thread fills them; the flag only saves work. */
    __atomic_store_n(&tab_ready, 1, __ATOMIC_RELEASE);
}

static int cpu_has_avx512_clmul(void)
{
#ifdef CRC_HAVE_CLMUL
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
        return 0;
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    if ((lo & 0xE6) != 0xE6) /* SSE, AVX, opmask and both ZMM halves saved by the OS */
        return 0;
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
        return 0;
    return (b & bit_AVX512F) && (b & bit_AVX512BW) && (c & bit_AVX512VBMI) && (c & (1u << 10)) /* VPCLMULQDQ */;
#else
    return 0;
#endif
}

#ifdef CRC_HAVE_CLMUL
static void init_groups(void);
#endif

__attribute__((constructor)) static void crc_init(void)
{
    init_tables();
    use_avx512 = cpu_has_avx512_clmul();
#ifdef CRC_HAVE_CLMUL
    if (use_avx512)
        init_groups();
#endif
}

static uint16_t crc_table(uint16_t crc, const uint8_t *p, size_t len)
{
    while (len >= 16) {
        unsigned a = p[0] ^ (crc & 0xFF), b = p[1] ^ (crc >> 8);
        crc = (uint16_t)(tab[15][a] ^ tab[14][b] ^ tab[13][p[2]] ^ tab[12][p[3]] ^ tab[11][p[4]] ^
                         tab[10][p[5]] ^ tab[9][p[6]] ^ tab[8][p[7]] ^ tab[7][p[8]] ^ tab[6][p[9]] ^
                         tab[5][p[10]] ^ tab[4][p[11]] ^ tab[3][p[12]] ^ tab[2][p[13]] ^ tab[1][p[14]] ^
                         tab[0][p[15]]);
        p += 16;
        len -= 16;
    }
    if (len >= 8) {
        unsigned a = p[0] ^ (crc & 0xFF), b = p[1] ^ (crc >> 8);
        crc = (uint16_t)(tab[7][a] ^ tab[6][b] ^ tab[5][p[2]] ^ tab[4][p[3]] ^ tab[3][p[4]] ^ tab[2][p[5]] ^
                         tab[1][p[6]] ^ tab[0][p[7]]);
        p += 8;
        len -= 8;
    }
    while (len--)
        crc = (uint16_t)((crc >> 8) ^ tab[0][(crc ^ *p++) & 0xFF]);
    return crc;
}

static void ensure_ready(void)
{
    if (__builtin_expect(!__atomic_load_n(&tab_ready, __ATOMIC_ACQUIRE), 0))
        init_tables();
}

/* ---- all data blocks of a link frame ---- */

static uint32_t blocks_table(const uint8_t *q, size_t user_len)
{
    uint32_t bad = 0;
    for (uint32_t b = 0; user_len > 0; b++) {
        size_t n = user_len < 16 ? user_len : 16;
        uint16_t c = (uint16_t)~crc_table(0, q, n);
        if (q[n] != (uint8_t)c || q[n + 1] != (uint8_t)(c >> 8))
            bad |= 1u << b;
        q += n + 2;
        user_len -= n;
    }
    return bad;
}

#ifdef CRC_HAVE_CLMUL
#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vbmi,vpclmulqdq,pclmul")))

/* Byte shuffles that put up to four consecutive blocks (stride 18) into the
 * four 128-bit lanes, a short last block at the lane's end behind zeros
 * (leading zeros do not change a CRC with init 0), and each block's stored
 * CRC into 16-bit word 4 of its lane, where the reduction leaves its result.
 * Indexed by [lanes used - 1][octets in the last lane's block - 1]. */
typedef struct group_shape {
    uint8_t idx[64], eidx[64];
    uint64_t zmask, emask; /* which octets of idx / eidx are taken */
    uint32_t words;        /* word 4 of each lane in use */
    uint32_t span;         /* octets the group occupies on the wire */
} group_shape;
static group_shape shapes[4][16];

static void init_groups(void)
{
    for (int lanes = 1; lanes <= 4; lanes++)
        for (int last = 1; last <= 16; last++) {
            group_shape *g = &shapes[lanes - 1][last - 1];
            for (int l = 0; l < lanes; l++) {
                int n = l == lanes - 1 ? last : 16;
                for (int j = 16 - n; j < 16; j++) {
                    g->idx[16 * l + j] = (uint8_t)(18 * l + j - (16 - n));
                    g->zmask |= 1ull << (16 * l + j);
                }
                g->eidx[16 * l + 8] = (uint8_t)(18 * l + n);
                g->eidx[16 * l + 9] = (uint8_t)(18 * l + n + 1);
                g->emask |= 3ull << (16 * l + 8);
                g->words |= 1u << (8 * l + 4);
                g->span = (uint32_t)(18 * l + n + 2);
            }
        }
}

AVX512_TARGET static uint32_t blocks_avx512(const uint8_t *q, size_t user_len)
{
    const __m512i k1 = _mm512_set4_epi64((long long)0xA6BC000000000000ull, 0x0B09000000000000ll,
                                         (long long)0xA6BC000000000000ull, 0x0B09000000000000ll);
    const __m512i k2 = _mm512_set4_epi64((long long)0xA6BC000000000000ull, 0x124F9628F81E8E39ll,
                                         (long long)0xA6BC000000000000ull, 0x124F9628F81E8E39ll);
    const __m512i qmask = _mm512_set4_epi64(0, 0x7FFFFFFFFFFFFFFFll, 0, 0x7FFFFFFFFFFFFFFFll);
    size_t nblocks = (user_len + 15) / 16;
    size_t last = user_len - 16 * (nblocks - 1);
    uint32_t bad = 0;
    for (size_t b = 0; b < nblocks; b += 4) {
        size_t lanes = nblocks - b < 4 ? nblocks - b : 4;
        const group_shape *g = &shapes[lanes - 1][(lanes == nblocks - b ? last : 16) - 1];
        /* Masked loads: nothing past the frame is touched. */
        uint32_t span = g->span;
        __m512i lo = _mm512_maskz_loadu_epi8(span >= 64 ? ~0ull : (1ull << span) - 1, q);
        __m512i hi = _mm512_maskz_loadu_epi8(span > 64 ? (1ull << (span - 64)) - 1 : 0, q + 64);
        __m512i idx = _mm512_loadu_si512(g->idx), eidx = _mm512_loadu_si512(g->eidx);
        __m512i d = _mm512_maskz_permutex2var_epi8(g->zmask, lo, idx, hi);
        __m512i e = _mm512_maskz_permutex2var_epi8(g->emask, lo, eidx, hi);
        __m512i sv = _mm512_xor_si512(_mm512_clmulepi64_epi128(d, k1, 0x00), _mm512_clmulepi64_epi128(d, k1, 0x11));
        __m512i a = _mm512_bsrli_epi128(sv, 6);
        __m512i qq = _mm512_and_si512(_mm512_clmulepi64_epi128(a, k2, 0x00), qmask);
        __m512i t = _mm512_clmulepi64_epi128(qq, k2, 0x10);
        __m512i r = _mm512_xor_si512(_mm512_srli_epi64(sv, 47), _mm512_srli_epi64(t, 46));
        r = _mm512_xor_si512(r, _mm512_set1_epi32(-1)); /* final complement */
        uint32_t ne = (uint32_t)_mm512_mask_cmpneq_epi16_mask(g->words, r, e);
        if (ne)
            for (size_t l = 0; l < lanes; l++)
                if (ne & (1u << (8 * l + 4)))
                    bad |= 1u << (b + l);
        q += 72;
    }
    return bad;
}
#endif

/* The mask has a bit per block: 32 blocks of 16 at most. */
#define BLOCKS_MAX_LEN (16 * 32)

uint32_t dnp3kit_crc16_check_blocks_portable(const uint8_t *q, size_t user_len)
{
    ensure_ready();
    return blocks_table(q, user_len > BLOCKS_MAX_LEN ? BLOCKS_MAX_LEN : user_len);
}

uint32_t dnp3kit_crc16_check_blocks(const uint8_t *q, size_t user_len)
{
#ifdef CRC_HAVE_CLMUL
    if (use_avx512 && user_len > 0)
        return blocks_avx512(q, user_len > BLOCKS_MAX_LEN ? BLOCKS_MAX_LEN : user_len);
#endif
    return dnp3kit_crc16_check_blocks_portable(q, user_len);
}

uint16_t dnp3kit_crc16(const uint8_t *p, size_t len)
{
    ensure_ready();
    return (uint16_t)~crc_table(0, p, len);
}

const char *dnp3kit_crc16_impl(void) { return use_avx512 ? "vpclmul" : "table"; }

bool dnp3kit_crc16_check(const uint8_t *p, size_t len)
{
    uint16_t c = dnp3kit_crc16(p, len);
    return p[len] == (uint8_t)(c & 0xFF) && p[len + 1] == (uint8_t)(c >> 8);
}
