#!/usr/bin/env bash
# `make demo`: the main job end to end on data the demo makes itself — synthesise base and shifted
# captioned shapes, pretrain a small CLIP from scratch on base, evaluate it on the shifted test split,
# LoRA-fine-tune on shifted, evaluate again, print the before/after table and write report.html.
# About 2 minutes on 2 cores (release build). DEMO_DIR names the folder (default demo-run);
# extra arguments go to `cliptune demo` (e.g. --seed 1, or --model DIR --data FILE for your own).
set -euo pipefail
cd "$(dirname "$0")/.."
run=${DEMO_DIR:-demo-run}
.build/release/cliptune demo --output "$run" "$@"
printf '\nThe demo is in %s/: open %s/report.html in a browser (results.json has the numbers).\n' "$run" "$run"
