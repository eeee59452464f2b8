/* timefmt.h — the timestamp formats of spec §0.3, from epoch milliseconds. */
#ifndef OUTLAYER_COORDINATOR_TIMEFMT_H
#define OUTLAYER_COORDINATOR_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

void tf_f1(int64_t ms, char *buf, size_t size); /* 2025-11-19T10:15:30.123Z */
void tf_f2(int64_t ms, char *buf, size_t size); /* 2025-11-19T10:15:30.123+00:00 (fraction omitted when 0) */
void tf_f3(int64_t ms, char *buf, size_t size); /* 2025-11-19 10:15:30.123 (trailing zeros trimmed) */

#endif
