"""The PyTorch side of `cliptune bench caption --config vit-gpt2`: transformers + PEFT on random
weights of nlpconnect/vit-gpt2-image-captioning's architecture (ViT-base/16 at 224, GPT-2 small
with cross-attention; decoder_start = pad = eos = 50256), on the CPU.

--what lora   a training step: PEFT LoRA r 32, alpha 64, dropout --lora-dropout on c_attn, c_proj,
              c_fc; model(pixel_values, labels=labels).loss (labels: --caption-len random tokens + EOS),
              backward, AdamW step, zero_grad; --batch pairs.
--what full   the same with every parameter training.
--what generate  model.generate(pixel_values) for --batch images with --beams beams, max_length
              --max-length and min_length the same (every caption runs to it, as on ClipTune's side).
Best of --steps after one warm-up; prints one line per workload and writes JSON with --output.

    ~/torch-anchor/bin/python Scripts/bench/caption_torch_bench.py --what lora,generate
"""
import argparse
import json
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import GPT2Config, VisionEncoderDecoderConfig, VisionEncoderDecoderModel, ViTConfig


def model_():
    torch.manual_seed(0)
    # GPT-2's own dropout off, as `cliptune bench caption` runs it: both sides do the same computation.
    dec = GPT2Config(add_cross_attention=True, is_decoder=True, bos_token_id=50256, eos_token_id=50256, pad_token_id=50256,
                     resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    cfg = VisionEncoderDecoderConfig.from_encoder_decoder_configs(ViTConfig(), dec)
    cfg.decoder_start_token_id = cfg.pad_token_id = cfg.eos_token_id = 50256
    model = VisionEncoderDecoderModel(config=cfg)
    for key in ("decoder_start_token_id", "eos_token_id", "pad_token_id"):
        setattr(model.generation_config, key, 50256)
    return model


def best(fn, steps):
    fn()  # warm-up
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--what", default="lora,generate")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--caption-len", type=int, default=16)
    ap.add_argument("--beams", type=int, default=4)
    ap.add_argument("--max-length", type=int, default=16)
    ap.add_argument("--lora-dropout", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--output", default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    result = {"torch": torch.__version__, "threads": args.threads, "batch": args.batch}
    pixels = torch.randn(args.batch, 3, 224, 224)
    for what in args.what.split(","):
        model = model_()
        if what == "generate":
            model.eval()

            def run():
                with torch.no_grad():
                    model.generate(pixel_values=pixels, num_beams=args.beams, max_length=args.max_length,
                                   min_length=args.max_length)
            seconds = best(run, args.steps)
            result["captions_per_s"] = args.batch / seconds
            print(f"caption generate: {seconds:.2f} s for {args.batch} images, {args.batch / seconds:.2f} captions/s, "
                  f"{args.beams} beams, max_length {args.max_length}")
            continue
        if what == "lora":
            model = get_peft_model(model, LoraConfig(r=32, lora_alpha=64, lora_dropout=args.lora_dropout,
                                                     target_modules=["c_attn", "c_proj", "c_fc"]))
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=1e-5)
        g = torch.Generator().manual_seed(1)
        tokens = torch.randint(0, 50256, (args.batch, args.caption_len), generator=g)
        labels = torch.cat([tokens, torch.full((args.batch, 1), 50256)], dim=1)

        def step():
            loss = model(pixel_values=pixels, labels=labels).loss
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
        seconds = best(step, args.steps)
        result[f"{what}_pairs_per_s"] = args.batch / seconds
        print(f"caption train ({what}): step {seconds:.2f} s, {args.batch / seconds:.2f} pairs/s, batch {args.batch}, "
              f"caption {args.caption_len} tokens")
    if args.output:
        with open(args.output, "w") as f:
            json.dump(result, f)
