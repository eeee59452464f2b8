/*
 * preview1.c — the wasi_snapshot_preview1 functions.
 *
 * Each function is a olw.h host callback: arguments arrive as raw 64-bit
 * slots, the WASI errno goes into results[0]. A guest pointer is only ever
 * dereferenced through guest_bytes(), which checks the whole range against
 * linear memory; a bad range answers EFAULT before anything is written.
 *
 * The world offered: fds 0 (stdin, read), 1 and 2 (stdout/stderr, write);
 * no preopens, so every path_* call and every other fd is refused.
 */
#include "wasi/internal.h"

/* Stands in for zero-length ranges, which need no memory at all. */
static uint8_t empty_range[1];

static uint8_t *guest_bytes(olw_call *call, uint64_t ptr, uint64_t len)
{
    olw_memory *mem = olw_call_memory(call);
    if (!mem)
        return NULL;
    if (len == 0)
        return ptr <= olw_memory_size(mem) ? empty_range : NULL;
    return olw_memory_ptr(mem, ptr, len);
}

static wasi_ctx *ctx_of(olw_call *call) { return olw_call_env(call); }

static uint32_t u32_arg(const uint64_t *args, int i) { return (uint32_t)args[i]; }

static olw_trap_code answer(uint64_t *results, int err)
{
    results[0] = (uint32_t)err;
    return OLW_TRAP_NONE;
}

/* A standard descriptor that is still open, or NULL. */
static wasi_stdio_fd *stdio_fd(wasi_ctx *ctx, uint32_t fd)
{
    if (fd > 2 || !ctx->fds[fd].open)
        return NULL;
    return &ctx->fds[fd];
}

/* ---- args and environment --------------------------------------------- */

/* Writes a string vector the WASI way: pointers at ptrs, NUL-terminated
 * strings packed at buf. */
static int put_strings(olw_call *call, char **v, size_t n, size_t bytes, uint32_t ptrs, uint32_t buf)
{
    uint8_t *p = guest_bytes(call, ptrs, (uint64_t)n * 4);
    uint8_t *b = guest_bytes(call, buf, bytes);
    if (!p || !b)
        return WASI_EFAULT;
    uint32_t at = buf;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        wasi_store32(p + 4 * i, at);
        memcpy(b + (at - buf), v[i], len);
        at += (uint32_t)len;
    }
    return WASI_ESUCCESS;
}

static int put_sizes(olw_call *call, size_t count, size_t bytes, uint32_t count_ptr, uint32_t bytes_ptr)
{
    uint8_t *c = guest_bytes(call, count_ptr, 4);
    uint8_t *b = guest_bytes(call, bytes_ptr, 4);
    if (!c || !b)
        return WASI_EFAULT;
    wasi_store32(c, (uint32_t)count);
    wasi_store32(b, (uint32_t)bytes);
    return WASI_ESUCCESS;
}

/* Fuel for host work in proportion to what the guest asks (docs/engine.md,
 * "the cost model"), priced so that a fuel unit takes about as long as an
 * instruction: copies 1 per 64 bytes (the bulk-instruction rate), random
 * bytes 1 each (the kernel's generator runs at ~170 MB/s), poll_oneoff 4
 * per subscription. Small requests cost nothing extra. */
#define CHARGE(call, units)                                                      \
    do {                                                                         \
        olw_trap_code charge_trap_ = olw_call_charge((call), (uint64_t)(units)); \
        if (charge_trap_ != OLW_TRAP_NONE)                                       \
            return charge_trap_;                                                 \
    } while (0)
#define CHARGE_BYTES(call, n) CHARGE((call), (uint64_t)(n) / 64u)

static olw_trap_code args_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_ctx *ctx = ctx_of(call);
    CHARGE_BYTES(call, ctx->argv_bytes + (uint64_t)ctx->argc * 4);
    return answer(results,
                  put_strings(call, ctx->argv, ctx->argc, ctx->argv_bytes, u32_arg(args, 0), u32_arg(args, 1)));
}

static olw_trap_code args_sizes_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_ctx *ctx = ctx_of(call);
    return answer(results, put_sizes(call, ctx->argc, ctx->argv_bytes, u32_arg(args, 0), u32_arg(args, 1)));
}

