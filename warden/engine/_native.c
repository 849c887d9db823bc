/* Byte work the engine does on megabytes at a time, without holding the interpreter lock.
 *
 * translate(data, table, pad=b"") -> bytes
 *     pad + data.translate(table) + pad, for any data with the buffer protocol, in one
 *     copy. The interpreter lock is released while the bytes are mapped, so several threads
 *     can prepare text for the keyword scan side by side (bytes.translate holds the lock).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Below this size releasing and taking back the lock costs more than it lets run. */
#define UNLOCKED_FROM 65536

static void
map_bytes(const unsigned char *src, unsigned char *dst, Py_ssize_t size,
          const unsigned char *map)
{
    Py_ssize_t i = 0;
    for (; i + 8 <= size; i += 8) {
        dst[i] = map[src[i]];
        dst[i + 1] = map[src[i + 1]];
        dst[i + 2] = map[src[i + 2]];
        dst[i + 3] = map[src[i + 3]];
        dst[i + 4] = map[src[i + 4]];
        dst[i + 5] = map[src[i + 5]];
        dst[i + 6] = map[src[i + 6]];
        dst[i + 7] = map[src[i + 7]];
    }
    for (; i < size; i++) {
        dst[i] = map[src[i]];
    }
}

static PyObject *
native_translate(PyObject *module, PyObject *args)
{
    Py_buffer data, table;
    const char *pad = "";
    Py_ssize_t pad_len = 0;
    if (!PyArg_ParseTuple(args, "y*y*|y#:translate", &data, &table, &pad, &pad_len)) {
        return NULL;
    }
    if (table.len != 256) {
        PyBuffer_Release(&data);
        PyBuffer_Release(&table);
        PyErr_SetString(PyExc_ValueError, "translation table must be 256 bytes long");
        return NULL;
    }
    if (data.len > PY_SSIZE_T_MAX - 2 * pad_len) {
        PyBuffer_Release(&data);
        PyBuffer_Release(&table);
        return PyErr_NoMemory();
    }
    PyObject *result = PyBytes_FromStringAndSize(NULL, data.len + 2 * pad_len);
    if (result == NULL) {
        PyBuffer_Release(&data);
        PyBuffer_Release(&table);
        return NULL;
    }
    const unsigned char *src = (const unsigned char *)data.buf;
    const unsigned char *map = (const unsigned char *)table.buf;
    unsigned char *dst = (unsigned char *)PyBytes_AS_STRING(result);
    memcpy(dst, pad, pad_len);
    memcpy(dst + pad_len + data.len, pad, pad_len);
    dst += pad_len;
    if (data.len < UNLOCKED_FROM) {
        map_bytes(src, dst, data.len, map);
    }
    else {
        Py_BEGIN_ALLOW_THREADS
        map_bytes(src, dst, data.len, map);
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&data);
    PyBuffer_Release(&table);
    return result;
}

/* -- growable buffers ------------------------------------------------------------------ */

typedef struct {
    char *data;
    Py_ssize_t len, cap;
} Buf;

static int
buf_reserve(Buf *b, Py_ssize_t extra)
{
    if (b->len + extra <= b->cap) {
        return 0;
    }
    Py_ssize_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) {
        cap *= 2;
    }
    char *grown = realloc(b->data, (size_t)cap);
    if (grown == NULL) {
        return -1;
    }
    b->data = grown;
    b->cap = cap;
    return 0;
}

static void
buf_free(Buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* -- UTF-8 ------------------------------------------------------------------------------- */

/* The UTF-8 sequence at s[0]: its length (1 to 4) if it is well-formed; otherwise minus
 * the length of its maximal subpart (the lead byte and the continuation bytes that fit it),
 * which Python's "replace" error handler turns into one U+FFFD. */
static inline int
utf8_sequence(const unsigned char *s, Py_ssize_t n)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    int need;
    if (c < 0x80) {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    }
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    }
    else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    }
    else {
        return -1;
    }
    for (int k = 1; k <= need; k++) {
        if (k >= n || s[k] < lo || s[k] > hi) {
            return -k;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

/* Copy text, replacing each ill-formed sequence by U+FFFD as Python's "replace" error
 * handler does (one replacement per maximal subpart). dst must have room for 3 * n. */
static Py_ssize_t
copy_utf8(char *dst, const unsigned char *s, Py_ssize_t n)
{
    static const char REPLACEMENT[3] = {'\xef', '\xbf', '\xbd'};
    Py_ssize_t i = 0, out = 0;
    while (i < n) {
        int got = utf8_sequence(s + i, n - i);
        if (got > 0) {
            memcpy(dst + out, s + i, (size_t)got);
            out += got;
            i += got;
        }
        else {
            memcpy(dst + out, REPLACEMENT, 3);
            out += 3;
            i -= got;
        }
    }
    return out;
}

/* -- string columns -------------------------------------------------------------------- */

typedef struct {
    int32_t *offsets; /* rows + 1 */
    unsigned char *valid; /* a bit a row */
    Buf data;
    Py_ssize_t rows, nulls;
} StrColumn;

static int
strcol_init(StrColumn *col, Py_ssize_t capacity)
{
    memset(col, 0, sizeof(*col));
    col->offsets = malloc(sizeof(int32_t) * (size_t)(capacity + 1));
    col->valid = calloc((size_t)(capacity / 8 + 1), 1);
    if (col->offsets == NULL || col->valid == NULL) {
        return -1;
    }
    col->offsets[0] = 0;
    return 0;
}

static void
strcol_free(StrColumn *col)
{
    free(col->offsets);
    free(col->valid);
    buf_free(&col->data);
}

/* Append a value (NULL text: a null). ascii says the text needs no UTF-8 checking. */
static int
strcol_put(StrColumn *col, const unsigned char *text, Py_ssize_t n, int ascii)
{
    Py_ssize_t row = col->rows;
    if (text != NULL) {
        if (buf_reserve(&col->data, ascii ? n : 3 * n) < 0) {
            return -1;
        }
        if (ascii) {
            memcpy(col->data.data + col->data.len, text, (size_t)n);
            col->data.len += n;
        }
        else {
            col->data.len += copy_utf8(col->data.data + col->data.len, text, n);
        }
        if (col->data.len > INT32_MAX) {
            return -1;
        }
        col->valid[row >> 3] |= (unsigned char)(1u << (row & 7));
    }
    else {
        col->nulls++;
    }
    col->rows = row + 1;
    col->offsets[row + 1] = (int32_t)col->data.len;
    return 0;
}

/* (offsets, data, validity or None, null count) for pyarrow's from_buffers. */
static PyObject *
strcol_result(StrColumn *col)
{
    PyObject *offsets = PyBytes_FromStringAndSize(
        (const char *)col->offsets, (Py_ssize_t)sizeof(int32_t) * (col->rows + 1));
    PyObject *data = PyBytes_FromStringAndSize(col->data.data, col->data.len);
    PyObject *valid;
    if (col->nulls) {
        valid = PyBytes_FromStringAndSize((const char *)col->valid, col->rows / 8 + 1);
    }
    else {
        valid = Py_NewRef(Py_None);
    }
    if (offsets == NULL || data == NULL || valid == NULL) {
        Py_XDECREF(offsets);
        Py_XDECREF(data);
        Py_XDECREF(valid);
        return NULL;
    }
    return Py_BuildValue("(NNNn)", offsets, data, valid, col->nulls);
}

/* Checked views of an Arrow string column's buffers: validity (or None), offsets, data. */
typedef struct {
    Py_buffer valid, offsets, data;
    int has_valid;
    Py_ssize_t count, first; /* rows, and the array's offset (in rows) */
} Column;

static void
column_release(Column *c)
{
    if (c->has_valid) {
        PyBuffer_Release(&c->valid);
    }
    PyBuffer_Release(&c->offsets);
    PyBuffer_Release(&c->data);
}

/* Whether the buffers hold count strings from row first on; sets an error if not. */
static int
column_check(const Column *c)
{
    int bad = c->count < 0 || c->first < 0 ||
              c->offsets.len < (Py_ssize_t)sizeof(int32_t) * (c->first + c->count + 1) ||
              (c->has_valid && c->valid.len * 8 < c->first + c->count);
    const int32_t *at = (const int32_t *)c->offsets.buf + c->first;
    for (Py_ssize_t i = 0; !bad && i <= c->count; i++) {
        bad = at[i] < 0 || at[i] > c->data.len || (i && at[i] < at[i - 1]);
    }
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "the buffers do not hold a string column that size");
        return -1;
    }
    return 0;
}

