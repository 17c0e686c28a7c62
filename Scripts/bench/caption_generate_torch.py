"""Caption generation speed of transformers' `VisionEncoderDecoderModel.generate` (the anchor for
`cliptune bench caption`), at full size with random weights: ViT-base/16 encoder (S = 197), GPT-2
small decoder with cross-attention (12 layers, C 768, V 50257), decoder_start = eos = pad = 50256.

Times `generate(encoder_outputs=…)` — the decoder's share, which is what ClipTune's generator does
given encoder states — for `--beams` beams and `--new-tokens` new tokens (min_new_tokens too, so
every run does the same work), best of `--steps` after one warm-up, on `--threads` threads.
With `--out DIR` it also writes DIR/decoder.safetensors (the decoder's parameters under their HF
names, `encoder_states`) and DIR/generated.json (generate's ids), so that
    cliptune bench caption --weights DIR/decoder.safetensors --expect DIR/generated.json
times ClipTune on the very same model and checks it returns the same ids.

    ~/torch-anchor/bin/python Scripts/bench/caption_generate_torch.py --out /tmp/capbench
"""
import argparse
import json
import os
import time

import torch
from transformers import GPT2Config, VisionEncoderDecoderConfig, VisionEncoderDecoderModel, ViTConfig
from transformers.modeling_outputs import BaseModelOutput

if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=1)
    ap.add_argument("--beams", type=int, default=4)
    ap.add_argument("--new-tokens", type=int, default=20)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--weight-std", type=float, default=0.05, help="decoder weights ~ N(0, std): less uniform than 0.02")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    dec = GPT2Config(add_cross_attention=True, is_decoder=True, bos_token_id=50256, eos_token_id=50256,
                     pad_token_id=50256)
    cfg = VisionEncoderDecoderConfig.from_encoder_decoder_configs(ViTConfig(), dec)
    cfg.decoder_start_token_id = cfg.pad_token_id = cfg.eos_token_id = 50256
    model = VisionEncoderDecoderModel(config=cfg).eval()
    with torch.no_grad():
        for name, p in model.decoder.named_parameters():
            if "ln_" not in name:
                p.normal_(0, args.weight_std)
    model.generation_config.decoder_start_token_id = 50256
    model.generation_config.eos_token_id = 50256
    model.generation_config.pad_token_id = 50256
    pixel_values = torch.randn(args.batch, 3, 224, 224)
    with torch.no_grad():
        states = model.encoder(pixel_values=pixel_values).last_hidden_state  # [B, 197, 768]
    kwargs = dict(num_beams=args.beams, max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens)

    def run():
        with torch.no_grad():
            return model.generate(encoder_outputs=BaseModelOutput(last_hidden_state=states), **kwargs)

    out = run()  # warm-up
    times = []
    for _ in range(args.steps):
        t0 = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - t0)
    print(f"torch {torch.__version__}, {args.threads} threads: generate(encoder_outputs) batch {args.batch}, "
          f"{args.beams} beams, {args.new_tokens} new tokens: best {min(times):.3f} s of {[round(t, 3) for t in times]}")
    print("ids", out.tolist())
    if args.out:
        from safetensors.torch import save_file
        os.makedirs(args.out, exist_ok=True)
        tensors = {"decoder." + k: v.contiguous() for k, v in model.decoder.state_dict().items()
                   if not k.startswith("lm_head")}
        tensors["encoder_states"] = states.contiguous()
        save_file(tensors, os.path.join(args.out, "decoder.safetensors"))
        with open(os.path.join(args.out, "generated.json"), "w") as f:
            json.dump({"kwargs": kwargs, "sequences": out.tolist(), "seconds": min(times)}, f)
        print("wrote", args.out)
