#!/usr/bin/env bash
# Clean release build time of the SDK crates (hwcloud-core, hwcloud-dcs, hwcloud-sms) beside
# that of their bare dependencies, on this machine, in one run.
#
#   (a) a throwaway crate in a temp dir that depends on exactly the external dependencies of
#       the three SDK crates (the specs and features of the root Cargo.toml's
#       [workspace.dependencies], plus any features the crates add), with a trivial lib that
#       touches each, resolved against a copy of the workspace's Cargo.lock (same versions);
#   (b) `cargo build --release -p hwcloud-core -p hwcloud-dcs -p hwcloud-sms` in the workspace.
#
# Each build goes into its own fresh target dir, with cargo's default job count for both; the
# sources are fetched first so that downloads are not timed. Prints both times and the ratio
# (target: SDK <= 1.3x the dependencies alone).
#
# Usage: tools/bench/build_time.sh [--keep]    (--keep leaves the temp dirs for inspection)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KEEP=0
[[ "${1:-}" == "--keep" ]] && KEEP=1
WORK="$(mktemp -d /tmp/hwcloud-build-time.XXXXXX)"
cleanup() { if [[ $KEEP == 0 ]]; then rm -rf "$WORK"; else echo "kept $WORK"; fi; }
trap cleanup EXIT
# A wrapper (sccache, ...) would turn a clean build into a cache replay.
unset RUSTC_WRAPPER CARGO_BUILD_RUSTC_WRAPPER CARGO_TARGET_DIR CARGO_BUILD_JOBS || true

SDK_CRATES=(hwcloud-core hwcloud-dcs hwcloud-sms)

# (a) The dependencies-only crate, generated from the manifests.
mkdir -p "$WORK/deps-only/src"
python3 - "$ROOT" "$WORK/deps-only" "${SDK_CRATES[@]}" <<'PY'
import json, sys, tomllib
from pathlib import Path

root, out, crates = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
ws = tomllib.loads((root / "Cargo.toml").read_text())
ws_deps = ws["workspace"]["dependencies"]
deps = {}
for c in crates:
    manifest = tomllib.loads((root / "crates" / c / "Cargo.toml").read_text())
    for name, spec in manifest.get("dependencies", {}).items():
        if name in crates:
            continue  # the SDK crates themselves
        if isinstance(spec, dict) and spec.get("workspace"):
            base = ws_deps[name]
            base = {"version": base} if isinstance(base, str) else dict(base)
            extra = spec.get("features", [])
        else:
            base = {"version": spec} if isinstance(spec, str) else dict(spec)
            extra = []
        if "path" in base:
            raise SystemExit(f"{c} depends on path crate {name}: not an external dependency")
        cur = deps.setdefault(name, base)
        feats = sorted(set(cur.get("features", [])) | set(base.get("features", [])) | set(extra))
        if feats:
            cur["features"] = feats
        if base.get("default-features") is False and cur is not base:
            pass  # keep the first spec's default-features (all come from the workspace table)

def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(json.dumps(x) for x in v) + "]"
    return json.dumps(v)

lines = [
    "[package]",
    'name = "deps-only"',
    'version = "0.0.0"',
    f'edition = "{ws["workspace"]["package"]["edition"]}"',
    "publish = false",
    "",
    "[workspace]",
    "",
    "[dependencies]",
]
for name in sorted(deps):
    spec = ", ".join(f"{k} = {toml_value(v)}" for k, v in deps[name].items())
    lines.append(f"{name} = {{ {spec} }}")
(out / "Cargo.toml").write_text("\n".join(lines) + "\n")

# A trivial lib that names an item of each dependency, so each is really linked in.
lib = ["//! Touches every dependency of the SDK crates; nothing else.", ""]
for name in sorted(deps):
    lib.append(f"pub use {name.replace('-', '_')} as dep_{name.replace('-', '_')};")
(out / "src" / "lib.rs").write_text("\n".join(lib) + "\n")
print("dependencies:", ", ".join(sorted(deps)))
PY
cp "$ROOT/Cargo.lock" "$WORK/deps-only/Cargo.lock"
echo "--- deps-only Cargo.toml"
sed -n '/^\[dependencies\]/,$p' "$WORK/deps-only/Cargo.toml"

# Fetch everything first: downloads are not build time.
(cd "$WORK/deps-only" && cargo fetch --quiet)
(cd "$ROOT" && cargo fetch --quiet)

now() { date +%s.%N; }
timed_build() { # label dir target-dir cargo-args...
    local label=$1 dir=$2 target=$3
    shift 3
    local t0 t1
    t0=$(now)
    (cd "$dir" && CARGO_TARGET_DIR="$target" cargo build --release "$@" 2>"$WORK/$label.log") || {
        cat "$WORK/$label.log" >&2
        exit 1
    }
    t1=$(now)
    python3 -c "print(f'{$t1 - $t0:.1f}')"
}

echo "--- building (clean, release, default -j = $(nproc) cores)"
DEPS_S=$(timed_build deps "$WORK/deps-only" "$WORK/target-deps")
echo "deps only:                          ${DEPS_S} s"
PKGS=()
for c in "${SDK_CRATES[@]}"; do PKGS+=(-p "$c"); done
SDK_S=$(timed_build sdk "$ROOT" "$WORK/target-sdk" "${PKGS[@]}")
echo "hwcloud-core + hwcloud-dcs + hwcloud-sms: ${SDK_S} s"
# The versions built must be the same: compare the two dependency graphs (external crates).
graph() { # dir cargo-tree-args...
    local dir=$1
    shift
    (cd "$dir" && cargo tree --quiet --offline -e normal,build --target all --prefix none "$@") |
        sed 's/ (\*)$//; s/ (proc-macro)//' | grep -v ' (/' | grep -v '^$' | sort -u
}
if diff <(graph "$WORK/deps-only") <(graph "$ROOT" "${PKGS[@]}") >"$WORK/graphdiff"; then
    echo "dependency graphs: identical (same crates and versions)"
else
    echo "note: dependency graphs differ (< deps-only, > SDK):"
    grep '^[<>]' "$WORK/graphdiff" || true
fi
python3 - "$DEPS_S" "$SDK_S" <<'PY'
import sys
deps, sdk = map(float, sys.argv[1:])
ratio = sdk / deps
print(f"ratio SDK / deps-only:              {ratio:.2f}x  (target <= 1.30x: {'met' if ratio <= 1.3 else 'MISSED'})")
print(f"RESULT build_deps_only_s {deps:.1f}")
print(f"RESULT build_sdk_s {sdk:.1f}")
print(f"RESULT build_ratio {ratio:.2f}")
PY