static int
column_parse(PyObject *args, const char *format, Column *c)
{
    PyObject *valid;
    if (!PyArg_ParseTuple(args, format, &valid, &c->offsets, &c->data, &c->count, &c->first)) {
        return -1;
    }
    c->has_valid = valid != Py_None;
    if (c->has_valid && PyObject_GetBuffer(valid, &c->valid, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&c->offsets);
        PyBuffer_Release(&c->data);
        return -1;
    }
    if (column_check(c) < 0) {
        column_release(c);
        return -1;
    }
    return 0;
}

static inline int
column_null(const Column *c, Py_ssize_t i)
{
    Py_ssize_t bit = c->first + i;
    return c->has_valid && !(((const unsigned char *)c->valid.buf)[bit >> 3] & (1u << (bit & 7)));
}

/* -- hosts --------------------------------------------------------------------------------- */

static inline int
is_scheme_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '.' || c == '-';
}

/* The host of a URL, or of host:port as CONNECT logs it:
 *   ^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)
 * Sets *start and *len to the host within url. */
static void
find_host(const unsigned char *url, Py_ssize_t n, Py_ssize_t *start, Py_ssize_t *len)
{
    Py_ssize_t i = 0;
    if (n && ((url[0] >= 'a' && url[0] <= 'z') || (url[0] >= 'A' && url[0] <= 'Z'))) {
        Py_ssize_t j = 1;
        while (j < n && is_scheme_char(url[j])) {
            j++;
        }
        if (j + 3 <= n && url[j] == ':' && url[j + 1] == '/' && url[j + 2] == '/') {
            i = j + 3;
        }
    }
    Py_ssize_t j = i;
    while (j < n && url[j] != '@' && url[j] != '/' && url[j] != '?' && url[j] != '#') {
        j++;
    }
    if (j < n && url[j] == '@') {
        i = j + 1;
    }
    if (i < n && url[i] == '[') {
        const unsigned char *close = memchr(url + i, ']', (size_t)(n - i));
        if (close != NULL) {
            *start = i;
            *len = close - (url + i) + 1;
            return;
        }
    }
    j = i;
    while (j < n && url[j] != ':' && url[j] != '/' && url[j] != '?' && url[j] != '#') {
        j++;
    }
    *start = i;
    *len = j - i;
}

/* Append the lower-case host of url to col (a null when it is empty). Returns 1 when the
 * host has characters beyond ASCII (which the caller lower-cases), 0, or -1 on error. */
static int
put_host(StrColumn *col, const unsigned char *url, Py_ssize_t n)
{
    Py_ssize_t start, len;
    find_host(url, n, &start, &len);
    while (len && url[start + len - 1] == '.') {
        len--;
    }
    if (len == 0) {
        return strcol_put(col, NULL, 0, 1);
    }
    if (buf_reserve(&col->data, len) < 0) {
        return -1;
    }
    char *dst = col->data.data + col->data.len;
    int wide = 0;
    for (Py_ssize_t k = 0; k < len; k++) {
        unsigned char c = url[start + k];
        wide |= c >> 7;
        dst[k] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
    }
    Py_ssize_t row = col->rows;
    col->data.len += len;
    col->valid[row >> 3] |= (unsigned char)(1u << (row & 7));
    col->rows = row + 1;
    col->offsets[row + 1] = (int32_t)col->data.len;
    return wide;
}

/* hosts(validity, offsets, data, count, first) -> ((offsets, data, validity, nulls), wide):
 * put_host for each URL of a string column (a null URL gives a null host). */
static PyObject *
native_hosts(PyObject *module, PyObject *args)
{
    Column c;
    if (column_parse(args, "Oy*y*nn:hosts", &c) < 0) {
        return NULL;
    }
    PyObject *result = NULL;
    StrColumn col;
    int wide = 0, failed = strcol_init(&col, c.count) < 0;
    const int32_t *at = (const int32_t *)c.offsets.buf + c.first;
    const unsigned char *text = (const unsigned char *)c.data.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < c.count && !failed; i++) {
        int got = column_null(&c, i) ? strcol_put(&col, NULL, 0, 1)
                                     : put_host(&col, text + at[i], at[i + 1] - at[i]);
        failed = got < 0;
        wide |= got > 0;
    }
    Py_END_ALLOW_THREADS
    if (failed) {
        PyErr_NoMemory();
    }
    else {
        PyObject *column = strcol_result(&col);
        if (column != NULL) {
            result = Py_BuildValue("(NO)", column, wide ? Py_True : Py_False);
        }
    }
    strcol_free(&col);
    column_release(&c);
    return result;
}

/* -- Squid's native access.log ------------------------------------------------------------ */

enum { SQUID_FIELDS = 10 };
enum { BAD_FIELDS, BAD_TIME, BAD_ELAPSED, BAD_SIZE };

typedef struct {
    Py_ssize_t line, start, len;
    int reason;
} Reject;

static inline int
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* The first ASCII white space at or after p, or end. Eight bytes at a time: every white
 * space byte is below 0x21, and (x - 0x21..) & ~x & 0x80.. marks bytes below 0x21, the
 * lowest mark exactly (a borrow can only add marks above it). */
static inline const unsigned char *
next_space(const unsigned char *p, const unsigned char *end)
{
    while (end - p >= 8) {
        uint64_t x;
        memcpy(&x, p, 8);
        uint64_t low = (x - 0x2121212121212121ULL) & ~x & 0x8080808080808080ULL;
        if (low == 0) {
            p += 8;
            continue;
        }
        p += __builtin_ctzll(low) >> 3;
        if (is_space(*p)) {
            return p;
        }
        p++;
    }
    while (p < end && !is_space(*p)) {
        p++;
    }
    return p;
}

/* Whether data is well-formed UTF-8 (then its fields can be copied as they are). */
static int
valid_utf8(const unsigned char *data, Py_ssize_t size)
{
    Py_ssize_t i = 0;
    while (i < size) {
        if (i + 8 <= size) {
            uint64_t x;
            memcpy(&x, data + i, 8);
            if ((x & 0x8080808080808080ULL) == 0) {
                i += 8;
                continue;
            }
        }
        int got = utf8_sequence(data + i, size - i);
        if (got < 0) {
            return 0;
        }
        i += got;
    }
    return 1;
}

/* ^[0-9]{1,12}(\.[0-9]*)?$ as milliseconds, rounding half up; -1 if it is not. */
static int64_t
epoch_millis(const unsigned char *s, Py_ssize_t n)
{
    Py_ssize_t i = 0;
    int64_t seconds = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        seconds = seconds * 10 + (s[i] - '0');
        i++;
    }
    if (i == 0 || i > 12) {
        return -1;
    }
    int64_t millis = seconds * 1000;
    if (i < n) {
        if (s[i] != '.') {
            return -1;
        }
        i++;
        int64_t scale = 100;
        int round_up = 0;
        for (Py_ssize_t k = 0; i < n; i++, k++) {
            if (s[i] < '0' || s[i] > '9') {
                return -1;
            }
            if (k < 3) {
                millis += (s[i] - '0') * scale;
                scale /= 10;
            }
            else if (k == 3) {
                round_up = s[i] >= '5';
            }
        }
        millis += round_up;
    }
    return millis;
}

/* ^-?[0-9]{1,18}$; returns 0 and sets *value, or -1. */
static int
integer(const unsigned char *s, Py_ssize_t n, int64_t *value)
{
    Py_ssize_t i = 0;
    int negative = n && s[0] == '-';
    i = negative;
    if (n - i < 1 || n - i > 18) {
        return -1;
    }
    int64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    *value = negative ? -v : v;
    return 0;
}

/* Columns of the access.log, in the order parse_squid returns them. */
enum { C_CLIENT, C_RESULT, C_METHOD, C_URL, C_USER, C_PEER, C_TYPE, C_HOST, STR_COLUMNS };

