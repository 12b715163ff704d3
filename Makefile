# ttq-accel front door. `make help` lists the targets.
# Every target installs missing Debian packages first (make deps), so on a fresh Debian 12
# machine, as root, `make sim` and `make test` do all the set-up themselves.

SHELL        := /bin/bash
BUILD        ?= build
JOBS         ?= $(shell nproc)
REPORTS      := $(BUILD)/reports
# End-to-end defaults (make sim)
# MODEL: the committed reference model (2:4-structured TTQ LeNet-5) if present, else the one
# `make train` writes.
REF_NAME     := lenet5-fashion-mnist-2of4.ttq
REF_MODEL    := $(BUILD)/models/$(REF_NAME)
MODEL        ?= $(if $(wildcard models/$(REF_NAME)),models/$(REF_NAME),$(REF_MODEL))
DATASET      ?= fashion-mnist
IMAGES       ?= 2000
SEEDS        ?= 200
CLOCK_NS     ?= 5.0

.PHONY: systemc-example
.PHONY: test-sanitize fuzz check-all
.PHONY: help deps deps-torch build test sim train train-unstructured train-sparse train-mnist \
        train-mnist-unstructured train-sweep train-cifar-fp train-cifar train-cifar-2of4 train-cifar-parity train-cifar-parity-ttq parity-dirs parity-ttq-train-bin train-cifar-lockstep bench regress regress-config lint synth \
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
	@echo "  make train        train the reference Fashion-MNIST lenet5, 2:4-structured TTQ (10 FP + 10"
	@echo "                    TTQ epochs), export $(BUILD)/models/$(REF_NAME), report, plots"
	@echo "                    (RESUME=1 resumes); make train-unstructured: the same at t = 0.05"
	@echo "  make train-mnist  the MNIST lenet5 at 2:4 (train-mnist-unstructured: at t = 0.05);"
	@echo "                    make train-cifar: CIFAR-10 resnet20, one-cycle + Nesterov, 10 FP + 10 TTQ epochs"
	@echo "                    (train-cifar-2of4: at 2:4, from the same FP checkpoint; train-cifar-parity:"
	@echo "                    its 10 FP epochs in ttq-train and in PyTorch, PARITY_SEEDS=, PARITY_INIT=,"
	@echo "                    and their statistics; train-cifar-parity-ttq: + the TTQ phase of both;"
	@echo "                    train-cifar-lockstep: LOCKSTEP_STEPS= iterations of both from the same"
	@echo "                    weights on the same crops, compared)"
	@echo "  make train-sparse the same lenet5 recipe at 50% zero weights per layer (--ttq-sparsity 0.5)"
	@echo "  make train-sweep  accuracy vs sparsity: lenet5 at t = 0.05, 30/50/70/90% zeros, 4:8, 2:4,"
	@echo "                    1:4 from one shared FP phase (SWEEP_EPOCHS=$(SWEEP_EPOCHS) quantized epochs"
	@echo "                    per point, SWEEP_FP_EPOCHS, SWEEP_POINTS); $(REPORTS)/train_sweep.json|.png"
	@echo "  make synth        Yosys + OpenSTA sky130 estimate of the N:M array and the dense INT8 baseline"
	@echo "                    on real layers (LIBERTY=, CLOCK_NS=, SYNTH_MODEL=, SYNTH_PARAMS=NumPes=32,...,"
	@echo "                    SYNTH_DENSE_PARAMS=Lanes=8,..., SYNTH_RANDOM=0.9, SYNTH_RANDOM_NM=2:4|none,"
	@echo "                    SYNTH_REPORT=, SYNTH_DESIGNS=dense); ratio table + $(REPORTS)/synth.json"
	@echo "  make synth-sweep  synthesis sweep (ternary: PEs x N:M; dense: PEs x lanes), table + plot"
	@echo "                    (SWEEP_PES=8,16,32 SWEEP_NM=2:4,1:4,4:8,4:4 SWEEP_GROUPS=4 SWEEP_DENSE_PES=8,16,32"
	@echo "                    SWEEP_DENSE_LANES=2,4,8 SWEEP_REPORT=synth_sweep SWEEP_DESIGNS=)"
	@echo "  make synth-sparse the comparison on the 50%-sparse model of make train-sparse"
	@echo "  make bench        benchmarks: RTL utilization and sim speed, trainer images/s"
	@echo "  make regress      SEEDS=N seeds x REGRESS_LAYERS random RTL layers vs the golden model,"
	@echo "                    all cores; summary table + $(REPORTS)/regress.json"
	@echo "  make regress-config  the same on another RTL configuration, CONFIG=NumPes=16,Groups=4,..."
	@echo "                    (default NumPes=16) -> $(REPORTS)/regress-config.json"
	@echo "  make formal       Yosys BMC (FORMAL_DEPTH=24) + k-induction of the handshake properties and"
	@echo "                    invariants (rtl/formal/), then checks a broken property fails; $(REPORTS)/formal.json"
	@echo "  make coverage     Verilator line/toggle/cover-point coverage of the RTL (COV_SEEDS=4);"
	@echo "                    annotated sources in $(BUILD)/coverage, $(REPORTS)/coverage.json"
	@echo "  make lint         verilator -Wall + a Yosys read of ttq_accel and rtl/dense (waivers in .vlt files)"
	@echo "  make deps         install missing Debian 12 packages (apt-get, as root)"
	@echo "  make build        configure and build all C++ and Verilated targets"
	@echo "  make data         fetch datasets into ./data if no lookup path has them"
	@echo "  make clean        remove $(BUILD)/"

