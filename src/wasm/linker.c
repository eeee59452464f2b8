/*
 * linker.c — the (module, name) -> extern map used to resolve imports.
 * Names are compared by length and bytes (wasm names may contain NUL).
 */
#include <stdlib.h>
#include <string.h>

#include "wasm/runtime.h"

typedef struct link_entry {
    char *module;
    size_t module_len;
    char *name;
    size_t name_len;
    olw_extern ext;
} link_entry;

struct olw_linker {
    olw_store *store;
    link_entry *entries;
    size_t len, cap;
};

olw_linker *olw_linker_new(olw_store *s)
{
    olw_linker *l = calloc(1, sizeof *l);
    if (l)
        l->store = s;
    return l;
}

void olw_linker_free(olw_linker *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->len; i++) {
        free(l->entries[i].module);
        free(l->entries[i].name);
    }
    free(l->entries);
    free(l);
}

static char *copy_name(const char *p, size_t n)
{
    char *c = malloc(n + 1);
    if (c) {
        memcpy(c, p, n);
        c[n] = 0;
    }
    return c;
}

static link_entry *find(const olw_linker *l, const char *module, size_t module_len, const char *name, size_t name_len)
{
    for (size_t i = l->len; i-- > 0;) {
        link_entry *e = &l->entries[i];
        if (e->module_len == module_len && e->name_len == name_len && !memcmp(e->module, module, module_len) &&
            !memcmp(e->name, name, name_len))
            return e;
    }
    return NULL;
}

static bool define(olw_linker *l, const char *module, size_t module_len, const char *name, size_t name_len,
                   olw_extern ext)
{
    link_entry *e = find(l, module, module_len, name, name_len);
    if (e) {
        e->ext = ext;
        return true;
    }
    if (l->len == l->cap) {
        size_t n = l->cap ? l->cap * 2 : 32;
        link_entry *p = realloc(l->entries, n * sizeof *p);
        if (!p)
            return false;
        l->entries = p;
        l->cap = n;
    }
    e = &l->entries[l->len];
    e->module = copy_name(module, module_len);
    e->name = copy_name(name, name_len);
    if (!e->module || !e->name) {
        free(e->module);
        free(e->name);
        return false;
    }
    e->module_len = module_len;
    e->name_len = name_len;
    e->ext = ext;
    l->len++;
    return true;
}

bool olw_linker_define(olw_linker *l, const char *module, const char *name, olw_extern ext)
{
    if (!l || !module || !name)
        return false;
    return define(l, module, strlen(module), name, strlen(name), ext);
}

bool olw_linker_define_host(olw_linker *l, const char *module, const char *name, const char *sig, olw_host_callback cb,
                            void *env)
{
    if (!l)
        return false;
    olw_func *f = olw_func_new_host(l->store, sig, cb, env);
    if (!f)
        return false;
    olw_extern ext = {.kind = OLW_EXTERN_FUNC, .of.func = f};
    return olw_linker_define(l, module, name, ext);
}

bool olw_linker_define_instance(olw_linker *l, const char *module, olw_instance *inst)
{
    if (!l || !module || !inst)
        return false;
    const olw_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const olw_export_decl *x = &m->exports[i];
        olw_extern ext;
        if (!olw_instance_export_at(inst, i, NULL, &ext) ||
            !define(l, module, strlen(module), x->name, x->name_len, ext))
            return false;
    }
    return true;
}

bool olw_linker_lookup(const olw_linker *l, const char *module, size_t module_len, const char *name, size_t name_len,
                       olw_extern *out)
{
    link_entry *e = l ? find(l, module, module_len, name, name_len) : NULL;
    if (e)
        *out = e->ext;
    return e != NULL;
}
