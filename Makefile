# cmdai-policy — top-level build.
# Stage order: grammar/ (re2c, lemon) -> compiler/ (libcmdaic.a, cmdai-policyc)
#              runtime/ (libcmdai-policy.{a,so}, cmdai-policy) -> tests/.
# Generated C lives in $(BUILD)/gen and is never committed.  Sources are found
# by wildcard so that adding a module never needs a Makefile edit.

BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
RE2C    ?= re2c
LEMON   ?= lemon
SOVER    = 1

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla
CFLAGS  ?= -O2 -g
PKGS     = yaml-0.1 libsodium jansson
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# The runtime library needs libsodium and libc only (DESIGN.md "Layout").
RT_LIBS    := $(shell pkg-config --libs libsodium 2>/dev/null)
GEN      = $(BUILD)/gen
CPPFLAGS_ALL = -Iruntime/include -Iruntime -Iruntime/cli -Icompiler -I$(GEN) -D_GNU_SOURCE $(PKG_CFLAGS)
ALL_CFLAGS   = -std=c11 $(WARN) $(CFLAGS) $(CPPFLAGS_ALL) -fPIC -fvisibility=hidden -MMD -MP
# lemon and re2c output is not ours to restyle; keep it warning-clean but lenient.
GEN_CFLAGS   = -std=c11 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-unused-variable \
               -Wno-unused-but-set-variable -Wno-implicit-fallthrough -Wno-sign-compare \
               -Wno-missing-prototypes -Wno-unused-function $(CFLAGS) $(CPPFLAGS_ALL) -fPIC -MMD -MP
ifdef SANITIZE
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
GEN_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=$(SANITIZE)
endif

LEMPAR := $(firstword $(wildcard /usr/share/lemon/lempar.c /usr/share/lemon/lempar.c))

