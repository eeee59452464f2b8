/*
 * tier_transcript.h — a module's run as text, for comparing the tiers
 * (issue 17): every function import logs "import NAME v..." and returns
 * zeros; every exported function is called with zero arguments (after
 * "hangLimitInitializer", if exported) with `fuel` given afresh, and logs
 * "call NAME", then "result v..." or "trap KIND: MESSAGE", then the fuel
 * the call used and the fuel left. Values are exact bits (NaN payloads
 * included). *wrong_engine is set when the module did not get `engine`.
 * Returns a malloc'd string, NULL when out of memory.
 */
#ifndef OUTLAYER_TESTS_TIER_TRANSCRIPT_H
#define OUTLAYER_TESTS_TIER_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/olw.h"

char *tier_transcript(const uint8_t *bytes, size_t len, olw_engine engine, uint64_t fuel, uint32_t max_pages,
                      bool *wrong_engine);

#endif
