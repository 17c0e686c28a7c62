"""Full-size parity check: `cliptune embed` vs transformers on the real ViT-B/32 architecture.

    ~/torch-anchor/bin/python Scripts/parity/b32_parity.py [--work /tmp/b32-parity] [--cliptune .build/release/cliptune]

1. transformers builds CLIPModel(ViT-B/32) with random weights (LayerNorms perturbed so they matter)
   and saves it as a Hugging Face folder with the real CLIP BPE vocabulary (from open_clip's
   bpe_simple_vocab_16e6.txt.gz) and the standard CLIP preprocessor_config.json.
2. It writes 224×224 PNGs (decode and preprocessing are exact there, so this isolates the model),
   odd-sized JPEGs (the whole pipeline: decode + PIL-bicubic resize + center crop), and captions.
3. transformers computes get_image_features / get_text_features, with CLIPImageProcessorPil
   (the PIL path) and CLIPTokenizer; `cliptune embed` computes the same from the files.
4. Prints max relative error (max |Δ| / max |ref|, per row) and min cosine; exits 1 if
   224×224 images or texts exceed 1e-4 relative, or odd-sized JPEGs fall below cosine 0.9999.
"""
import argparse, json, os, subprocess, sys
import numpy as np
import torch
from PIL import Image, ImageDraw
from safetensors.torch import load_file
from transformers import CLIPConfig, CLIPModel, CLIPTokenizer
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil

ap = argparse.ArgumentParser()
ap.add_argument("--work", default="/tmp/b32-parity")
ap.add_argument("--cliptune", default=".build/release/cliptune")
a = ap.parse_args()
os.makedirs(a.work, exist_ok=True)
model_dir = os.path.join(a.work, "model")
torch.manual_seed(0)
rng = np.random.default_rng(0)

# --- model folder -------------------------------------------------------------------------------
cfg = CLIPConfig(
    text_config=dict(hidden_size=512, intermediate_size=2048, num_attention_heads=8, num_hidden_layers=12,
                     max_position_embeddings=77, hidden_act="quick_gelu"),
    vision_config=dict(hidden_size=768, intermediate_size=3072, num_attention_heads=12, num_hidden_layers=12,
                       image_size=224, patch_size=32, hidden_act="quick_gelu"),
    projection_dim=512)
model = CLIPModel(cfg).eval()
with torch.no_grad():
    for name, p in model.named_parameters():
        if ("norm" in name or "layrnorm" in name) and name.endswith("weight"):
            p.mul_(1 + 0.1 * torch.randn_like(p))
        elif ("norm" in name or "layrnorm" in name) and name.endswith("bias"):
            p.add_(0.05 * torch.randn_like(p))
model.save_pretrained(model_dir, safe_serialization=True)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "fixtures"))
from make_clip_fixtures import write_small_tokenizer  # noqa: E402  (the full vocabulary is 49408 entries)
write_small_tokenizer(model_dir, 49408)
json.dump({"crop_size": {"height": 224, "width": 224}, "do_center_crop": True, "do_normalize": True,
           "do_rescale": True, "do_resize": True, "do_convert_rgb": True,
           "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_std": [0.26862954, 0.26130258, 0.27577711],
           "resample": 3, "rescale_factor": 0.00392156862745098, "size": {"shortest_edge": 224},
           "image_processor_type": "CLIPImageProcessor"}, open(os.path.join(model_dir, "preprocessor_config.json"), "w"))

# --- inputs -------------------------------------------------------------------------------------
def scene(w, h, seed):
    r = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x / w * 255), (y / h * 255), ((x + y) % 97) * 2.6], -1)
    img = Image.fromarray((0.6 * base + 0.4 * r.uniform(0, 255, (h, w, 3))).astype(np.uint8))
    d = ImageDraw.Draw(img)
    for _ in range(6):
        x0, y0 = int(r.integers(0, w - 10)), int(r.integers(0, h - 10))
        d.ellipse([x0, y0, x0 + int(r.integers(8, w // 2)), y0 + int(r.integers(8, h // 2))],
                  fill=tuple(int(v) for v in r.integers(0, 255, 3)))
    return img

pngs, jpgs = [], []
for i in range(6):
    p = os.path.join(a.work, f"square_{i}.png"); scene(224, 224, i).save(p); pngs.append(p)
for i, (w, h) in enumerate([(500, 375), (333, 517), (640, 427), (251, 199), (1024, 683), (301, 300)]):
    p = os.path.join(a.work, f"odd_{i}.jpg"); scene(w, h, 100 + i).save(p, quality=90); jpgs.append(p)
texts = ["a photo of a cat", "A DOG running on the beach!", "two red circles and a blue square",
         "l'été est chaud, n'est-ce pas?", "東京の夜景", "emoji 🐶🐱 and numbers 1234567",
         "a very long caption " + "that keeps going " * 20, "", "  spaces   and\ttabs  ",
         "html &amp; entities &lt;b&gt;"]
text_file = os.path.join(a.work, "texts.txt")
open(text_file, "w").write("\n".join(t.replace("\n", " ") for t in texts) + "\n")

# --- reference ----------------------------------------------------------------------------------
proc = CLIPImageProcessorPil.from_pretrained(model_dir)
tok = CLIPTokenizer.from_pretrained(model_dir)
with torch.no_grad():
    imgs = [Image.open(p).convert("RGB") for p in pngs + jpgs]
    px = proc(images=imgs, return_tensors="pt")["pixel_values"]
    ref_img = model.get_image_features(pixel_values=px).pooler_output.numpy()
    enc = tok(texts, padding=True, truncation=True, max_length=77, return_tensors="pt")
    ref_txt = model.get_text_features(**enc).pooler_output.numpy()

# --- ClipTune -----------------------------------------------------------------------------------
out = os.path.join(a.work, "cliptune.safetensors")
subprocess.run([a.cliptune, "embed", "--model", model_dir, "--images", *pngs, *jpgs, "--texts", text_file,
                "--output", out], check=True)
ours = load_file(out)
our_img, our_txt = ours["image_embeds"].numpy(), ours["text_embeds"].numpy()

def rel(x, y):  # per row: max |Δ| / max |ref|
    return np.abs(x - y).max(1) / np.abs(y).max(1)
def cos(x, y):
    return (x * y).sum(1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1)

n = len(pngs)
rows = [("224×224 PNG images (model only)", rel(our_img[:n], ref_img[:n]).max(), cos(our_img[:n], ref_img[:n]).min()),
        ("odd-sized JPEGs (decode+resize+crop+model)", rel(our_img[n:], ref_img[n:]).max(), cos(our_img[n:], ref_img[n:]).min()),
        ("texts (tokenizer+model)", rel(our_txt, ref_txt).max(), cos(our_txt, ref_txt).min())]
print("| ViT-B/32 random weights | max relative error | min cosine |")
print("|---|---:|---:|")
for name, r, c in rows:
    print(f"| {name} | {r:.2e} | {c:.7f} |")
ok = rows[0][1] <= 1e-4 and rows[2][1] <= 1e-4 and rows[1][2] >= 0.9999
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
