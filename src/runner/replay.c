/*
 * replay.c — the deterministic random and clock sources of runner_replay
 * (runner.h): what makes a worker's run repeatable by anyone who knows the
 * seed and the block timestamp. The guest runs on one thread, and these are
 * called only from it, so the state needs no lock.
 */
#include <sodium.h>
#include <string.h>

#include "runner/replay.h"

void replay_state_init(replay_state *s, const runner_replay *r)
{
    memset(s, 0, sizeof *s);
    s->cfg = *r;
}

void replay_random(void *env, uint8_t *buf, size_t len)
{
    replay_state *s = env;
    static const uint8_t nonce[crypto_stream_chacha20_ietf_NONCEBYTES] = {0};
    /* A partial block first (the stream position may be mid-block). */
    size_t skip = (size_t)(s->position % 64);
    if (skip && len) {
        uint8_t block[64] = {0};
        crypto_stream_chacha20_ietf_xor_ic(block, block, 64, nonce, (uint32_t)(s->position / 64), s->cfg.seed);
        size_t take = 64 - skip < len ? 64 - skip : len;
        memcpy(buf, block + skip, take);
        sodium_memzero(block, sizeof block);
        buf += take;
        len -= take;
        s->position += take;
    }
    if (len) {
        memset(buf, 0, len);
        crypto_stream_chacha20_ietf_xor_ic(buf, buf, len, nonce, (uint32_t)(s->position / 64), s->cfg.seed);
        s->position += len;
    }
}

int replay_clock(void *env, uint32_t id, uint64_t *out_ns)
{
    replay_state *s = env;
    if (id > WASI_CLOCK_THREAD_CPUTIME)
        return WASI_EINVAL;
    *out_ns = id == WASI_CLOCK_REALTIME ? s->cfg.realtime_base_ns + s->t_ns : s->t_ns;
    s->t_ns += RUNNER_REPLAY_CLOCK_STEP_NS;
    return 0;
}

bool replay_sleep(void *env, uint64_t deadline_ns)
{
    replay_state *s = env;
    if (deadline_ns > s->t_ns)
        s->t_ns = deadline_ns;
    return true;
}