static olw_trap_code environ_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_ctx *ctx = ctx_of(call);
    CHARGE_BYTES(call, ctx->environ_bytes + (uint64_t)ctx->environ_count * 4);
    return answer(results, put_strings(call, ctx->environ, ctx->environ_count, ctx->environ_bytes, u32_arg(args, 0),
                                       u32_arg(args, 1)));
}

static olw_trap_code environ_sizes_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_ctx *ctx = ctx_of(call);
    return answer(results, put_sizes(call, ctx->environ_count, ctx->environ_bytes, u32_arg(args, 0), u32_arg(args, 1)));
}

/* ---- clocks, random, scheduling --------------------------------------- */

static bool known_clock(uint32_t id) { return id <= WASI_CLOCK_THREAD_CPUTIME; }

static olw_trap_code clock_res_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    uint32_t id = u32_arg(args, 0);
    if (!known_clock(id))
        return answer(results, WASI_EINVAL);
    uint8_t *out = guest_bytes(call, u32_arg(args, 1), 8);
    if (!out)
        return answer(results, WASI_EFAULT);
    /* Linux reports 1 ns for all four clocks it backs these with. */
    wasi_store64(out, 1);
    return answer(results, WASI_ESUCCESS);
}

static olw_trap_code clock_time_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_ctx *ctx = ctx_of(call);
    uint32_t id = u32_arg(args, 0);
    if (!known_clock(id))
        return answer(results, WASI_EINVAL);
    uint8_t *out = guest_bytes(call, u32_arg(args, 2), 8);
    if (!out)
        return answer(results, WASI_EFAULT);
    uint64_t ns = 0;
    int err = ctx->clock(ctx->clock_env, id, &ns);
    if (err == WASI_ESUCCESS)
        wasi_store64(out, ns);
    return answer(results, err);
}

static olw_trap_code random_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_ctx *ctx = ctx_of(call);
    uint32_t len = u32_arg(args, 1);
    uint8_t *buf = guest_bytes(call, u32_arg(args, 0), len);
    if (!buf)
        return answer(results, WASI_EFAULT);
    CHARGE(call, len); /* 128 MiB of random bytes was 1 instruction */
    if (len > 0)
        ctx->random(ctx->random_env, buf, len);
    return answer(results, WASI_ESUCCESS);
}

static olw_trap_code sched_yield_(olw_call *call, const uint64_t *args, uint64_t *results)
{
    /* One guest thread per store: there is nobody to yield to. */
    return answer(results, WASI_ESUCCESS);
}

static olw_trap_code proc_exit(olw_call *call, const uint64_t *args, uint64_t *results)
{
    return olw_call_exit(call, (int32_t)u32_arg(args, 0));
}

static olw_trap_code proc_raise(olw_call *call, const uint64_t *args, uint64_t *results)
{
    return answer(results, WASI_ENOSYS);
}

/* ---- poll_oneoff ------------------------------------------------------- */

enum { SUB_SIZE = 48, EVENT_SIZE = 32, TAG_CLOCK = 0, TAG_FD_READ = 1, TAG_FD_WRITE = 2 };
#define SUBCLOCK_ABSTIME 1u

static void put_event(uint8_t *ev, uint64_t userdata, int err, uint8_t type, uint64_t nbytes)
{
    memset(ev, 0, EVENT_SIZE);
    wasi_store64(ev, userdata);
    wasi_store16(ev + 8, (uint16_t)err);
    ev[10] = type;
    wasi_store64(ev + 16, nbytes);
}

/* Monotonic deadline of a clock subscription; false if its clock is unknown. */
static bool clock_deadline(wasi_ctx *ctx, const uint8_t *sub, uint64_t mono_now, uint64_t *deadline)
{
    uint32_t id = wasi_load32(sub + 16);
    uint64_t timeout = wasi_load64(sub + 24);
    uint16_t flags = wasi_load16(sub + 40);
    uint64_t rel = timeout;
    if (flags & SUBCLOCK_ABSTIME) {
        uint64_t now = 0;
        if (!known_clock(id) || ctx->clock(ctx->clock_env, id, &now) != WASI_ESUCCESS)
            return false;
        rel = timeout > now ? timeout - now : 0;
    } else if (!known_clock(id)) {
        return false;
    }
    *deadline = rel > UINT64_MAX - mono_now ? UINT64_MAX : mono_now + rel;
    return true;
}

