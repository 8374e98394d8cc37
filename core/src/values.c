/*
 * Names and typed values of object fields beyond the catalogue's rows
 * (see dnp3kit/values.h). Names are UPPER_SNAKE like the control status
 * names, so they are stable in JSON and filters.
 */
#include "dnp3kit/values.h"

#include <string.h>

/* IEEE 1815-2012 table 11-? (g70v4 / g70v6 status codes). */
static const dnp3kit_enum file_status[] = {
    {0, "SUCCESS"}, {1, "PERMISSION_DENIED"}, {2, "INVALID_MODE"}, {3, "FILE_NOT_FOUND"},
    {4, "FILE_LOCKED"}, {5, "TOO_MANY_OPEN"}, {6, "INVALID_HANDLE"}, {7, "WRITE_BLOCK_SIZE"},
    {8, "COMM_LOST"}, {9, "CANNOT_ABORT"}, {16, "NOT_OPENED"}, {17, "HANDLE_EXPIRED"},
    {18, "BUFFER_OVERRUN"}, {19, "FATAL"}, {20, "BLOCK_SEQUENCE"}, {255, "UNDEFINED"}, {0, NULL}};
static const dnp3kit_enum file_mode[] = {
    {DNP3KIT_FILE_MODE_NULL, "NULL"}, {DNP3KIT_FILE_MODE_READ, "READ"}, {DNP3KIT_FILE_MODE_WRITE, "WRITE"},
    {DNP3KIT_FILE_MODE_APPEND, "APPEND"}, {0, NULL}};
/* Secure Authentication v5 (clause 7, A.45). */
static const dnp3kit_enum key_wrap[] = {{0, "UNUSED"}, {1, "AES_128"}, {2, "AES_256"}, {0, NULL}};
static const dnp3kit_enum key_status[] = {
    {0, "NOT_USED"}, {1, "OK"}, {2, "NOT_INIT"}, {3, "COMM_FAIL"}, {4, "AUTH_FAIL"}, {0, NULL}};
/* The MAC length is part of the algorithm: serial links truncate shorter. */
static const dnp3kit_enum mac_alg[] = {
    {0, "NO_MAC"}, {1, "HMAC_SHA1_4"}, {2, "HMAC_SHA1_10"}, {3, "HMAC_SHA256_8"}, {4, "HMAC_SHA256_16"},
    {5, "HMAC_SHA1_8"}, {6, "AES_GMAC"}, {0, NULL}};
static const dnp3kit_enum sa_error[] = {
    {1, "AUTHENTICATION_FAILED"}, {2, "UNEXPECTED_RESPONSE"}, {3, "NO_RESPONSE"},
    {4, "AGGRESSIVE_MODE_NOT_SUPPORTED"}, {5, "MAC_ALGORITHM_NOT_SUPPORTED"},
    {6, "KEY_WRAP_ALGORITHM_NOT_SUPPORTED"}, {7, "AUTHORIZATION_FAILED"},
    {8, "UPDATE_KEY_METHOD_NOT_PERMITTED"}, {9, "INVALID_SIGNATURE"}, {10, "INVALID_CERTIFICATION_DATA"},
    {11, "UNKNOWN_USER"}, {12, "MAX_SESSION_KEY_STATUS_REQUESTS_EXCEEDED"}, {0, NULL}};
static const dnp3kit_enum sa_reason[] = {{1, "CRITICAL"}, {0, NULL}};
static const dnp3kit_enum key_change_method[] = {
    {1, "OBSOLETE"}, {2, "OBSOLETE"}, {3, "SYM_AES128_SHA1_HMAC"}, {4, "SYM_AES256_SHA256_HMAC"},
    {5, "SYM_AES256_AES_GMAC"}, {64, "OBSOLETE"}, {65, "OBSOLETE"}, {66, "OBSOLETE"},
    {67, "ASYM_RSA1024_DSA_SHA1_SHA1_HMAC"}, {68, "ASYM_RSA2048_DSA_SHA256_SHA256_HMAC"},
    {69, "ASYM_RSA3072_DSA_SHA256_SHA256_HMAC"}, {70, "ASYM_RSA2048_DSA_SHA256_AES_GMAC"},
    {71, "ASYM_RSA3072_DSA_SHA256_AES_GMAC"}, {0, NULL}};
static const dnp3kit_enum user_operation[] = {{1, "ADD"}, {2, "DELETE"}, {3, "CHANGE"}, {0, NULL}};
static const dnp3kit_enum cert_type[] = {{1, "ID_CERTIFICATE"}, {2, "ATTRIBUTE_CERTIFICATE"}, {0, NULL}};
/* g0 data types (A.1); the names dnp3-master prints. */
static const dnp3kit_enum attr_type[] = {
    {DNP3KIT_ATTR_VSTR, "VSTR"}, {DNP3KIT_ATTR_UINT, "UINT"}, {DNP3KIT_ATTR_INT, "INT"},
    {DNP3KIT_ATTR_FLT, "FLT"}, {DNP3KIT_ATTR_OSTR, "OSTR"}, {DNP3KIT_ATTR_BSTR, "BSTR"},
    {DNP3KIT_ATTR_TIME, "TIME"}, {DNP3KIT_ATTR_LIST, "LIST"}, {DNP3KIT_ATTR_EXLIST, "EXLIST"}, {0, NULL}};