deps:
	@./scripts/deps.sh

# Optional: Debian's python3-torch for the PyTorch cross-check (make bench, the gradient test).
deps-torch:
	@./scripts/deps.sh --torch

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
# -fsanitize=address,undefined -fno-sanitize-recover=all (any report fails the test); the sources
# Verilator generates from the RTL are compiled without (cmake/TtqVerilate.cmake).
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
	@find common golden trainer importer sim tests -name '*.[ch]pp' | xargs clang-format -i

# ---- RTL array (issue 3): docs/ARCHITECTURE.md, docs/REGISTERS.md --------------------------
# lint: verilator --lint-only -Wall + Yosys read/hierarchy of ttq_accel and dense_accel (scripts/lint)
# regress: SEEDS runs of ttq-rtl-test (REGRESS_LAYERS random layers each) on JOBS cores;
#          summary table + $(REPORTS)/regress.json
REGRESS_LAYERS ?= 10
lint: deps
	@./scripts/lint

# formal: BMC (FORMAL_DEPTH steps) and k-induction of the interface properties and internal
# invariants (rtl/formal/, scripts/formal); formal-broken: the flow must fail on a false property.
FORMAL_DEPTH ?= 24
.PHONY: formal formal-broken
formal: deps
	@./scripts/formal $(BUILD) $(FORMAL_DEPTH)
	@./scripts/formal $(BUILD) $(FORMAL_DEPTH) --broken

formal-broken: deps
	@./scripts/formal $(BUILD) $(FORMAL_DEPTH) --broken

# coverage: Verilator line/toggle/named-cover-point coverage of the RTL over the directed tests and
# COV_SEEDS x 40 random layers (scripts/coverage); annotated sources + $(REPORTS)/coverage.json
COV_SEEDS ?= 4
.PHONY: coverage
coverage: deps $(BUILD)/CMakeCache.txt
	@$(CMAKE_BUILD) -j $(JOBS) --target ttq-rtl-test-cov test_rtl_cov >/dev/null
	@./scripts/coverage $(BUILD) $(COV_SEEDS)

regress: deps $(BUILD)/CMakeCache.txt
	@$(CMAKE_BUILD) -j $(JOBS) --target ttq-rtl-test >/dev/null
	@mkdir -p $(REPORTS)
	@./scripts/regress $(BUILD) $(SEEDS) $(JOBS) $(REGRESS_LAYERS)