static PyObject *
native_parse_squid(PyObject *module, PyObject *args)
{
    Py_buffer view;
    long long base_offset, first_line_no;
    if (!PyArg_ParseTuple(args, "y*LL:parse_squid", &view, &base_offset, &first_line_no)) {
        return NULL;
    }
    const unsigned char *data = (const unsigned char *)view.buf;
    Py_ssize_t size = view.len;
    if (size > INT32_MAX / 3) {
        /* Each column's text is at most three times the chunk (bytes that are not UTF-8
         * become three-byte replacements), and Arrow's offsets are 32-bit. */
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_ValueError,
                     "parse_squid takes chunks of at most %d bytes; this one has %zd (no "
                     "access.log line is that long)",
                     INT32_MAX / 3, size);
        return NULL;
    }
    Py_ssize_t capacity = 1;
    for (const unsigned char *p = data; (p = memchr(p, '\n', (size_t)(data + size - p)));
         p++) {
        capacity++;
    }
    StrColumn cols[STR_COLUMNS];
    int64_t *ints[5] = {NULL}; /* offset, line_no, ts, elapsed, size */
    Reject *rejects = malloc(sizeof(Reject) * 16);
    Py_ssize_t reject_count = 0, reject_cap = 16;
    int ok = rejects != NULL;
    for (int c = 0; c < STR_COLUMNS; c++) {
        ok &= strcol_init(&cols[c], capacity) == 0;
    }
    for (int c = 0; c < 5; c++) {
        ints[c] = malloc(sizeof(int64_t) * (size_t)capacity);
        ok &= ints[c] != NULL;
    }
    Py_ssize_t lines = 0, blank = 0, rows = 0;
    int wide_hosts = 0, failed = !ok;
    int ascii;
    Py_BEGIN_ALLOW_THREADS
    ascii = valid_utf8(data, size);
    Py_ssize_t at = 0;
    while (!failed && at < size) {
        const unsigned char *line = data + at;
        const unsigned char *newline = memchr(line, '\n', (size_t)(size - at));
        Py_ssize_t len = newline ? newline - line : size - at;
        Py_ssize_t next = at + len + 1;
        Py_ssize_t start = at;
        at = next;
        Py_ssize_t index = lines++;
        while (len && line[len - 1] == '\r') {
            len--;
        }
        if (len == 0) {
            blank++;
            continue;
        }
        const unsigned char *field[SQUID_FIELDS];
        Py_ssize_t flen[SQUID_FIELDS];
        int count = 0;
        Py_ssize_t k = 0;
        while (k < len) {
            while (k < len && is_space(line[k])) {
                k++;
            }
            if (k == len) {
                break;
            }
            Py_ssize_t begin = k;
            k = next_space(line + k, line + len) - line;
            if (count < SQUID_FIELDS) {
                field[count] = line + begin;
                flen[count] = k - begin;
            }
            count++;
        }
        int reasons[4], bad = 0;
        int64_t ts = 0, elapsed = 0, bytes = 0;
        if (count != SQUID_FIELDS) {
            reasons[bad++] = BAD_FIELDS;
        }
        else {
            ts = epoch_millis(field[0], flen[0]);
            if (ts < 0) {
                reasons[bad++] = BAD_TIME;
            }
            if (integer(field[1], flen[1], &elapsed) < 0) {
                reasons[bad++] = BAD_ELAPSED;
            }
            if (integer(field[4], flen[4], &bytes) < 0) {
                reasons[bad++] = BAD_SIZE;
            }
        }
        if (bad) {
            if (reject_count + bad > reject_cap) {
                reject_cap *= 2;
                Reject *grown = realloc(rejects, sizeof(Reject) * (size_t)reject_cap);
                if (grown == NULL) {
                    failed = 1;
                    break;
                }
                rejects = grown;
            }
            for (int r = 0; r < bad; r++) {
                rejects[reject_count++] = (Reject){index, start, len, reasons[r]};
            }
            continue;
        }
        ints[0][rows] = base_offset + start;
        ints[1][rows] = first_line_no + index;
        ints[2][rows] = ts;
        ints[3][rows] = elapsed;
        ints[4][rows] = bytes;
        static const int source[C_HOST] = {2, 3, 5, 6, 7, 8, 9};
        for (int c = 0; c < C_HOST && !failed; c++) {
            const unsigned char *text = field[source[c]];
            Py_ssize_t n = flen[source[c]];
            /* "-" is Squid's "none" for the user, peer and type. */
            if (c >= C_USER && n == 1 && text[0] == '-') {
                text = NULL;
            }
            failed = strcol_put(&cols[c], text, n, ascii) < 0;
        }
        if (!failed) {
            StrColumn *url = &cols[C_URL];
            int got = put_host(&cols[C_HOST],
                               (const unsigned char *)url->data.data + url->offsets[rows],
                               url->offsets[rows + 1] - url->offsets[rows]);
            failed = got < 0;
            wide_hosts |= got > 0;
        }
        rows++;
    }
    Py_END_ALLOW_THREADS
    PyObject *result = NULL;
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject *numbers = PyTuple_New(5);
    PyObject *strings = PyTuple_New(STR_COLUMNS);
    PyObject *found = PyList_New(reject_count);
    if (numbers == NULL || strings == NULL || found == NULL) {
        goto fail;
    }
    for (int c = 0; c < 5; c++) {
        PyObject *column = PyBytes_FromStringAndSize(
            (const char *)ints[c], (Py_ssize_t)sizeof(int64_t) * rows);
        if (column == NULL) {
            goto fail;
        }
        PyTuple_SET_ITEM(numbers, c, column);
    }
    for (int c = 0; c < STR_COLUMNS; c++) {
        PyObject *column = strcol_result(&cols[c]);
        if (column == NULL) {
            goto fail;
        }
        PyTuple_SET_ITEM(strings, c, column);
    }
    for (Py_ssize_t r = 0; r < reject_count; r++) {
        PyObject *item = Py_BuildValue("(nnni)", rejects[r].line, rejects[r].start,
                                       rejects[r].len, rejects[r].reason);
        if (item == NULL) {
            goto fail;
        }
        PyList_SET_ITEM(found, r, item);
    }
    result = Py_BuildValue("(nnnNNNO)", lines, blank, rows, numbers, strings, found,
                           wide_hosts ? Py_True : Py_False);
    goto done;
fail:
    Py_XDECREF(numbers);
    Py_XDECREF(strings);
    Py_XDECREF(found);
done:
    for (int c = 0; c < STR_COLUMNS; c++) {
        strcol_free(&cols[c]);
    }
    for (int c = 0; c < 5; c++) {
        free(ints[c]);
    }
    free(rejects);
    PyBuffer_Release(&view);
    return result;
}

/* -- StringTable: text -> int32, looked up a whole Arrow string column at a time ----------- */

typedef struct {
    uint64_t hash; /* 0: an empty slot */
    Py_ssize_t key; /* offset of the key in the arena */
    int32_t len;
    int32_t value;
} Slot;

typedef struct {
    PyObject_HEAD
    Slot *slots;
    size_t mask; /* capacity - 1; capacity is a power of two */
    Py_ssize_t used;
    Buf arena;
} StringTable;

static inline uint64_t
hash_bytes(const unsigned char *s, Py_ssize_t n)
{
    /* FNV-1a, eight bytes at a time, then mixed; never 0 (0 marks an empty slot). */
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)n;
    Py_ssize_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        h = (h ^ x) * 0x100000001b3ULL;
        h ^= h >> 29;
    }
    for (; i < n; i++) {
        h = (h ^ s[i]) * 0x100000001b3ULL;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return h ? h : 1;
}

static inline Slot *
table_find(StringTable *t, const unsigned char *s, Py_ssize_t n, uint64_t h)
{
    size_t i = (size_t)h & t->mask;
    for (;;) {
        Slot *slot = &t->slots[i];
        if (slot->hash == 0) {
            return slot;
        }
        if (slot->hash == h && slot->len == n &&
            memcmp(t->arena.data + slot->key, s, (size_t)n) == 0) {
            return slot;
        }
        i = (i + 1) & t->mask;
    }
}

static int
table_grow(StringTable *t)
{
    size_t capacity = (t->mask + 1) * 2;
    Slot *slots = calloc(capacity, sizeof(Slot));
    if (slots == NULL) {
        return -1;
    }
    for (size_t i = 0; i <= t->mask; i++) {
        Slot *old = &t->slots[i];
        if (old->hash) {
            size_t j = (size_t)old->hash & (capacity - 1);
            while (slots[j].hash) {
                j = (j + 1) & (capacity - 1);
            }
            slots[j] = *old;
        }
    }
    free(t->slots);
    t->slots = slots;
    t->mask = capacity - 1;
    return 0;
}

/* The slot of a key, added (with value -1) if it is not there; NULL when out of memory. */
static Slot *
table_insert(StringTable *t, const unsigned char *s, Py_ssize_t n, uint64_t h)
{
    Slot *slot = table_find(t, s, n, h);
    if (slot->hash) {
        return slot;
    }
    if ((size_t)(t->used + 1) * 2 > t->mask + 1) {
        if (table_grow(t) < 0) {
            return NULL;
        }
        slot = table_find(t, s, n, h);
    }
    if (buf_reserve(&t->arena, n) < 0) {
        return NULL;
    }
    memcpy(t->arena.data + t->arena.len, s, (size_t)n);
    slot->hash = h;
    slot->key = t->arena.len;
    slot->len = (int32_t)n;
    slot->value = -1;
    t->arena.len += n;
    t->used++;
    return slot;
}

static int
table_reset(StringTable *t, size_t capacity)
{
    Slot *slots = calloc(capacity, sizeof(Slot));
    if (slots == NULL) {
        return -1;
    }
    free(t->slots);
    t->slots = slots;
    t->mask = capacity - 1;
    t->used = 0;
    t->arena.len = 0;
    return 0;
}

