/*
 * cli.h — what the `outlayer` subcommands share.
 *
 * Each subcommand lives in its own file (cmd_<name>.c) and is one entry in
 * the table in main.c: a name, a one-line summary, a run function and a
 * help printer. Adding a subcommand = one new file + one table row.
 */
#ifndef OUTLAYER_CLI_H
#define OUTLAYER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OUTLAYER_VERSION "0.1.0"

/* Process exit codes of `outlayer`, shared by all subcommands. A program run
 * by `outlayer run` exits with its own code (0-255); ours are picked from
 * the ranges programs rarely use (sysexits.h and timeout(1)), and the report
 * always says which one it was. */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_USAGE = 64,      /* bad command line (EX_USAGE) */
    CLI_EXIT_BAD_MODULE = 65, /* not a valid module, or not a runnable WASI command (EX_DATAERR) */
    CLI_EXIT_NO_INPUT = 66,   /* a file could not be read (EX_NOINPUT) */
    CLI_EXIT_INTERNAL = 70,   /* host out of memory, thread creation failed (EX_SOFTWARE) */
    CLI_EXIT_FUEL = 121,      /* trap: out of fuel (instruction limit) */
    CLI_EXIT_MEMORY = 122,    /* trap: memory limit exceeded */
    CLI_EXIT_OUTPUT = 123,    /* trap: stdout limit exceeded */
    CLI_EXIT_TIMEOUT = 124,   /* trap: wall-clock timeout (as timeout(1)) */
    CLI_EXIT_TRAP = 125,      /* any other trap (unreachable, out of bounds, stack exhausted, ...) */
};

typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand's name */
    void (*help)(FILE *out);
} cli_command;

/* Subcommands. */
int cmd_run(int argc, char **argv);
void cmd_run_help(FILE *out);
int cmd_secrets(int argc, char **argv);
void cmd_secrets_help(FILE *out);
int cmd_dev(int argc, char **argv);
void cmd_dev_help(FILE *out);
int cmd_request(int argc, char **argv);
void cmd_request_help(FILE *out);
int cmd_build(int argc, char **argv);
void cmd_build_help(FILE *out);
int cmd_verify(int argc, char **argv);
void cmd_verify_help(FILE *out);
/* cmd_build.c: REPO@COMMIT split at the last '@'. 0, or -1 when malformed. */
int cli_split_repo_commit(const char *arg, char *repo, size_t rcap, char *commit, size_t ccap);
int cmd_tee(int argc, char **argv);
void cmd_tee_help(FILE *out);
int cmd_verify_vrf(int argc, char **argv);
void cmd_verify_vrf_help(FILE *out);

/* Prints "outlayer: <message>\n" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file ("-" = stdin) into a malloc'd buffer (NUL-terminated,
 * the terminator not counted). NULL with errno set on failure. */
uint8_t *cli_read_file(const char *path, size_t *len);

/* Parses a decimal unsigned integer (digits only, optional '_' separators)
 * within [min, max]. */
bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