# regress-config: the same regression on another configuration of the RTL, CONFIG=Name=value,...
# (ttq_accel parameters; default the sweep's best per mm^2, 16 PEs x 2:4 x 4): a second Verilated
# model, ttq-rtl-test-alt (CMake TTQ_ALT_PARAMS) -> $(REPORTS)/regress-config.json
CONFIG ?= NumPes=16
comma := ,
# The alternative model is built for this run only: the cache entry is cleared afterwards, so later
# builds do not compile it.
regress-config: deps $(BUILD)/CMakeCache.txt
	@REGRESS_CONFIG="$(CONFIG)" ./scripts/regress --check-config
	@cmake -S . -B $(BUILD) "-DTTQ_ALT_PARAMS=$(subst $(comma),;,$(CONFIG))" >/dev/null
	@mkdir -p $(REPORTS)
	@rc=0; $(CMAKE_BUILD) -j $(JOBS) --target ttq-rtl-test-alt >/dev/null && \
	  REGRESS_CONFIG="$(CONFIG)" ./scripts/regress $(BUILD) $(SEEDS) $(JOBS) $(REGRESS_LAYERS) || rc=$$?; \
	  cmake -S . -B $(BUILD) -DTTQ_ALT_PARAMS= >/dev/null; exit $$rc

# ---- filled in by the trainer work (issue 4) ---------------------------------------------
# Reference models: fixed seed and 2 threads, so a run reproduces models/*.ttq bit for bit on the
# same machine type. RESUME=1 continues an interrupted run from its last epoch checkpoint.
TRAIN_SEED    ?= 1
TRAIN_THREADS ?= 2
TRAIN_FLAGS   ?=
TTQ_TRAIN_BIN := $(BUILD)/trainer/ttq-train
TTQ_TRAIN     := $(TTQ_TRAIN_BIN) --seed $(TRAIN_SEED) \
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

# The reference recipe: 10 FP then 10 TTQ epochs, random crop (pad 2) + flip; make train with
# 2:4-structured ternary weights (docs/TRAINER.md, "N:M patterns"), train-unstructured with the
# TTQ threshold t = 0.05 (the earlier reference model, ~12-16% zeros per layer).
LENET_RECIPE := --fp-epochs 10 --ttq-epochs 10 --augment crop-flip --crop-pad 2
train: deps $(BUILD)/CMakeCache.txt
	$(call train_model,lenet5,fashion-mnist,$(LENET_RECIPE) --pattern 2:4,-2of4)

train-unstructured: deps $(BUILD)/CMakeCache.txt
	$(call train_model,lenet5,fashion-mnist,$(LENET_RECIPE))

# The same recipe with the TTQ threshold set for 50% zero weights per layer (instead of t = 0.05,
# ~12% zeros): the model `make synth-sparse` times on the array (docs/SYNTHESIS.md).
train-sparse: deps $(BUILD)/CMakeCache.txt
	$(call train_model,lenet5,fashion-mnist,$(LENET_RECIPE) --ttq-sparsity 0.5,-s50)

MNIST_RECIPE := --fp-epochs 10 --ttq-epochs 10 --augment crop --crop-pad 2
train-mnist: deps $(BUILD)/CMakeCache.txt
	$(call train_model,lenet5,mnist,$(MNIST_RECIPE) --pattern 2:4,-2of4)

train-mnist-unstructured: deps $(BUILD)/CMakeCache.txt
	$(call train_model,lenet5,mnist,$(MNIST_RECIPE))

# The paper's accuracy-vs-sparsity sweep (docs/TRAINER.md): LeNet-5 Fashion-MNIST at the TTQ
# threshold t = 0.05, at 30/50/70/90% zeros and at 4:8, 2:4, 1:4, one shared FP phase of
# SWEEP_FP_EPOCHS, then SWEEP_EPOCHS quantized epochs per point (defaults: the make train recipe).
# -> $(REPORTS)/train_sweep.json, train_sweep.png; runs in $(BUILD)/train/sweep (finished points are reused).
SWEEP_FP_EPOCHS ?= 10
SWEEP_EPOCHS    ?= 10
SWEEP_POINTS    ?= t05,s30,s50,s70,s90,nm4of8,nm2of4,nm1of4
train-sweep: deps $(BUILD)/CMakeCache.txt
	@$(CMAKE_BUILD) -j $(JOBS) --target ttq-train
	@mkdir -p $(REPORTS)
	OMP_WAIT_POLICY=passive ./scripts/train-sweep --build $(BUILD) --fp-epochs $(SWEEP_FP_EPOCHS) \
	  --ttq-epochs $(SWEEP_EPOCHS) --points $(SWEEP_POINTS) --seed $(TRAIN_SEED) --threads $(TRAIN_THREADS)

