/* Byte work the engine does on megabytes at a time, without holding the interpreter lock.
 *
 * translate(data, table, pad=b"") -> bytes
 *     pad + data.translate(table) + pad, for any data with the buffer protocol, in one
 *     copy. The interpreter lock is released while the bytes are mapped, so several threads
 *     can prepare text for the keyword scan side by side (bytes.translate holds the lock).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

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

static PyMethodDef native_methods[] = {
    {"translate", native_translate, METH_VARARGS,
     "translate(data, table, pad=b'') -> bytes: pad + data mapped through a 256-byte "
     "table + pad."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef native_module = {
    PyModuleDef_HEAD_INIT, "warden.engine._native",
    "Byte work on large buffers without the interpreter lock.", -1, native_methods,
};

PyMODINIT_FUNC
PyInit__native(void)
{
    return PyModule_Create(&native_module);
}
