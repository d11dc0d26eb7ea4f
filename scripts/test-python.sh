#!/usr/bin/env bash
# Tests of the Python package (bindings-python/): lint, type checks, the wheel,
# pytest (with a local Spark and a Dask LocalCluster), the example notebook,
# and a fresh install running the README's examples. Needs Rust (cargo) and
# Python >= 3.11 (PYTHON, default python3); installs Java 17 with apt if missing.
# Exits non-zero on any failure; nothing is skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
py_dir=$root/bindings-python
venv=$py_dir/.venv
out=$root/target/python
PYTHON=${PYTHON:-python3}

step() { printf '\n== %s\n' "$*"; }

step "Java for the Spark test (Debian's openjdk-17-jre-headless)"
java_major=$( (java -version 2>&1 || true) | awk -F'"' '/version/ { split($2, v, "."); print v[1]; exit }')
if [ -z "$java_major" ] || [ "$java_major" -lt 17 ]; then
  echo "installing openjdk-17-jre-headless with apt (found: ${java_major:-no java})"
  if [ "$(id -u)" = 0 ]; then sudo=(); else sudo=(sudo); fi
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends openjdk-17-jre-headless
fi
java -version 2>&1 | head -1

step "Python environment ($venv)"
if [ ! -x "$venv/bin/python" ]; then
  "$PYTHON" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$py_dir/requirements-dev.txt"
"$venv/bin/python" --version

step "lint and format (ruff)"
(cd "$py_dir" && "$venv/bin/ruff" check . && "$venv/bin/ruff" format --check .)

step "build the wheel (maturin, release, abi3, manylinux2014 with zig as the linker)"
# zig (PyPI ziglang, pinned in requirements-dev.txt) links against glibc
# 2.17's symbols, so the wheel installs on the Linux systems analysts have
# (manylinux2014), whatever glibc this machine has. maturin finds it through
# the venv's python on PATH.
rm -rf "$out/wheels"
mkdir -p "$out/wheels"
zig_args=(--zig --compatibility manylinux2014)
PATH="$venv/bin:$PATH" "$venv/bin/maturin" build --release --locked "${zig_args[@]}" -m "$py_dir/Cargo.toml" -o "$out/wheels"
wheels=("$out"/wheels/hazard_rules-*.whl)
[ "${#wheels[@]}" = 1 ] || { echo "expected one wheel, found: ${wheels[*]}"; exit 1; }
wheel=${wheels[0]}
case "$(basename "$wheel")" in
  *-cp39-abi3-manylinux2014_*) ;;
  *) echo "the wheel is not an abi3 manylinux2014 wheel: $(basename "$wheel")"; exit 1 ;;
esac

step "auditwheel show: the wheel's symbols fit manylinux2014 (glibc 2.17)"
"$venv/bin/auditwheel" show "$wheel" | tee "$out/auditwheel.txt"
tr -s ' \n' ' ' < "$out/auditwheel.txt" | grep -q 'consistent with the following platform tag: "manylinux_2_17_' \
  || { echo "auditwheel does not find the wheel consistent with manylinux_2_17"; exit 1; }
"$venv/bin/python" -m pip install --quiet --force-reinstall --no-deps "$wheel"
# A `maturin develop` build left in the source tree would shadow nothing (the
# tests import the installed wheel), but say so if there is one.
"$venv/bin/python" -c "import hazard_rules, sys; print('testing', hazard_rules.__file__)"

step "type checks (mypy --strict, stubtest of the extension's stubs)"
(cd "$py_dir" && "$venv/bin/python" -m mypy && "$venv/bin/python" -m mypy.stubtest hazard_rules._hazard_rules)

step "the CLI (for the error-message cross-check)"
cargo build --release --locked -p hazard-rules-cli
# Where cargo put it (CARGO_TARGET_DIR when set).
export HAZARD_RULES_CLI=${CARGO_TARGET_DIR:-$root/target}/release/hazard-rules

step "differential test data (generated records and the CLI's answers)"
bash scripts/differential-inputs.sh "$HAZARD_RULES_CLI"

step "pytest"
(cd "$py_dir" && "$venv/bin/python" -m pytest -p no:cacheprovider tests)

step "the example notebook, executed headless"
(cd "$py_dir" && "$venv/bin/python" examples/run_notebook.py examples/analysis.py -o "$out/analysis.ipynb")

step "a fresh venv: install the wheel, run the README examples (first without pandas)"
fresh=$out/fresh-venv
rm -rf "$fresh"
"$PYTHON" -m venv "$fresh"
"$fresh/bin/python" -m pip install --quiet --disable-pip-version-check "$wheel"
readme_block() {
  "${2:-$fresh/bin/python}" - "$py_dir/README.md" "$1" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"<!-- readme-test: (\w+) -->\s*```python\n(.*?)```", text, re.S)
