"""Python loads ours: PEFT reads a LoRA adapter ClipTune wrote and must compute ClipTune's features.

    ~/torch-anchor/bin/python Scripts/parity/peft_load_ours.py ADAPTER_DIR [--base MODEL_DIR]

ADAPTER_DIR is a folder `LoRAAdapter.save` wrote (adapter_config.json + adapter_model.safetensors)
that also holds `cliptune_embeds.safetensors`: the inputs (pixel_values, input_ids padded with -1,
input_lengths) and ClipTune's image_embeds / text_embeds for them. When ADAPTER_DIR/merged exists
(a model folder `LoRAAdapter.saveMerged` wrote), plain transformers loads it too and is compared
with the same features. The PEFT test suite writes such folders when run with CLIPTUNE_PEFT_EXPORT set:

    CLIPTUNE_PEFT_EXPORT=/tmp/peft-export swift test --filter AdapterRoundTripTests
    ~/torch-anchor/bin/python Scripts/parity/peft_load_ours.py /tmp/peft-export/both_list
    ~/torch-anchor/bin/python Scripts/parity/peft_load_ours.py /tmp/peft-export/vision_regex_rslora

The base model is `--base`, else the adapter's base_model_name_or_path (a folder relative to the
repository root, or a hub id). Loads with `PeftModel.from_pretrained(CLIPModel.from_pretrained(base),
adapter)`, prints max |Δ|, max |Δ| / max |reference| and the minimum cosine per output, and exits
non-zero when the relative error exceeds 1e-4 or PEFT reports missing or unexpected adapter keys.
"""
import argparse, json, os, sys, warnings
import torch
from peft import PeftModel
from safetensors.torch import load_file
from transformers import CLIPModel

REPO = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def compare(model, ours):
    """Prints how far `model`'s features are from ClipTune's; returns the worst relative error."""
    ids = ours["input_ids"].long()
    seqs = [ids[i, :n].tolist() for i, n in enumerate(ours["input_lengths"].long().tolist())]
    with torch.no_grad():
        image = model.get_image_features(pixel_values=ours["pixel_values"]).pooler_output
        text = torch.cat([model.get_text_features(input_ids=torch.tensor([s])).pooler_output for s in seqs])
    worst = 0.0
    for name, theirs, mine in [("image_embeds", image, ours["image_embeds"]), ("text_embeds", text, ours["text_embeds"])]:
        diff = (theirs - mine).abs().max().item()
        rel = diff / theirs.abs().max().item()
        cos = torch.nn.functional.cosine_similarity(theirs, mine, dim=-1).min().item()
        worst = max(worst, rel)
        print(f"  {name}: max |Δ| = {diff:.3e}, max relative = {rel:.3e}, min cosine = {cos:.7f}")
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("adapter")
    parser.add_argument("--base")
    args = parser.parse_args()
    config = json.load(open(os.path.join(args.adapter, "adapter_config.json")))
    base = args.base or config.get("base_model_name_or_path")
    if base and os.path.isdir(os.path.join(REPO, base)):
        base = os.path.join(REPO, base)
    ours = load_file(os.path.join(args.adapter, "cliptune_embeds.safetensors"))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = PeftModel.from_pretrained(CLIPModel.from_pretrained(base), args.adapter).eval()
    key_problems = [str(w.message) for w in caught if "keys" in str(w.message).lower()]
    layers = [n for n, _ in model.named_modules() if n.endswith(".lora_A")]
    print(f"{args.adapter}: PEFT built {len(layers)} LoRA layers; target_modules = {config['target_modules']}")

    worst = compare(model, ours)
    merged_dir = os.path.join(args.adapter, "merged")
    if os.path.isdir(merged_dir):
        print(f"{merged_dir}: transformers CLIPModel.from_pretrained")
        worst = max(worst, compare(CLIPModel.from_pretrained(merged_dir).eval(), ours))
    for problem in key_problems:
        print("  PEFT warning:", problem)
    if worst > 1e-4 or key_problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
