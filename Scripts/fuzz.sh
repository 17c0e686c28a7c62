#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each for FUZZ_SECONDS on a working copy of its
# committed seed corpus (Fuzz/Corpus/<target>, never written to). Fails if any target finds a
# crash, leak, timeout or out-of-memory; the inputs are left in Fuzz/.build/fuzz/<target>/artifacts/.
#
#   Scripts/fuzz.sh [target ...]        (default: every target; FUZZ_SECONDS=60 each)
#   FUZZ_ARGS="-seed=1" Scripts/fuzz.sh png   extra libFuzzer flags
#   FUZZ_BUILD=.build-other Scripts/fuzz.sh   build folder inside Fuzz/ (default .build)
set -uo pipefail
cd "$(dirname "$0")/.."

ALL="safetensors clip-config preprocessor-config tokenizer-files tokenizer-text tokenizer-gzip png jpeg caption-json caption-table adapter-config checkpoint-state"
# Targets that read their input from a file: Foundation's Data(contentsOf:) leaks 4 KiB on every
# empty file (inside FoundationEssentials, not ClipTune), so leak detection is off for them.
FILE_TARGETS=" safetensors clip-config tokenizer-files tokenizer-gzip caption-json caption-table adapter-config "
SECONDS_EACH=${FUZZ_SECONDS:-60}
TARGETS=${*:-$ALL}

for t in $TARGETS; do
  case " $ALL " in *" $t "*) ;; *) echo "fuzz: unknown target '$t' (targets: $ALL)" >&2; exit 2 ;; esac
done

# libFuzzer comes with the Swift toolchain (clang's compiler-rt); nothing to install when it is there.
swift_bin=$(readlink -f "$(command -v swift)")
runtime="$(dirname "$swift_bin")/../lib/swift/clang/lib/linux/libclang_rt.fuzzer-$(uname -m).a"
if [ "$(uname)" = Linux ] && [ ! -f "$runtime" ]; then
  echo "fuzz: this Swift toolchain has no libFuzzer runtime ($runtime); install a swift.org toolchain" >&2
  exit 2
fi

FLAGS=(--scratch-path "${FUZZ_BUILD:-.build}" -Xswiftc -sanitize=fuzzer,address -Xswiftc -O)
echo "fuzz: building the targets (debug + -O, bounds and overflow checks kept, ASan, libFuzzer)"
(cd Fuzz && nice -n 10 swift build -j 2 "${FLAGS[@]}" 2>&1 | grep -v "ld.gold: warning: Cannot export local symbol") || exit 1
bin=$(cd Fuzz && swift build "${FLAGS[@]}" --show-bin-path)

failed=""
for t in $TARGETS; do
  work="Fuzz/.build/fuzz/$t"
  mkdir -p "$work/corpus" "$work/artifacts"
  cp -n Fuzz/Corpus/"$t"/* "$work/corpus/" 2>/dev/null
  args=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=2048
        -print_final_stats=1 -artifact_prefix="$work/artifacts/")
  [ -f "Fuzz/Dictionaries/$t.dict" ] && args+=(-dict="Fuzz/Dictionaries/$t.dict")
  leaks=1; case "$FILE_TARGETS" in *" $t "*) leaks=0; args+=(-detect_leaks=0) ;; esac
  echo "fuzz: $t for ${SECONDS_EACH}s (corpus $work/corpus, seeds Fuzz/Corpus/$t)"
  # shellcheck disable=SC2086
  input="/dev/shm/cliptune-fuzz-$$-$t"; [ -d /dev/shm ] || input="${TMPDIR:-/tmp}/cliptune-fuzz-$$-$t"
  mkdir -p "$input"
  FUZZ_INPUT_DIR="$input" ASAN_OPTIONS="detect_leaks=$leaks${ASAN_OPTIONS:+:$ASAN_OPTIONS}" nice -n 10 "$bin/fuzz-$t" "${args[@]}" ${FUZZ_ARGS:-} "$work/corpus" > "$work/log.txt" 2>&1
  status=$?
  rm -rf "$input"
  grep -E "^stat::number_of_executed_units|^Done " "$work/log.txt" | tr '\n' ' '; echo
  if [ $status -ne 0 ]; then
    echo "fuzz: $t FAILED (exit $status); see $work/log.txt and $work/artifacts/" >&2
    grep -E "ERROR|SUMMARY|Fatal error|Test unit written" "$work/log.txt" | head -5 >&2
    failed="$failed $t"
  fi
done
if [ -n "$failed" ]; then echo "fuzz: failures in:$failed" >&2; exit 1; fi
echo "fuzz: no crashes in: $TARGETS"