static PyObject *
StringTable_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, ":StringTable", keywords)) {
        return NULL;
    }
    StringTable *t = (StringTable *)type->tp_alloc(type, 0);
    if (t == NULL) {
        return NULL;
    }
    if (table_reset(t, 1024) < 0) {
        Py_DECREF(t);
        return PyErr_NoMemory();
    }
    return (PyObject *)t;
}

static void
StringTable_dealloc(StringTable *t)
{
    free(t->slots);
    buf_free(&t->arena);
    Py_TYPE(t)->tp_free((PyObject *)t);
}

static Py_ssize_t
StringTable_len(StringTable *t)
{
    return t->used;
}

/* The UTF-8 bytes of a str, or the bytes of a bytes-like key. */
static int
key_bytes(PyObject *key, Py_buffer *view)
{
    if (PyUnicode_Check(key)) {
        Py_ssize_t n;
        const char *s = PyUnicode_AsUTF8AndSize(key, &n);
        if (s == NULL) {
            return -1;
        }
        view->obj = NULL;
        view->buf = (void *)s;
        view->len = n;
        return 0;
    }
    return PyObject_GetBuffer(key, view, PyBUF_SIMPLE);
}

static void
key_release(Py_buffer *view)
{
    if (view->obj != NULL) {
        PyBuffer_Release(view);
    }
}

static PyObject *
StringTable_set(StringTable *t, PyObject *args)
{
    PyObject *key;
    int value;
    if (!PyArg_ParseTuple(args, "Oi:set", &key, &value)) {
        return NULL;
    }
    Py_buffer view;
    if (key_bytes(key, &view) < 0) {
        return NULL;
    }
    const unsigned char *s = view.buf;
    Py_ssize_t n = view.len;
    PyObject *result = NULL;
    if (n > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "key too long");
        goto done;
    }
    if (value < 0) {
        /* Column lookups give -1 for "not there", so values are 0 or more. */
        PyErr_SetString(PyExc_ValueError, "a StringTable value must be 0 or more");
        goto done;
    }
    Slot *slot = table_insert(t, s, n, hash_bytes(s, n));
    if (slot == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    slot->value = value;
    result = Py_NewRef(Py_None);
done:
    key_release(&view);
    return result;
}

static PyObject *
StringTable_get(StringTable *t, PyObject *args)
{
    PyObject *key, *fallback = Py_None;
    if (!PyArg_ParseTuple(args, "O|O:get", &key, &fallback)) {
        return NULL;
    }
    Py_buffer view;
    if (key_bytes(key, &view) < 0) {
        return NULL;
    }
    Slot *slot = table_find(t, view.buf, view.len, hash_bytes(view.buf, view.len));
    key_release(&view);
    if (slot->hash == 0) {
        return Py_NewRef(fallback);
    }
    return PyLong_FromLong(slot->value);
}

static PyObject *
StringTable_clear(StringTable *t, PyObject *unused)
{
    if (table_reset(t, 1024) < 0) {
        return PyErr_NoMemory();
    }
    return Py_NewRef(Py_None);
}

/* (values, validity or None, nulls) of an int32 column from values where -1 is null. */
static PyObject *
int32_result(int32_t *values, Py_ssize_t count)
{
    Py_ssize_t nulls = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        nulls += values[i] < 0;
    }
    PyObject *valid = Py_NewRef(Py_None);
    if (nulls) {
        Py_DECREF(valid);
        valid = PyBytes_FromStringAndSize(NULL, count / 8 + 1);
        if (valid == NULL) {
            return NULL;
        }
        unsigned char *bits = (unsigned char *)PyBytes_AS_STRING(valid);
        memset(bits, 0, (size_t)(count / 8 + 1));
        for (Py_ssize_t i = 0; i < count; i++) {
            if (values[i] >= 0) {
                bits[i >> 3] |= (unsigned char)(1u << (i & 7));
            }
            else {
                values[i] = 0;
            }
        }
    }
    PyObject *data =
        PyBytes_FromStringAndSize((const char *)values, (Py_ssize_t)sizeof(int32_t) * count);
    if (data == NULL) {
        Py_DECREF(valid);
        return NULL;
    }
    return Py_BuildValue("(NNn)", data, valid, nulls);
}

enum { LOOK_UP, LOOK_UP_DOMAINS, LOOK_UP_OR_ADD };

/* The value of each string of a column, null when the string is null or not in the table.
 * LOOK_UP_DOMAINS: that of the most specific of it and its parent domains the table holds,
 * and how many of them it holds. LOOK_UP_OR_ADD: a string not in the table is added with
 * the next serial number (the table's size) as its value; also returns the rows where
 * strings were added, in the order they were. */
static PyObject *
lookup_column(StringTable *t, PyObject *args, const char *format, int mode)
{
    Column c;
    if (column_parse(args, format, &c) < 0) {
        return NULL;
    }
    PyObject *result = NULL;
    int32_t *values = malloc(sizeof(int32_t) * (size_t)(c.count + 1));
    int32_t *extra = malloc(sizeof(int32_t) * (size_t)(c.count + 1));
    Py_ssize_t added = 0;
    int failed = values == NULL || extra == NULL;
    const int32_t *at = (const int32_t *)c.offsets.buf + c.first;
    const unsigned char *text = c.data.buf;
    /* Adding changes the table: other threads must not see it halfway. */
    PyThreadState *state = mode == LOOK_UP_OR_ADD ? NULL : PyEval_SaveThread();
    for (Py_ssize_t i = 0; i < c.count && !failed; i++) {
        values[i] = -1;
        extra[i] = 0;
        if (column_null(&c, i)) {
            continue;
        }
        const unsigned char *s = text + at[i];
        Py_ssize_t n = at[i + 1] - at[i];
        if (mode == LOOK_UP_OR_ADD) {
            Slot *slot = table_insert(t, s, n, hash_bytes(s, n));
            if (slot == NULL) {
                failed = 1;
            }
            else {
                if (slot->value < 0) {
                    slot->value = (int32_t)(t->used - 1);
                    extra[added++] = (int32_t)i;
                }
                values[i] = slot->value;
            }
            continue;
        }
        Py_ssize_t from = 0;
        do {
            Slot *slot = table_find(t, s + from, n - from, hash_bytes(s + from, n - from));
            if (slot->hash && extra[i]++ == 0) {
                values[i] = slot->value;
            }
            const unsigned char *dot =
                mode == LOOK_UP_DOMAINS ? memchr(s + from, '.', (size_t)(n - from)) : NULL;
            from = dot == NULL ? n : dot - s + 1;
        } while (from < n);
    }
    if (state != NULL) {
        PyEval_RestoreThread(state);
    }
    if (failed) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject *first = int32_result(values, c.count);
    if (first == NULL || mode == LOOK_UP) {
        result = first;
        goto done;
    }
    Py_ssize_t extra_count = mode == LOOK_UP_OR_ADD ? added : c.count;
    PyObject *more = PyBytes_FromStringAndSize((const char *)extra,
                                               (Py_ssize_t)sizeof(int32_t) * extra_count);
    if (more == NULL) {
        Py_DECREF(first);
        goto done;
    }
    result = Py_BuildValue("(NN)", first, more);
done:
    free(values);
    free(extra);
    column_release(&c);
    return result;
}

static PyObject *
StringTable_lookup(StringTable *t, PyObject *args)
{
    return lookup_column(t, args, "Oy*y*nn:lookup", LOOK_UP);
}

static PyObject *
StringTable_lookup_domains(StringTable *t, PyObject *args)
{
    return lookup_column(t, args, "Oy*y*nn:lookup_domains", LOOK_UP_DOMAINS);
}

static PyObject *
StringTable_serials(StringTable *t, PyObject *args)
{
    return lookup_column(t, args, "Oy*y*nn:serials", LOOK_UP_OR_ADD);
}

static PyMethodDef StringTable_methods[] = {
    {"set", (PyCFunction)StringTable_set, METH_VARARGS,
     "set(key, value): key (str or bytes) -> value (an int32, 0 or more)."},
    {"get", (PyCFunction)StringTable_get, METH_VARARGS, "get(key, default=None)."},
    {"clear", (PyCFunction)StringTable_clear, METH_NOARGS, "Forget every key."},
    {"lookup", (PyCFunction)StringTable_lookup, METH_VARARGS,
     "lookup(validity, offsets, data, count, first) -> (values, validity, nulls)."},
    {"serials", (PyCFunction)StringTable_serials, METH_VARARGS,
     "serials(validity, offsets, data, count, first) -> ((values, validity, nulls), added): "
     "each string's value, strings not there added with the next serial number."},
    {"lookup_domains", (PyCFunction)StringTable_lookup_domains, METH_VARARGS,
     "lookup_domains(validity, offsets, data, count, first) -> ((values, validity, nulls), "
     "matches)."},
    {NULL, NULL, 0, NULL},
};

