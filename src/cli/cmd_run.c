/*
 * cmd_run.c — `outlayer run FILE.wasm`: run a WASI command locally with the
 * same limits a worker applies, stream its stdout/stderr, exit with its code
 * and finish with a report (text, or one JSON object with --json) on stderr.
 * The work itself is runner_run (src/runner/), shared with the worker.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include <jansson.h>

#include "cli/cli.h"
#include "near/credentials.h"
#include "hostapi/kv.h"
#include "near/rpc.h"
#include "runner/runner.h"

void cmd_run_help(FILE *out)
{
    fprintf(out,
            "usage: outlayer run FILE.wasm [options] [-- ARGS...]\n"
            "\n"
            "Runs a WASI preview-1 command (a module exporting _start) the way an OutLayer\n"
            "worker does: our stdin as its input, the program's stdout to our stdout, its stderr to\n"
            "our stderr, and its exit code as ours. A report (instructions, wall time, peak\n"
            "memory, trap) follows on stderr. FILE.wasm may be - to read the module from stdin.\n"
            "\n"
            "options:\n"
            "  --input FILE|-      the program's stdin: a file, or - for our stdin. Default: our\n"
            "                      stdin, read to EOF before the program starts; empty when our\n"
            "                      stdin is a terminal or FILE.wasm is -. --input /dev/null for none\n"
            "  --fuel N            instruction limit (default %" PRIu64 ")\n"
            "  --max-memory-mb N   memory cap in MiB (linear memory, tables, globals, ...),\n"
            "                      also the stdout cap (default %u)\n"
            "  --timeout-ms N      wall-clock limit for load and run, 0 = none (default %" PRIu64 ")\n"
            "  --env KEY=VALUE     an environment variable for the program (repeatable);\n"
            "                      nothing of our own environment is passed on\n"
            "  --seed HEX          deterministic run, as a worker's (docs/verify.md): random_get is\n"
            "                      the stream of this 32-byte seed, clocks are virtual\n"
            "  --clock-base NS     with --seed: the realtime clock's start (default 0)\n"
            "  --allow-http HOST   let the program make HTTP requests to HOST through the\n"
            "                      outlayer_v1 host API (docs/program-api.md); repeatable;\n"
            "                      patterns: api.example.com, *.example.com, *, or an IP\n"
            "                      literal such as 127.0.0.1 (which also admits that private\n"
            "                      or loopback address). Default: no HTTP\n"
            "  --request-http-allow PATTERNS  simulate a request's http_allow (outlayer request\n"
            "                      --http-allow): hosts must match --allow-http AND these\n"
            "                      comma-separated patterns; \"\" turns HTTP off\n"
            "  --http-ca-file FILE PEM CA certificates trusted for the program's https requests\n"
            "                      (a private or test CA); env HTTP_CA_FILE. Default: the system's\n"
            "  --http-transcript-out FILE  write the transcript's bytes: HTTP, storage and view\n"
            "                      calls (SHA-256 of the file is http_transcript_sha256;\n"
            "                      docs/program-api.md)\n"
            "  --http-transcript FILE  replay: answer the program's HTTP, storage and view calls\n"
            "                      from a recorded transcript instead of the network, the store\n"
            "                      and the node (each call must be the recorded one, else the\n"
            "                      run traps)\n"
            "  --vrf-key FILE      the VRF key for outlayer_v1.vrf: a near-cli credentials file\n"
            "                      (ed25519). Default: a fresh key for this run (its public key is\n"
            "                      in the report)\n"
            "  --vrf-contract ID   --vrf-request-id N: the request the VRF input is bound to, as\n"
            "  --vrf-request-id N  a worker binds it (default \"\" and 0)\n"
            "  --storage DIR       persistent storage for the program (outlayer_v1 storage_*):\n"
            "                      one file per key in DIR, kept between runs. Default: none\n"
            "  --near-rpc URL      NEAR JSON-RPC endpoint for the program's view_function and\n"
            "                      view_account (e.g. http://127.0.0.1:3030). Default: none\n"
            "  --engine interp|jit the engine's tier: jit (x86-64 machine code; the default on\n"
            "                      x86-64 Linux) or interp (the interpreter; elsewhere). Both give\n"
            "                      the same output and instruction count. Default: $OLW_ENGINE if set\n"
            "  --json              the report as one JSON object (last line of stderr)\n"
            "  -h, --help          this help\n"
            "  -- ARGS...          arguments for the program (argv[0] is the file's name)\n"
            "\n"
            "exit codes:\n"
            "  0-255  the program's own exit code (returning from main/_start = 0)\n"
            "  %d     usage error\n"
            "  %d     not a valid module (message and byte offset shown), or not a WASI command\n"
            "  %d     FILE.wasm or the input file cannot be read\n"
            "  %d     internal error (host out of memory)\n"
            "  %d    trap: out of fuel (--fuel)\n"
            "  %d    trap: memory limit exceeded (--max-memory-mb)\n"
            "  %d    trap: stdout limit exceeded (--max-memory-mb MiB of output)\n"
            "  %d    trap: wall-clock timeout (--timeout-ms)\n"
            "  %d    any other trap (unreachable, out of bounds access, stack exhausted, ...)\n"
            "A program may itself exit with one of these codes; the report tells them apart.\n"
            "\n"
            "The program sees no files, no host environment and no network (but see --allow-http,\n"
            "--storage and --near-rpc).\nOutput limits: "
            "stdout max-memory-mb MiB (passing it traps), stderr 1 MiB (the rest is dropped).\n",
            RUNNER_DEFAULT_FUEL, RUNNER_DEFAULT_MEMORY_MB, RUNNER_DEFAULT_TIMEOUT_MS, CLI_EXIT_USAGE,
            CLI_EXIT_BAD_MODULE, CLI_EXIT_NO_INPUT, CLI_EXIT_INTERNAL, CLI_EXIT_FUEL, CLI_EXIT_MEMORY, CLI_EXIT_OUTPUT,
            CLI_EXIT_TIMEOUT, CLI_EXIT_TRAP);
}

typedef struct run_args {
    const char *file;
    const char *input; /* NULL = not given: our stdin unless it is a terminal (see default_input) */
    uint64_t fuel;
    uint64_t max_memory_mb;
    uint64_t timeout_ms;
    const char **env;
    size_t env_count;
    const char **prog_argv; /* [0] = file name, then ARGS */
    size_t prog_argc;
    bool json;
    bool replay; /* --seed: deterministic random and clocks */
    runner_replay replay_cfg;
    char *http_allow; /* --allow-http patterns, comma separated; NULL = none */
    const char *request_http_allow; /* --request-http-allow: the request's narrowing; NULL = none */
    /* --storage, --near-rpc (docs/program-api.md) */
    const char *storage_dir, *near_rpc;
    hostapi_ctx *hostapi;
    /* issue 16: private CA, transcripts, VRF */
    const char *http_ca_file, *transcript_out, *transcript_in, *vrf_key_file, *vrf_contract;
    uint64_t vrf_request_id;
    olw_engine engine; /* --engine; OLW_ENGINE_DEFAULT when not given */
} run_args;