# CIFAR-10 ResNet-20, the recipe of issue 14 (PyTorch's reference: one-cycle LR peaking at 0.1
# with 15% warm-up, Nesterov momentum 0.9, weight decay 5e-4, batch 128): 10 FP epochs, shared by
# the two quantized models (train-cifar-fp: $(CIFAR_FP_DIR)/checkpoint.bin; a checkpoint there is
# resumed, so a finished FP phase is reused), then 10 TTQ epochs at lr 0.01 from that checkpoint: train-cifar at t = 0.05
# -> resnet20-cifar10.ttq, train-cifar-2of4 at 2:4 -> resnet20-cifar10-2of4.ttq.
CIFAR_RECIPE := --fp-epochs 10 --ttq-epochs 10 --lr 0.1 --lr-ttq 0.01 --weight-decay 5e-4 \
                --schedule onecycle --nesterov
CIFAR_FP_DIR := $(BUILD)/train/resnet20-cifar10-fp
train-cifar-fp: deps $(BUILD)/CMakeCache.txt
	@$(CMAKE_BUILD) -j $(JOBS) --target ttq-train
	$(TTQ_TRAIN) --model resnet20 --dataset cifar10 $(CIFAR_RECIPE) --stop-after 10 --no-export \
	  --outdir $(CIFAR_FP_DIR) $(if $(wildcard $(CIFAR_FP_DIR)/checkpoint.bin),$(if $(RESUME),,--resume))

train-cifar: train-cifar-fp
	$(call train_model,resnet20,cifar10,$(CIFAR_RECIPE) --fp-from $(CIFAR_FP_DIR)/checkpoint.bin)

train-cifar-2of4: train-cifar-fp
	$(call train_model,resnet20,cifar10,$(CIFAR_RECIPE) --fp-from $(CIFAR_FP_DIR)/checkpoint.bin --pattern 2:4,-2of4)

# FP parity with PyTorch (docs/TRAINER.md, "CIFAR-10 FP parity with PyTorch"): for each seed of
# PARITY_SEEDS, the 10 FP epochs of CIFAR_RECIPE with ttq-train --init PARITY_INIT and the same
# recipe in PyTorch (trainer/reference/ttq_torch_train.py, python3-torch; exit 77 without it) on
# the same split, then scripts/parity-summary: both sides' mean / spread and the permutation test.
# Reports are named by TAG = INIT-tTHREADS (a run is bit-identical for a seed and thread count):
# -> $(REPORTS)/parity-ttq-train-TAG-sSEED.json (per-epoch metrics), parity-torch-TAG-sSEED.json,
# parity-summary-TAG.json. A seed's existing report is kept (delete it to rerun); with
# `make -j2 TRAIN_THREADS=1` the two sides run side by side, one core each.
PARITY_INIT  ?= he-normal
PARITY_SEEDS ?= $(TRAIN_SEED)
PARITY_TAG    = $(PARITY_INIT)-t$(TRAIN_THREADS)
PARITY_RUN    = $(BUILD)/train/parity-$(PARITY_TAG)-s$*
PARITY_TTQ_TRAIN = $(TTQ_TRAIN_BIN) --seed $* \
                   --threads $(TRAIN_THREADS) --model resnet20 --dataset cifar10 $(CIFAR_RECIPE) \
                   --init $(PARITY_INIT) --no-export --outdir $(PARITY_RUN)
train-cifar-parity: $(foreach s,$(PARITY_SEEDS),$(REPORTS)/parity-ttq-train-$(PARITY_TAG)-s$(s).json \
                                                $(REPORTS)/parity-torch-$(PARITY_TAG)-s$(s).json)
	./scripts/parity-summary --reports $(REPORTS) --tag $(PARITY_TAG) --seeds $(PARITY_SEEDS)

parity-dirs:
	@mkdir -p $(REPORTS) $(BUILD)/train

parity-ttq-train-bin: deps $(BUILD)/CMakeCache.txt | parity-dirs
	@$(CMAKE_BUILD) -j $(JOBS) --target ttq-train

$(REPORTS)/parity-ttq-train-$(PARITY_TAG)-s%.json: | parity-ttq-train-bin
	$(PARITY_TTQ_TRAIN) --stop-after 10
	cp $(PARITY_RUN)/metrics.json $@.tmp && mv $@.tmp $@