static PySequenceMethods StringTable_sequence = {
    .sq_length = (lenfunc)StringTable_len,
};

static PyTypeObject StringTableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "warden.engine._native.StringTable",
    .tp_doc = "Text keys to int32 values, looked up a whole Arrow string column at a time.",
    .tp_basicsize = sizeof(StringTable),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = StringTable_new,
    .tp_dealloc = (destructor)StringTable_dealloc,
    .tp_methods = StringTable_methods,
    .tp_as_sequence = &StringTable_sequence,
};

/* -- URL list entries: prefixes of a URL's path ------------------------------------------ */

/* The part of a URL after its host, as URL entries compare with it (lists.normalise_path):
 * from the first '/', '?' or '#' after "://" (or the start), lower-cased, without the
 * fragment, the path without leading slashes and with runs of slashes made one; the query
 * as it is. Returns the length written to out, or -1 when the URL needs Python (it has
 * percent escapes or characters beyond ASCII). out has room for n bytes. */
static Py_ssize_t
url_rest(const unsigned char *url, Py_ssize_t n, unsigned char *out)
{
    Py_ssize_t start = 0;
    for (Py_ssize_t i = 0; i + 3 <= n; i++) {
        if (url[i] == ':' && url[i + 1] == '/' && url[i + 2] == '/') {
            start = i + 3;
            break;
        }
    }
    Py_ssize_t i = start;
    while (i < n && url[i] != '/' && url[i] != '?' && url[i] != '#') {
        i++;
    }
    Py_ssize_t len = 0;
    int in_query = 0, leading = 1;
    for (; i < n; i++) {
        unsigned char c = url[i];
        if (c >= 0x80 || c == '%') {
            return -1;
        }
        if (c == '#') {
            break;
        }
        if (!in_query) {
            if (c == '?') {
                in_query = 1;
            }
            else if (c == '/') {
                if (leading || (len && out[len - 1] == '/')) {
                    continue;
                }
            }
            leading = 0;
        }
        out[len++] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
    }
    return len;
}

static inline int
bytes_compare(const unsigned char *a, Py_ssize_t an, const unsigned char *b, Py_ssize_t bn)
{
    int c = memcmp(a, b, (size_t)(an < bn ? an : bn));
    return c ? c : (an > bn) - (an < bn);
}

/* url_prefixes(url validity, url offsets, url data, count, first, tables, entry offsets,
 *              entry data, entry values, ranges) -> (values, matches, odd)
 * tables[i] is the entry table of row i's host (-1: none); table t holds entries
 * ranges[2t] to ranges[2t + 1], sorted. For each row: the value of the longest entry that is
 * a prefix of its URL's rest (null if none), how many entries are, and whether the row needs
 * Python (see url_rest). */
static PyObject *
native_url_prefixes(PyObject *module, PyObject *args)
{
    Column urls;
    Py_buffer tables, entry_offsets, entry_data, entry_values, ranges;
    PyObject *valid;
    if (!PyArg_ParseTuple(args, "Oy*y*nny*y*y*y*y*:url_prefixes", &valid, &urls.offsets,
                          &urls.data, &urls.count, &urls.first, &tables, &entry_offsets,
                          &entry_data, &entry_values, &ranges)) {
        return NULL;
    }
    PyObject *result = NULL;
    int32_t *values = NULL, *matches = NULL;
    unsigned char *odd = NULL, *scratch = NULL;
    urls.has_valid = valid != Py_None;
    if (urls.has_valid && PyObject_GetBuffer(valid, &urls.valid, PyBUF_SIMPLE) < 0) {
        urls.has_valid = 0;
        goto done;
    }
    if (column_check(&urls) < 0) {
        goto done;
    }
    Py_ssize_t entries = entry_values.len / (Py_ssize_t)sizeof(int32_t);
    Py_ssize_t table_count = ranges.len / (Py_ssize_t)(2 * sizeof(int32_t));
    const int32_t *table_of = tables.buf, *range = ranges.buf, *value_of = entry_values.buf;
    const int32_t *entry_at = entry_offsets.buf;
    const unsigned char *entry_text = entry_data.buf;
    if (tables.len < (Py_ssize_t)sizeof(int32_t) * urls.count ||
        entry_offsets.len < (Py_ssize_t)sizeof(int32_t) * (entries + 1) ||
        (entries && (entry_at[0] < 0 || entry_at[entries] > entry_data.len))) {
        PyErr_SetString(PyExc_ValueError, "url_prefixes: buffers of the wrong size");
        goto done;
    }
    for (Py_ssize_t t = 0; t < table_count; t++) {
        if (range[2 * t] < 0 || range[2 * t] > range[2 * t + 1] || range[2 * t + 1] > entries) {
            PyErr_SetString(PyExc_ValueError, "url_prefixes: a range beyond the entries");
            goto done;
        }
    }
    for (Py_ssize_t e = 0; e < entries; e++) {
        if (entry_at[e] > entry_at[e + 1]) {
            PyErr_SetString(PyExc_ValueError, "url_prefixes: entry offsets out of order");
            goto done;
        }
    }
    const int32_t *at = (const int32_t *)urls.offsets.buf + urls.first;
    Py_ssize_t longest = 0;
    for (Py_ssize_t i = 0; i < urls.count; i++) {
        if (at[i + 1] - at[i] > longest) {
            longest = at[i + 1] - at[i];
        }
    }
    values = malloc(sizeof(int32_t) * (size_t)(urls.count + 1));
    matches = malloc(sizeof(int32_t) * (size_t)(urls.count + 1));
    odd = malloc((size_t)(urls.count + 1));
    scratch = malloc((size_t)(longest + 1));
    if (values == NULL || matches == NULL || odd == NULL || scratch == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    const unsigned char *text = urls.data.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < urls.count; i++) {
        values[i] = -1;
        matches[i] = 0;
        odd[i] = 0;
        int32_t t = table_of[i];
        if (t < 0 || t >= table_count || column_null(&urls, i)) {
            continue;
        }
        Py_ssize_t len = url_rest(text + at[i], at[i + 1] - at[i], scratch);
        if (len < 0) {
            odd[i] = 1;
            continue;
        }
        /* lists.UrlTable.match: the entry sorting last at or before the path is either a
         * prefix of it (take it, and look for shorter ones before it) or shares some start
         * with it (look again for that common start). */
        Py_ssize_t lo = range[2 * t], hi = range[2 * t + 1];
        while (hi > lo) {
            Py_ssize_t a = lo, b = hi;
            while (a < b) {
                Py_ssize_t mid = a + (b - a) / 2;
                const unsigned char *key = entry_text + entry_at[mid];
                if (bytes_compare(scratch, len, key, entry_at[mid + 1] - entry_at[mid]) < 0) {
                    b = mid;
                }
                else {
                    a = mid + 1;
                }
            }
            Py_ssize_t k = a - 1;
            if (k < lo) {
                break;
            }
            const unsigned char *key = entry_text + entry_at[k];
            Py_ssize_t key_len = entry_at[k + 1] - entry_at[k];
            if (key_len <= len && memcmp(key, scratch, (size_t)key_len) == 0) {
                if (matches[i]++ == 0) {
                    values[i] = value_of[k];
                }
                len = key_len;
                hi = k;
                continue;
            }
            Py_ssize_t common = 0;
            while (common < len && common < key_len && key[common] == scratch[common]) {
                common++;
            }
            if (common == len) {
                break;
            }
            len = common;
            hi = k;
        }
    }
    Py_END_ALLOW_THREADS
    PyObject *first_values = int32_result(values, urls.count);
    if (first_values != NULL) {
        result = Py_BuildValue("(Ny#y#)", first_values, (const char *)matches,
                               (Py_ssize_t)sizeof(int32_t) * urls.count, (const char *)odd,
                               urls.count);
    }
done:
    free(values);
    free(matches);
    free(odd);
    free(scratch);
    column_release(&urls);
    PyBuffer_Release(&tables);
    PyBuffer_Release(&entry_offsets);
    PyBuffer_Release(&entry_data);
    PyBuffer_Release(&entry_values);
    PyBuffer_Release(&ranges);
    return result;
}

/* -- intervals: who held an address at a moment ------------------------------------------- */

/* covering(keys, moments, first, count, starts, ends, values) -> values
 * For each row: key k (int32; one out of range, such as -1, gives -1) owns spans
 * first[k] to first[k] + count[k] - 1, sorted by start; the row's value is that of the last
 * span in that order with start <= moment < end, null if none covers the moment. */
