"""Python loads ours, captioner edition: PEFT reads a LoRA adapter that `cliptune train --task
captioning` wrote and must give ClipTune's captions and loss; transformers reads the merged model.

    ~/torch-anchor/bin/python Scripts/parity/peft_load_ours_captioner.py [--cliptune .build/release/cliptune] [--targets c_attn,c_proj,c_fc]

Trains 6 LoRA steps (r 4, dropout 0.1, --targets; `q_proj,v_proj,c_attn` reaches the ViT through
transformers 5's in-memory names) on the committed tiny captioner
(Tests/Fixtures/captioner) with the cliptune binary, then:
  1. PeftModel.from_pretrained(VisionEncoderDecoderModel(tiny), run/adapter): the teacher-forced loss
     over every caption of the data must equal `cliptune eval captions --model tiny --adapter
     run/adapter`'s within 1e-5 relative, and generate (4 beams, max_length 16) the ids
     `cliptune caption --adapter` writes, exactly;
  2. `cliptune merge` of the same adapter, loaded by plain transformers: the same loss and ids.
Exits non-zero on any mismatch or on missing/unexpected adapter keys.
"""
import argparse, json, os, subprocess, sys, tempfile, warnings
import torch
from PIL import Image
from peft import PeftModel
from transformers import GPT2Tokenizer, VisionEncoderDecoderModel
from transformers.models.vit.image_processing_pil_vit import ViTImageProcessorPil

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
TINY = os.path.join(REPO, "Tests", "Fixtures", "captioner", "tiny")
DATA = os.path.join(REPO, "Tests", "Fixtures", "captioner", "data")


def sh(*args):
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def loss_and_ids(model, images, tok, proc):
    total, count, ids = 0.0, 0, []
    eos = tok.eos_token_id
    with torch.no_grad():
        for im in images:
            px = proc(images=[Image.open(os.path.join(DATA, "images", im["filename"])).convert("RGB")], return_tensors="pt")["pixel_values"]
            for sent in im["sentences"]:
                lab = torch.tensor([tok(sent["raw"], add_special_tokens=False)["input_ids"] + [eos]])
                logits = model(pixel_values=px, labels=lab).logits
                total += torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), lab.reshape(-1), reduction="sum").item()
                count += lab.numel()
            ids.append(model.generate(pixel_values=px, num_beams=4, max_length=16)[0].tolist())
    return total / count, ids


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cliptune", default=os.path.join(REPO, ".build", "release", "cliptune"))
    ap.add_argument("--targets", default="c_attn,c_proj,c_fc")
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="peft-captioner-")
    run, merged = os.path.join(work, "run"), os.path.join(work, "merged")
    data = os.path.join(DATA, "dataset.json")
    sh(args.cliptune, "train", "--task", "captioning", "--model", TINY, "--data", data, "--output", run, "--lora-rank", "4",
       "--lora-alpha", "8", "--lora-targets", args.targets, "--lr", "5e-3", "--batch-size", "4", "--max-steps", "6", "--val-split", "none")
    adapter = os.path.join(run, "adapter")
    ours_loss = json.loads(sh(args.cliptune, "eval", "captions", "--model", TINY, "--adapter", adapter, "--data", data,
                              "--split", "train", "--num-beams", "4", "--max-length", "16"))["loss"]
    images = json.load(open(data))["images"]
    files = [os.path.join(DATA, "images", im["filename"]) for im in images]
    ours_ids = [json.loads(l)["token_ids"] for l in sh(args.cliptune, "caption", "--model", TINY, "--adapter", adapter,
                                                        "--num-beams", "4", "--max-length", "16", "--images", *files).splitlines()]
    sh(args.cliptune, "merge", "--model", TINY, "--adapter", adapter, "--output", merged)
    tok = GPT2Tokenizer.from_pretrained(TINY)
    proc = ViTImageProcessorPil.from_pretrained(TINY)
    failed = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        peft = PeftModel.from_pretrained(VisionEncoderDecoderModel.from_pretrained(TINY), adapter).eval()
    if any("missing" in str(w.message).lower() or "unexpected" in str(w.message).lower() for w in caught):
        print("PEFT reported missing or unexpected keys:", [str(w.message) for w in caught])
        failed = True
    for name, model in [("PEFT + our adapter", peft), ("transformers + our merged model", VisionEncoderDecoderModel.from_pretrained(merged).eval())]:
        loss, ids = loss_and_ids(model, images, tok, proc)
        rel = abs(loss - ours_loss) / abs(loss)
        same = ids == ours_ids
        print(f"{name}: loss {loss:.8f} vs ClipTune {ours_loss:.8f} (rel {rel:.2e}); generate ids {'identical' if same else 'DIFFERENT'}")
        # Our captions stop at EOS; generate pads only in batches, and these run one image at a time.
        failed |= rel > 1e-5 or not same
    sys.exit(1 if failed else 0)
