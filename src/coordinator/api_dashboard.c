/* api_dashboard.c — serves the built dashboard (build/dashboard/, see
 * docs/dashboard.md) from --dashboard-dir, and /dashboard-config.json, the
 * few settings the page needs that only the server knows (the contract, the
 * NEAR RPC, the development signer of `outlayer dev`).
 *
 * Only names of one path segment below the directory, or below its
 * assets/ and examples/ folders, can be served: the route table refuses
 * '/', '\\' and ".." in parameters, and names starting with '.' are refused
 * here, so nothing else of the disk can be named. Files whose names carry a
 * content hash (esbuild's NAME-HASH.js) are cached for a year as immutable;
 * everything else is revalidated (ETag from size and mtime). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "coordinator/coord.h"

static const char *content_type_of(const char *name)
{
    static const struct {
        const char *ext, *type;
    } TYPES[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".wasm", "application/wasm"},
        {".ico", "image/x-icon"},
        {".txt", "text/plain; charset=utf-8"},
        {".map", "application/json"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof TYPES / sizeof *TYPES; i++)
        if (strcmp(dot, TYPES[i].ext) == 0)
            return TYPES[i].type;
    return "application/octet-stream";
}

/* "app-5KQ2XG7M.js": esbuild's [name]-[hash] with an 8-character hash. */
static int is_hashed_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot - name < 10 || dot[-9] != '-')
        return 0;
    for (const char *p = dot - 8; p < dot; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}

static void security_headers(hs_request *req)
{
    hs_add_header(req, "X-Content-Type-Options", "nosniff");
    hs_add_header(req, "Referrer-Policy", "no-referrer");
    hs_add_header(req, "X-Frame-Options", "DENY");
}

static void serve_file(hs_request *req, coord *c, const char *sub, const char *name)
{
    if (!name || !*name || name[0] == '.') {
        hs_reply_error(req, 404, "no such file");
        return;
    }
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s%s%s", c->cfg.dashboard_dir, sub, *sub ? "/" : "", name);
    if (n < 0 || (size_t)n >= sizeof path) {
        hs_reply_error(req, 404, "no such file");
        return;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        hs_reply_error(req, 404, "no such file");
        return;
    }
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull + (unsigned long long)st.st_mtim.tv_nsec);
    const char *cache = is_hashed_name(name) ? "public, max-age=31536000, immutable" : "no-cache";
    const char *inm = hs_header(req, "If-None-Match");
    if (inm && strcmp(inm, etag) == 0) {
        close(fd);
        hs_reply_empty(req, 304);
    } else {
        hs_reply_fd(req, 200, fd, (uint64_t)st.st_size, content_type_of(name));
    }
    hs_add_header(req, "ETag", etag);
    hs_add_header(req, "Cache-Control", cache);
    security_headers(req);
    if (strcmp(content_type_of(name), "text/html; charset=utf-8") == 0)
        /* connect-src is open: the page talks to a NEAR RPC and, on
         * `outlayer dev`, to the signer on another loopback port. libsodium
         * runs as WebAssembly, hence 'wasm-unsafe-eval'. */
        hs_add_header(req, "Content-Security-Policy",
                      "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
                      "img-src 'self' data: https:; connect-src *; frame-ancestors 'none'; base-uri 'none'");
}

static void api_dash_index(hs_request *req, void *ctx) { serve_file(req, ctx, "", "index.html"); }
static void api_dash_file(hs_request *req, void *ctx) { serve_file(req, ctx, "", hs_param(req, "file")); }
static void api_dash_asset(hs_request *req, void *ctx) { serve_file(req, ctx, "assets", hs_param(req, "file")); }
static void api_dash_example(hs_request *req, void *ctx) { serve_file(req, ctx, "examples", hs_param(req, "file")); }

/* The network follows the contract's suffix; a development signer means
 * the local network of `outlayer dev`. */
static void api_dash_config(hs_request *req, void *ctx)
{
    coord *c = ctx;
    const char *contract = c->cfg.contract_id ? c->cfg.contract_id : "";
    size_t cl = strlen(contract);
    const char *network = "testnet";
    if (c->cfg.dashboard_signer_url)
        network = "localnet";
    else if (cl >= 5 && strcmp(contract + cl - 5, ".near") == 0)
        network = "mainnet";
    json_t *j = json_pack("{s:s, s:s, s:o, s:o}", "network", network, "contract_id", contract, "rpc_url",
                          c->cfg.near_rpc_url ? json_string(c->cfg.near_rpc_url) : json_null(), "signer_url",
                          c->cfg.dashboard_signer_url ? json_string(c->cfg.dashboard_signer_url) : json_null());
    hs_reply_json(req, 200, j);
    hs_add_header(req, "Cache-Control", "no-cache");
    security_headers(req);
}

int coord_add_dashboard_routes(coord *c)
{
    if (!c->cfg.dashboard_dir || !*c->cfg.dashboard_dir)
        return 0;
    const hs_route_spec routes[] = {
        {"GET", "/", api_dash_index, c, AUTH_PUBLIC, 0, 0},
        {"GET", "/dashboard-config.json", api_dash_config, c, AUTH_PUBLIC, 0, 0},
        {"GET", "/assets/:file", api_dash_asset, c, AUTH_PUBLIC, 0, 0},
        {"GET", "/examples/:file", api_dash_example, c, AUTH_PUBLIC, 0, 0},
        /* last: every API route of one segment (/health, /metrics) wins */
        {"GET", "/:file", api_dash_file, c, AUTH_PUBLIC, 0, 0},
    };
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        if (hs_route_add(c->srv, &routes[i]))
            return -1;
    return 0;
}
