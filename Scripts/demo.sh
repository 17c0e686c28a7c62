#!/usr/bin/env bash
# `make demo`: the main job end to end on data the demo makes itself — synthesise base and shifted
# captioned shapes, pretrain a small CLIP from scratch on base, evaluate it on the shifted test split,
# LoRA-fine-tune on shifted, evaluate again, print the before/after table and write report.html.
# About 75 s on 2 cores (release build), then the few-shot study on the pretrained model (~20 s)
# and the captioning demo (a ViT-GPT-2 pretrained on base, LoRA to shifted, ~1 minute). DEMO_DIR names the folder (default demo-run);
# extra arguments go to `cliptune demo` (e.g. --seed 1, or --model DIR --data FILE for your own).
set -euo pipefail
cd "$(dirname "$0")/.."
run=${DEMO_DIR:-demo-run}
.build/release/cliptune demo --output "$run" "$@"
printf '\nThe demo is in %s/: open %s/report.html in a browser (results.json has the numbers).\n' "$run" "$run"
# Then the few-shot study on the model the demo pretrained (skipped for --model runs, which pretrain nothing).
if [ -f "$run/pretrain/model/config.json" ]; then
  printf '\nFew-shot study on %s/pretrain/model (~20 s):\n' "$run"
  .build/release/cliptune demo fewshot --model "$run/pretrain/model" --output "$run/fewshot"
  printf '\nOpen %s/fewshot/report.html for accuracy against shots, per method.\n' "$run"
fi
# Then captioning: a tiny ViT-GPT-2 pretrained on base, captions of shifted before and after LoRA.
if [ -f "$run/pretrain/model/config.json" ]; then
  printf '\nCaptioning demo (~1-2 min):\n'
  .build/release/cliptune demo caption --output "$run/caption"
  printf '\nOpen %s/caption/report.html for ground truth vs before vs after captions.\n' "$run"
fi
