/*
 * genesis.c — the state a fresh devnet starts from.
 *
 * Two root accounts, `near` and `test.near`, each with one fresh full-access
 * ed25519 key whose secret is written as a near-cli credential file
 * (<home>/credentials/localnet/<account>.json) so that any NEAR client can
 * sign for them. Both act as registrars: they may create top-level names.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "devnet/devnet.h"
#include "near/credentials.h"

#define NEAR_BALANCE ((near_u128)1000000000u * 1000000000000000000ull * 1000000ull) /* 1e9 NEAR */
#define TEST_BALANCE ((near_u128)1000000u * 1000000000000000000ull * 1000000ull)    /* 1e6 NEAR */

static int genesis_account(devnet_state *st, const char *home, const char *id, near_u128 balance, char *err,
                           size_t errlen)
{
    near_credentials cred;
    memset(&cred, 0, sizeof cred);
    snprintf(cred.account_id, sizeof cred.account_id, "%s", id);
    if (near_keypair_generate(&cred.keypair)) {
        snprintf(err, errlen, "cannot generate a key for %s", id);
        return -1;
    }
    near_access_key ak = {.nonce = 0, .full_access = 1};
    devnet_account a = {.amount = balance,
                        .storage_usage =
                            DEVNET_ACCOUNT_BYTES + devnet_key_storage_bytes(&cred.keypair.public_key, &ak)};
    if (devnet_account_put(st, id, &a) || devnet_key_put(st, id, &cred.keypair.public_key, &ak)) {
        snprintf(err, errlen, "cannot store genesis account %s", id);
        near_keypair_wipe(&cred.keypair);
        return -1;
    }
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/credentials", home);
    int rc = near_credentials_write(dir, DEVNET_CHAIN_ID, &cred, err, errlen);
    near_keypair_wipe(&cred.keypair);
    return rc;
}

devnet_status devnet_genesis(devnet_state *st, const char *home, uint64_t timestamp_ns, char *err, size_t errlen)
{
    if (devnet_exec(st, "BEGIN")) {
        snprintf(err, errlen, "cannot start the genesis transaction");
        return DEVNET_ERR_DB;
    }
    if (genesis_account(st, home, "near", NEAR_BALANCE, err, errlen) ||
        genesis_account(st, home, "test.near", TEST_BALANCE, err, errlen))
        goto fail;
    /* A random genesis hash: every --reset starts a distinct chain, so
     * transactions signed for an older chain fail with InvalidChain. */
    uint8_t seed[32], hash[32], random[32];
    randombytes_buf(seed, sizeof seed);
    devnet_sha256("outlayer-devnet genesis", 23, seed, sizeof seed, hash);
    devnet_sha256("random", 6, hash, 32, random);
    uint8_t zero[32] = {0};
    sqlite3_stmt *s = devnet_stmt(
        st, "INSERT INTO blocks(height, hash, prev_hash, timestamp, random, gas_burnt) VALUES(?,?,?,?,?,0)");
    if (!s)
        goto fail;
    sqlite3_bind_int64(s, 1, 1);
    sqlite3_bind_blob(s, 2, hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 3, zero, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 4, (sqlite3_int64)timestamp_ns);
    sqlite3_bind_blob(s, 5, random, 32, SQLITE_TRANSIENT);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "cannot store the genesis block: %s", sqlite3_errmsg(st->db));
        goto fail;
    }
    if (devnet_meta_set(st, "chain_id", DEVNET_CHAIN_ID) || devnet_meta_set(st, "genesis_height", "1") ||
        devnet_exec(st, "COMMIT")) {
        snprintf(err, errlen, "cannot commit the genesis state");
        goto fail;
    }
    return DEVNET_OK;
fail:
    if (devnet_exec(st, "ROLLBACK") != DEVNET_OK)
        snprintf(err, errlen, "genesis: cannot roll back a failed genesis");
    return DEVNET_ERR_DB;
}
