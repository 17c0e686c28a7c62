#!/usr/bin/env bash
# `make demo` for now: every subcommand end to end on the committed tiny CLIP (random weights,
# vocabulary of 1000 real CLIP BPE tokens) and the committed test images. Accuracies are at chance
# by construction (the weights are random); what it shows is the whole path from files to numbers.
# The pretrain → evaluate → fine-tune → evaluate demo arrives with the training issues.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/cliptune
model=Tests/Fixtures/clip/tiny
e2e=$model/e2e
run=${DEMO_DIR:-demo-run}
rm -rf "$run"; mkdir -p "$run/data/png_file" "$run/data/jpeg_file"
cp "$e2e"/*.png "$run/data/png_file/"; cp "$e2e"/*.jpg "$run/data/jpeg_file/"
cat > "$run/captions.csv" <<CSV
filepath,caption
data/png_file/image_0.png,a photo of a cat
data/png_file/image_1.png,two dogs and a ball
data/jpeg_file/image_2.jpg,a red square on a gradient
data/jpeg_file/image_3.jpg,"tall, thin picture"
CSV
printf 'a photo of a cat\ntwo dogs and a ball\n' > "$run/texts.txt"

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; "$@"; }
step $bin tokenize --model $model --texts "$run/texts.txt"
step $bin embed --model $model --images "$run"/data/*/* --texts "$run/texts.txt" --output "$run/embeddings.safetensors"
step $bin eval retrieval --model $model --data "$run/captions.csv" --output "$run/retrieval.json"
step $bin zero-shot --model $model --data "$run/data" --output "$run/zero_shot.json"
step $bin bench embed --model $model --batch 32 --text-len 16
printf '\nDone. Results are in %s/ (embeddings.safetensors, retrieval.json, zero_shot.json).\n' "$run"
