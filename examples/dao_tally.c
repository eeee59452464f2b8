/*
 * dao_tally — a private-DAO-style vote tally whose key nobody has seen.
 *
 * The DAO's master key is a PROTECTED_* secret: generated inside the
 * keystore (`outlayer secrets put --generate PROTECTED_DAO_KEY:hex32`), so
 * not even the DAO's owner knows it; only jobs of this program receive it,
 * as the environment variable PROTECTED_DAO_KEY (64 hex digits). From it the
 * program derives one X25519 key pair per voter; voters seal their vote to
 * their public key, and only the tally can open the ballots. The chain sees
 * sealed ballots and the totals, never who voted what.
 *
 * Input (JSON), by "action":
 *   {"action":"voter_key","dao":"dao.near","voter":"alice.near"}
 *       -> {"dao":"dao.near","voter":"alice.near","pubkey":"<64 hex>"}     (needs the key)
 *   {"action":"seal","pubkey":"<64 hex>","vote":"yes"}
 *       -> {"ballot":"<hex>"}   (no key needed: run it on your own machine with `outlayer run`)
 *   {"action":"tally","dao":"dao.near","proposal":"p1","quorum":2,
 *    "ballots":[{"voter":"alice.near","ballot":"<hex>"}, ...]}
 *       -> {"dao","proposal","yes","no","voters","ignored","quorum","quorum_met","ballots_root"}
 *
 * Tally rules: a ballot counts only if it opens with the key of the voter it
 * names (a ballot copied to another voter's name does not) and holds "yes" or
 * "no"; anything else ("abstain", noise sent to hide when one votes) is
 * counted in "ignored". A voter's last counting ballot in the list wins.
 * Below the quorum (voters counted) "yes" and "no" are null. "ballots_root"
 * is the SHA-256 of every "voter\nballot\n" in order: what was tallied.
 *
 * Ballot: hex of E || c || t, with E = X25519(e, 9) for a fresh random e,
 * S = X25519(e, voter_pub), k = HMAC-SHA256(S, "outlayer-dao-ballot" || E || voter_pub),
 * c = vote XOR HMAC(k, "enc") (at most 16 bytes), t = HMAC(k, "tag" || c)[0..16].
 * Voter key: sk = HMAC-SHA256(master, "outlayer-dao-vote-key:" || dao || ":" || voter).
 *
 *   build:  clang-19 --target=wasm32-wasi -O2 dao_tally.c -o dao_tally.wasm
 *   run:    outlayer run dao_tally.wasm --env PROTECTED_DAO_KEY=$(openssl rand -hex 32) --input - \
 *             <<< '{"action":"voter_key","dao":"dao.near","voter":"alice.near"}'
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "include/ol_json.h"
#include "include/ol_sha256.h"
#include "include/ol_x25519.h"

#define MAX_VOTE 16
#define MAX_BALLOTS 10000
#define ID_MAX 256

static int fail(int code, const char *msg, const char *detail)
{
    fprintf(stderr, "dao_tally: %s%s\n", msg, detail ? detail : "");
    return code;
}

/* The master key from PROTECTED_DAO_KEY (16 to 64 bytes of hex). */
static int master_key(uint8_t *key, size_t *len)
{
    const char *hex = getenv("PROTECTED_DAO_KEY");
    if (!hex)
        return -1;
    size_t n = strlen(hex);
    if (n % 2 || n < 32 || n > 128 || ol_unhex(hex, n, key, n / 2))
        return -2;
    *len = n / 2;
    return 0;
}

static void voter_secret(const uint8_t *master, size_t mlen, const char *dao, const char *voter, uint8_t sk[32])
{
    static const char label[] = "outlayer-dao-vote-key:";
    size_t dlen = strlen(dao), vlen = strlen(voter);
    char *msg = malloc(dlen + vlen + 2);
    if (!msg) { /* no memory: a key that opens nothing (every ballot is ignored) */
        memset(sk, 0, 32);
        return;
    }
    memcpy(msg, dao, dlen);
    msg[dlen] = ':';
    memcpy(msg + dlen + 1, voter, vlen + 1);
    ol_hmac_sha256(master, mlen, label, sizeof label - 1, msg, dlen + 1 + vlen, NULL, 0, sk);
    free(msg);
}

/* The ballot key from the shared secret and both public keys. */
static void ballot_key(const uint8_t shared[32], const uint8_t eph[32], const uint8_t pub[32], uint8_t k[32])
{
    static const char label[] = "outlayer-dao-ballot";
    ol_hmac_sha256(shared, 32, label, sizeof label - 1, eph, 32, pub, 32, k);
}