# The TTQ phase of CIFAR_RECIPE (10 epochs at t = 0.05) continuing a seed's parity FP run (its
# checkpoint at epoch 10, --resume: the same as one 20-epoch run) -> parity-ttq-train-TAG-sSEED-ttq.json,
# and of the PyTorch side (from its FP state when saved, else from scratch: the same run).
train-cifar-parity-ttq: $(foreach s,$(PARITY_SEEDS),$(REPORTS)/parity-ttq-train-$(PARITY_TAG)-s$(s)-ttq.json \
                                                    $(REPORTS)/parity-torch-$(PARITY_TAG)-s$(s)-ttq.json)
	./scripts/parity-summary --reports $(REPORTS) --tag $(PARITY_TAG) --seeds $(PARITY_SEEDS)

$(REPORTS)/parity-ttq-train-$(PARITY_TAG)-s%-ttq.json: $(REPORTS)/parity-ttq-train-$(PARITY_TAG)-s%.json \
                                                     | parity-ttq-train-bin
	$(PARITY_TTQ_TRAIN) --resume
	cp $(PARITY_RUN)/metrics.json $@.tmp && mv $@.tmp $@

PARITY_TORCH = OMP_WAIT_POLICY=passive /usr/bin/python3 trainer/reference/ttq_torch_train.py \
               --epochs 10 --seed $* --threads $(TRAIN_THREADS) --init $(PARITY_INIT)
$(REPORTS)/parity-torch-$(PARITY_TAG)-s%.json: | parity-dirs
	$(PARITY_TORCH) --save-fp $(PARITY_RUN)-torch.pt --report $@

$(REPORTS)/parity-torch-$(PARITY_TAG)-s%-ttq.json: $(REPORTS)/parity-torch-$(PARITY_TAG)-s%.json
	$(PARITY_TORCH) --ttq-epochs 10 --lr-ttq 0.01 --ttq-t 0.05 \
	  $(if $(wildcard $(PARITY_RUN)-torch.pt),--from-fp $(PARITY_RUN)-torch.pt) --report $@

# Lockstep with PyTorch (docs/TRAINER.md, "Lockstep comparison with PyTorch"): the first
# LOCKSTEP_STEPS iterations of CIFAR_RECIPE's FP training (one-cycle over those iterations; 3520 =
# the 10 FP epochs themselves) in ttq-train, replayed by PyTorch from the same weights on the same
# crops; LOCKSTEP_PROBES: iterations also compared alone from ttq-train's state. Figures ->
# $(REPORTS)/lockstep-cifar-KSTEPS-sSEED.json (exit 77 without python3-torch).
LOCKSTEP_STEPS  ?= 400
LOCKSTEP_PROBES ?= 0,1,30,59,100,200,351,352,399
LOCKSTEP_FILE    = $(BUILD)/train/lockstep-cifar-$(LOCKSTEP_STEPS)-s$(TRAIN_SEED).bin
train-cifar-lockstep: deps $(BUILD)/CMakeCache.txt
	@$(CMAKE_BUILD) -j $(JOBS) --target ttq-train-lockstep
	@mkdir -p $(REPORTS) $(BUILD)/train
	$(BUILD)/tests/trainer/ttq-train-lockstep --seed $(TRAIN_SEED) \
	  --threads $(TRAIN_THREADS) --steps $(LOCKSTEP_STEPS) --batch 128 --lr 0.1 --weight-decay 5e-4 \
	  --eval-images 5000 --probe $(LOCKSTEP_PROBES) --out $(LOCKSTEP_FILE)
	OMP_WAIT_POLICY=passive /usr/bin/python3 trainer/reference/ttq_torch_lockstep.py $(LOCKSTEP_FILE) \
	  --threads $(TRAIN_THREADS) $(LOCKSTEP_ARGS) \
	  --report $(REPORTS)/lockstep-cifar-$(LOCKSTEP_STEPS)-s$(TRAIN_SEED).json

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

