/*
 * imports_all.c — imports every WASI preview-1 function wasi-libc declares
 * (<wasi/api.h>), with the signatures wasi-libc gives them. If any of our
 * definitions had a different signature, instantiation would fail with an
 * unlinkable import; test_wasi_runner checks that it runs. (proc_raise is
 * in the preview-1 snapshot but no longer in wasi-libc's header.)
 */
#include <stdint.h>
#include <wasi/api.h>

volatile uintptr_t sink;

int main(void)
{
    sink += (uintptr_t)&__wasi_args_get;
    sink += (uintptr_t)&__wasi_args_sizes_get;
    sink += (uintptr_t)&__wasi_clock_res_get;
    sink += (uintptr_t)&__wasi_clock_time_get;
    sink += (uintptr_t)&__wasi_environ_get;
    sink += (uintptr_t)&__wasi_environ_sizes_get;
    sink += (uintptr_t)&__wasi_fd_advise;
    sink += (uintptr_t)&__wasi_fd_allocate;
    sink += (uintptr_t)&__wasi_fd_close;
    sink += (uintptr_t)&__wasi_fd_datasync;
    sink += (uintptr_t)&__wasi_fd_fdstat_get;
    sink += (uintptr_t)&__wasi_fd_fdstat_set_flags;
    sink += (uintptr_t)&__wasi_fd_fdstat_set_rights;
    sink += (uintptr_t)&__wasi_fd_filestat_get;
    sink += (uintptr_t)&__wasi_fd_filestat_set_size;
    sink += (uintptr_t)&__wasi_fd_filestat_set_times;
    sink += (uintptr_t)&__wasi_fd_pread;
    sink += (uintptr_t)&__wasi_fd_prestat_dir_name;
    sink += (uintptr_t)&__wasi_fd_prestat_get;
    sink += (uintptr_t)&__wasi_fd_pwrite;
    sink += (uintptr_t)&__wasi_fd_read;
    sink += (uintptr_t)&__wasi_fd_readdir;
    sink += (uintptr_t)&__wasi_fd_renumber;
    sink += (uintptr_t)&__wasi_fd_seek;
    sink += (uintptr_t)&__wasi_fd_sync;
    sink += (uintptr_t)&__wasi_fd_tell;
    sink += (uintptr_t)&__wasi_fd_write;
    sink += (uintptr_t)&__wasi_path_create_directory;
    sink += (uintptr_t)&__wasi_path_filestat_get;
    sink += (uintptr_t)&__wasi_path_filestat_set_times;
    sink += (uintptr_t)&__wasi_path_link;
    sink += (uintptr_t)&__wasi_path_open;
    sink += (uintptr_t)&__wasi_path_readlink;
    sink += (uintptr_t)&__wasi_path_remove_directory;
    sink += (uintptr_t)&__wasi_path_rename;
    sink += (uintptr_t)&__wasi_path_symlink;
    sink += (uintptr_t)&__wasi_path_unlink_file;
    sink += (uintptr_t)&__wasi_poll_oneoff;
    sink += (uintptr_t)&__wasi_proc_exit;
    sink += (uintptr_t)&__wasi_random_get;
    sink += (uintptr_t)&__wasi_sched_yield;
    sink += (uintptr_t)&__wasi_sock_accept;
    sink += (uintptr_t)&__wasi_sock_recv;
    sink += (uintptr_t)&__wasi_sock_send;
    sink += (uintptr_t)&__wasi_sock_shutdown;
    return 0;
}
