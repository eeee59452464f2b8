/*
 * events.c — a block of the neardata-shaped feed (spec worker §4.3) to the
 * /executions/create bodies (§3.7, §4.5) of the OutLayer contract's
 * `execution_requested` events in it. Pure: no I/O, so it is unit tested
 * and fuzzed on its own.
 *
 * Differences from the reference, on purpose: a malformed event is skipped
 * with a reason (it can never become valid by retrying), but a block that is
 * not the shape we expect is an error for the whole block, so the monitor
 * retries it instead of silently losing requests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/worker.h"

#define EVENT_MARK "EVENT_JSON:"

static json_t *code_source_tagged(json_t *cs)
{
    /* Contract form {"GitHub":{..}} / {"WasmUrl":{..}} -> {"type":..,..}. */
    const char *types[] = {"GitHub", "WasmUrl"};
    for (size_t i = 0; i < 2; i++) {
        json_t *inner = json_object_get(cs, types[i]);
        if (!json_is_object(inner))
            continue;
        json_t *out = json_deep_copy(inner);
        json_object_set_new(out, "type", json_string(types[i]));
        json_t *bt = json_object_get(out, "build_target");
        if (!json_is_string(bt))
            json_object_set_new(out, "build_target", json_string("wasm32-wasi"));
        if (i == 0 &&
            (!json_is_string(json_object_get(out, "repo")) || !json_is_string(json_object_get(out, "commit")))) {
            json_decref(out);
            return NULL;
        }
        if (i == 1 && (!json_is_string(json_object_get(out, "url")) || !json_is_string(json_object_get(out, "hash")))) {
            json_decref(out);
            return NULL;
        }
        return out;
    }
    return NULL;
}

static bool limits_ok(json_t *l)
{
    return json_is_object(l) && json_is_integer(json_object_get(l, "max_instructions")) &&
           json_is_integer(json_object_get(l, "max_memory_mb")) &&
           json_is_integer(json_object_get(l, "max_execution_seconds"));
}

static void set_opt(json_t *obj, const char *key, json_t *v)
{
    json_object_set(obj, key, v && !json_is_null(v) ? v : json_null());
}

/* One execution_requested data[0] -> a create body (new reference), or NULL with why. */
static json_t *event_to_create(json_t *d, json_t *item, uint64_t height, const char *contract_id, char *why,
                               size_t whylen)
{
    const char *rd_text = json_string_value(json_object_get(d, "request_data"));
    json_t *data_id = json_object_get(d, "data_id");
    json_t *ts = json_object_get(d, "timestamp");
    if (!rd_text || !json_is_array(data_id) || json_array_size(data_id) != 32 || !json_is_integer(ts)) {
        snprintf(why, whylen, "event data lacks request_data, a 32-byte data_id or timestamp");
        return NULL;
    }
    char hex[65];
    for (size_t i = 0; i < 32; i++) {
        json_t *b = json_array_get(data_id, i);
        if (!json_is_integer(b) || json_integer_value(b) < 0 || json_integer_value(b) > 255) {
            snprintf(why, whylen, "data_id holds a value that is not a byte");
            return NULL;
        }
        snprintf(hex + 2 * i, 3, "%02x", (unsigned)json_integer_value(b));
    }
    json_error_t je;
    json_t *rd = json_loads(rd_text, 0, &je);
    if (!json_is_object(rd)) {
        snprintf(why, whylen, "request_data is not a JSON object");
        json_decref(rd);
        return NULL;
    }
    json_t *rid = json_object_get(rd, "request_id");
    json_t *sender = json_object_get(rd, "sender_id");
    json_t *cs = code_source_tagged(json_object_get(rd, "code_source"));
    json_t *limits = json_object_get(rd, "resource_limits");
    json_t *input = json_object_get(rd, "input_data");
    if (!json_is_integer(rid) || json_integer_value(rid) < 0 || !json_is_string(sender) || !cs || !limits_ok(limits) ||
        !json_is_string(input)) {
        snprintf(why, whylen, "request_data lacks request_id, sender_id, code_source, resource_limits or input_data");
        json_decref(cs);
        json_decref(rd);
        return NULL;
    }
    json_t *http_allow = json_object_get(rd, "http_allow");
    if (http_allow && !json_is_string(http_allow)) {
        /* dropping it would widen what the request allowed */
        snprintf(why, whylen, "request_data's http_allow is not a string");
        json_decref(cs);
        json_decref(rd);
        return NULL;
    }
    json_t *receipt = json_object_get(item, "receipt");
    json_t *outcome = json_object_get(json_object_get(item, "execution_outcome"), "outcome");
    json_t *action = json_object_get(json_object_get(receipt, "receipt"), "Action");
    json_t *ctx = json_object();
    json_object_set(ctx, "sender_id", sender);
    json_object_set_new(ctx, "block_height", json_integer((json_int_t)height));
    json_object_set(ctx, "block_timestamp", ts);
    json_object_set_new(ctx, "contract_id", json_string(contract_id));
    set_opt(ctx, "transaction_hash", json_object_get(item, "tx_hash"));
    set_opt(ctx, "receipt_id", json_object_get(receipt, "receipt_id"));
    set_opt(ctx, "predecessor_id", json_object_get(receipt, "predecessor_id"));
    set_opt(ctx, "signer_public_key", json_object_get(action, "signer_public_key"));
    set_opt(ctx, "gas_burnt", json_object_get(outcome, "gas_burnt"));

    json_t *body = json_object();
    json_object_set(body, "request_id", rid);
    json_object_set_new(body, "data_id", json_string(hex));
    json_object_set_new(body, "code_source", cs);
    json_object_set(body, "resource_limits", limits);
    json_object_set(body, "input_data", input);
    json_t *sr = json_object_get(rd, "secrets_ref");
    if (json_is_object(sr))
        json_object_set(body, "secrets_ref", sr);
    json_t *fmt = json_object_get(rd, "response_format");
    json_object_set_new(body, "response_format", json_string(json_is_string(fmt) ? json_string_value(fmt) : "Text"));
    json_object_set_new(body, "context", ctx);
    json_object_set(body, "user_account_id", sender);
    json_t *pay = json_object_get(rd, "payment");
    if (json_is_string(pay))
        json_object_set(body, "near_payment_yocto", pay);
    const char *flags[] = {"compile_only", "force_rebuild", "store_on_fastfs"};
    for (size_t i = 0; i < 3; i++)
        json_object_set_new(body, flags[i], json_boolean(json_is_true(json_object_get(rd, flags[i]))));
    if (http_allow)
        json_object_set(body, "http_allow", http_allow);
    json_decref(rd);
    return body;
}