# ---- synthesis (issues 6, 13): Yosys + OpenSTA sky130 estimate, docs/SYNTHESIS.md -----------
# LIBERTY=path overrides the liberty file; CLOCK_NS the clock; SYNTH_MODEL the LeNet-5 .ttq model
# whose conv2 and fc1 are timed (ResNet-20 layers too when models/resnet20-cifar10.ttq exists).
# Reports: $(REPORTS)/synth.json|.md, synth_sweep.json|.md|.png.
# run.py needs the layer-cycle tool; $(1): the run.py command and its own options.
define synth_run
	@$(CMAKE_BUILD) -j $(JOBS) --target ttq_synth_layer >$(BUILD)/synth-build.log 2>&1 \
	  || { tail -30 $(BUILD)/synth-build.log; exit 1; }
	@LIBERTY="$(LIBERTY)" ./scripts/synth/run.py $(1) --build $(BUILD) --clock-ns $(CLOCK_NS) \
	  --jobs $(JOBS) --random-nm $(SYNTH_RANDOM_NM) \
	  $(if $(SYNTH_PARAMS),--ttq-params $(SYNTH_PARAMS)) \
	  $(if $(SYNTH_DENSE_PARAMS),--dense-params $(SYNTH_DENSE_PARAMS))
endef

# Each design has its own parameters: SYNTH_PARAMS=NumPes=32,GroupNnz=1 (ttq_accel: NumPes,
# GroupSize, GroupNnz, Groups, MaxFanIn, MaxOuts, WDepth), SYNTH_DENSE_PARAMS=NumPes=8,Lanes=8
# (dense_accel: NumPes, Lanes, MaxFanIn, MaxOutCh, WgtDepth); the layers' cycles follow them.
# SYNTH_RANDOM=0.9 times random layers of the LeNet-5 shapes with 90% zeros instead of the trained
# ones; SYNTH_RANDOM_NM (default 2:4, or none) adds random N:M layers of the same shapes, labelled
# random; SYNTH_REPORT names the report; SYNTH_DESIGNS=dense synthesizes one design only.
SYNTH_PARAMS ?=
SYNTH_DENSE_PARAMS ?=
SYNTH_RANDOM ?=
SYNTH_RANDOM_NM ?= 2:4
SYNTH_REPORT ?= synth
SYNTH_DESIGNS ?= ttq,dense
synth: deps $(BUILD)/CMakeCache.txt
	$(call synth_run,synth --report $(SYNTH_REPORT) --designs $(SYNTH_DESIGNS) \
	  $(if $(SYNTH_RANDOM),--random-sparsity $(SYNTH_RANDOM)))

# The same comparison on the 50%-sparse model of `make train-sparse` (the synthesis runs are
# reused from `make synth`'s cache): $(REPORTS)/synth-sparse50.json|.md.
SPARSE_MODEL := $(BUILD)/models/lenet5-fashion-mnist-s50.ttq
synth-sparse: deps $(BUILD)/CMakeCache.txt
	@test -f $(SPARSE_MODEL) || { echo "synth-sparse: $(SPARSE_MODEL) not found: run make train-sparse first" >&2; exit 1; }
	$(call synth_run,synth --model $(SPARSE_MODEL) --report synth-sparse50)

# The sweep: the ternary array over SWEEP_GROUPS x SWEEP_PES x SWEEP_NM (GroupNnz:GroupSize; 4 groups,
# the default configuration's, unless SWEEP_GROUPS=2,4), the dense baseline
# over SWEEP_DENSE_PES x SWEEP_DENSE_LANES, each design's default configuration included; other
# parameters from SYNTH_PARAMS / SYNTH_DENSE_PARAMS. SWEEP_DESIGNS=dense runs only that one.
SWEEP_PES    ?= 8,16,32
SWEEP_NM     ?= 2:4,1:4,4:8,4:4
SWEEP_GROUPS ?= 4
SWEEP_DENSE_PES   ?= 8,16,32
SWEEP_DENSE_LANES ?= 2,4,8
SWEEP_REPORT ?= synth_sweep
SWEEP_DESIGNS ?= ttq,dense
synth-sweep: deps $(BUILD)/CMakeCache.txt
	$(call synth_run,sweep --designs $(SWEEP_DESIGNS) --pes $(SWEEP_PES) --nm $(SWEEP_NM) --groups $(SWEEP_GROUPS) \
	  --dense-pes $(SWEEP_DENSE_PES) --dense-lanes $(SWEEP_DENSE_LANES) --report $(SWEEP_REPORT))

# ---- benchmarks: each part adds its bench script to scripts/bench.d/ ----------------------
bench: build
	@mkdir -p $(REPORTS); for b in scripts/bench.d/*; do [ -x "$$b" ] && "$$b" $(BUILD) || exit 1; done