static PyObject *
native_covering(PyObject *module, PyObject *args)
{
    Py_buffer keys, moments, first, count, starts, ends, values;
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*:covering", &keys, &moments, &first, &count,
                          &starts, &ends, &values)) {
        return NULL;
    }
    PyObject *result = NULL;
    int32_t *out = NULL;
    Py_ssize_t rows = keys.len / (Py_ssize_t)sizeof(int32_t);
    Py_ssize_t owners = first.len / (Py_ssize_t)sizeof(int32_t);
    Py_ssize_t spans = starts.len / (Py_ssize_t)sizeof(int64_t);
    const int32_t *key = keys.buf, *from = first.buf, *many = count.buf, *value = values.buf;
    const int64_t *when = moments.buf, *start = starts.buf, *end = ends.buf;
    int bad = moments.len < rows * (Py_ssize_t)sizeof(int64_t) ||
              count.len < owners * (Py_ssize_t)sizeof(int32_t) ||
              ends.len < spans * (Py_ssize_t)sizeof(int64_t) ||
              values.len < spans * (Py_ssize_t)sizeof(int32_t);
    for (Py_ssize_t k = 0; !bad && k < owners; k++) {
        bad = from[k] < 0 || many[k] < 0 || (Py_ssize_t)from[k] + many[k] > spans;
    }
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "covering: buffers of the wrong size");
        goto done;
    }
    out = malloc(sizeof(int32_t) * (size_t)(rows + 1));
    if (out == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t i = 0; i < rows; i++) {
        out[i] = -1;
        int32_t k = key[i];
        if (k < 0 || k >= owners) {
            continue;
        }
        int64_t t = when[i];
        /* The last span starting at or before t, then back to the first that lasts past t. */
        Py_ssize_t lo = from[k], hi = (Py_ssize_t)from[k] + many[k];
        while (lo < hi) {
            Py_ssize_t mid = lo + (hi - lo) / 2;
            if (start[mid] <= t) {
                lo = mid + 1;
            }
            else {
                hi = mid;
            }
        }
        for (Py_ssize_t s = lo - 1; s >= from[k]; s--) {
            if (t < end[s]) {
                out[i] = value[s];
                break;
            }
        }
    }
    Py_END_ALLOW_THREADS
    result = int32_result(out, rows);
done:
    free(out);
    PyBuffer_Release(&keys);
    PyBuffer_Release(&moments);
    PyBuffer_Release(&first);
    PyBuffer_Release(&count);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&ends);
    PyBuffer_Release(&values);
    return result;
}

/* -- Mapped list tables (WARDEN-LISTS 2) ------------------------------------------------ */

/* A compiled list file holds two open-addressing hash tables that the Squid helper reads
 * straight from a read-only mapping of the file: nothing is rebuilt when it starts. A table
 * is `capacity` slots of two little-endian uint32: the key's offset in its key area plus
 * one (0: an empty slot), then the top 12 bits of hash_bytes(key) above a 20-bit value.
 * Those 12 bits are compared before any key bytes, so a miss seldom reads a key. A key in
 * the key area ends with '\n'. A slot's home is (low half of the hash * capacity) >> 32;
 * collisions take the next slot, wrapping. Every offset read from the file is checked
 * against its area, so a damaged file gives wrong answers or an error, never a read
 * outside the mapping. Eight bytes a slot: the tables are most of what a helper keeps in
 * memory. */

#define MAP_SLOT 8
#define MAP_VALUE_BITS 20
#define MAP_VALUE_MASK ((1u << MAP_VALUE_BITS) - 1)

static inline uint32_t
load_u32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t
map_home(uint64_t h, uint64_t capacity)
{
    return ((h & 0xffffffffULL) * capacity) >> 32;
}

/* The value stored for a key, or -1. */
static int64_t
map_find(const unsigned char *slots, uint64_t capacity, const unsigned char *keys,
         size_t keys_size, const unsigned char *s, size_t n)
{
    if (capacity == 0) {
        return -1;
    }
    uint64_t h = hash_bytes(s, (Py_ssize_t)n);
    uint32_t check = (uint32_t)(h >> (64 - (32 - MAP_VALUE_BITS)));
    uint64_t i = map_home(h, capacity);
    for (uint64_t probes = 0; probes < capacity; probes++) {
        const unsigned char *slot = slots + i * MAP_SLOT;
        uint32_t key = load_u32(slot);
        if (key == 0) {
            return -1;
        }
        uint32_t packed = load_u32(slot + 4);
        if (packed >> MAP_VALUE_BITS == check) {
            size_t at = (size_t)key - 1;
            if (at < keys_size && n < keys_size - at && keys[at + n] == '\n' &&
                memcmp(keys + at, s, n) == 0) {
                return (int64_t)(packed & MAP_VALUE_MASK);
            }
        }
        if (++i == capacity) {
            i = 0;
        }
    }
    return -1;
}

static PyObject *
native_build_table(PyObject *module, PyObject *args)
{
    Py_buffer keys, offsets, values;
    Py_ssize_t capacity;
    if (!PyArg_ParseTuple(args, "y*y*y*n:build_table", &keys, &offsets, &values, &capacity)) {
        return NULL;
    }
    PyObject *result = NULL;
    Py_ssize_t count = offsets.len / 4;
    if (offsets.len % 4 || values.len != offsets.len) {
        PyErr_SetString(PyExc_ValueError, "offsets and values must be uint32 arrays of one length");
        goto done;
    }
    if (capacity <= count || (uint64_t)capacity > 0xffffffffULL ||
        keys.len >= (Py_ssize_t)0xffffffffLL) {
        PyErr_SetString(PyExc_ValueError, "table capacity must exceed the keys; keys < 4 GiB");
        goto done;
    }
    result = PyBytes_FromStringAndSize(NULL, capacity * MAP_SLOT);
    if (result == NULL) {
        goto done;
    }
    unsigned char *slots = (unsigned char *)PyBytes_AS_STRING(result);
    memset(slots, 0, (size_t)capacity * MAP_SLOT);
    const unsigned char *data = keys.buf;
    int bad = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < count; k++) {
        uint32_t at = load_u32((const unsigned char *)offsets.buf + k * 4);
        uint32_t value = load_u32((const unsigned char *)values.buf + k * 4);
        if (at >= (uint64_t)keys.len || value > MAP_VALUE_MASK) {
            bad = 1;
            break;
        }
        const unsigned char *end = memchr(data + at, '\n', (size_t)(keys.len - at));
        if (end == NULL) {
            bad = 1;
            break;
        }
        uint64_t h = hash_bytes(data + at, end - (data + at));
        uint64_t i = map_home(h, (uint64_t)capacity);
        while (load_u32(slots + i * MAP_SLOT) != 0) {
            if (++i == (uint64_t)capacity) {
                i = 0;
            }
        }
        uint32_t check = (uint32_t)(h >> (64 - (32 - MAP_VALUE_BITS)));
        uint32_t slot[2] = {at + 1, check << MAP_VALUE_BITS | value};
        memcpy(slots + i * MAP_SLOT, slot, MAP_SLOT);
    }
    Py_END_ALLOW_THREADS
    if (bad) {
        Py_CLEAR(result);
        PyErr_SetString(PyExc_ValueError,
                        "a key offset is outside the keys or has no newline, or a value "
                        "needs more than 20 bits");
    }
done:
    PyBuffer_Release(&keys);
    PyBuffer_Release(&offsets);
    PyBuffer_Release(&values);
    return result;
}

typedef struct {
    PyObject_HEAD
    Py_buffer view;
    const unsigned char *masks;
    const unsigned char *domain_slots;
    const unsigned char *domain_keys;
    const unsigned char *url_slots;
    const unsigned char *url_keys;
    const unsigned char *url_index;
    uint32_t url_hosts;
    uint64_t domain_capacity;
    uint64_t url_capacity;
    size_t domain_keys_size;
    size_t url_keys_size;
    uint32_t mask_count;
    uint32_t words;
} ListMap;

/* One area of the buffer: [offset, offset + size) must lie inside it. */
static const unsigned char *
map_area(Py_buffer *view, Py_ssize_t offset, Py_ssize_t size, const char *what)
{
    if (offset < 0 || size < 0 || offset > view->len || size > view->len - offset) {
        PyErr_Format(PyExc_ValueError, "the list file's %s lie outside it", what);
        return NULL;
    }
    return (const unsigned char *)view->buf + offset;
}