/* "--name value" or "--name=value": the value, advancing *i; NULL if absent. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != 0)
        return NULL;
    if (*i + 1 >= argc)
        return NULL;
    return argv[++*i];
}

static bool is_option(const char *a, const char *name)
{
    size_t n = strlen(name);
    return strncmp(a, name, n) == 0 && (a[n] == 0 || a[n] == '=');
}

static int usage_error(const char *msg, const char *arg)
{
    cli_error("run: %s%s%s (see `outlayer help run`)", msg, arg ? ": " : "", arg ? arg : "");
    return CLI_EXIT_USAGE;
}

/* Returns -1 when the arguments are fine, else the exit code to return. */
static int parse_args(int argc, char **argv, run_args *a)
{
    a->fuel = RUNNER_DEFAULT_FUEL;
    a->max_memory_mb = RUNNER_DEFAULT_MEMORY_MB;
    a->timeout_ms = RUNNER_DEFAULT_TIMEOUT_MS;
    a->env = calloc((size_t)argc, sizeof *a->env);
    a->prog_argv = calloc((size_t)argc + 1, sizeof *a->prog_argv);
    if (!a->env || !a->prog_argv) {
        cli_error("out of memory");
        return CLI_EXIT_INTERNAL;
    }
    const char **extra = NULL;
    size_t extra_count = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *v;
        if (strcmp(arg, "--") == 0) {
            extra = (const char **)argv + i + 1;
            extra_count = (size_t)(argc - i - 1);
            break;
        } else if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0) {
            cmd_run_help(stdout);
            return CLI_EXIT_OK;
        } else if (strcmp(arg, "--json") == 0) {
            a->json = true;
        } else if (is_option(arg, "--input")) {
            if (!(v = option_value(argc, argv, &i, "--input")))
                return usage_error("--input needs a file or -", NULL);
            a->input = v;
        } else if (is_option(arg, "--fuel")) {
            v = option_value(argc, argv, &i, "--fuel");
            if (!v || !cli_parse_u64(v, 1, UINT64_MAX - 1, &a->fuel))
                return usage_error("--fuel needs a whole number of instructions, at least 1", v);
        } else if (is_option(arg, "--max-memory-mb")) {
            v = option_value(argc, argv, &i, "--max-memory-mb");
            if (!v || !cli_parse_u64(v, 1, 4096, &a->max_memory_mb))
                return usage_error("--max-memory-mb needs a number of MiB from 1 to 4096", v);
        } else if (is_option(arg, "--timeout-ms")) {
            v = option_value(argc, argv, &i, "--timeout-ms");
            if (!v || !cli_parse_u64(v, 0, UINT64_C(1) << 40, &a->timeout_ms))
                return usage_error("--timeout-ms needs a number of milliseconds (0 = no limit)", v);
        } else if (is_option(arg, "--seed")) {
            v = option_value(argc, argv, &i, "--seed");
            size_t got = 0;
            if (!v || strlen(v) != 64 || sodium_hex2bin(a->replay_cfg.seed, 32, v, 64, NULL, &got, NULL) != 0 ||
                got != 32)
                return usage_error("--seed needs 64 hex digits", v);
            a->replay = true;
        } else if (is_option(arg, "--clock-base")) {
            v = option_value(argc, argv, &i, "--clock-base");
            if (!v || !cli_parse_u64(v, 0, UINT64_MAX, &a->replay_cfg.realtime_base_ns))
                return usage_error("--clock-base needs nanoseconds since 1970", v);
        } else if (is_option(arg, "--storage")) {
            v = option_value(argc, argv, &i, "--storage");
            if (!v || !*v)
                return usage_error("--storage needs a directory", v);
            a->storage_dir = v;
        } else if (is_option(arg, "--near-rpc")) {
            v = option_value(argc, argv, &i, "--near-rpc");
            if (!v || (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0))
                return usage_error("--near-rpc needs an http:// or https:// URL", v);
            a->near_rpc = v;
        } else if (is_option(arg, "--allow-http")) {
            v = option_value(argc, argv, &i, "--allow-http");
            if (!v || !*v || strchr(v, ',') || strchr(v, ' '))
                return usage_error("--allow-http needs one host pattern", v);
            size_t old = a->http_allow ? strlen(a->http_allow) : 0;
            char *n = realloc(a->http_allow, old + strlen(v) + 2);
            if (!n)
                return usage_error("out of memory", NULL);
            if (old)
                n[old++] = ',';
            strcpy(n + old, v);
            a->http_allow = n;
        } else if (is_option(arg, "--request-http-allow")) {
            char why[200];
            if (!(v = option_value(argc, argv, &i, "--request-http-allow")))
                return usage_error("--request-http-allow needs host patterns", NULL);
            if (!hostapi_allow_validate(v, why, sizeof why))
                return usage_error("--request-http-allow", why);
            a->request_http_allow = v;
        } else if (is_option(arg, "--http-ca-file")) {
            if (!(v = option_value(argc, argv, &i, "--http-ca-file")) || !*v)
                return usage_error("--http-ca-file needs a PEM file", NULL);
            a->http_ca_file = v;
        } else if (is_option(arg, "--http-transcript-out")) {
            if (!(v = option_value(argc, argv, &i, "--http-transcript-out")) || !*v)
                return usage_error("--http-transcript-out needs a file", NULL);
            a->transcript_out = v;
        } else if (is_option(arg, "--http-transcript")) {
            if (!(v = option_value(argc, argv, &i, "--http-transcript")) || !*v)
                return usage_error("--http-transcript needs a file", NULL);
            a->transcript_in = v;
        } else if (is_option(arg, "--vrf-key")) {
            if (!(v = option_value(argc, argv, &i, "--vrf-key")) || !*v)
                return usage_error("--vrf-key needs a credentials file", NULL);
            a->vrf_key_file = v;
        } else if (is_option(arg, "--vrf-contract")) {
            if (!(v = option_value(argc, argv, &i, "--vrf-contract")) || strlen(v) > 256)
                return usage_error("--vrf-contract needs an account id", v);
            a->vrf_contract = v;
        } else if (is_option(arg, "--vrf-request-id")) {
            v = option_value(argc, argv, &i, "--vrf-request-id");
            if (!v || !cli_parse_u64(v, 0, UINT64_MAX, &a->vrf_request_id))
                return usage_error("--vrf-request-id needs a whole number", v);
        } else if (is_option(arg, "--engine")) {
            v = option_value(argc, argv, &i, "--engine");
            if (v && strcmp(v, "interp") == 0)
                a->engine = OLW_ENGINE_INTERP;
            else if (v && strcmp(v, "jit") == 0)
                a->engine = OLW_ENGINE_JIT;
            else
                return usage_error("--engine needs interp or jit", v);
        } else if (is_option(arg, "--env")) {
            v = option_value(argc, argv, &i, "--env");
            if (!v || !strchr(v, '=') || v[0] == '=')
                return usage_error("--env needs KEY=VALUE", v);
            a->env[a->env_count++] = v;
        } else if (arg[0] == '-' && arg[1] != 0) {
            return usage_error("unknown option", arg);
        } else if (!a->file) {
            a->file = arg;
        } else {
            return usage_error("more than one FILE.wasm (put program arguments after --)", arg);
        }
    }
    if (!a->file)
        return usage_error("no FILE.wasm given", NULL);
    if (strcmp(a->file, "-") == 0 && a->input && strcmp(a->input, "-") == 0)
        return usage_error("FILE.wasm and --input cannot both be read from stdin", NULL);
    const char *base = strrchr(a->file, '/');
    a->prog_argv[a->prog_argc++] = base ? base + 1 : a->file;
    for (size_t k = 0; k < extra_count; k++)
        a->prog_argv[a->prog_argc++] = extra[k];
    return -1;
}

