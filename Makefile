# SPDX-License-Identifier: GPL-2.0
# tenc: one binary, build/tenc, from cmd/, lib/ and bpf/ (skeletons embedded).
#   make [V=1] [SANITIZE=1]    build (SANITIZE=1 builds into build/asan/)
#   make test                  every lane: unit, netns, fuzz (seeds), vm (6.1), vm612 (6.12)
#                              (+ unit/netns on the ASan build)
#   make test-unit | test-netns | test-vm [KERNEL=6.1|6.12]
#   make fuzz [FUZZ_SECONDS=60] bounded fuzzing of every parser (tests/fuzz)
#   make demo                  namespace nodes with encryption and the audit
#   make image                 the node agent's OCI image (deploy/image/build.sh):
#                              build/image/tenc-image.tar and build/image/rootfs/
#   make deps                  install build and test dependencies (apt-get)
#   make install | uninstall   PREFIX=/usr/local DESTDIR= (the systemd units too,
#                              into SYSTEMDUNITDIR; nothing enabled or started)
#   make bench                 benchmarks (bench/)
#   make bench-watch           the watch benchmark alone (bench/vm-watch.sh, in the VM)
#   make bench-audit           BPF per-packet and `tenc audit` at scale (root; bench/audit/)
#   make bench-status          status's matching at 5,000 dual-stack peers, against
#                              STATUS_BASE's in the same run (no kernel; bench/status/)

PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
LIBEXECDIR ?= $(PREFIX)/libexec
# deploy/systemd: $(PREFIX)/lib/systemd/system (systemd looks in
# /usr/local/lib/systemd/system too); with PREFIX=/usr, systemd's own.
SYSTEMDUNITDIR ?= $(if $(filter /usr,$(PREFIX)),$(or $(shell pkg-config \
	--variable=systemdsystemunitdir systemd 2>/dev/null),/usr/lib/systemd/system),$(PREFIX)/lib/systemd/system)
DESTDIR ?=

ifeq ($(SANITIZE),1)
BUILD ?= build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
else
BUILD ?= build
SANFLAGS :=
endif

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

CC      ?= gcc
CLANG   ?= clang
BPFTOOL ?= $(shell command -v bpftool 2>/dev/null || echo /usr/sbin/bpftool)
ARCH    := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)

# lib/'s layers, lowest first (docs/design.md, "Layers"); a module may
# include headers of its own layer and lower ones (tests/lib/layers.sh).
LAYERS  := base model state kernel converge audit uc
LIB_INC := $(addprefix -Ilib/,$(LAYERS))

PKGS    := libbpf libmnl jansson libcrypto
# Recursive (=): evaluated only when compiling, after `make deps` has run.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lreadline

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1)
# cmd/version.c is compiled again whenever the version changes (a commit,
# a dirty tree): $(BUILD)/version.txt is rewritten only when it differs.
VERSION_FILE := $(shell mkdir -p $(BUILD) && echo '$(VERSION)' | cmp -s - $(BUILD)/version.txt || \
	echo '$(VERSION)' > $(BUILD)/version.txt; echo $(BUILD)/version.txt)

CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Werror -MMD -MP -D_GNU_SOURCE \
	   -DTENC_VERSION='"$(VERSION)"' $(LIB_INC) -Ibpf -I$(BUILD) $(SANFLAGS) $(LAYOUT_DEFS)
LDFLAGS += $(SANFLAGS)

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

