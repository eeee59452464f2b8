/* replay.h — runner-internal: the state behind runner_replay's sources. */
#ifndef OUTLAYER_RUNNER_REPLAY_H
#define OUTLAYER_RUNNER_REPLAY_H

#include "runner/runner.h"

typedef struct replay_state {
    runner_replay cfg;
    uint64_t position; /* random bytes handed out so far */
    uint64_t t_ns;     /* the virtual clock */
} replay_state;

void replay_state_init(replay_state *s, const runner_replay *r);
void replay_random(void *env, uint8_t *buf, size_t len);
int replay_clock(void *env, uint32_t id, uint64_t *out_ns);
bool replay_sleep(void *env, uint64_t deadline_ns);

#endif