/* Without --input the program gets our stdin, as `wasmtime run` does. The
 * input is read whole before the program starts (a worker hands it over
 * the same way), so a terminal would block until Ctrl-D even for a program
 * that never reads: then, and when the module itself came from stdin, the
 * program's stdin is empty. Returns "-" or NULL (empty). */
static const char *default_input(const run_args *a)
{
    if (strcmp(a->file, "-") == 0)
        return NULL;
    if (isatty(STDIN_FILENO) || fcntl(STDIN_FILENO, F_GETFD) < 0)
        return NULL; /* a terminal, or closed */
    return "-";
}

static void write_stdout(void *env, const uint8_t *data, size_t len) { fwrite(data, 1, len, stdout); }
static void write_stderr(void *env, const uint8_t *data, size_t len) { fwrite(data, 1, len, stderr); }

static int exit_code_of(const runner_result *r)
{
    switch (r->status) {
    case RUNNER_OK:
    case RUNNER_EXIT: return r->exit_code & 0xff; /* as a native exit(): the low 8 bits */
    case RUNNER_LOAD_ERROR:
    case RUNNER_LINK_ERROR: return CLI_EXIT_BAD_MODULE;
    case RUNNER_INTERNAL: return CLI_EXIT_INTERNAL;
    case RUNNER_TRAP: break;
    }
    switch (r->limit) {
    case RUNNER_LIMIT_FUEL: return CLI_EXIT_FUEL;
    case RUNNER_LIMIT_MEMORY: return CLI_EXIT_MEMORY;
    case RUNNER_LIMIT_OUTPUT: return CLI_EXIT_OUTPUT;
    case RUNNER_LIMIT_TIMEOUT: return CLI_EXIT_TIMEOUT;
    default: return CLI_EXIT_TRAP;
    }
}