static void stream_and_tag(const uint8_t k[32], const uint8_t *c, size_t n, uint8_t stream[32], uint8_t tag[32])
{
    ol_hmac_sha256(k, 32, "enc", 3, NULL, 0, NULL, 0, stream);
    ol_hmac_sha256(k, 32, "tag", 3, c, n, NULL, 0, tag);
}

/* Opens a ballot for the voter's key pair: the vote's length, or -1. */
static int open_ballot(const char *hex, const uint8_t sk[32], const uint8_t pub[32], char vote[MAX_VOTE + 1])
{
    size_t hlen = strlen(hex);
    uint8_t raw[32 + MAX_VOTE + 16];
    if (hlen % 2 || hlen / 2 < 48 || hlen / 2 > sizeof raw || ol_unhex(hex, hlen, raw, hlen / 2))
        return -1;
    size_t n = hlen / 2 - 48;
    uint8_t shared[32], k[32], stream[32], tag[32];
    ol_x25519(shared, sk, raw);
    ballot_key(shared, raw, pub, k);
    stream_and_tag(k, raw + 32, n, stream, tag);
    uint8_t diff = 0;
    for (int i = 0; i < 16; i++)
        diff |= tag[i] ^ raw[32 + n + i];
    if (diff)
        return -1;
    for (size_t i = 0; i < n; i++)
        vote[i] = (char)(raw[32 + i] ^ stream[i]);
    vote[n] = 0;
    return (int)n;
}

static int do_voter_key(const char *in, const uint8_t *master, size_t mlen)
{
    char dao[ID_MAX], voter[ID_MAX];
    if (oj_string(oj_get(in, "dao"), dao, sizeof dao) <= 0 || oj_string(oj_get(in, "voter"), voter, sizeof voter) <= 0)
        return fail(2, "voter_key needs \"dao\" and \"voter\" (non-empty strings)", NULL);
    uint8_t sk[32], pub[32];
    char hex[65];
    voter_secret(master, mlen, dao, voter, sk);
    ol_x25519_base(pub, sk);
    ol_hex(pub, 32, hex);
    printf("{\"dao\":");
    oj_print_string(stdout, dao);
    printf(",\"voter\":");
    oj_print_string(stdout, voter);
    printf(",\"pubkey\":\"%s\"}\n", hex);
    return 0;
}

static int do_seal(const char *in)
{
    char pk_hex[80], vote[64];
    uint8_t pub[32], e[32], eph[32], shared[32], k[32], stream[32], tag[32], c[MAX_VOTE];
    if (oj_string(oj_get(in, "pubkey"), pk_hex, sizeof pk_hex) < 0 || ol_unhex(pk_hex, strlen(pk_hex), pub, 32))
        return fail(2, "seal needs \"pubkey\": 64 hex digits (from voter_key)", NULL);
    int n = oj_string(oj_get(in, "vote"), vote, sizeof vote);
    if (n < 0 || n > MAX_VOTE)
        return fail(2, "seal needs \"vote\": a string of at most 16 bytes", NULL);
    if (getentropy(e, sizeof e))
        return fail(1, "no randomness", NULL);
    ol_x25519_base(eph, e);
    ol_x25519(shared, e, pub);
    ballot_key(shared, eph, pub, k);
    ol_hmac_sha256(k, 32, "enc", 3, NULL, 0, NULL, 0, stream);
    for (int i = 0; i < n; i++)
        c[i] = (uint8_t)vote[i] ^ stream[i];
    stream_and_tag(k, c, (size_t)n, stream, tag);
    char hex[2 * (32 + MAX_VOTE + 16) + 1];
    ol_hex(eph, 32, hex);
    ol_hex(c, (size_t)n, hex + 64);
    ol_hex(tag, 16, hex + 64 + 2 * n);
    printf("{\"ballot\":\"%s\"}\n", hex);
    return 0;
}

typedef struct counted {
    char voter[ID_MAX];
    int yes; /* 1 yes, 0 no */
} counted;

