/*
 * dev_files.h — the file server of `outlayer dev`: serves HOME/wasm/<sha256>.wasm
 * on 127.0.0.1 so a local .wasm file can be a WasmUrl source (`outlayer
 * request --wasm FILE` copies the file there under its SHA-256).
 */
#ifndef OUTLAYER_CLI_DEV_FILES_H
#define OUTLAYER_CLI_DEV_FILES_H

#include <stddef.h>

/* Starts serving dir on 127.0.0.1:port. NULL-safe stop. 0 or -1. */
int dev_files_start(const char *dir, int port);
void dev_files_stop(void);

/* Copies `file` into dir as <sha256 hex>.wasm; hash_out gets the hex (65 bytes). */
int dev_files_add(const char *dir, const char *file, char hash_out[65], char *err, size_t errlen);

#endif
