/*
 * main.c — `outlayer`: the user's command line. Dispatches to subcommands.
 */
#include <string.h>

#include "cli/cli.h"

static const cli_command commands[] = {
    {"run", "run a WASI program locally with the limits of an OutLayer worker", cmd_run, cmd_run_help},
    {"secrets", "seal secrets for the keystore; store, list and delete them on the contract", cmd_secrets,
     cmd_secrets_help},
    {"dev", "run the whole OutLayer network on this machine (devnet, keystore, coordinator, workers)", cmd_dev,
     cmd_dev_help},
    {"request", "ask the OutLayer contract to run a program and print the result", cmd_request, cmd_request_help},
    {"build", "build a git commit exactly as a worker does and print the WASM's SHA-256", cmd_build, cmd_build_help},
    {"verify", "re-run a finished request and check the worker's result field by field", cmd_verify, cmd_verify_help},
    {"verify-vrf", "check a VRF proof (RFC 9381 ECVRF-EDWARDS25519-SHA512-TAI) and print its output", cmd_verify_vrf,
     cmd_verify_vrf_help},
    {"tee", "simulated TEE quotes, DCAP quote verification off chain, worker registration", cmd_tee, cmd_tee_help},
};

enum { COMMAND_COUNT = sizeof commands / sizeof commands[0] };

static const cli_command *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out,
            "outlayer %s — verifiable off-chain computation for NEAR, on your machine\n"
            "\n"
            "usage: outlayer <command> [options]\n"
            "       outlayer help <command>\n"
            "       outlayer --version\n"
            "\n"
            "commands:\n",
            OUTLAYER_VERSION);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "exit codes of outlayer itself:\n"
            "  %d  usage error      %d  invalid module / not a WASI command\n"
            "  %d  unreadable file  %d  internal error\n"
            "`outlayer run` also passes on the program's exit code and uses %d-%d for traps;\n"
            "see `outlayer help run`.\n",
            CLI_EXIT_USAGE, CLI_EXIT_BAD_MODULE, CLI_EXIT_NO_INPUT, CLI_EXIT_INTERNAL, CLI_EXIT_FUEL, CLI_EXIT_TRAP);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    const char *first = argv[1];
    if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(first, "--version") == 0 || strcmp(first, "-V") == 0 || strcmp(first, "version") == 0) {
        printf("outlayer %s\n", OUTLAYER_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(first, "help") == 0) {
        if (argc < 3) {
            usage(stdout);
            return CLI_EXIT_OK;
        }
        const cli_command *c = find_command(argv[2]);
        if (!c) {
            cli_error("unknown command '%s' (see `outlayer --help`)", argv[2]);
            return CLI_EXIT_USAGE;
        }
        c->help(stdout);
        return CLI_EXIT_OK;
    }
    const cli_command *c = find_command(first);
    if (!c) {
        cli_error("unknown command '%s' (see `outlayer --help`)", first);
        return CLI_EXIT_USAGE;
    }
    return c->run(argc - 1, argv + 1);
}
