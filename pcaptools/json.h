/*
 * A small JSON reader for the documents dnp3-pcap reads back (check
 * baselines): the whole text is parsed into a tree of values. Bounded: at
 * most JSN_MAX_DEPTH levels of nesting; strings are unescaped (\uXXXX to
 * UTF-8, surrogate pairs joined); numbers are kept as doubles and, when
 * they are integers that fit, as int64. A syntax error names its line and
 * column.
 */
#ifndef DNP3KIT_PCAP_JSON_H
#define DNP3KIT_PCAP_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSN_MAX_DEPTH 64

typedef enum { JSN_NULL, JSN_BOOL, JSN_NUMBER, JSN_STRING, JSN_ARRAY, JSN_OBJECT } jsn_type;

typedef struct jsn {
    jsn_type type;
    bool b;
    double num;
    bool is_int;         /* num is an integer in int64 range (in i) */
    int64_t i;
    char *str;           /* JSN_STRING (NUL-terminated; embedded NULs refused) */
    size_t n;            /* JSN_ARRAY / JSN_OBJECT: members */
    struct jsn *items;   /* members' values */
    char **keys;         /* JSN_OBJECT: members' names */
} jsn;

/* Parse text[0..len) as one JSON value (whitespace around it allowed).
 * Returns NULL with err set ("line L, column C: what") on a syntax error or
 * out of memory. Free with jsn_free. */
jsn *jsn_parse(const char *text, size_t len, char *err, size_t errcap);
void jsn_free(jsn *v);

/* The member `key` of an object, or NULL (also when v is not an object). */
const jsn *jsn_get(const jsn *v, const char *key);

#endif