static const char *error_kind_name(olw_error_kind k)
{
    switch (k) {
    case OLW_ERR_MALFORMED: return "malformed module";
    case OLW_ERR_INVALID: return "invalid module";
    case OLW_ERR_UNSUPPORTED: return "unsupported feature";
    case OLW_ERR_UNLINKABLE: return "unlinkable module";
    case OLW_ERR_TRAP: return "trap during instantiation";
    case OLW_ERR_RESOURCE: return "resource limit";
    case OLW_ERR_MISUSE: return "internal error (engine API misuse)";
    case OLW_ERR_NONE: break;
    }
    return "error";
}

static bool looks_like_wasm(const uint8_t *b, size_t n) { return n >= 4 && memcmp(b, "\0asm", 4) == 0; }

/* The one-line description of a failure to load or link. */
static void describe_error(const run_args *a, const runner_result *r, const uint8_t *wasm, size_t wasm_len, char *buf,
                           size_t size)
{
    /* The engine may already end its message with "(offset 0x..)"; we print
     * the offset ourselves, in decimal and hex, so drop that tail. */
    char msg[sizeof r->message];
    snprintf(msg, sizeof msg, "%s", r->message);
    char *tail = strstr(msg, " (offset ");
    if (tail && strchr(tail, ')') && strchr(tail, ')')[1] == 0)
        *tail = 0;
    const char *hint = "";
    if (r->status == RUNNER_LOAD_ERROR && !looks_like_wasm(wasm, wasm_len))
        hint = " (this is not a WebAssembly binary: it does not start with \"\\0asm\")";
    if (r->status == RUNNER_LOAD_ERROR && r->load_error.offset != SIZE_MAX)
        snprintf(buf, size, "%s: %s at byte offset %zu (0x%zx): %s%s", a->file, error_kind_name(r->load_error.kind),
                 r->load_error.offset, r->load_error.offset, msg, hint);
    else if (r->status == RUNNER_LOAD_ERROR)
        snprintf(buf, size, "%s: %s: %s%s", a->file, error_kind_name(r->load_error.kind), msg, hint);
    else
        snprintf(buf, size, "%s: %s", a->file, r->message);
}

