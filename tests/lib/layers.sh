#!/usr/bin/env bash
# layers.sh [ROOT]: fail (exit 1) when a module of lib/ includes a header
# of a higher layer, or when a file in lib/ is outside every layer. The
# layers, lowest first, are the directories of lib/ (docs/design.md, "Code
# map"); a layer may include its own headers and those of lower layers,
# bpf/'s shared headers and system headers. cmd/ is above them all. `make`
# runs this before it builds.
set -euo pipefail
cd "${1:-$(dirname "$0")/../..}"
layers=(base model state kernel converge audit uc)
declare -A rank home
for i in "${!layers[@]}"; do rank[${layers[$i]}]=$i; done
bad=0
for f in lib/*; do
	[ -d "$f" ] && [ -n "${rank[${f#lib/}]+x}" ] && continue
	echo "layers: $f: not in a layer (lib/{$(IFS=,; echo "${layers[*]}")}/)" >&2
	bad=1
done
for l in "${layers[@]}"; do
	for h in lib/"$l"/*.h; do
		[ -e "$h" ] || continue
		b=${h##*/}
		if [ -n "${home[$b]+x}" ]; then
			echo "layers: $b is in lib/${home[$b]}/ and lib/$l/" >&2
			bad=1
		fi
		home[$b]=$l
	done
done
for l in "${layers[@]}"; do
	for f in lib/"$l"/*.[ch]; do
		[ -e "$f" ] || continue
		while IFS=: read -r line inc; do
			inc=${inc#*\"}
			inc=${inc%%\"*}
			if [ -e "bpf/$inc" ] || { [ "$inc" = tenc.skel.h ] && [ "$l" = kernel ]; }; then
				continue
			fi
			if [ -z "${home[$inc]+x}" ]; then
				echo "layers: $f:$line: \"$inc\" is in no layer" >&2
				bad=1
			elif [ "${rank[${home[$inc]}]}" -gt "${rank[$l]}" ]; then
				echo "layers: $f:$line: includes \"$inc\" of lib/${home[$inc]}/, above lib/$l/" >&2
				bad=1
			fi
		done < <(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" || true)
	done
done
exit $bad