static olw_trap_code poll_oneoff(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_ctx *ctx = ctx_of(call);
    uint32_t nsubs = u32_arg(args, 2);
    if (nsubs == 0)
        return answer(results, WASI_EINVAL);
    const uint8_t *subs = guest_bytes(call, u32_arg(args, 0), (uint64_t)nsubs * SUB_SIZE);
    uint8_t *events = guest_bytes(call, u32_arg(args, 1), (uint64_t)nsubs * EVENT_SIZE);
    uint8_t *nevents_out = guest_bytes(call, u32_arg(args, 3), 4);
    if (!subs || !events || !nevents_out)
        return answer(results, WASI_EFAULT);
    /* every subscription is read and answered (~18 ns each) */
    CHARGE(call, (uint64_t)nsubs * 4);
    for (uint32_t i = 0; i < nsubs; i++)
        if (subs[i * SUB_SIZE + 8] > TAG_FD_WRITE)
            return answer(results, WASI_EINVAL);

    uint64_t mono_now = 0;
    if (ctx->clock(ctx->clock_env, WASI_CLOCK_MONOTONIC, &mono_now) != WASI_ESUCCESS)
        return answer(results, WASI_EIO);

    /* First pass: whatever is ready now (stdio is always ready, bad fds and
     * bad clocks fail at once, expired timeouts fire). */
    uint32_t n = 0;
    bool have_clock = false;
    uint64_t earliest = UINT64_MAX;
    for (uint32_t i = 0; i < nsubs; i++) {
        const uint8_t *sub = subs + (size_t)i * SUB_SIZE;
        uint64_t userdata = wasi_load64(sub);
        uint8_t tag = sub[8];
        uint8_t *ev = events + (size_t)n * EVENT_SIZE;
        if (tag == TAG_CLOCK) {
            uint64_t deadline;
            if (!clock_deadline(ctx, sub, mono_now, &deadline)) {
                put_event(ev, userdata, WASI_EINVAL, tag, 0);
                n++;
            } else if (deadline <= mono_now) {
                put_event(ev, userdata, WASI_ESUCCESS, tag, 0);
                n++;
            } else {
                have_clock = true;
                if (deadline < earliest)
                    earliest = deadline;
            }
            continue;
        }
        uint32_t fd = wasi_load32(sub + 16);
        wasi_stdio_fd *f = stdio_fd(ctx, fd);
        if (tag == TAG_FD_READ && f && fd == 0)
            put_event(ev, userdata, WASI_ESUCCESS, tag, ctx->stdin_len - ctx->stdin_pos);
        else if (tag == TAG_FD_WRITE && f && fd != 0)
            put_event(ev, userdata, WASI_ESUCCESS, tag,
                      fd == 1 ? ctx->out.cap - ctx->out.len : ctx->err.cap - ctx->err.len);
        else
            put_event(ev, userdata, WASI_EBADF, tag, 0);
        n++;
    }

    if (n == 0 && have_clock) {
        /* Only timeouts, none expired: sleep until the first one. The
         * watchdog's wasi_ctx_cancel cuts the sleep short. */
        if (!wasi_ctx_sleep_until(ctx, earliest))
            return olw_call_trap(call, OLW_TRAP_INTERRUPTED, "interrupted while sleeping in poll_oneoff");
        uint64_t after = earliest;
        uint64_t now = 0;
        if (ctx->clock(ctx->clock_env, WASI_CLOCK_MONOTONIC, &now) == WASI_ESUCCESS && now > after)
            after = now;
        for (uint32_t i = 0; i < nsubs; i++) {
            const uint8_t *sub = subs + (size_t)i * SUB_SIZE;
            uint64_t deadline;
            if (sub[8] == TAG_CLOCK && clock_deadline(ctx, sub, mono_now, &deadline) && deadline <= after)
                put_event(events + (size_t)n++ * EVENT_SIZE, wasi_load64(sub), WASI_ESUCCESS, TAG_CLOCK, 0);
        }
    }
    wasi_store32(nevents_out, n);
    return answer(results, WASI_ESUCCESS);
}

