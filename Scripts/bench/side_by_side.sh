#!/usr/bin/env bash
# Runs the PyTorch anchor (../shared/bench/torch_clip_bench.py) and `cliptune bench` back to back
# on the same machine, in one run, and prints a ratio table (ClipTune ÷ PyTorch).
#
#   Scripts/bench/side_by_side.sh [embed,lora,full]      # default: all three (CLIP ViT-B/32)
#   Scripts/bench/side_by_side.sh caption-lora,caption-full,caption-generate
#       the captioner (nlpconnect/vit-gpt2's architecture): Scripts/bench/caption_torch_bench.py
#       against `cliptune bench caption --config vit-gpt2` (CAPTION_BATCH, default 8; BEAMS, default 4)
# Each workload runs in its own process on both sides, so peak RSS is per workload.
# Needs: the anchor venv ($TORCH_PY, default ~/torch-anchor/bin/python; see ../shared/bench/README.md)
# and GNU time (/usr/bin/time). Machines are noisy: keep the machine otherwise idle and compare
# ratios from the same run only.
set -euo pipefail
cd "$(dirname "$0")/../.."
what=${1:-embed,lora,full}
TORCH_PY=${TORCH_PY:-$HOME/torch-anchor/bin/python}
ANCHOR=${ANCHOR:-../shared/bench/torch_clip_bench.py}
BATCH=${BATCH:-32}; TEXT_LEN=${TEXT_LEN:-20}; STEPS=${STEPS:-3}; CAPTION_BATCH=${CAPTION_BATCH:-8}; BEAMS=${BEAMS:-4}
swift build -c release --product cliptune >/dev/null
out=$(mktemp -d)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $("$TORCH_PY" -c 'import torch, transformers, peft; print("torch", torch.__version__, "transformers", transformers.__version__, "peft", peft.__version__)')"
rss() { awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$1"; }
for w in ${what//,/ }; do
  echo "== $w: PyTorch"
  case "$w" in
    caption-*) /usr/bin/time -v "$TORCH_PY" Scripts/bench/caption_torch_bench.py --what "${w#caption-}" --batch "$CAPTION_BATCH" \
                 --beams "$BEAMS" --steps "$STEPS" >"$out/torch-$w.txt" 2>"$out/torch-$w.time" ;;
    *) /usr/bin/time -v "$TORCH_PY" "$ANCHOR" --batch "$BATCH" --text-len "$TEXT_LEN" --steps "$STEPS" --what "$w" >"$out/torch-$w.txt" 2>"$out/torch-$w.time" ;;
  esac
  cat "$out/torch-$w.txt"
  echo "== $w: ClipTune"
  if [ "$w" = caption-generate ]; then
    /usr/bin/time -v .build/release/cliptune bench caption --config vit-gpt2 --what generate --batch "$CAPTION_BATCH" --beams "$BEAMS" \
      --steps "$STEPS" --output "$out/ours-$w.json" 2>"$out/ours-$w.time" | tee "$out/ours-$w.txt"
  elif [ "${w#caption-}" != "$w" ]; then
    /usr/bin/time -v .build/release/cliptune bench caption --config vit-gpt2 --what train --method "${w#caption-}" --batch "$CAPTION_BATCH" \
      --steps "$STEPS" --output "$out/ours-$w.json" 2>"$out/ours-$w.time" | tee "$out/ours-$w.txt"
  elif [ "$w" = embed ]; then
    /usr/bin/time -v .build/release/cliptune bench embed --config b32 --batch "$BATCH" --text-len "$TEXT_LEN" --steps "$STEPS" --output "$out/ours-$w.json" 2>"$out/ours-$w.time" | tee "$out/ours-$w.txt"
  else
    /usr/bin/time -v .build/release/cliptune bench train --config b32 --method "$w" --batch "$BATCH" --text-len "$TEXT_LEN" --steps "$STEPS" --output "$out/ours-$w.json" 2>"$out/ours-$w.time" | tee "$out/ours-$w.txt"
  fi
  echo "$(rss "$out/torch-$w.time") $(rss "$out/ours-$w.time")" > "$out/rss-$w"
done
python3 - "$out" "$what" "$BATCH" "$TEXT_LEN" <<'PY'
import json, re, sys
out, what, batch, text_len = sys.argv[1], sys.argv[2].split(","), sys.argv[3], sys.argv[4]
rows = []
for w in what:
    t = open(f"{out}/torch-{w}.txt").read()
    ours = json.load(open(f"{out}/ours-{w}.json"))
    torch_rss, our_rss = map(float, open(f"{out}/rss-{w}").read().split())
    if w == "caption-generate":
        m = re.search(r"([\d.]+) captions/s", t)
        rows.append((f"captioner generate captions/s ({ours['beams']} beams)", float(m.group(1)), ours["captions_per_s"]))
        rows.append(("captioner generate peak RSS (MB)", torch_rss, our_rss))
    elif w.startswith("caption-"):
        m = re.search(r"([\d.]+) pairs/s", t)
        name = "captioner LoRA step" if w == "caption-lora" else "captioner full step"
        rows.append((f"{name} pairs/s", float(m.group(1)), ours["pairs_per_s"]))
        rows.append((f"{name} peak RSS (MB)", torch_rss, our_rss))
    elif w == "embed":
        m = re.search(r"images ([\d.]+)/s, texts\(len \d+\) ([\d.]+)/s", t)
        rows.append(("embed images/s", float(m.group(1)), ours["images_per_s"]))
        rows.append(("embed texts/s", float(m.group(2)), ours["texts_per_s"]))
        rows.append(("embed peak RSS (MB)", torch_rss, our_rss))
    else:
        m = re.search(r"([\d.]+) pairs/s", t)
        name = "LoRA step" if w == "lora" else "full fine-tuning step"
        rows.append((f"{name} pairs/s", float(m.group(1)), ours["pairs_per_s"]))
        rows.append((f"{name} peak RSS (MB)", torch_rss, our_rss))
print()
title = "ViT-GPT-2 (nlpconnect's architecture)" if all(w.startswith("caption-") for w in what) else f"ViT-B/32, batch {batch}, text {text_len}"
print(f"| {title} | PyTorch | ClipTune | ratio |")
print("|---|---:|---:|---:|")
for name, a, b in rows:
    print(f"| {name} | {a:.2f} | {b:.2f} | {b / a:.2f}× |")
PY
