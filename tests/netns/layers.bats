#!/usr/bin/env bats
# layers.bats: tests/lib/layers.sh, the check `make` runs before it
# builds: the tree as it is passes; a module that includes a header of a
# higher layer, a header in two layers, or a file outside every layer
# fails it, naming the file.

load helpers

LAYERS=$REPO/tests/lib/layers.sh

# copy: lib/ and bpf/ into $T_DIR/tree, to break.
copy() {
	mkdir -p "$T_DIR/tree"
	cp -r "$REPO/lib" "$REPO/bpf" "$T_DIR/tree/"
}

@test "layers: the tree passes" {
	run "$LAYERS" "$REPO"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "layers: a lower layer including a higher one fails, naming both" {
	copy
	sed -i '0,/#include "num.h"/s//#include "num.h"\n#include "uc_peer.h"/' "$T_DIR/tree/lib/base/num.c"
	run "$LAYERS" "$T_DIR/tree"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *'lib/base/num.c:'*': includes "uc_peer.h" of lib/uc/, above lib/base/'* ]]
}

@test "layers: a header in two layers, or a file outside every layer, fails" {
	copy
	cp "$T_DIR/tree/lib/base/num.h" "$T_DIR/tree/lib/uc/num.h"
	touch "$T_DIR/tree/lib/stray.c"
	run "$LAYERS" "$T_DIR/tree"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"num.h is in lib/base/ and lib/uc/"* ]]
	[[ $output == *"lib/stray.c: not in a layer"* ]]
}

@test "layers: make stops before building on a violation" {
	copy
	cp "$REPO/Makefile" "$T_DIR/tree/"
	mkdir -p "$T_DIR/tree/tests/lib"
	cp "$LAYERS" "$T_DIR/tree/tests/lib/"
	sed -i '0,/#include "num.h"/s//#include "num.h"\n#include "apply.h"/' "$T_DIR/tree/lib/base/num.c"
	run make -C "$T_DIR/tree" all
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *'includes "apply.h" of lib/converge/, above lib/base/'* ]]
	[ ! -e "$T_DIR/tree/build/tenc" ]
	[ ! -e "$T_DIR/tree/build/lib" ] # nothing compiled
}

@test "layers: docs/design.md's code map names every module of lib/ in its layer" {
	local f l b map missing=0
	map=$(awk '/^## Code map/ { on = 1; next } /^## / { on = 0 } on' "$REPO/docs/design.md")
	for f in "$REPO"/lib/*/*.c "$REPO"/lib/model/model.h "$REPO"/lib/model/kobj.h "$REPO"/lib/state/store.h; do
		l=$(basename "$(dirname "$f")") b=$(basename "$f")
		# the module is named in its layer's bullet
		if ! echo "$map" | awk -v l="lib/$l/" -v b="\`$b\`" '
			/^- / { on = index($0, "`" l "`") > 0 } on && index($0, b) { found = 1 } END { exit !found }'; then
			echo "not in the code map under lib/$l/: $b"
			missing=1
		fi
	done
	[ "$missing" -eq 0 ]
}
