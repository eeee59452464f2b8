# Hostile modules (issue 10): tests/hostile/gen.py builds modules that try to
# exhaust the host; tests/hostile/run.py runs each under `outlayer run` and
# checks which limit ended it, its peak RSS (wait4 rusage) and a generous
# time bound, then the fuel rate of the worst construct known (callgrind).
hostile-test: $(BIN)/outlayer
	@nice python3 tests/hostile/run.py $(BUILD)

TEST_STEPS += hostile-test
.PHONY: hostile-test

# Loading speed of the adversarial shapes, MB/s per shape (docs/benchmarks.md).
bench-load: $(BIN)/outlayer
	nice python3 bench/load_shapes.py $(BUILD)

bench: bench-load
.PHONY: bench-load