static PyObject *
ListMap_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *keywords[] = {"buffer",      "masks",     "mask_count", "words",
                               "domain_slots", "domain_capacity", "domain_keys",
                               "domain_keys_size", "url_slots", "url_capacity", "url_keys",
                               "url_keys_size", "url_index", "url_hosts", NULL};
    PyObject *buffer;
    Py_ssize_t masks, mask_count, words, dslots, dcap, dkeys, dkeys_size, uslots, ucap, ukeys,
        ukeys_size, uindex, uhosts;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "Onnnnnnnnnnnnn:ListMap", keywords, &buffer,
                                     &masks, &mask_count, &words, &dslots, &dcap, &dkeys,
                                     &dkeys_size, &uslots, &ucap, &ukeys, &ukeys_size, &uindex,
                                     &uhosts)) {
        return NULL;
    }
    if (mask_count < 0 || mask_count > 0xffffffffLL || words < 1 || words > 64 || dcap < 0 ||
        ucap < 0 || dcap > 0xffffffffLL || ucap > 0xffffffffLL || uhosts < 0 ||
        uhosts > MAP_VALUE_MASK + 1) {
        PyErr_SetString(PyExc_ValueError, "the list file's table sizes are out of range");
        return NULL;
    }
    ListMap *m = (ListMap *)type->tp_alloc(type, 0);
    if (m == NULL) {
        return NULL;
    }
    if (PyObject_GetBuffer(buffer, &m->view, PyBUF_SIMPLE) < 0) {
        m->view.obj = NULL;
        Py_DECREF(m);
        return NULL;
    }
    Py_buffer *v = &m->view;
    m->masks = map_area(v, masks, mask_count * words * 8, "masks");
    m->domain_slots = m->masks ? map_area(v, dslots, dcap * MAP_SLOT, "domain slots") : NULL;
    m->domain_keys = m->domain_slots ? map_area(v, dkeys, dkeys_size, "domains") : NULL;
    m->url_slots = m->domain_keys ? map_area(v, uslots, ucap * MAP_SLOT, "URL slots") : NULL;
    m->url_keys = m->url_slots ? map_area(v, ukeys, ukeys_size, "URL entries") : NULL;
    m->url_index = m->url_keys ? map_area(v, uindex, uhosts * 4, "URL hosts") : NULL;
    if (m->url_index == NULL) {
        Py_DECREF(m);
        return NULL;
    }
    m->mask_count = (uint32_t)mask_count;
    m->words = (uint32_t)words;
    m->domain_capacity = (uint64_t)dcap;
    m->url_capacity = (uint64_t)ucap;
    m->domain_keys_size = (size_t)dkeys_size;
    m->url_keys_size = (size_t)ukeys_size;
    m->url_hosts = (uint32_t)uhosts;
    return (PyObject *)m;
}

static void
ListMap_dealloc(ListMap *m)
{
    if (m->view.obj != NULL) {
        PyBuffer_Release(&m->view);
    }
    Py_TYPE(m)->tp_free((PyObject *)m);
}

/* The UTF-8 of a str key; NULL without an error set when it has none (surrogate escapes
 * of bytes that were not UTF-8): such a key is in no list. */
static const char *
map_key(PyObject *arg, Py_ssize_t *n)
{
    if (!PyUnicode_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "a host must be a str");
        return NULL;
    }
    const char *s = PyUnicode_AsUTF8AndSize(arg, n);
    if (s == NULL && PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
        PyErr_Clear();
    }
    return s;
}

/* OR the mask numbered `id` into acc; -1 (with an error) when the file has no such mask. */
static int
map_or_mask(ListMap *m, int64_t id, uint64_t *acc)
{
    if (id < 0) {
        return 0;
    }
    if ((uint64_t)id >= m->mask_count) {
        PyErr_SetString(PyExc_ValueError, "the list file names a mask it does not hold");
        return -1;
    }
    const unsigned char *words = m->masks + (size_t)id * m->words * 8;
    for (uint32_t w = 0; w < m->words; w++) {
        uint64_t x;
        memcpy(&x, words + w * 8, 8);
        acc[w] |= x;
    }
    return 0;
}

static PyObject *
map_mask_result(ListMap *m, const uint64_t *acc)
{
    if (m->words == 1) {
        return PyLong_FromUnsignedLongLong(acc[0]);
    }
    return _PyLong_FromByteArray((const unsigned char *)acc, (size_t)m->words * 8, 1, 0);
}

/* The masks of a host, OR-ed: of the host alone, or (walk) of it and each parent domain,
 * as CategoryIndex._domain_mask probes them. */
static PyObject *
map_host_mask(ListMap *m, PyObject *arg, int walk)
{
    Py_ssize_t n;
    const char *s = map_key(arg, &n);
    if (s == NULL) {
        return PyErr_Occurred() ? NULL : PyLong_FromLong(0);
    }
    uint64_t acc[64] = {0};
    const char *end = s + n;
    const char *at = s;
    for (;;) {
        int64_t id = map_find(m->domain_slots, m->domain_capacity, m->domain_keys,
                              m->domain_keys_size, (const unsigned char *)at, (size_t)(end - at));
        if (map_or_mask(m, id, acc) < 0) {
            return NULL;
        }
        const char *dot = walk ? memchr(at, '.', (size_t)(end - at)) : NULL;
        if (dot == NULL) {
            break;
        }
        at = dot + 1;
    }
    return map_mask_result(m, acc);
}

static PyObject *
ListMap_domain_mask(ListMap *m, PyObject *arg)
{
    return map_host_mask(m, arg, 1);
}

static PyObject *
ListMap_exact_mask(ListMap *m, PyObject *arg)
{
    return map_host_mask(m, arg, 0);
}

static PyObject *
ListMap_url_record(ListMap *m, PyObject *arg)
{
    Py_ssize_t n;
    const char *s = map_key(arg, &n);
    if (s == NULL) {
        return PyErr_Occurred() ? NULL : PyLong_FromLong(-1);
    }
    int64_t host = map_find(m->url_slots, m->url_capacity, m->url_keys, m->url_keys_size,
                            (const unsigned char *)s, (size_t)n);
    if (host < 0) {
        return PyLong_FromLong(-1);
    }
    if ((uint64_t)host >= m->url_hosts) {
        PyErr_SetString(PyExc_ValueError, "the list file names a URL host it does not hold");
        return NULL;
    }
    return PyLong_FromUnsignedLong(load_u32(m->url_index + (size_t)host * 4));
}

static PyMethodDef ListMap_methods[] = {
    {"domain_mask", (PyCFunction)ListMap_domain_mask, METH_O,
     "domain_mask(host) -> int: the masks of the host and of each parent domain, OR-ed."},
    {"exact_mask", (PyCFunction)ListMap_exact_mask, METH_O,
     "exact_mask(host) -> int: the mask of exactly this key (IP addresses)."},
    {"url_record", (PyCFunction)ListMap_url_record, METH_O,
     "url_record(host_key) -> int: where the host's URL entries start, or -1."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject ListMapType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "warden.engine._native.ListMap",
    .tp_doc = "The hash tables of a WARDEN-LISTS 2 file, read in place from a buffer.",
    .tp_basicsize = sizeof(ListMap),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = ListMap_new,
    .tp_dealloc = (destructor)ListMap_dealloc,
    .tp_methods = ListMap_methods,
};

/* -- url_rewrite answers Python has already given ------------------------------------------ */

/* rewrite_passes(lines, channels, users, addresses, by_24, default, numbers, passing)
 *     -> (answers, misses)
 * For each url_rewrite request line (bytes, without its newline): "ERR" (after the
 * channel ID, if any) when the policy already let this host through for this group without
 * looking at the path, else None and the line's position in misses, for Python to decide.
 * Mirrors SquidHelper._rewrite and Policy.group_for on the plainest lines only: single
 * spaces, URL, client address and user name fields in ASCII, no key=value extras, no more
 * than MAX_FAST_LINE bytes; any other line is a miss. users and addresses are the policy's
 * own caches (user name -> group or None; address or /24 prefix -> group): a key they do
 * not hold yet is a miss, so Python resolves it as it always has. numbers maps a group to
 * its number; passing maps a host part (as split_url gives it) to the bits of the groups
 * the policy has passed it for. */

#define MAX_FAST_LINE 8192

static PyObject *
fast_key(const unsigned char *s, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        if (s[i] >= 0x80) {
            return NULL;
        }
    }
    return PyUnicode_DecodeASCII((const char *)s, n, NULL);
}

/* The group for a line's user and client fields: a new reference, or NULL without an
 * error when Python must decide (or with one on failure). */
static PyObject *
fast_group(const unsigned char *user, Py_ssize_t user_n, const unsigned char *client,
           Py_ssize_t client_n, PyObject *users, PyObject *addresses, int by_24,
           PyObject *fallback)
{
    if (user_n > 0 && !(user_n == 1 && user[0] == '-')) {
        PyObject *key = fast_key(user, user_n);
        if (key == NULL) {
            return NULL;
        }
        PyObject *group = PyDict_GetItemWithError(users, key);
        Py_DECREF(key);
        if (group == NULL) {
            return NULL;
        }
        if (group != Py_None) {
            return Py_NewRef(group);
        }
    }
    const unsigned char *slash = memchr(client, '/', (size_t)client_n);
    if (slash != NULL) {
        client_n = slash - client;
    }
    if (client_n == 0 || (client_n == 1 && client[0] == '-')) {
        return Py_NewRef(fallback);
    }
    if (by_24 && memchr(client, ':', (size_t)client_n) == NULL) {
        Py_ssize_t dot = client_n - 1;
        while (dot >= 0 && client[dot] != '.') {
            dot--;
        }
        client_n = dot < 0 ? 0 : dot;
    }
    PyObject *key = fast_key(client, client_n);
    if (key == NULL) {
        return NULL;
    }
    PyObject *group = PyDict_GetItemWithError(addresses, key);
    Py_DECREF(key);
    return group == NULL ? NULL : Py_NewRef(group);
}