LIB_SRCS := $(foreach l,$(LAYERS),$(wildcard lib/$(l)/*.c))
CMD_SRCS := $(wildcard cmd/*.c)
LIB_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
CMD_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(CMD_SRCS))

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst %.c,$(BUILD)/%,$(UNIT_SRCS))
# Test drivers over single modules (nltool: netlink, dptool: BPF datapath).
TOOL_BINS := $(patsubst %.c,$(BUILD)/%,$(wildcard tests/tools/*.c))

# Commands that get a tenc-<command> multi-call link.
LINKS := enable disable key peer subnet status advertise audit trace shell version

.PHONY: all clean install uninstall deps test test-unit test-netns test-vm \
	unit-tests demo bench bench-watch bench-audit bench-status fuzz fuzz-build old-tenc pre6-tenc prev6-tenc next-tenc check-layers image

all: check-layers $(BUILD)/tenc $(TOOL_BINS)

# A module of lib/ that includes a header of a higher layer fails the build.
check-layers:
	$(call msg,LAYERS,lib/)
	$(Q)tests/lib/layers.sh

$(BUILD)/tenc: $(CMD_OBJS) $(LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/cmd/version.o: $(VERSION_FILE)
$(BUILD)/%.o: %.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -target bpf -g -O2 -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Ibpf $(LAYOUT_DEFS) \
		$(if $(MULTIARCH),-idirafter /usr/include/$(MULTIARCH)) -c $< -o $@

.SECONDARY: $(BPF_OBJS)

$(BUILD)/%.skel.h: $(BUILD)/bpf/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*) > $@.tmp && mv $@.tmp $@

# Unit tests: pure code from lib/, no root needed.
unit-tests: $(UNIT_BINS)

# Linked against an archive, so a test pulls in only the modules it uses.
$(BUILD)/libtenc.a: $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libtenc.a
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(BUILD)/libtenc.a $(PKG_LIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libtenc.a
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libtenc.a $(PKG_LIBS)

# test_oom fails the k-th realloc of libtenc's code on demand.
$(BUILD)/tests/unit/test_oom: LDFLAGS += -Wl,--wrap=realloc
# test_nlbatch scripts the kernel's replies (and fails reallocs on demand).
$(BUILD)/tests/unit/test_nlbatch: LDFLAGS += -Wl,--wrap=sendto,--wrap=recv,--wrap=recvmmsg,--wrap=realloc

deps:
	$(Q)tests/deps.sh

# The tenc an upgrade is tested from (tests/netns/upgrade.bats): the commit
# before the live-changes work, built from git history into build/old/.
UPGRADE_FROM ?= defa0c1

old-tenc:
	$(Q)tests/lib/build-old.sh $(UPGRADE_FROM) build/old

# The tenc before IPv6 accounting (no flows6 map), for tests/netns/upgrade6.bats.
PRE_V6 ?= 89aaeab

pre6-tenc:
	$(Q)tests/lib/build-old.sh $(PRE_V6) build/pre6

# The tenc whose flows6 had 65,536 entries (before IPv6 was in scope), for
# upgrade6.bats' migration of flows6.
PREV_V6 ?= f0b2434

prev6-tenc:
	$(Q)tests/lib/build-old.sh $(PREV_V6) build/prev6

# The tenc an upgrade is tested to: this tree with the next layout (a
# pinned map of another shape, config layout + 1), in build/next/.
NEXT_LAYOUT_DEFS := -DTENC_LAYOUT=2 -DTENC_IPCACHE_MAX=524288

next-tenc:
	$(Q)$(MAKE) --no-print-directory BUILD=build/next LAYOUT_DEFS='$(NEXT_LAYOUT_DEFS)' build/next/tenc

# The node agent's image, from Debian packages and build/tenc (root;
# deploy/image/build.sh caches its base layer in build/image/base). Not
# part of all; make test and test-vm build it (the VM lane runs the agent
# in build/image/rootfs).
image: build/tenc
	$(call msg,IMAGE,build/image/tenc-image.tar)
	$(Q)TENC=build/tenc OUT=build/image deploy/image/build.sh

test: deps
	$(Q)$(MAKE) --no-print-directory all unit-tests old-tenc pre6-tenc prev6-tenc next-tenc image
	$(Q)$(MAKE) --no-print-directory SANITIZE=1 all unit-tests
	$(Q)tests/run.sh all

test-unit: deps
	$(Q)$(MAKE) --no-print-directory all unit-tests
	$(Q)tests/run.sh unit

test-netns: deps
	$(Q)$(MAKE) --no-print-directory all pre6-tenc prev6-tenc next-tenc image
	$(Q)tests/run.sh netns

# KERNEL=6.1 (default): the vm lane, Debian 12's kernel; KERNEL=6.12: the
# vm612 lane, Debian 13's (tests/vm/README.md).
test-vm: deps
	$(Q)case "$(or $(KERNEL),6.1)" in 6.1|6.12) ;; \
	*) echo "make test-vm: KERNEL must be 6.1 or 6.12, not '$(KERNEL)'" >&2; exit 2 ;; esac
	$(Q)$(MAKE) --no-print-directory all old-tenc pre6-tenc next-tenc image
	$(Q)tests/run.sh $(if $(filter 6.12,$(KERNEL)),vm612,vm)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)examples/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)bench/run.sh

bench-watch: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)BENCH_ONLY=watch bench/run.sh

# bench/audit: BPF_PROG_TEST_RUN of the programs against baselines, and
# `tenc audit` at 100,000 flows; writes build/bench/audit-results.md.
AUDIT_BENCH := $(BUILD)/bench/audit

$(AUDIT_BENCH)/baseline.bpf.o: bench/audit/baseline.bpf.c $(wildcard bpf/*.h)
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -target bpf -g -O2 -D__TARGET_ARCH_$(ARCH) -Wall -Werror -Ibpf $(LAYOUT_DEFS) \
		$(if $(MULTIARCH),-idirafter /usr/include/$(MULTIARCH)) -c $< -o $@

$(AUDIT_BENCH)/baseline.skel.h: $(AUDIT_BENCH)/baseline.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name baseline > $@.tmp && mv $@.tmp $@

AUDIT_BENCH_SRCS := bench/audit/bpfbench.c bench/audit/pktbench.c

$(AUDIT_BENCH)/bpfbench: $(AUDIT_BENCH_SRCS) bench/audit/bpfbench.h $(AUDIT_BENCH)/baseline.skel.h $(BUILD)/libtenc.a
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -I$(AUDIT_BENCH) $(LDFLAGS) -o $@ $(AUDIT_BENCH_SRCS) $(BUILD)/libtenc.a $(PKG_LIBS)

$(AUDIT_BENCH)/rtime: bench/audit/rtime.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $<

bench-audit: deps
	$(Q)$(MAKE) --no-print-directory all $(AUDIT_BENCH)/bpfbench $(AUDIT_BENCH)/rtime
	$(Q)bench/audit/run.sh

# bench/status: status's matching of the kernel's objects to peers
# (status_derive) at BENCH_STATUS_PEERS dual-stack peers, timed against
# STATUS_BASE's (the scans per peer and per IN SA: its lib/uc/status.c
# and lib/state/rxbase.c out of git) in the same run, BENCH_STATUS_ROUNDS
# rounds; one JSON line.
STATUS_BENCH := $(BUILD)/bench/status
STATUS_BASE ?= 146ac22
BENCH_STATUS_PEERS ?= 5000
BENCH_STATUS_ROUNDS ?= 5

$(STATUS_BENCH)/old_status.c $(STATUS_BENCH)/old_rxbase.c: $(STATUS_BENCH)/old_%.c:
	$(call msg,GIT,$@)
	$(Q)mkdir -p $(@D)
	$(Q)git show $(STATUS_BASE):$(if $(filter status,$*),lib/uc,lib/state)/$*.c > $@.tmp && mv $@.tmp $@

$(STATUS_BENCH)/statusbench: bench/status/statusbench.c bench/status/old.c tests/unit/manypeers.h $(STATUS_BENCH)/old_status.c \
		$(STATUS_BENCH)/old_rxbase.c $(BUILD)/libtenc.a
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(PKG_CFLAGS) -I$(STATUS_BENCH) -Itests/unit $(LDFLAGS) -o $@ bench/status/statusbench.c \
		bench/status/old.c $(BUILD)/libtenc.a $(PKG_LIBS)

bench-status: $(STATUS_BENCH)/statusbench
	$(Q)$< $(BENCH_STATUS_PEERS) $(BENCH_STATUS_ROUNDS)

# Fuzzing (tests/fuzz, libFuzzer): every parser of outside input, built
# with clang into build/fuzz/ (the library too, with coverage and ASan+UBSan;
# build/ and build/asan/ are not touched).
#   make fuzz-build            the fuzzers, build/fuzz/fuzz_<name>
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="addr keyline"]
#                              each fuzzer in turn for FUZZ_SECONDS, new inputs
#                              in build/fuzz/corpus/<name>, crashes in
#                              build/fuzz/crashes/, logs build/fuzz/<name>.log
#                              (seeds tests/fuzz/corpus/<name>, -dict tests/fuzz/<name>.dict)
FUZZ_BUILD    := build/fuzz
FUZZ_CC       ?= clang
FUZZ_SECONDS  ?= 60
FUZZ_TARGETS  ?= keyline addr peers_json config_json keys_json nodelist watch
FUZZ_SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_CFLAGS   := -O1 -g -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(LIB_INC) -Ibpf -I$(FUZZ_BUILD) -Itests/unit
FUZZ_FLAGS    ?= -timeout=10 -rss_limit_mb=2048
FUZZ_BINS     := $(patsubst %,$(FUZZ_BUILD)/fuzz_%,$(FUZZ_TARGETS))

fuzz-build:
	$(Q)$(MAKE) --no-print-directory CC=$(FUZZ_CC) BUILD=$(FUZZ_BUILD) SANITIZE=1 \
		SANFLAGS="-fsanitize=fuzzer-no-link $(FUZZ_SANFLAGS)" $(FUZZ_BUILD)/libtenc.a
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BINS)

# The archive is made by fuzz-build's first step (a make with BUILD=build/fuzz).
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libtenc.a $(wildcard tests/fuzz/*.h) tests/unit/leak.h
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(PKG_CFLAGS) -fsanitize=fuzzer $(FUZZ_SANFLAGS) -o $@ $< \
		$(FUZZ_BUILD)/libtenc.a $(PKG_LIBS)

# One fuzzer at a time (the machine is shared); all of them run even when
# one finds a crash, and the target fails at the end if any did.
fuzz: fuzz-build
	$(Q)failed=; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t $(FUZZ_BUILD)/crashes; \
		echo "  FUZZ     $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) $(FUZZ_FLAGS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_BUILD)/crashes/$$t- -dict=tests/fuzz/$$t.dict \
			$(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t >$(FUZZ_BUILD)/$$t.log 2>&1 || failed="$$failed $$t"; \
		grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' $(FUZZ_BUILD)/$$t.log | tail -n1 | sed 's/^/    /'; \
		grep -E '^stat::(number_of_executed_units|average_exec_per_sec)' $(FUZZ_BUILD)/$$t.log | sed 's/^/    /'; \
		echo "    corpus: $$(ls $(FUZZ_BUILD)/corpus/$$t | wc -l) files in $(FUZZ_BUILD)/corpus/$$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz: crashes in:$$failed (see $(FUZZ_BUILD)/<name>.log, $(FUZZ_BUILD)/crashes/)"; exit 1; fi

# The systemd units name the installed paths: generated from
# deploy/systemd/*.in at install time.
SYSTEMD_UNITS := tenc.service tenc-audit.service
SYSTEMD_SUBST = sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g'

# bash-completion loads a command's completion from a file named after the
# command, so the completion is linked as tenc-<command> too.
install: $(BUILD)/tenc $(TOOL_BINS)
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0755 $(BUILD)/tenc $(DESTDIR)$(SBINDIR)/tenc
	for c in $(LINKS); do ln -sf tenc $(DESTDIR)$(SBINDIR)/tenc-$$c; done
	install -m 0644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 completions/tenc.bash $(DESTDIR)$(BASHCOMPDIR)/tenc
	for c in $(LINKS); do ln -sf tenc $(DESTDIR)$(BASHCOMPDIR)/tenc-$$c; done
	install -d $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(LIBEXECDIR)/tenc
	for u in $(SYSTEMD_UNITS); do \
		$(SYSTEMD_SUBST) deploy/systemd/$$u.in > $(DESTDIR)$(SYSTEMDUNITDIR)/$$u || exit 1; \
		chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u; \
	done
	install -m 0644 deploy/systemd/tenc-audit.timer $(DESTDIR)$(SYSTEMDUNITDIR)/
	$(SYSTEMD_SUBST) deploy/systemd/audit-textfile.in > $(DESTDIR)$(LIBEXECDIR)/tenc/audit-textfile
	chmod 0755 $(DESTDIR)$(LIBEXECDIR)/tenc/audit-textfile

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/tenc $(foreach c,$(LINKS),$(DESTDIR)$(SBINDIR)/tenc-$(c))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(wildcard man/*.8)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/tenc $(foreach c,$(LINKS),$(DESTDIR)$(BASHCOMPDIR)/tenc-$(c))
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(SYSTEMD_UNITS) tenc-audit.timer)
	rm -f $(DESTDIR)$(LIBEXECDIR)/tenc/audit-textfile
	rmdir $(DESTDIR)$(LIBEXECDIR)/tenc 2>/dev/null || true

clean:
	rm -rf build

-include $(CMD_OBJS:.o=.d) $(LIB_OBJS:.o=.d) $(UNIT_BINS:=.d) $(TOOL_BINS:=.d)