# ---- sources ---------------------------------------------------------------
RT_RE    = $(wildcard grammar/shell*.re)
CC_RE    = $(filter-out $(RT_RE),$(wildcard grammar/*.re))
CC_Y     = $(wildcard grammar/*.y)
RT_SRC   = $(wildcard runtime/*.c)
CC_SRC   = $(wildcard compiler/*.c)
RT_GEN_C = $(patsubst grammar/%.re,$(GEN)/%.c,$(RT_RE))
CC_GEN_C = $(patsubst grammar/%.re,$(GEN)/%.c,$(CC_RE)) $(patsubst grammar/%.y,$(GEN)/%.c,$(CC_Y))
CC_GEN_H = $(patsubst grammar/%.y,$(GEN)/%.h,$(CC_Y))

RT_OBJ   = $(patsubst %.c,$(BUILD)/obj/%.o,$(RT_SRC)) $(patsubst $(GEN)/%.c,$(BUILD)/obj/gen/%.o,$(RT_GEN_C))
CC_OBJ   = $(patsubst %.c,$(BUILD)/obj/%.o,$(CC_SRC)) $(patsubst $(GEN)/%.c,$(BUILD)/obj/gen/%.o,$(CC_GEN_C))
RTCLI_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard runtime/cli/*.c))
CCCLI_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard compiler/cli/*.c)) $(BUILD)/obj/runtime/cli/verdict_json.o

LIB_A    = $(BUILD)/lib/libcmdai-policy.a
LIB_SO   = $(BUILD)/lib/libcmdai-policy.so.$(SOVER)
LIBC_A   = $(BUILD)/lib/libcmdaic.a
BIN_RT   = $(BUILD)/bin/cmdai-policy
BIN_CC   = $(BUILD)/bin/cmdai-policyc

TEST_SRC = $(wildcard tests/runtime/test_*.c tests/compiler/test_*.c)
TEST_BIN = $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all deps test unit cli-test asan fuzz fuzz-smoke demo install uninstall clean bench bench-deps bench-run valgrind check-tools
all: $(LIB_A) $(LIB_SO) $(BUILD)/lib/libcmdai-policy.so $(LIBC_A) $(BIN_RT) $(BIN_CC) $(BUILD)/lib/pkgconfig/cmdai-policy.pc

# ---- dependencies (Debian) -------------------------------------------------
DEB_PKGS = re2c lemon libsodium-dev libjansson-dev libcmocka-dev libyaml-dev pkg-config \
           minisign clang libclang-rt-14-dev valgrind bash zsh fish tmux bash-builtins \
           python3-jsonschema python3-yaml rsyslog
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	else echo "make deps: all build dependencies present"; fi

# ---- generated sources -----------------------------------------------------
$(GEN)/%.c $(GEN)/%.h: grammar/%.y
	@mkdir -p $(GEN)
	cp $< $(GEN)/$*.y && $(LEMON) -q $(if $(LEMPAR),-T$(LEMPAR)) $(GEN)/$*.y

$(GEN)/%.c: grammar/%.re $(CC_GEN_H)
	@mkdir -p $(GEN)
	$(RE2C) -W --no-generation-date -o $@ $<

# ---- objects ---------------------------------------------------------------
$(BUILD)/obj/gen/%.o: $(GEN)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(GEN_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.c | $(CC_GEN_H) $(RT_GEN_C) $(CC_GEN_C)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# ---- libraries and programs --------------------------------------------------
$(LIB_A): $(RT_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIB_SO): $(RT_OBJ)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libcmdai-policy.so.$(SOVER) -Wl,--as-needed -o $@ $^ $(LDFLAGS) $(RT_LIBS)

$(BUILD)/lib/libcmdai-policy.so: $(LIB_SO)
	ln -sf libcmdai-policy.so.$(SOVER) $@

$(LIBC_A): $(CC_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN_RT): $(RTCLI_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(RTCLI_OBJ) $(LIB_A) $(LDFLAGS) $(PKG_LIBS) -lpthread

$(BIN_CC): $(CCCLI_OBJ) $(LIBC_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(CCCLI_OBJ) $(LIBC_A) $(LIB_A) $(LDFLAGS) $(PKG_LIBS) -lpthread

# ---- shell hooks (issue 4): runtime/hooks/* as C strings for `cmdai-policy hook`,
# and the bash loadable builtin (only where Debian's bash-builtins headers are).
HOOK_SRC = $(sort $(wildcard runtime/hooks/*))
$(GEN)/hook_snippets.inc: $(HOOK_SRC)
	@mkdir -p $(GEN)
	@for f in $(HOOK_SRC); do n=$$(basename $$f | tr -c 'a-zA-Z0-9\n' _); \
	  printf 'static const char hook_%s[] =\n' "$$n"; \
	  sed -e 's/\\/\\\\/g; s/"/\\"/g; s/?/\\?/g; s/^/"/; s/$$/\\n"/' $$f; printf ';\n'; \
	done > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/runtime/cli/hook.o: $(GEN)/hook_snippets.inc

# lint's compliance control lists (docs/compliance/controls/<FRAMEWORK>.txt), compiled in.
CONTROLS = $(sort $(wildcard docs/compliance/controls/*.txt))
$(GEN)/lint_controls.inc: $(CONTROLS)
	@mkdir -p $(GEN)
	@for f in $(CONTROLS); do printf '{"%s",\n' "$$(basename $$f .txt)"; \
	  grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$$' $$f | sed -e 's/[[:space:]]*$$//; s/^/ "/; s/$$/\\n"/'; \
	  printf '},\n'; done > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/compiler/lint.o: $(GEN)/lint_controls.inc

# Per-command cost of each shell hook (figures for docs/hooks.md, not a test).
bench-hooks: all
	BIN=$(abspath $(BUILD)/bin) LIB=$(abspath $(BUILD)/lib) bash tests/cli/bench_hooks.bash

BASH_INC ?= /usr/include/bash
BUILTIN_SO = $(BUILD)/lib/cmdai_check.so
ifneq ($(wildcard $(BASH_INC)/builtins.h),)
all: $(BUILTIN_SO)
endif
BUILTIN_CLI = $(BUILD)/obj/runtime/cli/hook_client.o $(BUILD)/obj/runtime/cli/verdict_json.o  # to ask cmdai-policyd
$(BUILTIN_SO): runtime/builtin/cmdai_check.c $(BUILTIN_CLI) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(CFLAGS) -Iruntime/include -Iruntime/cli -I/usr/lib/bash -D_GNU_SOURCE -DHAVE_CONFIG_H -isystem $(BASH_INC) \
	  -isystem $(BASH_INC)/include -isystem $(BASH_INC)/builtins -fPIC -shared -o $@ $< $(BUILTIN_CLI) $(LIB_A) $(LDFLAGS) $(RT_LIBS) \
	  $(shell pkg-config --libs jansson 2>/dev/null)

$(BUILD)/lib/pkgconfig/cmdai-policy.pc: runtime/cmdai-policy.pc.in
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(abspath .)|; s|@INCLUDEDIR@|$(abspath runtime/include)|; s|@LIBDIR@|$(abspath $(BUILD)/lib)|' $< > $@

# ---- tests -----------------------------------------------------------------
$(BUILD)/tests/%: tests/%.c $(LIBC_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(LIBC_A) $(LIB_A) $(LDFLAGS) $(PKG_LIBS) -lcmocka -lpthread

unit: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; (cd tests && ../$$t) || { echo "FAILED: $$t"; fail=1; }; \
	done; exit $$fail

cli-test: all
	@fail=0; for t in $(sort $(wildcard tests/cli/*.sh)); do \
	  echo "== $$t"; BIN=$(abspath $(BUILD)/bin) LIB=$(abspath $(BUILD)/lib) BUILD=$(abspath $(BUILD)) bash $$t || { echo "FAILED: $$t"; fail=1; }; \
	done; exit $$fail

asan:
	$(MAKE) BUILD=$(BUILD)/asan SANITIZE=address,undefined CFLAGS="-O1 -g" unit

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) cli-test
	$(MAKE) asan
	$(MAKE) fuzz-smoke

# ---- valgrind memcheck of every unit test binary ------------------------------
VALGRIND ?= valgrind
valgrind: $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do \
	  echo "== valgrind $$t"; \
	  (cd tests && $(VALGRIND) -q --error-exitcode=1 --leak-check=full ../$$t) || { echo "FAILED: $$t"; fail=1; }; \
	done; exit $$fail

# ---- fuzzing (clang libFuzzer) ---------------------------------------------
FUZZ_BIN = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_SECONDS ?= 60
# Harnesses of sources outside the two libraries name them here (the stem is the harness).
FUZZ_EXTRA_fuzz_fleet    = runtime/daemon/fleet_meta.c
FUZZ_EXTRA_fuzz_daemon_req = runtime/daemon/request.c
FUZZ_EXTRA_fuzz_registry = runtime/daemon/fleet_http.c $(shell pkg-config --libs libcurl 2>/dev/null)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(RT_SRC) $(CC_SRC) $(RT_GEN_C) $(CC_GEN_C) runtime/daemon/fleet_meta.c runtime/daemon/fleet_http.c runtime/daemon/request.c
	$(MAKE) BUILD=$(BUILD)/fuzzlib CC=clang SANITIZE=fuzzer-no-link,address,undefined CFLAGS="-O1 -g" $(BUILD)/fuzzlib/lib/libcmdaic.a $(BUILD)/fuzzlib/lib/libcmdai-policy.a
	@mkdir -p $(dir $@)
	clang -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined $(CPPFLAGS_ALL) -Iruntime/daemon -I$(BUILD)/fuzzlib/gen -o $@ $< $(FUZZ_EXTRA_$*) \
	  $(BUILD)/fuzzlib/lib/libcmdaic.a $(BUILD)/fuzzlib/lib/libcmdai-policy.a $(PKG_LIBS) -lpthread

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p $(BUILD)/corpus/$$n; \
	  echo "== fuzz $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=4096 $(BUILD)/corpus/$$n tests/fuzz/corpus/$$n || exit 1; done

fuzz-smoke:
	$(MAKE) FUZZ_SECONDS=10 fuzz

# ---- benchmark (figures, not a test) -----------------------------------------
# tests/bench/bench_*.c (bench_cg_driver.c is its own program, run under callgrind);
# the regex baselines are bench-only dependencies, each compiled in when its
# pkg-config module is found and reported as "not built" otherwise.
BENCH_DEB = libpcre2-dev libhyperscan-dev libre2-dev
CXX      ?= g++
BENCH_HAVE_PCRE2 := $(shell pkg-config --exists libpcre2-8 2>/dev/null && echo 1)
BENCH_HAVE_HS    := $(shell pkg-config --exists libhs 2>/dev/null && echo 1)
BENCH_HAVE_RE2   := $(shell pkg-config --exists re2 2>/dev/null && echo 1)
BENCH_DEFS = $(if $(BENCH_HAVE_PCRE2),-DBENCH_HAVE_PCRE2) $(if $(BENCH_HAVE_HS),-DBENCH_HAVE_HS)
BENCH_LIBS = $(if $(BENCH_HAVE_PCRE2),$(shell pkg-config --libs libpcre2-8)) \
             $(if $(BENCH_HAVE_HS),$(shell pkg-config --libs libhs)) \
             $(if $(BENCH_HAVE_RE2),$(shell pkg-config --libs re2) -lstdc++)
BENCH_SRC  = $(filter-out tests/bench/bench_cg_driver.c $(if $(BENCH_HAVE_RE2),tests/bench/bench_re2_stub.c),\
               $(wildcard tests/bench/bench_*.c))
BENCH_OBJ  = $(patsubst tests/bench/%.c,$(BUILD)/bench/obj/%.o,$(BENCH_SRC)) \
             $(if $(BENCH_HAVE_RE2),$(BUILD)/bench/obj/bench_re2.o)

bench-deps:
	@missing=""; for p in $(BENCH_DEB); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make bench-deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing \
	    || echo "make bench-deps: could not install$$missing; those baselines will be reported as not built"; \
	else echo "make bench-deps: all benchmark dependencies present"; fi

$(BUILD)/bench/obj/%.o: tests/bench/%.c tests/bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(BENCH_DEFS) $(if $(BENCH_HAVE_HS),$(shell pkg-config --cflags libhs)) -c -o $@ $<

$(BUILD)/bench/obj/bench_re2.o: tests/bench/bench_re2.cc tests/bench/bench.h
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 -O2 -g -Wall -Wextra -Werror -Itests/bench $(shell pkg-config --cflags re2) -c -o $@ $<

$(BUILD)/bench/bench_main: $(BENCH_OBJ) $(LIBC_A) $(LIB_A)
	$(CC) -o $@ $(BENCH_OBJ) $(LIBC_A) $(LIB_A) $(LDFLAGS) $(PKG_LIBS) $(BENCH_LIBS) -lpthread

$(BUILD)/bench/bench_cg_driver: tests/bench/bench_cg_driver.c $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_A) $(LDFLAGS) $(RT_LIBS) -lpthread

# bench-deps first (a separate make, so the pkg-config probes above see what
# it installed); BENCH_MAX_RULES=1000 skips the 10,000-rule set.
BENCH_MAX_RULES ?= 10000
bench: bench-deps
	$(MAKE) bench-run

bench-run: all $(BUILD)/bench/bench_main $(BUILD)/bench/bench_cg_driver
	$(BUILD)/bench/bench_main $(BUILD) $(BENCH_MAX_RULES)
	@echo "== shell hook overhead per command line (docs/hooks.md)"
	N=200 BIN=$(abspath $(BUILD)/bin) LIB=$(abspath $(BUILD)/lib) bash tests/cli/bench_hooks.bash

# ---- demo, install, clean ----------------------------------------------------
demo: deps
	$(MAKE) all
	bash examples/demo.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/cmdai \
	           $(DESTDIR)$(PREFIX)/share/cmdai/stdlib-templates
	install -m 0755 $(BIN_RT) $(BIN_CC) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(LIB_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 0755 $(LIB_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libcmdai-policy.so.$(SOVER) $(DESTDIR)$(PREFIX)/lib/libcmdai-policy.so
	install -m 0644 runtime/include/cmdai/policy.h $(DESTDIR)$(PREFIX)/include/cmdai/
	install -m 0644 stdlib-templates/*.yaml $(DESTDIR)$(PREFIX)/share/cmdai/stdlib-templates/
	sed -e 's|@PREFIX@|$(PREFIX)|; s|@INCLUDEDIR@|$(PREFIX)/include|; s|@LIBDIR@|$(PREFIX)/lib|' \
	  runtime/cmdai-policy.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/cmdai-policy.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/cmdai-policy $(DESTDIR)$(PREFIX)/bin/cmdai-policyc \
	      $(DESTDIR)$(PREFIX)/lib/libcmdai-policy.* $(DESTDIR)$(PREFIX)/lib/pkgconfig/cmdai-policy.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/cmdai $(DESTDIR)$(PREFIX)/share/cmdai

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- cmdai-policyd, the audit trail daemon (issue 5; docs/daemon.md) ----------
BIN_D   = $(BUILD)/bin/cmdai-policyd
D_OBJ   = $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard runtime/daemon/*.c)) $(BUILD)/obj/runtime/cli/verdict_json.o \
          $(BUILD)/obj/runtime/cli/audit_cli.o
DEB_PKGS += libcurl4-openssl-dev
D_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
D_LIBS  := $(shell pkg-config --libs libcurl 2>/dev/null)
$(BUILD)/obj/runtime/daemon/%.o: CPPFLAGS_ALL += $(D_CFLAGS)
all: $(BIN_D)
$(BIN_D): $(D_OBJ) $(LIB_A)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $(D_OBJ) $(LIB_A) $(LDFLAGS) $(PKG_LIBS) $(D_LIBS) -lpthread

# Registry and fleet (issue 6): cmdai-policyc fetches registries over HTTP with
# the daemon's bounded fetcher (runtime/daemon/fleet_http.c) and libcurl.
CCCLI_OBJ += $(BUILD)/obj/runtime/daemon/fleet_http.o
$(BIN_CC): $(BUILD)/obj/runtime/daemon/fleet_http.o
$(BIN_CC): PKG_LIBS += $(D_LIBS)
$(BUILD)/tests/compiler/test_registry: $(BUILD)/obj/runtime/daemon/fleet_http.o
$(BUILD)/tests/compiler/test_registry: PKG_LIBS += $(BUILD)/obj/runtime/daemon/fleet_http.o $(D_LIBS)
DEB_PKGS += nginx

.PHONY: install-daemon bench-daemon
install: install-daemon
install-daemon: $(BIN_D)
	install -d $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(BIN_D) $(DESTDIR)$(PREFIX)/sbin/

# decisions/s and p50/p99 with 1, 8 and 64 clients on loopback (figures, not a test)
$(BUILD)/bench/daemon_load: tests/bench/daemon_load.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -O2 -D_GNU_SOURCE -o $@ $< -lpthread
# fdatasync latency of the audit log's file system alone: the floor of the durable rows
$(BUILD)/bench/fsync_probe: tests/bench/fsync_probe.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -O2 -D_GNU_SOURCE -o $@ $<
bench-daemon: all $(BUILD)/bench/daemon_load $(BUILD)/bench/fsync_probe
	bash tests/bench/daemon_load.sh $(abspath $(BUILD)/bin) $(abspath $(BUILD)/bench/daemon_load) "$(BENCH_SECONDS)" $(abspath $(BUILD)/bench/fsync_probe)

# ---- detection quality on the mostly-benign corpora (issue 3, docs/detection.md) ----
# Per template: how many lines of each corpus got each action, and the rules
# that fired most.  TEMPLATES=... narrows it; LIST_HITS=core-safety prints
# every confirm/deny line of that template for triage.
CORPORA ?= ../shared/corpora
TEMPLATES ?= $(sort $(wildcard stdlib-templates/*.yaml))
.PHONY: corpus-report
corpus-report: all
	python3 tests/corpus/report.py --bin $(BUILD)/bin --corpora $(CORPORA) \
	  $(if $(LIST_HITS),--list-hits $(LIST_HITS)) $(TEMPLATES)

# ---- compliance report screenshot (issue 7, docs/report.md) ----------------
# Renders the sample report with headless Chromium when it is installed (not a
# dependency: too heavy for CI) so that the page can be looked at.
.PHONY: report-shot
report-shot: all
	@command -v chromium > /dev/null || { echo "report-shot: chromium is not installed (apt-get install chromium)"; exit 1; }
	$(BUILD)/bin/cmdai-policyc report --framework SOC2 --key tests/golden/report/audit.pub \
	  -o $(BUILD)/report.html tests/golden/report/policy.yaml tests/golden/report/audit.log
	d=$$(mktemp -d) && chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	  --disable-background-networking --disable-component-update --disable-sync --user-data-dir=$$d \
	  --screenshot=$(abspath $(BUILD))/report-shot.png --window-size=1280,3000 \
	  file://$(abspath $(BUILD))/report.html; rc=$$?; rm -rf $$d; exit $$rc