/* ---- descriptors -------------------------------------------------------- */

/* Checks an iovec array and resolves every buffer before any byte moves,
 * so a bad entry fails the call without partial effects. */
typedef struct iov_span {
    uint8_t *data;
    uint32_t len;
} iov_span;

static int resolve_iovs(olw_call *call, uint32_t iovs, uint32_t count, iov_span *spans, uint32_t max_spans,
                        uint32_t *used)
{
    const uint8_t *arr = guest_bytes(call, iovs, (uint64_t)count * 8);
    if (!arr)
        return WASI_EFAULT;
    *used = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t ptr = wasi_load32(arr + 8 * i), len = wasi_load32(arr + 8 * i + 4);
        uint8_t *data = guest_bytes(call, ptr, len);
        if (!data)
            return WASI_EFAULT;
        if (len == 0)
            continue;
        if (*used == max_spans)
            return WASI_EINVAL; /* IOV_MAX, as POSIX readv/writev */
        spans[(*used)++] = (iov_span){data, len};
    }
    return WASI_ESUCCESS;
}

enum { WASI_IOV_MAX = 1024 };

static olw_trap_code fd_read(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_ctx *ctx = ctx_of(call);
    uint32_t fd = u32_arg(args, 0);
    wasi_stdio_fd *f = stdio_fd(ctx, fd);
    if (!f || fd != 0)
        return answer(results, WASI_EBADF);
    if (!(f->rights & WASI_RIGHT_FD_READ))
        return answer(results, WASI_ENOTCAPABLE);
    uint8_t *nread = guest_bytes(call, u32_arg(args, 3), 4);
    if (!nread)
        return answer(results, WASI_EFAULT);
    iov_span spans[WASI_IOV_MAX];
    uint32_t nspans;
    int err = resolve_iovs(call, u32_arg(args, 1), u32_arg(args, 2), spans, WASI_IOV_MAX, &nspans);
    if (err)
        return answer(results, err);
    size_t total = 0;
    for (uint32_t i = 0; i < nspans && ctx->stdin_pos < ctx->stdin_len; i++) {
        size_t left = ctx->stdin_len - ctx->stdin_pos;
        size_t take = spans[i].len < left ? spans[i].len : left;
        memcpy(spans[i].data, ctx->stdin_data + ctx->stdin_pos, take);
        ctx->stdin_pos += take;
        total += take;
    }
    wasi_store32(nread, (uint32_t)total);
    return answer(results, WASI_ESUCCESS);
}

static olw_trap_code fd_write(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_ctx *ctx = ctx_of(call);
    uint32_t fd = u32_arg(args, 0);
    wasi_stdio_fd *f = stdio_fd(ctx, fd);
    if (!f || fd == 0)
        return answer(results, WASI_EBADF);
    if (!(f->rights & WASI_RIGHT_FD_WRITE))
        return answer(results, WASI_ENOTCAPABLE);
    uint8_t *nwritten = guest_bytes(call, u32_arg(args, 3), 4);
    if (!nwritten)
        return answer(results, WASI_EFAULT);
    iov_span spans[WASI_IOV_MAX];
    uint32_t nspans;
    int err = resolve_iovs(call, u32_arg(args, 1), u32_arg(args, 2), spans, WASI_IOV_MAX, &nspans);
    if (err)
        return answer(results, err);
    wasi_output *o = fd == 1 ? &ctx->out : &ctx->err;
    uint64_t total = 0;
    for (uint32_t i = 0; i < nspans; i++) {
        if (!wasi_output_write(ctx, o, spans[i].data, spans[i].len, fd == 2)) {
            if (o->overflowed)
                return olw_call_trap(call, OLW_TRAP_HOST,
                                     "output limit exceeded: the program wrote more than %zu bytes to stdout", o->cap);
            return olw_call_trap(call, OLW_TRAP_HOST, "out of host memory while capturing output");
        }
        total += spans[i].len;
    }
    /* A single write's total fits in u32 in practice; clamp to be safe. */
    wasi_store32(nwritten, total > UINT32_MAX ? UINT32_MAX : (uint32_t)total);
    return answer(results, WASI_ESUCCESS);
}