static int do_tally(const char *in, const uint8_t *master, size_t mlen)
{
    char dao[ID_MAX], proposal[ID_MAX];
    uint64_t quorum = 1;
    if (oj_string(oj_get(in, "dao"), dao, sizeof dao) <= 0 ||
        oj_string(oj_get(in, "proposal"), proposal, sizeof proposal) < 0)
        return fail(2, "tally needs \"dao\" and \"proposal\" (strings)", NULL);
    const char *q = oj_get(in, "quorum");
    if (q && oj_u64(q, &quorum))
        return fail(2, "\"quorum\" must be a whole number", NULL);
    const char *list = oj_get(in, "ballots");
    if (!list || *oj_ws(list) != '[')
        return fail(2, "tally needs \"ballots\": [{\"voter\",\"ballot\"}, ...]", NULL);
    counted *votes = calloc(MAX_BALLOTS, sizeof *votes);
    if (!votes)
        return fail(1, "out of memory", NULL);
    int rc = 0;
    size_t nvoters = 0, ignored = 0, total = 0;
    ol_sha256_ctx root;
    ol_sha256_init(&root);
    for (const char *b = oj_first(list); b; b = oj_next(b)) {
        char voter[ID_MAX], ballot[2 * (32 + MAX_VOTE + 16) + 2], vote[MAX_VOTE + 1];
        if (++total > MAX_BALLOTS) {
            rc = fail(2, "too many ballots (at most 10000)", NULL);
            break;
        }
        if (oj_string(oj_get(b, "voter"), voter, sizeof voter) <= 0) {
            rc = fail(2, "a ballot without \"voter\"", NULL);
            break;
        }
        int blen = oj_string(oj_get(b, "ballot"), ballot, sizeof ballot);
        if (blen < 0)
            ballot[0] = 0, blen = 0; /* too long or not a string: it cannot open */
        ol_sha256_update(&root, voter, strlen(voter));
        ol_sha256_update(&root, "\n", 1);
        ol_sha256_update(&root, ballot, (size_t)blen);
        ol_sha256_update(&root, "\n", 1);
        uint8_t sk[32], pub[32];
        voter_secret(master, mlen, dao, voter, sk);
        ol_x25519_base(pub, sk);
        int n = open_ballot(ballot, sk, pub, vote);
        int yes = n == 3 && memcmp(vote, "yes", 3) == 0, no = n == 2 && memcmp(vote, "no", 2) == 0;
        if (!yes && !no) {
            ignored++;
            continue;
        }
        size_t i = 0;
        while (i < nvoters && strcmp(votes[i].voter, voter) != 0)
            i++;
        if (i == nvoters)
            snprintf(votes[nvoters++].voter, ID_MAX, "%s", voter);
        votes[i].yes = yes;
    }
    if (rc) {
        free(votes);
        return rc;
    }
    size_t nyes = 0;
    for (size_t i = 0; i < nvoters; i++)
        nyes += (size_t)votes[i].yes;
    uint8_t digest[32];
    char hex[65];
    ol_sha256_final(&root, digest);
    ol_hex(digest, 32, hex);
    int met = nvoters >= quorum;
    printf("{\"dao\":");
    oj_print_string(stdout, dao);
    printf(",\"proposal\":");
    oj_print_string(stdout, proposal);
    if (met)
        printf(",\"yes\":%zu,\"no\":%zu", nyes, nvoters - nyes);
    else
        printf(",\"yes\":null,\"no\":null");
    printf(",\"voters\":%zu,\"ignored\":%zu,\"quorum\":%llu,\"quorum_met\":%s,\"ballots_root\":\"%s\"}\n", nvoters,
           ignored, (unsigned long long)quorum, met ? "true" : "false", hex);
    free(votes);
    return 0;
}

static int run(const char *in);

int main(void)
{
    char *in = ol_read_stdin(NULL);
    if (!in)
        return fail(1, "out of memory", NULL);
    int rc = run(in);
    free(in);
    return rc;
}

static int run(const char *in)
{
    if (!oj_valid(in) || *oj_ws(in) != '{')
        return fail(2, "the input must be a JSON object with an \"action\"", NULL);
    char action[32];
    if (oj_string(oj_get(in, "action"), action, sizeof action) < 0)
        return fail(2, "\"action\" must be voter_key, seal or tally", NULL);
    if (strcmp(action, "seal") == 0)
        return do_seal(in);
    if (strcmp(action, "voter_key") != 0 && strcmp(action, "tally") != 0)
        return fail(2, "unknown action: ", action);
    uint8_t master[64];
    size_t mlen = 0;
    int m = master_key(master, &mlen);
    if (m == -1)
        return fail(1, "PROTECTED_DAO_KEY is not set (store it with a secrets profile; see examples/dao_tally.md)",
                    NULL);
    if (m)
        return fail(1, "PROTECTED_DAO_KEY is not 32 to 128 hex digits", NULL);
    return strcmp(action, "voter_key") == 0 ? do_voter_key(in, master, mlen) : do_tally(in, master, mlen);
}
