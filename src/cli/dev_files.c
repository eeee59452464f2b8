/* dev_files.c — see dev_files.h. */
#include "cli/dev_files.h"

#include <fcntl.h>
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"

static struct MHD_Daemon *daemon_;
static char root[900];

/* Only "/<64 lowercase hex>.wasm": nothing else of the disk can be named. */
static bool valid_name(const char *url)
{
    if (strlen(url) != 1 + 64 + 5 || url[0] != '/' || strcmp(url + 65, ".wasm") != 0)
        return false;
    for (int i = 1; i <= 64; i++)
        if (!((url[i] >= '0' && url[i] <= '9') || (url[i] >= 'a' && url[i] <= 'f')))
            return false;
    return true;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned code, const char *text)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                             const char *version, const char *upload, size_t *upload_len, void **ptr)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n");
    if (!valid_name(url))
        return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found: names are /<sha256>.wasm\n");
    char path[1000];
    snprintf(path, sizeof path, "%s%s", root, url);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return reply_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
    }
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
    MHD_add_response_header(r, "Content-Type", "application/wasm");
    enum MHD_Result ok = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ok;
}

int dev_files_start(const char *dir, int port)
{
    snprintf(root, sizeof root, "%s", dir);
    struct sockaddr_in a = {
        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    daemon_ = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, serve,
                               NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&a, MHD_OPTION_END);
    return daemon_ ? 0 : -1;
}

void dev_files_stop(void)
{
    if (daemon_)
        MHD_stop_daemon(daemon_);
    daemon_ = NULL;
}

int dev_files_add(const char *dir, const char *file, char hash_out[65], char *err, size_t errlen)
{
    size_t len = 0;
    uint8_t *bytes = cli_read_file(file, &len);
    if (!bytes) {
        snprintf(err, errlen, "cannot read %s", file);
        return -1;
    }
    uint8_t h[32];
    crypto_hash_sha256(h, bytes, len);
    sodium_bin2hex(hash_out, 65, h, 32);
    char path[1000], tmp[1010];
    snprintf(path, sizeof path, "%s/%s.wasm", dir, hash_out);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    int bad = !f || fwrite(bytes, 1, len, f) != len;
    if (f && fclose(f))
        bad = 1;
    free(bytes);
    if (bad || rename(tmp, path)) {
        unlink(tmp);
        snprintf(err, errlen, "cannot write %s", path);
        return -1;
    }
    return 0;
}