static olw_trap_code fd_fdstat_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_stdio_fd *f = stdio_fd(ctx_of(call), u32_arg(args, 0));
    if (!f)
        return answer(results, WASI_EBADF);
    uint8_t *st = guest_bytes(call, u32_arg(args, 1), 24);
    if (!st)
        return answer(results, WASI_EFAULT);
    memset(st, 0, 24);
    st[0] = 0; /* filetype unknown: in-memory pipes, not a terminal (so libc buffers fully) */
    wasi_store64(st + 8, f->rights);
    wasi_store64(st + 16, 0);
    return answer(results, WASI_ESUCCESS);
}

static olw_trap_code fd_fdstat_set_flags(olw_call *call, const uint64_t *args, uint64_t *results)
{
    if (!stdio_fd(ctx_of(call), u32_arg(args, 0)))
        return answer(results, WASI_EBADF);
    /* Keeping flags as they are (none) is fine; append/nonblock/sync cannot change. */
    return answer(results, (args[1] & 0xffff) == 0 ? WASI_ESUCCESS : WASI_ENOTCAPABLE);
}

static olw_trap_code fd_fdstat_set_rights(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_stdio_fd *f = stdio_fd(ctx_of(call), u32_arg(args, 0));
    if (!f)
        return answer(results, WASI_EBADF);
    uint64_t base = args[1];
    if (base & ~f->rights)
        return answer(results, WASI_ENOTCAPABLE); /* rights only shrink */
    f->rights = base;
    return answer(results, WASI_ESUCCESS);
}

static olw_trap_code fd_filestat_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    if (!stdio_fd(ctx_of(call), u32_arg(args, 0)))
        return answer(results, WASI_EBADF);
    uint8_t *st = guest_bytes(call, u32_arg(args, 1), 64);
    if (!st)
        return answer(results, WASI_EFAULT);
    memset(st, 0, 64); /* no device, inode, size or times: a pipe of unknown type */
    return answer(results, WASI_ESUCCESS);
}

static olw_trap_code fd_close(olw_call *call, const uint64_t *args, uint64_t *results)
{
    wasi_stdio_fd *f = stdio_fd(ctx_of(call), u32_arg(args, 0));
    if (!f)
        return answer(results, WASI_EBADF);
    f->open = false;
    return answer(results, WASI_ESUCCESS);
}

static olw_trap_code fd_prestat_get(olw_call *call, const uint64_t *args, uint64_t *results)
{
    /* No preopened directories: libc's scan from fd 3 stops at EBADF. */
    return answer(results, WASI_EBADF);
}

static olw_trap_code fd_prestat_dir_name(olw_call *call, const uint64_t *args, uint64_t *results)
{
    return answer(results, WASI_EBADF);
}

/* stdio fds are pipes: positions do not exist. */
static olw_trap_code fd_not_seekable(olw_call *call, const uint64_t *args, uint64_t *results)
{
    return answer(results, stdio_fd(ctx_of(call), u32_arg(args, 0)) ? WASI_ESPIPE : WASI_EBADF);
}

/* Operations needing a right stdio never has (sync, advise, allocate, set size/times, renumber). */
static olw_trap_code fd_not_capable(olw_call *call, const uint64_t *args, uint64_t *results)
{
    return answer(results, stdio_fd(ctx_of(call), u32_arg(args, 0)) ? WASI_ENOTCAPABLE : WASI_EBADF);
}

/* Directory operations: stdio fds are not directories, and no other fd exists. */
static olw_trap_code dir_op(olw_call *call, uint32_t fd, uint64_t *results)
{
    return answer(results, stdio_fd(ctx_of(call), fd) ? WASI_ENOTDIR : WASI_EBADF);
}

static olw_trap_code dir_op_fd0(olw_call *call, const uint64_t *args, uint64_t *results)
{
    return dir_op(call, u32_arg(args, 0), results);
}

static olw_trap_code path_symlink(olw_call *call, const uint64_t *args, uint64_t *results)
{
    return dir_op(call, u32_arg(args, 2), results); /* (old_path, old_len, fd, new_path, new_len) */
}