/* The JSON after the first EVENT_JSON: marker of a log line, if it is ours. */
static json_t *parse_event_log(const char *log)
{
    const char *p = strstr(log, EVENT_MARK);
    if (!p)
        return NULL;
    p += strlen(EVENT_MARK);
    json_error_t je;
    json_t *ev = json_loads(p, 0, &je);
    if (!json_is_object(ev)) {
        json_decref(ev);
        return NULL;
    }
    const char *std = json_string_value(json_object_get(ev, "standard"));
    const char *name = json_string_value(json_object_get(ev, "event"));
    json_t *data = json_object_get(ev, "data");
    if (!std || !name || strcmp(std, "near-outlayer") != 0 || strcmp(name, "execution_requested") != 0 ||
        !json_is_array(data) || json_array_size(data) == 0) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

int wk_block_events(json_t *block, uint64_t height, const char *contract_id, json_t **creates, char *err, size_t errlen)
{
    *creates = json_array();
    if (json_is_null(block))
        return 0; /* a skipped height */
    if (!json_is_object(block)) {
        snprintf(err, errlen, "block %llu is not a JSON object", (unsigned long long)height);
        goto fail;
    }
    json_t *shards = json_object_get(block, "shards");
    if (shards && !json_is_null(shards) && !json_is_array(shards)) {
        snprintf(err, errlen, "block %llu: shards is not an array", (unsigned long long)height);
        goto fail;
    }
    size_t i, j, k;
    json_t *shard, *item, *log;
    json_array_foreach(shards, i, shard)
    {
        json_t *reo = json_object_get(shard, "receipt_execution_outcomes");
        if (!reo || json_is_null(reo))
            continue;
        if (!json_is_array(reo)) {
            snprintf(err, errlen, "block %llu: receipt_execution_outcomes is not an array", (unsigned long long)height);
            goto fail;
        }
        json_array_foreach(reo, j, item)
        {
            const char *receiver = json_string_value(json_object_get(json_object_get(item, "receipt"), "receiver_id"));
            if (!receiver || strcmp(receiver, contract_id) != 0)
                continue;
            json_t *logs =
                json_object_get(json_object_get(json_object_get(item, "execution_outcome"), "outcome"), "logs");
            json_array_foreach(logs, k, log)
            {
                if (!json_is_string(log))
                    continue;
                json_t *ev = parse_event_log(json_string_value(log));
                if (!ev)
                    continue;
                char why[160];
                json_t *body = event_to_create(json_array_get(json_object_get(ev, "data"), 0), item, height,
                                               contract_id, why, sizeof why);
                json_decref(ev);
                if (body)
                    json_array_append_new(*creates, body);
                else
                    WK_WARN("block %llu: ignoring an execution_requested event: %s", (unsigned long long)height, why);
            }
        }
    }
    return 0;
fail:
    json_decref(*creates);
    *creates = NULL;
    return -1;
}