/* The host part of a URL, as lists.split_url finds it. */
static void
fast_authority(const unsigned char *url, Py_ssize_t n, Py_ssize_t *start, Py_ssize_t *len)
{
    Py_ssize_t from = 0;
    for (Py_ssize_t i = 0; i + 3 <= n; i++) {
        if (url[i] == ':' && url[i + 1] == '/' && url[i + 2] == '/') {
            from = i + 3;
            break;
        }
    }
    Py_ssize_t end = from;
    while (end < n && url[end] != '/') {
        end++;
    }
    Py_ssize_t cut = from;
    while (cut < end && url[cut] != '?' && url[cut] != '#') {
        cut++;
    }
    *start = from;
    *len = cut - from;
}

/* 1 when the line was answered into *answer, 0 when it is a miss, -1 on error. */
static int
fast_line(PyObject *line, int channels, PyObject *users, PyObject *addresses, int by_24,
          PyObject *fallback, PyObject *numbers, PyObject *passing, PyObject **answer)
{
    if (!PyBytes_Check(line)) {
        return 0;
    }
    const unsigned char *s = (const unsigned char *)PyBytes_AS_STRING(line);
    Py_ssize_t n = PyBytes_GET_SIZE(line);
    if (n == 0 || n > MAX_FAST_LINE) {
        return 0;
    }
    /* Up to four fields: [channel] URL client user; the rest is not read. */
    const unsigned char *field[4];
    Py_ssize_t size[4];
    int count = 0;
    Py_ssize_t i = 0;
    while (count < 4 && i < n) {
        Py_ssize_t j = i;
        while (j < n && s[j] != ' ') {
            j++;
        }
        if (j == i) {
            return 0; /* an empty field: Python drops those */
        }
        field[count] = s + i;
        size[count] = j - i;
        count++;
        i = j + 1;
        if (j == n - 1) {
            return 0; /* a trailing space */
        }
    }
    int first = 0;
    Py_ssize_t channel = 0;
    if (channels && count > 0) {
        int digits = 1;
        for (Py_ssize_t k = 0; k < size[0]; k++) {
            if (field[0][k] < '0' || field[0][k] > '9') {
                digits = 0;
                break;
            }
        }
        if (digits) {
            first = 1;
            channel = size[0];
        }
    }
    if (count - first < 3) {
        return 0;
    }
    const unsigned char *url = field[first], *client = field[first + 1],
                        *user = field[first + 2];
    Py_ssize_t url_n = size[first], client_n = size[first + 1], user_n = size[first + 2];
    if (memchr(client, '=', (size_t)client_n) || memchr(user, '=', (size_t)user_n)) {
        return 0;
    }
    PyObject *group = fast_group(user, user_n, client, client_n, users, addresses, by_24,
                                 fallback);
    if (group == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    PyObject *number = PyDict_GetItemWithError(numbers, group);
    Py_DECREF(group);
    if (number == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    long bit = PyLong_AsLong(number);
    if (bit < 0 || bit > 62) {
        return PyErr_Occurred() ? -1 : 0;
    }
    Py_ssize_t host_at, host_n;
    fast_authority(url, url_n, &host_at, &host_n);
    PyObject *host = fast_key(url + host_at, host_n);
    if (host == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    PyObject *bits = PyDict_GetItemWithError(passing, host);
    Py_DECREF(host);
    if (bits == NULL) {
        return PyErr_Occurred() ? -1 : 0;
    }
    long long mask = PyLong_AsLongLong(bits);
    if (mask == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (!((mask >> bit) & 1)) {
        return 0;
    }
    if (channel) {
        /* A channel ID is a field of digits, so at most a few hundred of them. */
        PyObject *id = PyUnicode_DecodeASCII((const char *)field[0], channel, NULL);
        *answer = id == NULL ? NULL : PyUnicode_FromFormat("%U ERR", id);
        Py_XDECREF(id);
    }
    else {
        *answer = PyUnicode_FromString("ERR");
    }
    return *answer == NULL ? -1 : 1;
}

static PyObject *
native_rewrite_passes(PyObject *module, PyObject *args)
{
    PyObject *lines, *users, *addresses, *fallback, *numbers, *passing;
    int channels, by_24;
    if (!PyArg_ParseTuple(args, "O!pO!O!pOO!O!:rewrite_passes", &PyList_Type, &lines,
                          &channels, &PyDict_Type, &users, &PyDict_Type, &addresses, &by_24,
                          &fallback, &PyDict_Type, &numbers, &PyDict_Type, &passing)) {
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(lines);
    PyObject *answers = PyList_New(count);
    PyObject *misses = PyList_New(0);
    if (answers == NULL || misses == NULL) {
        goto fail;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *answer = NULL;
        int found = fast_line(PyList_GET_ITEM(lines, i), channels, users, addresses, by_24,
                              fallback, numbers, passing, &answer);
        if (found < 0) {
            goto fail;
        }
        if (found) {
            PyList_SET_ITEM(answers, i, answer);
            continue;
        }
        PyList_SET_ITEM(answers, i, Py_NewRef(Py_None));
        PyObject *position = PyLong_FromSsize_t(i);
        if (position == NULL || PyList_Append(misses, position) < 0) {
            Py_XDECREF(position);
            goto fail;
        }
        Py_DECREF(position);
    }
    return Py_BuildValue("(NN)", answers, misses);
fail:
    Py_XDECREF(answers);
    Py_XDECREF(misses);
    return NULL;
}

/* count_lines(data) -> int: how many newline bytes ``data`` holds. */
static PyObject *
native_count_lines(PyObject *module, PyObject *arg)
{
    Py_buffer data;
    if (PyObject_GetBuffer(arg, &data, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    Py_ssize_t count = 0;
    Py_BEGIN_ALLOW_THREADS
    const char *at = (const char *)data.buf;
    const char *end = at + data.len;
    while (at < end && (at = memchr(at, '\n', (size_t)(end - at))) != NULL) {
        count++;
        at++;
    }
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&data);
    return PyLong_FromSsize_t(count);
}

static PyMethodDef native_methods[] = {
    {"translate", native_translate, METH_VARARGS,
     "translate(data, table, pad=b'') -> bytes: pad + data mapped through a 256-byte "
     "table + pad."},
    {"hosts", native_hosts, METH_VARARGS,
     "hosts(validity, offsets, data, count, first) -> ((offsets, data, validity, nulls), "
     "wide): the lower-case host of each URL of an Arrow string column."},
    {"url_prefixes", native_url_prefixes, METH_VARARGS,
     "url_prefixes(validity, offsets, data, count, first, tables, entry_offsets, entry_data, "
     "entry_values, ranges) -> (values, matches, odd): URL list entries that are prefixes "
     "of each URL's path."},
    {"covering", native_covering, METH_VARARGS,
     "covering(keys, moments, first, count, starts, ends, values) -> (values, "
     "validity, nulls): the value of the latest-starting span of each row's key that covers "
     "its moment."},
    {"parse_squid", native_parse_squid, METH_VARARGS,
     "parse_squid(data, base_offset, first_line_no) -> (lines, blank, rows, numbers, "
     "strings, rejects, wide_hosts): Squid access.log lines as column buffers."},
    {"rewrite_passes", native_rewrite_passes, METH_VARARGS,
     "rewrite_passes(lines, channels, users, addresses, by_24, default, numbers, passing) "
     "-> (answers, misses): url_rewrite answers for lines whose host the policy has already "
     "passed for their group, None (and the position in misses) for the rest."},
    {"count_lines", native_count_lines, METH_O,
     "count_lines(data) -> int: how many newline bytes data holds."},
    {"build_table", native_build_table, METH_VARARGS,
     "build_table(keys, offsets, values, capacity) -> bytes: the slots of a mapped hash "
     "table (WARDEN-LISTS 2) over newline-ended keys at uint32 offsets, with uint32 values."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "warden.engine._native",
    "Byte work on large buffers without the interpreter lock.", -1, native_methods,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    if (PyType_Ready(&StringTableType) < 0 || PyType_Ready(&ListMapType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&native_module);
    if (module == NULL) {
        return NULL;
    }
    if (PyModule_AddObjectRef(module, "StringTable", (PyObject *)&StringTableType) < 0 ||
        PyModule_AddObjectRef(module, "ListMap", (PyObject *)&ListMapType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
