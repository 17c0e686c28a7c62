#!/usr/bin/env bash
# Runs the PyTorch anchor (../shared/bench/torch_clip_bench.py) and `cliptune bench` back to back
# on the same machine, in one run, and prints a ratio table (ClipTune ÷ PyTorch).
#
#   Scripts/bench/side_by_side.sh [embed]          # default: embed
# Needs: the anchor venv ($TORCH_PY, default ~/torch-anchor/bin/python; see ../shared/bench/README.md)
# and a release build (`swift build -c release`). Machines are noisy: keep the machine otherwise idle,
# and compare ratios from the same run only.
set -euo pipefail
cd "$(dirname "$0")/../.."
what=${1:-embed}
TORCH_PY=${TORCH_PY:-$HOME/torch-anchor/bin/python}
ANCHOR=${ANCHOR:-../shared/bench/torch_clip_bench.py}
BATCH=${BATCH:-32}; TEXT_LEN=${TEXT_LEN:-20}; STEPS=${STEPS:-3}
swift build -c release --product cliptune >/dev/null
out=$(mktemp -d)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "PyTorch anchor ($("$TORCH_PY" -c 'import torch; print("torch", torch.__version__)'))…"
/usr/bin/time -v "$TORCH_PY" "$ANCHOR" --batch "$BATCH" --text-len "$TEXT_LEN" --steps "$STEPS" --what "$what" \
  >"$out/torch.txt" 2>"$out/torch.time"
cat "$out/torch.txt"
torch_rss=$(awk '/Maximum resident/ {printf "%.0f", $6/1024}' "$out/torch.time")
echo "ClipTune…"
.build/release/cliptune bench "$what" --config b32 --batch "$BATCH" --text-len "$TEXT_LEN" --steps "$STEPS" \
  --output "$out/ours.json" | tee "$out/ours.txt"
python3 - "$out" "$torch_rss" <<'PY'
import json, re, sys
out, torch_rss = sys.argv[1], float(sys.argv[2])
t = open(f"{out}/torch.txt").read()
ours = json.load(open(f"{out}/ours.json"))
m = re.search(r"images ([\d.]+)/s, texts\(len \d+\) ([\d.]+)/s", t)
ti, tt = float(m.group(1)), float(m.group(2))
print()
print("| ViT-B/32, batch %d, text %d | PyTorch | ClipTune | ratio |" % (ours["batch"], ours["text_len"]))
print("|---|---:|---:|---:|")
print("| images/s | %.1f | %.1f | %.2f× |" % (ti, ours["images_per_s"], ours["images_per_s"] / ti))
print("| texts/s | %.1f | %.1f | %.2f× |" % (tt, ours["texts_per_s"], ours["texts_per_s"] / tt))
print("| peak RSS (MB, whole process) | %.0f | %.0f | %.2f× |" % (torch_rss, ours["peak_rss_mb"], ours["peak_rss_mb"] / torch_rss))
PY
