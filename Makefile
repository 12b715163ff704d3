# ttq-accel front door. `make help` lists the targets.
# Every target installs missing Debian packages first (make deps), so on a fresh Debian 12
# machine, as root, `make sim` and `make test` do all the set-up themselves.

SHELL        := /bin/bash
BUILD        ?= build
JOBS         ?= $(shell nproc)
REPORTS      := $(BUILD)/reports
# End-to-end defaults (make sim)
# MODEL: the committed reference model if present, else the one `make train` writes.
REF_MODEL    := $(BUILD)/models/lenet5-fashion-mnist.ttq
MODEL        ?= $(if $(wildcard models/lenet5-fashion-mnist.ttq),models/lenet5-fashion-mnist.ttq,$(REF_MODEL))
DATASET      ?= fashion-mnist
IMAGES       ?= 2000
SEEDS        ?= 200
CLOCK_NS     ?= 5.0

.PHONY: systemc-example
.PHONY: test-sanitize fuzz check-all
.PHONY: help deps build test sim train train-sparse train-mnist train-cifar bench regress lint synth \
        synth-sweep synth-sparse data clean format

help:
	@echo "ttq-accel: Trained Ternary Quantization, trainer to silicon"
	@echo ""
	@echo "  make sim          run a trained ternary net on the Verilated RTL over a real test set"
	@echo "                    bit-exact vs the golden model (MODEL=, default models/ or make train;"
	@echo "                    DATASET=, default fashion-mnist; IMAGES=N|all, default $(IMAGES));"
	@echo "                    table + $(REPORTS)/sim.json"
	@echo "  make test         build everything and run the Catch2/ctest regression"
	@echo "  make test-sanitize  the same suite built with ASan + UBSan (any report fatal) in"
	@echo "                    $(SAN_BUILD)/ (docs/RELIABILITY.md)"
	@echo "  make fuzz         libFuzzer on the .ttq, IDX, CIFAR-10 and checkpoint readers, FUZZ_SECONDS"
	@echo "                    each (default $(FUZZ_SECONDS)) under ASan/UBSan; $(REPORTS)/fuzz.json"
	@echo "  make check-all    make test, make test-sanitize and the long reliability tests"
	@echo "  make systemc-example  one trained layer through the SystemC/TLM-2.0 platform (CPU, DMA,"
	@echo "                    memory, Verilated array; MODEL=, SC_LAYER=, SC_VECTORS=, CLOCK_NS=);"
	@echo "                    report in $(REPORTS)/systemc.json, docs/SYSTEMC.md"
	@echo "  make train        train the reference Fashion-MNIST lenet5 (10 FP + 10 TTQ epochs), export"
	@echo "                    $(BUILD)/models/lenet5-fashion-mnist.ttq, report, plots (RESUME=1 resumes)"
	@echo "  make train-mnist  train the MNIST lenet5;  make train-cifar: CIFAR-10 resnet20 short recipe"
	@echo "  make train-sparse the same lenet5 recipe at 50% zero weights per layer (--ttq-sparsity 0.5)"
	@echo "  make synth        Yosys + OpenSTA sky130 estimate of the array and a dense INT8 baseline"
	@echo "                    (LIBERTY=, CLOCK_NS=, SYNTH_MODEL=, SYNTH_PARAMS=WinRows=2,...,"
	@echo "                    SYNTH_RANDOM=0.9, SYNTH_REPORT=); table + $(REPORTS)/synth.json"
	@echo "  make synth-sweep  synthesis sweep over PE count and lanes, with a plot"
	@echo "                    (SWEEP_PES=4,8,16,32 SWEEP_LANES=2,4 SWEEP_REPORT=synth_sweep)"
	@echo "  make synth-sparse the comparison on the 50%-sparse model of make train-sparse"
	@echo "  make bench        benchmarks: RTL utilization and sim speed, trainer images/s"
	@echo "  make regress      SEEDS=N seeds x REGRESS_LAYERS random RTL layers vs the golden model,"
	@echo "                    all cores; summary table + $(REPORTS)/regress.json"
	@echo "  make lint         verilator --lint-only -Wall (rtl/lint.vlt) and a Yosys read of rtl/"
	@echo "  make deps         install missing Debian 12 packages (apt-get, as root)"
	@echo "  make build        configure and build all C++ and Verilated targets"
	@echo "  make data         fetch datasets into ./data if no lookup path has them"
	@echo "  make clean        remove $(BUILD)/"