static void human_size(uint64_t bytes, char *buf, size_t size)
{
    if (bytes >= (UINT64_C(1) << 20))
        snprintf(buf, size, "%.1f MiB", (double)bytes / (1 << 20));
    else
        snprintf(buf, size, "%.1f KiB", (double)bytes / 1024);
}

static void report_text(const run_args *a, const runner_result *r, int code)
{
    char mem[32];
    human_size(r->peak_memory_bytes, mem, sizeof mem);
    FILE *f = stderr;
    switch (r->status) {
    case RUNNER_OK: fprintf(f, "--- outlayer run: ok, exit code 0\n"); break;
    case RUNNER_EXIT: fprintf(f, "--- outlayer run: the program exited with code %" PRId32 "\n", r->exit_code); break;
    case RUNNER_TRAP: fprintf(f, "--- outlayer run: trap: %s (exit code %d)\n", r->message, code); break;
    default: fprintf(f, "--- outlayer run: %s: %s (exit code %d)\n", runner_status_name(r->status), r->message, code);
    }
    fprintf(f, "instructions: %" PRIu64 " of %" PRIu64 "\n", r->instructions, a->fuel);
    fprintf(f, "wall time:    %" PRIu64 " ms (load %" PRIu64 " ms, run %" PRIu64 " ms)\n", r->wall_us / 1000,
            r->load_us / 1000, r->run_us / 1000);
    fprintf(f, "peak memory:  %" PRIu64 " bytes (%s) of %" PRIu64 " MiB\n", r->peak_memory_bytes, mem,
            a->max_memory_mb);
    fprintf(f, "output:       stdout %zu bytes, stderr %zu bytes%s\n", r->stdout_bytes, r->stderr_bytes,
            r->stderr_truncated ? " (stderr truncated at 1 MiB)" : "");
}

