#!/usr/bin/env bash
# Runs each make target named on the command line as one test step, keeps
# going after a failure, and closes with one summary line.
set -u
passed=0; failed=0; failed_names=()
for step in "$@"; do
  echo "=== $step"
  start=$(date +%s)
  if make --no-print-directory "$step"; then
    passed=$((passed + 1)); echo "=== $step: ok ($(( $(date +%s) - start )) s)"
  else
    failed=$((failed + 1)); failed_names+=("$step"); echo "=== $step: FAILED ($(( $(date +%s) - start )) s)"
  fi
done
[ $failed -gt 0 ] && echo "failed steps: ${failed_names[*]}"
echo "test steps: $passed passed, $failed failed"
[ $failed -eq 0 ]