deps:
	@./scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release >/dev/null

# cmake --build without this make's flags: under make, the generated makefiles would print every
# sub-make's "Entering directory" line. -j is given explicitly.
CMAKE_BUILD = env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS cmake --build $(BUILD)

build: deps $(BUILD)/CMakeCache.txt
	@$(CMAKE_BUILD) -j $(JOBS)

test: build
	@ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

data:
	@./scripts/get-data

# ---- reliability (issue 15): docs/RELIABILITY.md --------------------------------------------
# test-sanitize: every C++ target and ctest in its own build directory with
# -fsanitize=address,undefined -fno-sanitize-recover=all (any report fails the test).
SAN_BUILD    ?= build-asan
# The two full training runs (the trainer's short Fashion-MNIST run, the 5-kill crash test) take
# 25+ min under ASan here (timeouts); their code paths run sanitized in the other trainer tests and
# the bad-input rows. SAN_CTEST_FLAGS= runs them too.
SAN_CTEST_FLAGS ?= -E "short Fashion-MNIST run|SIGKILLs"
SAN_ENV      := ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
test-sanitize: deps
	@cmake -S . -B $(SAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTTQ_SANITIZE=ON >/dev/null
	@env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS cmake --build $(SAN_BUILD) -j $(JOBS)
	@$(SAN_ENV) ctest --test-dir $(SAN_BUILD) --output-on-failure -j $(JOBS) $(SAN_CTEST_FLAGS)

# fuzz: each libFuzzer target (tests/fuzz/) for FUZZ_SECONDS under ASan/UBSan, built with clang
# in $(FUZZ_BUILD)/; table + $(REPORTS)/fuzz.json. FUZZ_TARGETS= picks some (ttq idx cifar checkpoint).
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzz
FUZZ_TARGETS ?=
fuzz: deps
	@cmake -S . -B $(FUZZ_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DTTQ_FUZZ=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS cmake --build $(FUZZ_BUILD) -j $(JOBS) \
	  --target fuzz-ttq fuzz-idx fuzz-cifar fuzz-checkpoint
	@mkdir -p $(REPORTS)
	@./scripts/fuzz $(FUZZ_BUILD) $(FUZZ_SECONDS) $(REPORTS)/fuzz.json $(FUZZ_TARGETS)

# check-all: the regression, the sanitizer run and the long variants (ctest label "long").
check-all: test test-sanitize
	@ctest --test-dir $(BUILD) --output-on-failure -L long -C long

clean:
	rm -rf $(BUILD)

format:
	@find common golden trainer sim tests -name '*.[ch]pp' | xargs clang-format -i

# ---- RTL array (issue 3): docs/ARCHITECTURE.md, docs/REGISTERS.md --------------------------
# lint: verilator --lint-only -Wall (waivers in rtl/lint.vlt) + Yosys read/hierarchy of rtl/ttq_*.sv
# regress: SEEDS runs of ttq-rtl-test (REGRESS_LAYERS random layers each) on JOBS cores;
#          summary table + $(REPORTS)/regress.json
REGRESS_LAYERS ?= 10
lint: deps
	@./scripts/lint

regress: deps $(BUILD)/CMakeCache.txt
	@$(CMAKE_BUILD) -j $(JOBS) --target ttq-rtl-test >/dev/null
	@mkdir -p $(REPORTS)
	@./scripts/regress $(BUILD) $(SEEDS) $(JOBS) $(REGRESS_LAYERS)

# ---- filled in by the trainer work (issue 4) ---------------------------------------------
# Reference models: fixed seed and 2 threads, so a run reproduces models/*.ttq bit for bit on the
# same machine type. RESUME=1 continues an interrupted run from its last epoch checkpoint.
TRAIN_SEED    ?= 1
TRAIN_THREADS ?= 2
TRAIN_FLAGS   ?=
TTQ_TRAIN     := OMP_WAIT_POLICY=passive $(BUILD)/trainer/ttq-train --seed $(TRAIN_SEED) \
                 --threads $(TRAIN_THREADS) $(if $(RESUME),--resume) $(TRAIN_FLAGS)
# train_model(model, dataset, extra flags)
define train_model
	@$(CMAKE_BUILD) -j $(JOBS) --target ttq-train
	@mkdir -p $(REPORTS) $(BUILD)/models
	$(TTQ_TRAIN) --model $(1) --dataset $(2) $(3) --outdir $(BUILD)/train/$(1)-$(2)$(4) \
	  --out $(BUILD)/models/$(1)-$(2)$(4).ttq --report $(REPORTS)/train-$(1)-$(2)$(4).json
	@if [ -f models/$(1)-$(2)$(4).ttq ]; then cmp -s models/$(1)-$(2)$(4).ttq $(BUILD)/models/$(1)-$(2)$(4).ttq \
	  && echo "train: $(BUILD)/models/$(1)-$(2)$(4).ttq is bit-identical to models/$(1)-$(2)$(4).ttq" \
	  || echo "train: $(BUILD)/models/$(1)-$(2)$(4).ttq differs from the committed models/$(1)-$(2)$(4).ttq"; fi
endef

train: deps $(BUILD)/CMakeCache.txt
	$(call train_model,lenet5,fashion-mnist,--fp-epochs 10 --ttq-epochs 10 --augment crop-flip --crop-pad 2)

# The same recipe with the TTQ threshold set for 50% zero weights per layer (instead of t = 0.05,
# ~12% zeros): the model `make synth-sparse` times on the array (docs/SYNTHESIS.md).
train-sparse: deps $(BUILD)/CMakeCache.txt
	$(call train_model,lenet5,fashion-mnist,--fp-epochs 10 --ttq-epochs 10 --augment crop-flip --crop-pad 2 --ttq-sparsity 0.5,-s50)

train-mnist: deps $(BUILD)/CMakeCache.txt
	$(call train_model,lenet5,mnist,--fp-epochs 10 --ttq-epochs 10 --augment crop --crop-pad 2)

# Short CIFAR-10 recipe (10 FP + 5 TTQ epochs, about 1 h on 2 free cores); the paper-scale recipe is in docs/TRAINER.md.
train-cifar: deps $(BUILD)/CMakeCache.txt
	$(call train_model,resnet20,cifar10,--fp-epochs 10 --ttq-epochs 5 --lr 0.1 --lr-ttq 0.01 --weight-decay 1e-4)

# ---- end to end (issue 5): docs/END_TO_END.md ------------------------------------------------
# ttq-sim: every ternary layer of MODEL on the Verilated RTL over IMAGES images of DATASET's test
# split, checked bit for bit and cycle for cycle against the golden model; JOBS threads.
# The default MODEL is trained first (make train) when neither it nor models/... exists.
sim: build
	@if [ ! -f "$(MODEL)" ]; then \
	  if [ "$(MODEL)" = "$(REF_MODEL)" ]; then $(MAKE) --no-print-directory train; \
	  else echo "sim: MODEL=$(MODEL): file not found" >&2; exit 1; fi; fi
	@mkdir -p $(REPORTS)
	@$(BUILD)/sim/e2e/ttq-sim --model "$(MODEL)" --dataset $(DATASET) --images $(IMAGES) \
	  --threads $(JOBS) --clock-ns $(CLOCK_NS) --report $(REPORTS)/sim.json

# ---- SystemC / TLM-2.0 platform (issue 7): docs/SYSTEMC.md ---------------------------------
# A layer of MODEL (default: the first ternary layer that fits; SC_LAYER= to choose) on SC_VECTORS
# im2col vectors of real test images, CPU -> bus -> TtqAccelTlm (DMA) -> memory, at CLOCK_NS.
# Without a trained model it runs a labelled seeded random layer.
SC_VECTORS ?= 64
SC_LAYER   ?=
systemc-example: deps $(BUILD)/CMakeCache.txt
	@$(CMAKE_BUILD) -j $(JOBS) --target ttq-sc-platform >/dev/null
	@mkdir -p $(REPORTS)
	@SYSTEMC_DISABLE_COPYRIGHT_MESSAGE=1 $(BUILD)/sim/systemc/ttq-sc-platform --quiet \
	  $(if $(wildcard $(MODEL)),--model $(MODEL)) $(if $(SC_LAYER),--layer $(SC_LAYER)) \
	  --vectors $(SC_VECTORS) --clock-ns $(CLOCK_NS) --report $(REPORTS)/systemc.json

# ---- synthesis (issue 6): Yosys + OpenSTA sky130 estimate, docs/SYNTHESIS.md ---------------
# LIBERTY=path overrides the liberty file; CLOCK_NS the clock; SYNTH_MODEL the .ttq model whose
# lenet5 conv2 layer is timed. Reports: $(REPORTS)/synth.json|.md, synth_sweep.json|.md|.png.
# run.py needs the layer-cycle tool; $(1): the run.py command and its own options.
define synth_run
	@$(CMAKE_BUILD) -j $(JOBS) --target ttq_synth_layer >$(BUILD)/synth-build.log 2>&1 \
	  || { tail -30 $(BUILD)/synth-build.log; exit 1; }
	@LIBERTY="$(LIBERTY)" ./scripts/synth/run.py $(1) --build $(BUILD) --clock-ns $(CLOCK_NS) \
	  --jobs $(JOBS)
endef

# SYNTH_PARAMS=WinRows=2,SweepRows=8 synthesizes the array with other parameter values (the layer's
# cycles follow them); SYNTH_RANDOM=0.9 times a random layer of conv2's shape with 90% zeros
# instead of the trained one; SYNTH_REPORT names the report (default synth).
SYNTH_PARAMS ?=
SYNTH_RANDOM ?=
SYNTH_REPORT ?= synth
synth: deps $(BUILD)/CMakeCache.txt
	$(call synth_run,synth --report $(SYNTH_REPORT) $(if $(SYNTH_PARAMS),--ttq-params $(SYNTH_PARAMS)) \
	  $(if $(SYNTH_RANDOM),--random-sparsity $(SYNTH_RANDOM)))

# The same comparison on the conv2 layer of the 50%-sparse model of `make train-sparse` (the
# synthesis runs are reused from `make synth`'s cache): $(REPORTS)/synth-sparse50.json|.md.
SPARSE_MODEL := $(BUILD)/models/lenet5-fashion-mnist-s50.ttq
synth-sparse: deps $(BUILD)/CMakeCache.txt
	@test -f $(SPARSE_MODEL) || { echo "synth-sparse: $(SPARSE_MODEL) not found: run make train-sparse first" >&2; exit 1; }
	$(call synth_run,synth --model $(SPARSE_MODEL) --report synth-sparse50)

# SWEEP_PES / SWEEP_LANES (comma lists) and SWEEP_REPORT (report name) change the sweep's points.
SWEEP_PES    ?= 4,8,16,32
SWEEP_LANES  ?= 2,4
SWEEP_REPORT ?= synth_sweep
synth-sweep: deps $(BUILD)/CMakeCache.txt
	$(call synth_run,sweep --pes $(SWEEP_PES) --lanes $(SWEEP_LANES) --report $(SWEEP_REPORT))

# ---- benchmarks: each part adds its bench script to scripts/bench.d/ ----------------------
bench: build
	@mkdir -p $(REPORTS); for b in scripts/bench.d/*; do [ -x "$$b" ] && "$$b" $(BUILD) || exit 1; done
