# Hostile modules (issue 10): tests/hostile/gen.py builds modules that try to
# exhaust the host; tests/hostile/run.py runs each under `outlayer run` and
# checks which limit ended it, its peak RSS (wait4 rusage) and a generous
# time bound, then the fuel rate of the worst construct known (callgrind).
hostile-test: $(BIN)/outlayer
	@nice python3 tests/hostile/run.py $(BUILD)

TEST_STEPS += hostile-test
.PHONY: hostile-test
