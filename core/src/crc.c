/* CRC-16/DNP (clause 9.2.4.1.3): reflected polynomial 0xA6BC (0x3D65), init 0,
 * final complement. The link layer runs it over every octet, so it is the hot
 * loop of `check`: slicing-by-16 consumes a whole 16-octet data block per
 * step. The tables are filled before main() (and, should a caller run earlier,
 * on first use). */
#include "dnp3kit/crc.h"

static uint16_t tab[16][256];
static int tab_ready;

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

__attribute__((constructor)) static void crc_init(void) { init_tables(); }

static uint16_t crc_raw(uint16_t crc, const uint8_t *p, size_t len)
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

uint16_t dnp3kit_crc16(const uint8_t *p, size_t len)
{
    if (__builtin_expect(!__atomic_load_n(&tab_ready, __ATOMIC_ACQUIRE), 0))
        init_tables();
    return (uint16_t)~crc_raw(0, p, len);
}

bool dnp3kit_crc16_check(const uint8_t *p, size_t len)
{
    uint16_t c = dnp3kit_crc16(p, len);
    return p[len] == (uint8_t)(c & 0xFF) && p[len + 1] == (uint8_t)(c >> 8);
}