wanted = [code for kind, code in blocks if kind == sys.argv[2]]
if not wanted:
    sys.exit(f"no README block marked readme-test: {sys.argv[2]}")
for code in wanted:
    exec(compile(code, f"README.md ({sys.argv[2]})", "exec"), {"__name__": "__main__"})
PY
}
(cd "$out" && "$fresh/bin/python" -c "import importlib.util as u, sys; sys.exit(u.find_spec('pandas') is not None)" \
  || { echo "pandas is installed in the fresh venv: the plain example would not prove it works without"; exit 1; })
(cd "$out" && readme_block plain)
pins=$(grep -E '^(pandas|numpy|pyarrow)==' "$py_dir/requirements-dev.txt")
# shellcheck disable=SC2086
"$fresh/bin/python" -m pip install --quiet --disable-pip-version-check $pins
(cd "$out" && readme_block pandas)

step "the abi3 wheel on each CPython 3.9-3.13 the machine has (the README's plain example)"
# The wheel is built once for CPython >= 3.9 (abi3). Debian gives one Python;
# any other version on PATH (python3.X) or installed by pyenv is tested too,
# and the ones missing are named, not skipped silently.
interpreter() {
  local v=$1 candidates=()
  candidates+=("$(command -v "python$v" || true)")
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)"/versions/"$v".*/bin/"python$v")
  fi
  for py in "${candidates[@]}"; do
    if [ -n "$py" ] && [ -x "$py" ] && "$py" -c 'import venv' >/dev/null 2>&1; then
      echo "$py"
      return
    fi
  done
}
tested=()
absent=()
for v in 3.9 3.10 3.11 3.12 3.13; do
  py=$(interpreter "$v")
  if [ -z "$py" ]; then
    absent+=("$v")
    continue
  fi
  env=$out/venv-$v
  rm -rf "$env"
  "$py" -m venv "$env"
  "$env/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps "$wheel"
  (cd "$out" && readme_block plain "$env/bin/python" >/dev/null)
  tested+=("$("$env/bin/python" -c 'import platform; print(platform.python_version())')")
done
echo "the wheel works on CPython ${tested[*]}; not on this machine: ${absent[*]:-none}"

step "the sdist: self-contained (rulesets inside), and a wheel built from it alone"
rm -rf "$out/sdist" "$out/sdist-wheel" "$out/sdist-venv"
"$venv/bin/maturin" sdist -m "$py_dir/Cargo.toml" -o "$out/sdist"
sdists=("$out"/sdist/hazard_rules-*.tar.gz)
[ "${#sdists[@]}" = 1 ] || { echo "expected one sdist, found: ${sdists[*]}"; exit 1; }
tar -tzf "${sdists[0]}" > "$out/sdist/files.txt"
grep -q '/core/rulesets/national/ruleset.toml$' "$out/sdist/files.txt" \
  || { echo "the sdist lacks the embedded rulesets (core/rulesets/)"; exit 1; }
# Unpacked away from the checkout, so nothing outside the sdist can be read;
# the venv's maturin (no build isolation: the pinned version, no download).
mkdir -p "$out/sdist/unpacked"
tar -xzf "${sdists[0]}" -C "$out/sdist/unpacked"
# Built as the wheel above is (zig, manylinux2014), so cargo reuses its compiled dependencies.
(cd "$out/sdist/unpacked" && PATH="$venv/bin:$PATH" MATURIN_PEP517_ARGS="${zig_args[*]}" \
  "$venv/bin/python" -m pip wheel --quiet --no-deps --no-build-isolation --disable-pip-version-check \
  ./hazard_rules-* -w "$out/sdist-wheel")
"$PYTHON" -m venv "$out/sdist-venv"
"$out/sdist-venv/bin/python" -m pip install --quiet --disable-pip-version-check "$out"/sdist-wheel/hazard_rules-*.whl
(cd "$out" && "$out/sdist-venv/bin/python" - <<'PY'
import hazard_rules as hr

# Three deaths: a 较大 (large) accident (Decree 493 Art. 3), from the embedded rulesets.
d = hr.evaluate({"id": "A-1", "accident": {"kind": "production", "deaths": 3, "occurred_on": "2024-04-02"}},
                as_of="2024-06-30")
assert d.response.accident.grade == "large", d.response
print("the wheel built from the sdist decides:", d.id, d.response.accident.grade, " → ".join(f"{r.id}@{r.version}" for r in d.ruleset))
PY
)

echo
echo "python tests passed ($(basename "$wheel"))"
