# ac97sim - one GNU Make build for the libraries, the program, tests and bench.
#
#   make              build everything into build/
#   make check        run every Check suite and fixture suite, then again
#                     under -fsanitize=address,undefined (build-san/), and
#                     the driver SDK's example (sdk-example) and the
#                     embedding example against the installed library
#   make test         the same suites, plain build only (quicker)
#   make bench        performance figures as ratios against same-run anchors
#                     (STRICT=1: exit 1 when a target is missed)
#   make fuzz         libFuzzer targets into build-fuzz/ (fuzz/README.md; make
#                     check replays their corpora, fixtures/fuzz/)
#   make install PREFIX=/usr/local DESTDIR=
#                     the program, the driver SDK (install-sdk) and the
#                     device library (install-emulib, docs/device-library.md)
#   make sdk-example  the driver SDK installed to build/stage and the example
#                     driver (examples/driver) built, run and explored with it
#   make cxx-example  the same for the C++ WavePci example miniport
#                     (examples/cxx-miniport) and its planted bugs, built with
#                     g++ and clang++ against the WDM compatibility layer
#   make test-slurm   the Slurm job-array recipe (docs/scale-out.md) on a
#                     one-node cluster the test starts (root, and
#                     sh install-deps.sh --slurm); it skips, saying why,
#                     where that cannot be; not part of test or check
#
# CFLAGS, CPPFLAGS and LDFLAGS may be overridden; libraries are found with
# pkg-config. Compiler lines are shown as "CC file"; V=1 shows them whole.

CC ?= cc
CXX ?= c++
PKG_CONFIG ?= pkg-config

ifeq ($(V),1)
Q :=
say = @true
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
Q := @
say = @true
else
Q := @
say = @printf '  %-6s %s\n' $(1) $(2)
endif
PREFIX ?= /usr/local
DESTDIR ?=

ifeq ($(SANITIZE),1)
BUILD ?= build-san
CFLAGS ?= -O1 -g -fno-omit-frame-pointer
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
else ifeq ($(SANITIZE),thread)
# make tsan: the native backend under ThreadSanitizer (docs/native-backend.md).
BUILD ?= build-tsan
CFLAGS ?= -O1 -g -fno-omit-frame-pointer
SAN_FLAGS := -fsanitize=thread
else
BUILD ?= build
CFLAGS ?= -O2 -g
SAN_FLAGS :=
endif

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter
STD := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
# Each layer compiles with only the include paths it may use, so that a
# wrong-way include is a compile error: emu/ sees the register facts and
# its own public header (include/ac97emu) but no driver header; the built-in miniports see only the driver SDK (as an
# out-of-tree driver does); driver/ (the kernel calls and the port model)
# sees the SDK but not the device; harness/ sees all of these; tools/, the
# tests, the bench and the fuzz targets see everything.
INC_BASE := -Ibase
INC_EMU := $(INC_BASE) -Iinclude/regs -Iinclude/ac97emu -Iemu
INC_MINIPORTS := -Iinclude/regs -Iinclude/sdk -Iminiports
INC_DRIVER := $(INC_BASE) -Iinclude/regs -Iinclude/sdk -Idriver
INC_HARNESS := $(INC_BASE) -Iinclude/regs -Iinclude/ac97emu -Iinclude/sdk -Iemu -Idriver -Iharness -Iharness/checkers
INC_ALL := $(INC_HARNESS) -Itools
INCLUDES = $(INC_ALL)
$(BUILD)/emu/%.o: INCLUDES = $(INC_EMU)
$(BUILD)/pic/emu/%.o: INCLUDES = $(INC_EMU)
$(BUILD)/miniports/%.o: INCLUDES = $(INC_MINIPORTS)
$(BUILD)/driver/%.o: INCLUDES = $(INC_DRIVER)
$(BUILD)/harness/%.o: INCLUDES = $(INC_HARNESS)

# libxml-2.0: explore's JUnit report is written with its xmlTextWriter
# (and the tests read it back with its parser and schema validator).
# cairo and fontconfig: --plot's picture (tools/plot.c).
PKGS_TOOL := sndfile inih jansson libdw libxml-2.0 cairo fontconfig
PKGS_TEST := check
# SDL2 is built against (its headers) but not linked: tools/listen.c loads it
# with dlopen only when a command listens, so a run pays nothing for it.
PKGS_HEADERS := sdl2

PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS_TOOL) $(PKGS_HEADERS) $(PKGS_TEST) 2>/dev/null)
TOOL_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS_TOOL) 2>/dev/null) -ldl
TEST_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS_TEST) 2>/dev/null)

ALL_CFLAGS = $(STD) $(WARN) $(INCLUDES) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) $(SAN_FLAGS)
ALL_LDFLAGS := $(LDFLAGS) $(SAN_FLAGS)

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
BUILD_ID := $(shell git describe --always --dirty=-dirty --abbrev=12 2>/dev/null || echo unknown)

EMU_SRC := $(sort $(wildcard emu/*.c))
DRIVER_SRC := $(sort $(wildcard driver/*.c))
MINIPORTS_SRC := $(sort $(wildcard miniports/*.c miniports/variants/*.c))
HARNESS_SRC := $(sort $(wildcard harness/*.c harness/checkers/*.c))
TOOLS_LIB_SRC := $(sort $(filter-out tools/main.c,$(wildcard tools/*.c)))
TEST_SRC := $(sort $(wildcard tests/*.c))

EMU_OBJ := $(EMU_SRC:%.c=$(BUILD)/%.o)
DRIVER_OBJ := $(DRIVER_SRC:%.c=$(BUILD)/%.o)
MINIPORTS_OBJ := $(MINIPORTS_SRC:%.c=$(BUILD)/%.o)
HARNESS_OBJ := $(HARNESS_SRC:%.c=$(BUILD)/%.o)
TOOLS_LIB_OBJ := $(TOOLS_LIB_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

LIB_EMU := $(BUILD)/libac97emu.a
LIB_DRIVER := $(BUILD)/libac97driver.a
LIB_MINIPORTS := $(BUILD)/libac97miniports.a
LIB_HARNESS := $(BUILD)/libac97harness.a
LIB_TOOLS := $(BUILD)/libac97tools.a
# Link order follows the dependency direction tools -> harness -> miniports
# -> driver -> emu.
LIBS := $(LIB_TOOLS) $(LIB_HARNESS) $(LIB_MINIPORTS) $(LIB_DRIVER) $(LIB_EMU)

# The driver SDK: what `make install` puts under include/ac97sim.
SDK_HEADERS := include/sdk/kernel.h include/sdk/wavepci.h include/sdk/driver.h \
	include/regs/ac97_regs.h include/regs/codec_regs.h

# The WDM compatibility layer for C++ miniports (docs/cxx-miniports.md):
# headers under include/wdm, the portcls model in driver/wdm, built as a
# static library a miniport's plug-in links (position-independent; no
# sanitizer: a plug-in need not be built like the program that loads it).
WDM_HEADERS := $(sort $(wildcard include/wdm/*.h))
WDM_SRC := $(sort $(wildcard driver/wdm/*.cpp))
WDM_OBJ := $(WDM_SRC:%.cpp=$(BUILD)/%.o)
LIB_WDM := $(BUILD)/libac97sim-wdm.a
WDM_CXXFLAGS := -std=c++17 -fno-exceptions -fno-rtti -fPIC -fvisibility=hidden -O2 -g -Wall -Wextra \
	-Wno-unused-parameter -Iinclude/wdm -Iinclude/sdk -Iinclude/regs -Idriver/wdm

# Test plug-ins (tests/plugins/faulty.c, one build per fault; rules below).
TEST_PLUGIN_FAULTS := none static crash exit hang other_abi bad_name no_symbol \
	timer_left_set irq_left_connected keep_last notify_at_dirql pool_leak bad_normalize assert terminate_packet
TEST_PLUGINS := $(TEST_PLUGIN_FAULTS:%=$(BUILD)/tests/plugins/%.so)

# The program exports the SDK's calls (and nothing else) to the driver
# plug-ins it loads: include/sdk/exports.list.
SDK_EXPORTS := -Wl,--dynamic-list=include/sdk/exports.list

PROGRAM := $(BUILD)/ac97sim
DETHASH := $(BUILD)/tests/det/dethash
TEST_RUNNER := $(BUILD)/tests/check_ac97sim
BENCH := $(BUILD)/bench/ac97bench

.PHONY: all check test bench install install-sdk install-wdm clean demo determinism update-traces
all: $(PROGRAM) $(TEST_RUNNER) $(BENCH) $(LIB_WDM)

$(BUILD)/driver/wdm/%.o: driver/wdm/%.cpp $(WDM_HEADERS) driver/wdm/runtime.h $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(call say,CXX,$@)
	$(Q)$(CXX) $(WDM_CXXFLAGS) -c -o $@ $<
$(LIB_WDM): $(WDM_OBJ)
	$(call say,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

# Every compatibility structure has WDM's size: static_asserts, compiled by
# both compilers (a failure is a compile error).
$(BUILD)/tests/wdm_sizes.ok: tests/wdm_sizes.cpp $(WDM_HEADERS) $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(call say,CHECK,$@)
	$(Q)for cxx in g++ clang++; do $$cxx -std=c++17 -fsyntax-only -Wall -Wextra \
		-Iinclude/wdm -Iinclude/sdk -Iinclude/regs $< || exit 1; done
	@touch $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The build id is the commit: a stamp that changes only when it does, so
# version.o (and every trace's build line) follows HEAD.
$(BUILD)/build_id.stamp: FORCE
	@mkdir -p $(dir $@)
	@echo '$(BUILD_ID)' | cmp -s - $@ || echo '$(BUILD_ID)' > $@
.PHONY: FORCE
FORCE:

$(BUILD)/tools/version.o: VERSION $(BUILD)/build_id.stamp
$(BUILD)/tools/version.o: CPPFLAGS += -DAC97SIM_VERSION='"$(VERSION)"' -DAC97SIM_BUILD_ID='"$(BUILD_ID)"'

define make_lib
	@mkdir -p $(dir $@)
	$(call say,AR,$@)
	$(Q)rm -f $@
	$(Q)$(AR) rcs $@ $^
endef

$(LIB_EMU): $(EMU_OBJ) ; $(make_lib)
$(LIB_DRIVER): $(DRIVER_OBJ) ; $(make_lib)
$(LIB_MINIPORTS): $(MINIPORTS_OBJ) ; $(make_lib)
$(LIB_HARNESS): $(HARNESS_OBJ) ; $(make_lib)
$(LIB_TOOLS): $(TOOLS_LIB_OBJ) ; $(make_lib)

$(PROGRAM): $(BUILD)/tools/main.o $(LIBS) include/sdk/exports.list
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $(SDK_EXPORTS) -o $@ $(filter %.o %.a,$^) $(TOOL_LIBS) -lm

# Each tests/*.c defines one or more `Suite *suite_NAME(void)`; the list the
# runner iterates is generated so that adding a suite touches one file.
$(BUILD)/tests/suites.inc: $(TEST_SRC)
	@mkdir -p $(dir $@)
	$(call say,GEN,$@)
	$(Q)sed -n 's/^Suite \*\(suite_[a-z0-9_]*\)(void)$$/X(\1)/p' $(filter-out tests/main.c,$^) > $@.tmp
	$(Q)mv $@.tmp $@

$(BUILD)/tests/main.o: $(BUILD)/tests/suites.inc
$(BUILD)/tests/main.o: CPPFLAGS += -I$(BUILD)/tests

$(TEST_RUNNER): $(TEST_OBJ) $(LIBS) include/sdk/exports.list | $(TEST_PLUGINS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) $(SDK_EXPORTS) -o $@ $(filter %.o %.a,$^) $(TOOL_LIBS) $(TEST_LIBS) -lm

# Plug-ins that go wrong on purpose (tests/plugins/faulty.c), built as an
# out-of-tree driver is: the SDK's headers only, position-independent, no
# sanitizer (a plug-in need not be built like the program that loads it).
$(BUILD)/tests/plugins/%.so: tests/plugins/faulty.c $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(call say,PLUGIN,$@)
	$(Q)$(CC) $(STD) $(WARN) -Iinclude/sdk -Iinclude/regs -O1 -fPIC -fvisibility=hidden -shared \
		-DFAULT_$(shell echo $* | tr a-z A-Z) -o $@ $<
# The planted-race driver (tests/plugins/planted_race.c): the reference
# miniport, SDK-only code, built into the plug-in with one unlocked shared
# field; built like the program (its sanitizer too), so that make tsan's
# ThreadSanitizer sees the driver's own accesses.
PLANTED_RACE := $(BUILD)/tests/plugins/planted_race.so
$(PLANTED_RACE): tests/plugins/planted_race.c miniports/ac97_reference.c miniports/ac97_reference.h $(SDK_HEADERS)
	@mkdir -p $(dir $@)
	$(call say,PLUGIN,$@)
	$(Q)$(CC) $(STD) $(WARN) -Iinclude/sdk -Iinclude/regs -Iminiports $(CFLAGS) $(SAN_FLAGS) -fPIC \
		-fvisibility=hidden -shared -o $@ tests/plugins/planted_race.c miniports/ac97_reference.c
$(TEST_RUNNER): | $(PLANTED_RACE)

$(BUILD)/tests/test_plugins.o $(BUILD)/tests/test_scaleout.o $(BUILD)/tests/test_checkers.o $(BUILD)/tests/test_continue.o: CPPFLAGS += -DTEST_PLUGIN_DIR='"$(BUILD)/tests/plugins"'

$(DETHASH): $(BUILD)/tests/det/dethash.o $(LIBS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TOOL_LIBS) -lm

$(BENCH): $(patsubst %.c,$(BUILD)/%.o,$(wildcard bench/*.c)) $(LIBS)
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TOOL_LIBS) -lm

# The suites run from the top of the tree so that fixtures/ is found.
# The fuzz corpora replay here too (plain and sanitizer builds alike), so
# that a crash the fuzzers once found stays fixed.
test: $(TEST_RUNNER) $(PROGRAM) $(BUILD)/tests/wdm_sizes.ok $(LIB_WDM)
	@echo "== test: the examples in the docs ($(BUILD))"
	$(Q)sh tests/docs_examples.sh $(PROGRAM)
	$(Q)$(MAKE) --no-print-directory fuzz-replay
	@echo "== test: one search as shards under GNU parallel, merged ($(BUILD))"
	$(Q)sh tests/scale_out_parallel.sh $(PROGRAM)
	@echo "== test: the Check suites ($(BUILD))"
	$(Q)AC97SIM=$(abspath $(PROGRAM)) $(TEST_RUNNER)

# Each phase says its name as it starts; the last lines are Check's summary.
# The phases run side by side (a machine has two cores or more), each
# into its own log; the logs are shown whole, in order, once all are done,
# and the last lines are Check's summaries of both builds.
# The slowest phase (ASan) starts first. The SDK and library phases use
# the plain build, so they follow the plain suites one after the other
# (two makes in one build folder would race); they are not run when the
# suites fail.
CHECK_PHASES := determinism test-plain test-san sdk embed cxx
check:
	@mkdir -p build
	@rm -f $(CHECK_PHASES:%=build/check-%.log)
	@echo "== check: determinism across compilers, the suites plain and under ASan/UBSan, the driver SDK, the device library and the C++ example miniport installed (in parallel)"
	@status=0; $(MAKE) --no-print-directory -k -j2 check-test-san check-test-plain check-determinism check-sdk check-embed check-cxx || status=$$?; \
	for p in $(CHECK_PHASES); do echo "== check: $$p"; \
		if [ -f build/check-$$p.log ]; then cat build/check-$$p.log; else echo "(not run)"; fi; done; \
	echo "== check: summary"; grep -h '^[0-9]*%: Checks:' build/check-test-plain.log build/check-test-san.log; \
	exit $$status

check-determinism:
	@echo "  start  determinism"
	@$(MAKE) --no-print-directory determinism > build/check-determinism.log 2>&1 || { echo "  FAILED determinism"; exit 1; }
	@echo "  done   determinism"
check-test-plain:
	@echo "  start  suites (plain)"
	@$(MAKE) --no-print-directory test > build/check-test-plain.log 2>&1 || { echo "  FAILED suites (plain)"; exit 1; }
	@echo "  done   suites (plain)"
check-test-san:
	@echo "  start  suites (ASan/UBSan)"
	@$(MAKE) --no-print-directory test SANITIZE=1 > build/check-test-san.log 2>&1 || { echo "  FAILED suites (ASan/UBSan)"; exit 1; }
	@echo "  done   suites (ASan/UBSan)"
check-sdk: check-test-plain
	@echo "  start  driver SDK example"
	@$(MAKE) --no-print-directory sdk-example > build/check-sdk.log 2>&1 || { echo "  FAILED driver SDK example"; exit 1; }
	@echo "  done   driver SDK example"
check-embed: check-sdk
	@echo "  start  the installed library (examples/embed)"
	@$(MAKE) --no-print-directory test-embed > build/check-embed.log 2>&1 || { echo "  FAILED the installed library (examples/embed)"; exit 1; }
	@echo "  done   the installed library (examples/embed)"
# After embed: both install into stages from the one build folder.
check-cxx: check-embed
	@echo "  start  C++ WavePci example miniport"
	@$(MAKE) --no-print-directory cxx-example > build/check-cxx.log 2>&1 || { echo "  FAILED C++ WavePci example miniport"; exit 1; }
	@echo "  done   C++ WavePci example miniport"
.PHONY: $(CHECK_PHASES:%=check-%)

# make tsan: the native backend under ThreadSanitizer (docs/native-backend.md).
# The reference driver runs clean on it; the planted-race plug-in's unlocked
# field is reported; the deterministic machine (the plain build) passes that
# plug-in, since one CPU runs at a time there. A phase of its own, run by
# .ci/run after make check, which stays within its time.
tsan:
	@echo "== tsan: the native backend under ThreadSanitizer"
	@$(MAKE) --no-print-directory SANITIZE=thread tsan-parts
	@$(MAKE) --no-print-directory tsan-parts
	$(Q)sh tests/tsan.sh build-tsan build
tsan-parts: $(PROGRAM) $(PLANTED_RACE)
.PHONY: tsan tsan-parts

# Not in test or check: starting a cluster needs root and packages that
# nothing else needs, and their answer must not depend on it.
test-slurm: $(PROGRAM)
	@echo "== test-slurm: the job-array recipe on a one-node Slurm started here ($(BUILD))"
	$(Q)sh tests/slurm_recipe.sh $(PROGRAM)
.PHONY: test-slurm

# The driver SDK as an author outside the tree meets it: installed to a
# stage, examples/driver built from a copy with pkg-config alone, then run,
# explored, replayed and played through the installed program
# (tests/sdk_example.sh says what must hold).
SDK_STAGE = $(abspath $(BUILD)/stage)
sdk-example: $(PROGRAM)
	@rm -rf $(SDK_STAGE)
	$(Q)$(MAKE) --no-print-directory install PREFIX=$(SDK_STAGE) DESTDIR=
	$(Q)sh tests/sdk_example.sh $(SDK_STAGE)
.PHONY: sdk-example

# The C++ example miniport as its author meets the SDK: installed to a
# stage, examples/cxx-miniport built from a copy with pkg-config ac97sim-wdm
# alone (g++ and clang++), the clean build run on the bundled scenarios and
# explored, each planted bug found by explore and its trace replayed
# (tests/cxx_example.sh says what must hold).
CXX_STAGE = $(abspath $(BUILD)/stage-cxx)
cxx-example: $(PROGRAM)
	@rm -rf $(CXX_STAGE)
	$(Q)$(MAKE) --no-print-directory install PREFIX=$(CXX_STAGE) DESTDIR=
	$(Q)sh tests/cxx_example.sh $(CXX_STAGE)
.PHONY: cxx-example

# The same scenarios and seeds must give the same event-log hashes whatever
# the compiler and optimisation level: four builds, one answer.
DET_VARIANTS := gcc:-O0 gcc:-O2 clang:-O0 clang:-O2
determinism:
	@set -e; first=; for v in $(DET_VARIANTS); do \
		cc=$${v%%:*}; opt=$${v#*:}; dir=build-det/$$cc$$opt; \
		echo "  build  $$dir"; \
		$(MAKE) --no-print-directory -s BUILD=$$dir CC=$$cc CFLAGS="$$opt -g" $$dir/tests/det/dethash; \
		$$dir/tests/det/dethash > $$dir/hashes.txt; \
		if [ -z "$$first" ]; then first=$$dir/hashes.txt; \
		elif ! cmp -s $$first $$dir/hashes.txt; then \
			echo "determinism: $$cc $$opt differs from $$first:"; \
			diff $$first $$dir/hashes.txt | head -20; exit 1; fi; \
	done; echo "determinism: $$(wc -l < $$first) runs give identical event-log hashes with $(DET_VARIANTS)"

bench: $(BENCH)
	$(BENCH) $(BUILD)/bench/variants.md --profiles=$(BUILD)/bench/profiles.md $(if $(filter 1,$(STRICT)),--strict)

demo: $(PROGRAM)
	$(PROGRAM) play fixtures/audio/front_center.wav --out $(BUILD)/front_center.wav --listen
	$(PROGRAM) regs fixtures/regs/demo_tone.regs --wav $(BUILD)/demo_tone.wav
	$(PROGRAM) explore fixtures/scenarios/release-vs-revoke-0.ini --runs 500

# Records fixtures/traces again: only when a change to the model is meant
# to change the runs (the suites fail on any difference until then).
update-traces: $(PROGRAM)
	sh fixtures/traces/record.sh $(PROGRAM)

# The program, the driver SDK (its headers, the register facts with them
# so that a driver needs nothing else, and its pkg-config file) and the
# device library (install-emulib, below). The SDK's ABI number comes from
# driver.h, its version from VERSION.
SDK_ABI = $(shell sed -n 's/^\#define AC97SIM_DRIVER_ABI \([0-9]*\).*/\1/p' include/sdk/driver.h)
# install-sdk alone needs nothing built (tests/docs_examples.sh uses it).
install: $(PROGRAM) install-sdk install-wdm install-emulib
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(PROGRAM) $(DESTDIR)$(PREFIX)/bin/ac97sim
install-sdk:
	install -d $(DESTDIR)$(PREFIX)/include/ac97sim $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(SDK_HEADERS) $(DESTDIR)$(PREFIX)/include/ac97sim/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' -e 's|@ABI@|$(SDK_ABI)|' \
		include/sdk/ac97sim-driver.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/ac97sim-driver.pc
# The WDM compatibility layer: headers, the portcls model, ac97sim-wdm.pc.
install-wdm: $(LIB_WDM) install-sdk
	install -d $(DESTDIR)$(PREFIX)/include/ac97sim/wdm $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 $(WDM_HEADERS) $(DESTDIR)$(PREFIX)/include/ac97sim/wdm/
	install -m 644 $(LIB_WDM) $(DESTDIR)$(PREFIX)/lib/libac97sim-wdm.a
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' include/wdm/ac97sim-wdm.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/ac97sim-wdm.pc

clean:
	rm -rf build build-san build-det build-fuzz build-embed

# ---- the device as a library (docs/device-library.md) --------------------------
#
# libac97emu.a is the internal archive above (emu/, the public API's
# ac97emu.c among it); libac97emu.so.MAJOR is built from the same sources
# compiled again position-independent, with every symbol hidden but the
# public ac97emu_* (-fvisibility=hidden, and emu/ac97emu.map). The bundled
# guest memory (gmem.c) stays out of it: an embedder brings its own.
#
#   make install-emulib PREFIX=... DESTDIR=   the header (with the register
#                      headers it includes), both libraries, ac97emu.pc
#   make test-embed    installs into $(BUILD)/stage, builds
#                      examples/embed against it with pkg-config alone,
#                      runs it and checks its output (a `make check` phase)
VERSION_PARTS := $(subst ., ,$(VERSION))
EMULIB_MAJOR := $(word 1,$(VERSION_PARTS))
EMULIB_SONAME := libac97emu.so.$(EMULIB_MAJOR)
LIB_EMU_SO := $(BUILD)/$(EMULIB_SONAME)
EMULIB_PIC_OBJ := $(filter-out $(BUILD)/pic/emu/gmem.o,$(EMU_SRC:%.c=$(BUILD)/pic/%.o))
all: $(LIB_EMU_SO)
EMULIB_HEADERS := include/ac97emu/ac97emu.h include/regs/ac97_regs.h include/regs/codec_regs.h
EMULIB_VERSION_FLAGS := -DAC97EMU_VERSION_FILE_MAJOR=$(EMULIB_MAJOR) \
	-DAC97EMU_VERSION_FILE_MINOR=$(word 2,$(VERSION_PARTS)) \
	-DAC97EMU_VERSION_FILE_PATCH=$(word 3,$(VERSION_PARTS))

# The API checks its header's version against VERSION (ac97emu.c).
$(BUILD)/emu/ac97emu.o $(BUILD)/pic/emu/ac97emu.o: VERSION
$(BUILD)/emu/ac97emu.o $(BUILD)/pic/emu/ac97emu.o: CPPFLAGS += $(EMULIB_VERSION_FLAGS)

$(BUILD)/pic/emu/%.o: emu/%.c
	@mkdir -p $(dir $@)
	$(call say,CC,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -fvisibility=hidden -MMD -MP -c $< -o $@

# -z defs: the library must need nothing from the program (a sanitizer
# build leaves its runtime's symbols to the program, so it goes without).
$(LIB_EMU_SO): $(EMULIB_PIC_OBJ) emu/ac97emu.map
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_LDFLAGS) -shared -Wl,-soname,$(EMULIB_SONAME) \
		-Wl,--version-script=emu/ac97emu.map $(if $(SAN_FLAGS),,-Wl,-z,defs) \
		-o $@ $(EMULIB_PIC_OBJ)

EMULIB_LIBDIR = $(DESTDIR)$(PREFIX)/lib
EMULIB_INCDIR = $(DESTDIR)$(PREFIX)/include/ac97emu
.PHONY: install-emulib test-embed
install-emulib: $(LIB_EMU) $(LIB_EMU_SO) emu/ac97emu.pc.in
	install -d $(EMULIB_INCDIR) $(EMULIB_LIBDIR)/pkgconfig
	install -m 644 $(EMULIB_HEADERS) $(EMULIB_INCDIR)/
	install -m 644 $(LIB_EMU) $(EMULIB_LIBDIR)/libac97emu.a
	install -m 755 $(LIB_EMU_SO) $(EMULIB_LIBDIR)/libac97emu.so.$(VERSION)
	ln -sf libac97emu.so.$(VERSION) $(EMULIB_LIBDIR)/$(EMULIB_SONAME)
	ln -sf $(EMULIB_SONAME) $(EMULIB_LIBDIR)/libac97emu.so
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' emu/ac97emu.pc.in \
		> $(EMULIB_LIBDIR)/pkgconfig/ac97emu.pc

# The example links the installed shared library, then the installed static
# one; both must print examples/embed/expected.txt, which the guide
# (docs/device-library.md) shows. The shared library must export the
# public API and nothing else.
EMBED_STAGE = $(abspath $(BUILD)/stage)
EMBED_OUT = $(abspath $(BUILD)/embed)
test-embed:
	@echo "== test-embed: the installed library, from examples/embed with pkg-config only ($(BUILD))"
	$(Q)rm -rf $(EMBED_STAGE) $(EMBED_OUT)
	$(Q)$(MAKE) --no-print-directory -s install-emulib PREFIX=$(EMBED_STAGE) DESTDIR=
	$(Q)exported=$$(nm -D --defined-only $(EMBED_STAGE)/lib/$(EMULIB_SONAME) | \
		awk '$$2 != "A" { print $$3 }' | sed 's/@.*//' | grep -v '^ac97emu_' || true); \
	if [ -n "$$exported" ]; then echo "test-embed: the library exports more than ac97emu_*:"; \
		echo "$$exported"; exit 1; fi
	$(Q)$(MAKE) --no-print-directory -C examples/embed OUT=$(EMBED_OUT) \
		PKG_CONFIG_PATH=$(EMBED_STAGE)/lib/pkgconfig all
	$(Q)LD_LIBRARY_PATH=$(EMBED_STAGE)/lib $(EMBED_OUT)/embed > $(EMBED_OUT)/shared.txt
	$(Q)$(EMBED_OUT)/embed-static > $(EMBED_OUT)/static.txt
	$(Q)diff -u examples/embed/expected.txt $(EMBED_OUT)/shared.txt
	$(Q)diff -u examples/embed/expected.txt $(EMBED_OUT)/static.txt
	$(Q)while IFS= read -r line; do grep -qxF -- "$$line" docs/device-library.md || \
		{ echo "test-embed: docs/device-library.md does not show: $$line"; exit 1; }; \
	done < examples/embed/expected.txt
	@echo "test-embed: the example's output is examples/embed/expected.txt, linked shared and static"

# ---- fuzzing (fuzz/README.md) -------------------------------------------------
#
#   make fuzz          each fuzz/fuzz_TARGET.c as a libFuzzer binary,
#                      build-fuzz/fuzz/fuzz-TARGET (clang, with
#                      -fsanitize=fuzzer,address,undefined)
#   make fuzz-run FUZZ_TARGET=device FUZZ_SECONDS=60
#                      fuzzes one target (nice'd), new inputs kept in
#                      build-fuzz/corpus/TARGET
#   make fuzz-merge FUZZ_TARGET=device
#                      minimises fixtures/fuzz/TARGET with what fuzz-run
#                      found (-merge=1); regress-* reproducers stay
#   make fuzz-replay   every fixtures/fuzz/TARGET file once through its
#                      target with a plain main instead of libFuzzer, in
#                      $(BUILD); `make check` does it plain and sanitized
FUZZ_TARGETS := device scenario trace regs audio
FUZZ_TARGET ?= device
FUZZ_SECONDS ?= 60
FUZZ_FLAGS ?= -timeout=25 -rss_limit_mb=2048
FUZZ_SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
FUZZ_SUPPORT_OBJ := $(BUILD)/fuzz/fuzz_common.o
FUZZ_TARGET_OBJ := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%.o)
FUZZ_REPLAYS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay-%)
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz-%)
.SECONDARY: $(FUZZ_SUPPORT_OBJ) $(FUZZ_TARGET_OBJ) $(BUILD)/fuzz/replay_main.o
.PHONY: fuzz fuzz-targets fuzz-run fuzz-merge fuzz-replay

