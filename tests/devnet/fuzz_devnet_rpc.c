/*
 * fuzz_devnet_rpc.c — libFuzzer target: arbitrary JSON-RPC bodies into the
 * devnet's method dispatcher (and the feed's URL parser), in process, over
 * a real chain state in a temporary home. Whatever the input, the answer
 * must be exactly one of a result or an error, and nothing may crash.
 *
 * Every 64 inputs a block is produced so transactions that got into the
 * pool (none should: they cannot carry a valid signature) and receipts run.
 * sandbox_fast_forward is skipped (it would only make blocks).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "devnet/devnet.h"
#include "near/keys.h"

static devnet_chain chain;
static int ready;

static void cleanup(void)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", chain.cfg.home);
    devnet_chain_close(&chain);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", chain.cfg.home);
}

static void init(void)
{
    devnet_config cfg;
    memset(&cfg, 0, sizeof cfg);
    snprintf(cfg.home, sizeof cfg.home, "/tmp/outlayer-devnet-fuzz-XXXXXX");
    if (!mkdtemp(cfg.home))
        abort();
    cfg.block_ms = 100;
    cfg.yield_timeout_blocks = 200;
    cfg.wait_timeout_ms = 1;
    cfg.quiet = true;
    char err[256];
    if (near_keys_init() != NEAR_OK)
        abort();
    if (devnet_chain_open(&chain, &cfg, err, sizeof err)) {
        fprintf(stderr, "fuzz_devnet_rpc: %s\n", err);
        abort();
    }
    if (devnet_chain_produce_block(&chain) != DEVNET_OK)
        abort();
    atexit(cleanup);
    ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned count;
    if (!ready)
        init();
    json_t *body = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
    const char *method = json_string_value(json_object_get(body, "method"));
    if (method && strcmp(method, "sandbox_fast_forward") != 0) {
        json_t *error = NULL;
        int status = 0;
        json_t *r = devnet_rpc_dispatch(&chain, method, json_object_get(body, "params"), &error, &status);
        if ((r == NULL) == (error == NULL))
            abort(); /* exactly one of result and error */
        if (error && status != 200 && status != 400 && status != 408 && status != 500)
            abort();
        char *text = json_dumps(r ? r : error, JSON_COMPACT | JSON_ENCODE_ANY);
        if (!text)
            abort();
        free(text);
        json_decref(r);
        json_decref(error);
    }
    json_decref(body);
    /* The feed's URL parser on the raw bytes, as a path. */
    if (size && size < 200 && data[0] == '/') {
        char url[256];
        memcpy(url, data, size);
        url[size] = 0;
        if (strlen(url) == size && strncmp(url, "/v0/block/", 10) != 0) { /* (block waits would stall) */
            int status = 0;
            free(devnet_feed_get(&chain, url, &status));
        }
    }
    if (++count % 64 == 0 && devnet_chain_produce_block(&chain) != DEVNET_OK)
        abort();
    return 0;
}