static const struct {
    const char *field;
    const dnp3kit_enum *e;
} by_field[] = {
    {"status_code", file_status}, {"mode", file_mode}, {"key_wrap_alg", key_wrap},
    {"key_status", key_status}, {"mac_alg", mac_alg}, {"error", sa_error}, {"reason", sa_reason},
    {"key_change_method", key_change_method}, {"operation", user_operation}, {"cert_type", cert_type},
    {"data_type", attr_type},
};

const dnp3kit_enum *dnp3kit_field_enum(const char *field)
{
    if (!field)
        return NULL;
    for (size_t k = 0; k < sizeof by_field / sizeof by_field[0]; k++)
        if (strcmp(by_field[k].field, field) == 0)
            return by_field[k].e;
    return NULL;
}

const char *dnp3kit_enum_name(const dnp3kit_enum *e, uint64_t v)
{
    for (; e && e->name; e++)
        if (e->value == v)
            return e->name;
    return NULL;
}

static uint64_t le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;)
        v = v << 8 | p[i];
    return v;
}

int dnp3kit_file_command_decode(const uint8_t *obj, size_t n, dnp3kit_file_command *fc)
{
    memset(fc, 0, sizeof *fc);
    if (!obj || n < DNP3KIT_FILE_COMMAND_FIXED)
        return DNP3KIT_ERR_INVALID;
    fc->name_offset = (uint16_t)le(obj, 2);
    fc->name_size = (uint16_t)le(obj + 2, 2);
    fc->created_ms = le(obj + 4, 6);
    fc->permissions = (uint16_t)le(obj + 10, 2);
    fc->auth_key = (uint32_t)le(obj + 12, 4);
    fc->file_size = (uint32_t)le(obj + 16, 4);
    fc->mode = (uint16_t)le(obj + 20, 2);
    fc->max_block = (uint16_t)le(obj + 22, 2);
    fc->request_id = (uint16_t)le(obj + 24, 2);
    /* The offset counts from the object's first octet; the name may not
     * overlap the fixed fields nor run past the object. */
    if (fc->name_offset < DNP3KIT_FILE_COMMAND_FIXED || (size_t)fc->name_offset + fc->name_size > n)
        return DNP3KIT_ERR_INVALID;
    fc->name = obj + fc->name_offset;
    fc->name_len = fc->name_size;
    return DNP3KIT_OK;
}

void dnp3kit_attr_value_decode(uint8_t type, const uint8_t *p, size_t n, dnp3kit_attr_value *v)
{
    memset(v, 0, sizeof *v);
    v->octets = p;
    v->len = p ? n : 0;
    switch (type) {
    case DNP3KIT_ATTR_VSTR:
        v->kind = DNP3KIT_AV_TEXT;
        break;
    case DNP3KIT_ATTR_UINT:
        if (n >= 1 && n <= 8) {
            v->kind = DNP3KIT_AV_UINT;
            v->u = le(p, n);
        }
        break;
    case DNP3KIT_ATTR_INT:
        if (n >= 1 && n <= 8) {
            uint64_t u = le(p, n);
            if (n < 8 && (u >> (8 * n - 1)) & 1)
                u |= ~0ULL << (8 * n); /* sign-extend */
            v->kind = DNP3KIT_AV_INT;
            v->i = (int64_t)u;
        }
        break;
    case DNP3KIT_ATTR_FLT:
        if (n == 4) {
            uint32_t u = (uint32_t)le(p, 4);
            float f;
            memcpy(&f, &u, sizeof f);
            v->kind = DNP3KIT_AV_FLOAT;
            v->f32 = true;
            v->f = f;
        } else if (n == 8) {
            uint64_t u = le(p, 8);
            double d;
            memcpy(&d, &u, sizeof d);
            v->kind = DNP3KIT_AV_FLOAT;
            v->f = d;
        }
        break;
    case DNP3KIT_ATTR_OSTR:
    case DNP3KIT_ATTR_BSTR:
        v->kind = DNP3KIT_AV_OCTETS;
        break;
    case DNP3KIT_ATTR_TIME:
        if (n == 6) {
            v->kind = DNP3KIT_AV_TIME;
            v->u = le(p, 6);
        }
        break;
    case DNP3KIT_ATTR_LIST:
    case DNP3KIT_ATTR_EXLIST:
        if (n % 2 == 0)
            v->kind = DNP3KIT_AV_LIST;
        break;
    default:
        break;
    }
}

/* IEEE 1815-2012 table 7-? : statistic number = point index. */
static const char *const sec_stats[] = {
    "UNEXPECTED_MESSAGES", "AUTHORIZATION_FAILURES", "AUTHENTICATION_FAILURES", "REPLY_TIMEOUTS",
    "REKEYS_DUE_TO_AUTHENTICATION_FAILURE", "TOTAL_MESSAGES_SENT", "TOTAL_MESSAGES_RECEIVED",
    "CRITICAL_MESSAGES_SENT", "CRITICAL_MESSAGES_RECEIVED", "DISCARDED_MESSAGES", "ERROR_MESSAGES_SENT",
    "ERROR_MESSAGES_RECEIVED", "SUCCESSFUL_AUTHENTICATIONS", "SESSION_KEY_CHANGES",
    "FAILED_SESSION_KEY_CHANGES", "UPDATE_KEY_CHANGES", "FAILED_UPDATE_KEY_CHANGES", "REKEYS_DUE_TO_RESTARTS",
};

const char *dnp3kit_security_statistic_name(uint64_t index)
{
    return index < sizeof sec_stats / sizeof sec_stats[0] ? sec_stats[index] : NULL;
}
