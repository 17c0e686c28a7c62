#!/usr/bin/env bash
# `make tour`: every subcommand once, on the committed tiny CLIP (random weights, vocabulary of
# 1000 real CLIP BPE tokens), the committed test images and the committed shapes dataset
# (Tests/Fixtures/train_parity/shapes), then the captioning commands on the committed tiny captioner. Zero-shot and retrieval on the random model sit at chance by
# construction; the LoRA fine-tune on the shapes lifts held-out R@1 well above it.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.build/release/cliptune
model=Tests/Fixtures/clip/tiny
e2e=$model/e2e
run=${TOUR_DIR:-tour-run}
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
step $bin train --model $model --data Tests/Fixtures/train_parity/shapes/dataset.json --output "$run/train" \
  --lr 5e-3 --lora-rank 8 --batch-size 16 --epochs 20 --eval-every 30 --seed 0
step $bin bench embed --model $model --batch 32 --text-len 16
# The committed tiny captioner (random ViT-GPT-2) and its 16 captioned images.
cap=Tests/Fixtures/captioner
step $bin train --task captioning --model $cap/tiny --data $cap/data/dataset.json --output "$run/caption-train" \
  --lr 5e-3 --lora-rank 8 --batch-size 4 --max-steps 12 --val-split train --eval-every 6
step $bin caption --model $cap/tiny --adapter "$run/caption-train/adapter" --images $cap/data/images/00.png $cap/data/images/01.png
step $bin eval captions --model $cap/tiny --adapter "$run/caption-train/adapter" --data $cap/data/dataset.json --split train --output "$run/captions.json"
step $bin bench caption --config tiny --batch 4 --steps 2
printf '\nDone. Results are in %s/ (embeddings.safetensors, retrieval.json, zero_shot.json, train/report.html, caption-train/report.html, captions.json).\n' "$run"