static olw_trap_code sock_op(olw_call *call, const uint64_t *args, uint64_t *results)
{
    return answer(results, stdio_fd(ctx_of(call), u32_arg(args, 0)) ? WASI_ENOTSOCK : WASI_EBADF);
}

/* ---- the table ---------------------------------------------------------- */

typedef struct wasi_function {
    const char *name;
    const char *sig;
    olw_host_callback cb;
} wasi_function;

static const wasi_function functions[] = {
    {"args_get", "ii>i", args_get},
    {"args_sizes_get", "ii>i", args_sizes_get},
    {"environ_get", "ii>i", environ_get},
    {"environ_sizes_get", "ii>i", environ_sizes_get},
    {"clock_res_get", "ii>i", clock_res_get},
    {"clock_time_get", "iIi>i", clock_time_get},
    {"fd_advise", "iIIi>i", fd_not_capable},
    {"fd_allocate", "iII>i", fd_not_capable},
    {"fd_close", "i>i", fd_close},
    {"fd_datasync", "i>i", fd_not_capable},
    {"fd_fdstat_get", "ii>i", fd_fdstat_get},
    {"fd_fdstat_set_flags", "ii>i", fd_fdstat_set_flags},
    {"fd_fdstat_set_rights", "iII>i", fd_fdstat_set_rights},
    {"fd_filestat_get", "ii>i", fd_filestat_get},
    {"fd_filestat_set_size", "iI>i", fd_not_capable},
    {"fd_filestat_set_times", "iIIi>i", fd_not_capable},
    {"fd_pread", "iiiIi>i", fd_not_seekable},
    {"fd_prestat_get", "ii>i", fd_prestat_get},
    {"fd_prestat_dir_name", "iii>i", fd_prestat_dir_name},
    {"fd_pwrite", "iiiIi>i", fd_not_seekable},
    {"fd_read", "iiii>i", fd_read},
    {"fd_readdir", "iiiIi>i", dir_op_fd0},
    {"fd_renumber", "ii>i", fd_not_capable},
    {"fd_seek", "iIii>i", fd_not_seekable},
    {"fd_sync", "i>i", fd_not_capable},
    {"fd_tell", "ii>i", fd_not_seekable},
    {"fd_write", "iiii>i", fd_write},
    {"path_create_directory", "iii>i", dir_op_fd0},
    {"path_filestat_get", "iiiii>i", dir_op_fd0},
    {"path_filestat_set_times", "iiiiIIi>i", dir_op_fd0},
    {"path_link", "iiiiiii>i", dir_op_fd0},
    {"path_open", "iiiiiIIii>i", dir_op_fd0},
    {"path_readlink", "iiiiii>i", dir_op_fd0},
    {"path_remove_directory", "iii>i", dir_op_fd0},
    {"path_rename", "iiiiii>i", dir_op_fd0},
    {"path_symlink", "iiiii>i", path_symlink},
    {"path_unlink_file", "iii>i", dir_op_fd0},
    {"poll_oneoff", "iiii>i", poll_oneoff},
    {"proc_exit", "i>", proc_exit},
    {"proc_raise", "i>i", proc_raise},
    {"sched_yield", ">i", sched_yield_},
    {"random_get", "ii>i", random_get},
    {"sock_accept", "iii>i", sock_op},
    {"sock_recv", "iiiiii>i", sock_op},
    {"sock_send", "iiiii>i", sock_op},
    {"sock_shutdown", "ii>i", sock_op},
};

enum { FUNCTION_COUNT = sizeof functions / sizeof functions[0] };

size_t wasi_function_count(void) { return FUNCTION_COUNT; }
const char *wasi_function_name(size_t i) { return i < FUNCTION_COUNT ? functions[i].name : NULL; }
const char *wasi_function_sig(size_t i) { return i < FUNCTION_COUNT ? functions[i].sig : NULL; }

bool wasi_define(olw_linker *linker, wasi_ctx *ctx)
{
    for (size_t i = 0; i < FUNCTION_COUNT; i++)
        if (!olw_linker_define_host(linker, WASI_MODULE, functions[i].name, functions[i].sig, functions[i].cb, ctx))
            return false;
    return true;
}
