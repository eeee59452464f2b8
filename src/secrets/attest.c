/* attest.c — see attest.h. */
#include "secrets/attest.h"

#include <stdio.h>

void sec_attestation_text(char *out, size_t cap, long long timestamp, const char *task_id, const char *who,
                          const char *profile, const char *caller)
{
    snprintf(out, cap, "outlayer-keystore-decrypt-v1\n%lld\n%s\n%s\n%s\n%s", timestamp, task_id ? task_id : "", who,
             profile, caller);
}