static json_t *json_opt_string(const char *s) { return s ? json_string(s) : json_null(); }

/* jansson's integers are signed 64-bit: a u64 above INT64_MAX (a fuel limit
 * of up to 2^64 - 2) goes in as a marked string that u64_unmark turns back
 * into a bare number after json_dumps. */
#define U64_MARK "\\u0001u64:" /* as jansson escapes it */
static json_t *json_u64(uint64_t v)
{
    if (v <= INT64_MAX)
        return json_integer((json_int_t)v);
    char buf[32];
    snprintf(buf, sizeof buf, "\001u64:%" PRIu64, v);
    return json_string(buf);
}

static void u64_unmark(char *s)
{
    char *p;
    while ((p = strstr(s, "\"" U64_MARK)) != NULL) {
        char *digits = p + 1 + strlen(U64_MARK);
        size_t n = strspn(digits, "0123456789");
        memmove(p, digits, n);
        memmove(p + n, digits + n + 1, strlen(digits + n + 1) + 1); /* drop the closing quote */
    }
}

static void report_json(const run_args *a, const runner_result *r, int code, const char *error_line)
{
    bool finished = r->status == RUNNER_OK || r->status == RUNNER_EXIT;
    bool trapped = r->status == RUNNER_TRAP;
    json_t *o = json_object();
    json_object_set_new(o, "status", json_string(runner_status_name(r->status)));
    json_object_set_new(o, "exit_code", json_integer(code));
    json_object_set_new(o, "program_exit_code", finished ? json_integer(r->exit_code) : json_null());
    /* The stdout cap is enforced by a host function; name it for what it is. */
    const char *trap = r->limit == RUNNER_LIMIT_OUTPUT ? "output limit exceeded" : olw_trap_name(r->trap);
    json_object_set_new(o, "trap", trapped ? json_string(trap) : json_null());
    json_object_set_new(o, "limit", json_opt_string(runner_limit_name(r->limit)));
    json_object_set_new(o, "message", r->message[0] ? json_string(error_line ? error_line : r->message) : json_null());
    json_object_set_new(o, "error_offset",
                        r->status == RUNNER_LOAD_ERROR && r->load_error.offset != SIZE_MAX
                            ? json_integer((json_int_t)r->load_error.offset)
                            : json_null());
    json_object_set_new(o, "instructions", json_u64(r->instructions));
    json_object_set_new(o, "wall_ms", json_integer((json_int_t)(r->wall_us / 1000)));
    json_object_set_new(o, "wall_us", json_integer((json_int_t)r->wall_us));
    json_object_set_new(o, "load_us", json_integer((json_int_t)r->load_us));
    json_object_set_new(o, "run_us", json_integer((json_int_t)r->run_us));
    json_object_set_new(o, "peak_memory_bytes", json_integer((json_int_t)r->peak_memory_bytes));
    json_object_set_new(o, "stdout_bytes", json_integer((json_int_t)r->stdout_bytes));
    json_object_set_new(o, "stderr_bytes", json_integer((json_int_t)r->stderr_bytes));
    json_object_set_new(o, "stderr_truncated", json_boolean(r->stderr_truncated));
    json_t *limits = json_object();
    json_object_set_new(limits, "fuel", json_u64(a->fuel));
    json_object_set_new(limits, "max_memory_mb", json_integer((json_int_t)a->max_memory_mb));
    json_object_set_new(limits, "timeout_ms", json_integer((json_int_t)a->timeout_ms));
    json_object_set_new(o, "limits", limits);
    if (a->hostapi) {
        uint8_t th[32];
        uint32_t nreq = 0;
        char hex[65];
        hostapi_transcript(a->hostapi, th, &nreq);
        sodium_bin2hex(hex, sizeof hex, th, sizeof th);
        json_object_set_new(o, "http_requests", json_integer(nreq));
        json_object_set_new(o, "http_transcript_sha256", json_string(hex));
        uint8_t pk[32];
        hostapi_vrf_public_key(a->hostapi, pk);
        sodium_bin2hex(hex, sizeof hex, pk, sizeof pk);
        json_object_set_new(o, "vrf_calls", json_integer(hostapi_vrf_calls(a->hostapi)));
        json_object_set_new(o, "vrf_public_key", json_string(hex));
        uint32_t sc = 0, vc = 0;
        hostapi_kv_counts(a->hostapi, &sc, &vc);
        json_object_set_new(o, "storage_calls", json_integer(sc));
        json_object_set_new(o, "view_calls", json_integer(vc));
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (s)
        u64_unmark(s);
    if (s)
        fprintf(stderr, "%s\n", s);
    free(s);
    json_decref(o);
}

/* The hostapi options of issue 16: private CA, replayed transcript, VRF
 * key and binding. -1 when fine, else the exit code. */
static int hostapi_options(const run_args *a, hostapi_config *hc, uint8_t **transcript, size_t *transcript_len,
                           uint8_t vrf_seed[32])
{
    hc->ca_file = a->http_ca_file ? a->http_ca_file : getenv("HTTP_CA_FILE");
    if (hc->ca_file && !*hc->ca_file)
        hc->ca_file = NULL;
    if (hc->ca_file && access(hc->ca_file, R_OK) != 0) {
        cli_error("run: cannot read the CA file %s: %s", hc->ca_file, strerror(errno));
        return CLI_EXIT_NO_INPUT;
    }
    if (a->transcript_in) {
        if (!(*transcript = cli_read_file(a->transcript_in, transcript_len))) {
            cli_error("run: cannot read the HTTP transcript %s: %s", a->transcript_in, strerror(errno));
            return CLI_EXIT_NO_INPUT;
        }
        hc->replay_transcript = *transcript;
        hc->replay_transcript_len = *transcript_len;
    }
    hc->record_transcript = a->transcript_out != NULL;
    if (a->vrf_key_file) {
        near_credentials cred;
        char err[256];
        if (near_credentials_read_file(a->vrf_key_file, &cred, err, sizeof err) != NEAR_OK) {
            cli_error("run: --vrf-key: %s", err);
            return CLI_EXIT_NO_INPUT;
        }
        memcpy(vrf_seed, cred.keypair.secret, 32);
        sodium_memzero(&cred, sizeof cred);
    } else {
        randombytes_buf(vrf_seed, 32);
    }
    hc->vrf_seed = vrf_seed;
    hc->vrf_contract_id = a->vrf_contract;
    hc->vrf_request_id = a->vrf_request_id;
    return -1;
}

static int save_transcript(const run_args *a)
{
    size_t len = 0;
    const uint8_t *bytes = hostapi_transcript_bytes(a->hostapi, &len);
    FILE *f = bytes ? fopen(a->transcript_out, "wb") : NULL;
    if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
        cli_error("run: cannot write the HTTP transcript to %s: %s", a->transcript_out,
                  bytes ? strerror(errno) : "out of memory");
        return -1;
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    run_args a;
    memset(&a, 0, sizeof a);
    int code = parse_args(argc, argv, &a);
    uint8_t *wasm = NULL, *input = NULL, *transcript = NULL, vrf_seed[32] = {0};
    size_t wasm_len = 0, input_len = 0, transcript_len = 0;
    if (code >= 0)
        goto done;

    wasm = cli_read_file(a.file, &wasm_len);
    if (!wasm) {
        cli_error("cannot read %s: %s", a.file, strerror(errno));
        code = CLI_EXIT_NO_INPUT;
        goto done;
    }
    if (!a.input)
        a.input = default_input(&a);
    if (a.input) {
        input = cli_read_file(a.input, &input_len);
        if (!input) {
            cli_error("cannot read the input %s: %s", strcmp(a.input, "-") == 0 ? "from stdin" : a.input,
                      strerror(errno));
            code = CLI_EXIT_NO_INPUT;
            goto done;
        }
    }

    runner_options opts = {
        .wasm = wasm,
        .wasm_len = wasm_len,
        .input = input,
        .input_len = input_len,
        .argv = a.prog_argv,
        .argc = a.prog_argc,
        .env = a.env,
        .env_count = a.env_count,
        .fuel = a.fuel,
        .max_memory_mb = (uint32_t)a.max_memory_mb,
        .timeout_ms = a.timeout_ms,
        .stdout_sink = write_stdout,
        .stderr_sink = write_stderr,
        .replay = a.replay ? &a.replay_cfg : NULL,
        .engine = a.engine,
    };
    hostapi_config hc = {.http_allow = a.http_allow, .request_http_allow = a.request_http_allow};
    if ((code = hostapi_options(&a, &hc, &transcript, &transcript_len, vrf_seed)) >= 0)
        goto done;
    char herr[256];
    a.hostapi = hostapi_ctx_new_checked(&hc, herr, sizeof herr);
    sodium_memzero(vrf_seed, sizeof vrf_seed);
    if (!a.hostapi) {
        cli_error("run: %s", herr);
        code = strstr(herr, "memory") ? CLI_EXIT_INTERNAL : CLI_EXIT_USAGE;
        goto done;
    }
    if (a.storage_dir || a.near_rpc) {
        char err[300] = "";
        hostapi_kv_config kc = {.near_rpc_url = a.near_rpc};
        if (a.storage_dir && !(kc.store = hostapi_store_dir(a.storage_dir, 0, 0, 0, err, sizeof err))) {
            cli_error("--storage: %s", err);
            code = CLI_EXIT_NO_INPUT;
            goto done;
        }
        if ((a.near_rpc && near_rpc_global_init() != NEAR_OK) || hostapi_ctx_set_kv(a.hostapi, &kc)) {
            cli_error("out of memory");
            code = CLI_EXIT_INTERNAL;
            goto done;
        }
    }
    opts.hostapi = a.hostapi;
    runner_result r;
    runner_run(&opts, &r);
    fflush(stdout);
    fflush(stderr);
    code = exit_code_of(&r);

    char error_line[1024];
    bool failed_to_start = r.status == RUNNER_LOAD_ERROR || r.status == RUNNER_LINK_ERROR;
    if (failed_to_start)
        describe_error(&a, &r, wasm, wasm_len, error_line, sizeof error_line);
    if (a.json) {
        report_json(&a, &r, code, failed_to_start ? error_line : NULL);
    } else if (failed_to_start) {
        cli_error("%s", error_line);
    } else {
        report_text(&a, &r, code);
    }
    runner_result_free(&r);
    if (a.transcript_out && save_transcript(&a) != 0 && code == 0)
        code = CLI_EXIT_NO_INPUT;

done:
    free(transcript);
    free(wasm);
    free(input);
    free(a.env);
    free(a.prog_argv);
    free(a.http_allow);
    hostapi_ctx_free(a.hostapi);
    return code;
}
