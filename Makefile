# ttq-accel front door. `make help` lists the targets.
# Every target installs missing Debian packages first (make deps), so on a fresh Debian 12
# machine, as root, `make sim` and `make test` do all the set-up themselves.

SHELL        := /bin/bash
BUILD        ?= build
JOBS         ?= $(shell nproc)
REPORTS      := $(BUILD)/reports
# End-to-end defaults (make sim)
MODEL        ?= $(BUILD)/models/lenet5-fashion-mnist.ttq
DATASET      ?= fashion-mnist
IMAGES       ?= 2000
SEEDS        ?= 200
CLOCK_NS     ?= 5.0

.PHONY: help deps build test sim train train-mnist train-cifar bench regress lint synth \
        synth-sweep data clean format

help:
	@echo "ttq-accel: Trained Ternary Quantization, trainer to silicon"
	@echo ""
	@echo "  make sim          run a trained ternary net on the Verilated RTL over a real test set"
	@echo "                    (MODEL=, DATASET=, IMAGES=N|all); report in $(REPORTS)/sim.json"
	@echo "  make test         build everything and run the Catch2/ctest regression"
	@echo "  make train        train the reference Fashion-MNIST lenet5 (FP then TTQ), export .ttq"
	@echo "  make train-mnist  train the MNIST lenet5;  make train-cifar: CIFAR-10 resnet20 short recipe"
	@echo "  make synth        Yosys + OpenSTA sky130 estimate of the array and a dense INT8 baseline"
	@echo "                    (LIBERTY=, CLOCK_NS=); table + $(REPORTS)/synth.json"
	@echo "  make synth-sweep  synthesis sweep over PE count and lanes, with a plot"
	@echo "  make bench        benchmarks: RTL utilization and sim speed, trainer images/s"
	@echo "  make regress      SEEDS=N random RTL layers against the golden model on all cores"
	@echo "  make lint         verilator --lint-only -Wall and a Yosys read of rtl/"
	@echo "  make deps         install missing Debian 12 packages (apt-get, as root)"
	@echo "  make build        configure and build all C++ and Verilated targets"
	@echo "  make data         fetch datasets into ./data if no lookup path has them"
	@echo "  make clean        remove $(BUILD)/"

deps:
	@./scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

data:
	@./scripts/get-data

clean:
	rm -rf $(BUILD)

format:
	@find common golden trainer sim tests -name '*.[ch]pp' | xargs clang-format -i

# ---- filled in by the RTL work (issue 3) -------------------------------------------------
lint regress: deps
	@echo "$@: not built yet (RTL array, issue 3)"; exit 1

# ---- filled in by the trainer work (issue 4) ---------------------------------------------
train train-mnist train-cifar: deps
	@echo "$@: not built yet (trainer, issue 4)"; exit 1

# ---- filled in by the end-to-end work (issue 5) ------------------------------------------
sim: deps
	@echo "sim: not built yet (end to end, issue 5)"; exit 1

# ---- synthesis (issue 6): Yosys + OpenSTA sky130 estimate, docs/SYNTHESIS.md ---------------
# LIBERTY=path overrides the liberty file; CLOCK_NS the clock; SYNTH_MODEL the .ttq model whose
# lenet5 conv2 layer is timed. Reports: $(REPORTS)/synth.json|.md, synth_sweep.json|.md|.png.
synth: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) --target ttq_synth_layer >/dev/null
	@LIBERTY="$(LIBERTY)" ./scripts/synth/run.py synth --build $(BUILD) --clock-ns $(CLOCK_NS) \
	  --jobs $(JOBS)

synth-sweep: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j $(JOBS) --target ttq_synth_layer >/dev/null
	@LIBERTY="$(LIBERTY)" ./scripts/synth/run.py sweep --build $(BUILD) --clock-ns $(CLOCK_NS) \
	  --jobs $(JOBS)

# ---- benchmarks: each part adds its bench script to scripts/bench.d/ ----------------------
bench: build
	@mkdir -p $(REPORTS); for b in scripts/bench.d/*; do [ -x "$$b" ] && "$$b" $(BUILD) || exit 1; done
