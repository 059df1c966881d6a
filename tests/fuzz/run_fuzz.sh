#!/usr/bin/env bash
# Configures and builds the libFuzzer targets in BUILD_DIR (clang, with
# -DADLEDGER_FUZZ=ON), then runs each for SECONDS on a scratch copy of its
# seed corpus (tests/fuzz/corpus/NAME/ is never written to). Fails if any
# fuzzer finds a crash, an assert, a sanitizer report, an escaped exception,
# a timeout or runaway memory; the reproducer is kept in
# BUILD_DIR/artifacts/ and its name printed.
#
#   tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS [FUZZER...]
#
# Exits 77 (ctest's SKIP_RETURN_CODE) when clang++ or libFuzzer is missing
# (Debian: clang, libclang-rt-14-dev). The build honours
# CMAKE_BUILD_PARALLEL_LEVEL (default 1 job). Extra libFuzzer flags may be
# given in ADLEDGER_FUZZ_FLAGS (e.g. "-jobs=2 -workers=2").
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [FUZZER...]" >&2
  exit 2
fi
build_dir=$1
seconds=$2
shift 2
fuzzers=("$@")
[ ${#fuzzers[@]} -gt 0 ] || fuzzers=(fuzz_amount fuzz_period fuzz_import fuzz_adlib fuzz_proof)

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cxx=${ADLEDGER_FUZZ_CXX:-clang++}

if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "run_fuzz: SKIP: $cxx not found (Debian packages clang, libclang-rt-14-dev)" >&2
  exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe/p.cpp"
if ! "$cxx" -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" >/dev/null 2>&1; then
  echo "run_fuzz: SKIP: $cxx cannot link with -fsanitize=fuzzer (Debian package libclang-rt-14-dev)" >&2
  exit 77
fi

mkdir -p "$build_dir"
build_dir=$(cd "$build_dir" && pwd)
# Debug keeps the asserts (broken invariants must surface); -O1 keeps it fast.
cmake -S "$root" -B "$build_dir" \
  -DADLEDGER_FUZZ=ON -DCMAKE_CXX_COMPILER="$cxx" -DBUILD_TESTING=OFF \
  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" >"$build_dir/configure.log" 2>&1 ||
  { cat "$build_dir/configure.log" >&2; exit 1; }
cmake --build "$build_dir" --parallel "${CMAKE_BUILD_PARALLEL_LEVEL:-1}" --target "${fuzzers[@]}"

artifacts="$build_dir/artifacts"
mkdir -p "$artifacts"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for name in "${fuzzers[@]}"; do
  corpus_name=${name#fuzz_}
  scratch="$probe/corpus-$corpus_name"
  mkdir -p "$scratch"
  if [ -d "$here/corpus/$corpus_name" ]; then
    cp "$here/corpus/$corpus_name"/* "$scratch"/ 2>/dev/null || true
  fi
  dict=()
  [ -f "$here/$corpus_name.dict" ] && dict=(-dict="$here/$corpus_name.dict")
  echo "== $name: ${seconds}s, seeds: $(ls "$scratch" | wc -l)"
  # shellcheck disable=SC2086
  if "$build_dir/tests/fuzz/$name" -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 \
       -print_final_stats=1 -artifact_prefix="$artifacts/$name-" "${dict[@]}" ${ADLEDGER_FUZZ_FLAGS:-} \
       "$scratch" >"$build_dir/$name.log" 2>&1; then
    grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)' \
      "$build_dir/$name.log" || true
  else
    failed+=("$name")
    echo "== $name FAILED; last lines of $build_dir/$name.log:"
    tail -n 60 "$build_dir/$name.log"
    ls -l "$artifacts" | grep -- "$name-" || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "run_fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
echo "run_fuzz: no crashes in ${fuzzers[*]} (${seconds}s each)"