$(BUILD)/fuzz/replay-%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/replay_main.o $(FUZZ_SUPPORT_OBJ) $(LIBS)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TOOL_LIBS) -lm

$(BUILD)/fuzz/fuzz-%: $(BUILD)/fuzz/fuzz_%.o $(FUZZ_SUPPORT_OBJ) $(LIBS)
	$(CC) $(ALL_LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(TOOL_LIBS) -lm

# Under a lock: fuzz-run and fuzz-merge build first, and two of them at
# once must not relink a binary the other is starting.
fuzz:
	@mkdir -p build-fuzz
	flock build-fuzz/.build-lock $(MAKE) --no-print-directory BUILD=build-fuzz CC=clang \
		CFLAGS="-O1 -g -fno-omit-frame-pointer" SAN_FLAGS="$(FUZZ_SAN_FLAGS)" fuzz-targets
fuzz-targets: $(FUZZ_BINS)

fuzz-run: fuzz
	@mkdir -p build-fuzz/corpus/$(FUZZ_TARGET) build-fuzz/artifacts
	dict=fuzz/$(FUZZ_TARGET).dict; [ -f $$dict ] && dict="-dict=$$dict" || dict=; \
	nice build-fuzz/fuzz/fuzz-$(FUZZ_TARGET) $$dict $(FUZZ_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
		-print_final_stats=1 -artifact_prefix=build-fuzz/artifacts/$(FUZZ_TARGET)- \
		build-fuzz/corpus/$(FUZZ_TARGET) fixtures/fuzz/$(FUZZ_TARGET) < /dev/null

fuzz-merge: fuzz
	rm -rf build-fuzz/merged/$(FUZZ_TARGET) && mkdir -p build-fuzz/merged/$(FUZZ_TARGET) build-fuzz/corpus/$(FUZZ_TARGET)
	nice build-fuzz/fuzz/fuzz-$(FUZZ_TARGET) -merge=1 $(FUZZ_FLAGS) build-fuzz/merged/$(FUZZ_TARGET) \
		fixtures/fuzz/$(FUZZ_TARGET) build-fuzz/corpus/$(FUZZ_TARGET) < /dev/null
	find fixtures/fuzz/$(FUZZ_TARGET) -maxdepth 1 -type f ! -name 'regress-*' -delete
	cp build-fuzz/merged/$(FUZZ_TARGET)/* fixtures/fuzz/$(FUZZ_TARGET)/
	@echo "fuzz-merge $(FUZZ_TARGET): $$(ls fixtures/fuzz/$(FUZZ_TARGET) | wc -l) files"

fuzz-replay: $(FUZZ_REPLAYS)
	@echo "fuzz-replay: every corpus file once through its target ($(BUILD), no fuzzing)"
	@set -e; for t in $(FUZZ_TARGETS); do \
		LSAN_OPTIONS=print_suppressions=0 $(BUILD)/fuzz/replay-$$t $$t fixtures/fuzz/$$t < /dev/null; done

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
