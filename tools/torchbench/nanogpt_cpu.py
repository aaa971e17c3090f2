#!/usr/bin/env python3
"""PyTorch CPU training-throughput baseline for herd (issue 9, criterion 4).

Times full optimizer steps (forward, cross-entropy, backward, grad-norm clip
at 1.0, AdamW) of three small models, on random token batches, and prints the
median step time and training tokens/s:

  gpt    nanoGPT's model (karpathy/nanoGPT model.py) in its CPU config:
         B=12, T=64, 4 layers, 4 heads, 128 wide, learned position embedding,
         pre-LayerNorm (with bias), GELU MLP 4x, causal attention, tied
         lm_head, dropout 0, vocabulary 65 (shakespeare_char), AdamW lr 1e-3
         betas (0.9, 0.99), weight decay 0.1 on 2-D tensors.
  dense  the same dimensions as a Llama 4 *dense* model, the very config
         herd trains in train/bench_test.go (BenchmarkTrainDense): RMSNorm,
         adjacent-pair RoPE (theta 10000), QK-norm, 4 heads of 32 (MHA), SwiGLU
         FFN 512, untied lm_head, vocabulary 259 (herd's byte tokenizer), no
         biases. About 0.9M parameters, like nanoGPT's 0.8M.
  moe    a Llama-4-shaped MoE of similar size (BenchmarkTrainMoE): GQA 4 query
         / 2 KV heads, layers 1 and 3 MoE (4 routed experts, top-1, sigmoid
         router score scaling the expert input, plus a shared expert, all
         SwiGLU 256 wide), layers 0 and 2 dense SwiGLU 512, layers 0-2 RoPE +
         QK-norm with chunked attention (chunk 64 = T), layer 3 NoPE global
         attention (temperature tuning is exactly 1 below 8192 positions).

The Llama models mirror herd's train package (Hugging Face
Llama4ForCausalLM semantics), except that routed experts run only on the
tokens routed to them (a gather per expert, as herd does) instead of HF's
dense all-experts form, which would give PyTorch E times the expert work.
All three use AdamW (lr 1e-3, betas (0.9, 0.95) for the Llama models as
herd's defaults, eps 1e-8, weight decay 0.1 on tensors of >= 2 dims) and
gradient clipping at 1.0, in float32.

Usage: OMP_WAIT_POLICY=PASSIVE python3 nanogpt_cpu.py [--model gpt|dense|moe]
       [--threads 2] [--iters 30] [--warmup 5]

(On a shared machine libgomp's default spin-waiting made PyTorch 5-15x
slower; docs/train-throughput.md has the measurements.)
"""

import argparse
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# --- nanoGPT (model.py, dropout 0, bias=True) -------------------------------

class CausalSelfAttention(nn.Module):
    def __init__(self, d, nh, T):
        super().__init__()
        self.c_attn = nn.Linear(d, 3 * d)
        self.c_proj = nn.Linear(d, d)
        self.nh = nh
        self.register_buffer("bias", torch.tril(torch.ones(T, T)).view(1, 1, T, T))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        k = k.view(B, T, self.nh, C // self.nh).transpose(1, 2)
        q = q.view(B, T, self.nh, C // self.nh).transpose(1, 2)
        v = v.view(B, T, self.nh, C // self.nh).transpose(1, 2)
        # torch < 2.0 has no scaled_dot_product_attention: nanoGPT's manual path.
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class GPTBlock(nn.Module):
    def __init__(self, d, nh, T):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, nh, T)
        self.ln_2 = nn.LayerNorm(d)
        self.c_fc = nn.Linear(d, 4 * d)
        self.c_proj = nn.Linear(4 * d, d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.c_proj(F.gelu(self.c_fc(self.ln_2(x))))


class GPT(nn.Module):
    def __init__(self, V=65, T=64, L=4, nh=4, d=128):
        super().__init__()
        self.wte = nn.Embedding(V, d)
        self.wpe = nn.Embedding(T, d)
        self.h = nn.ModuleList([GPTBlock(d, nh, T) for _ in range(L)])
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, V, bias=False)
        self.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, idx, targets):
        T = idx.size(1)
        x = self.wte(idx) + self.wpe(torch.arange(T, device=idx.device))
        for b in self.h:
            x = b(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


# --- Llama 4 text model, as herd's train package computes it ----------------

def rms(x, eps=1e-5):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-5):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d))
        self.eps = eps

    def forward(self, x):
        return rms(x, self.eps) * self.weight


def rope(x, cos, sin):
    """Adjacent-pair rotation (2i, 2i+1) of x [B, T, H, d] by [T, d/2] angles."""
    a, b = x[..., 0::2], x[..., 1::2]
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    return torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)


class MLP(nn.Module):  # SwiGLU
    def __init__(self, d, f):
        super().__init__()
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class MoE(nn.Module):
    """Top-k routed experts (sigmoid score scales the input) + shared expert."""

    def __init__(self, d, f, E, k=1):
        super().__init__()
        self.E, self.k, self.f = E, k, f
        self.router = nn.Linear(d, E, bias=False)
        self.gate_up_proj = nn.Parameter(torch.empty(E, d, 2 * f))  # input-major, as HF
        self.down_proj = nn.Parameter(torch.empty(E, f, d))
        self.shared_expert = MLP(d, f)

    def forward(self, x):
        shape = x.shape
        x = x.reshape(-1, shape[-1])
        logits = self.router(x)
        top, idx = torch.topk(logits, self.k, dim=-1)
        score = torch.sigmoid(top)  # [N, k]
        out = self.shared_expert(x)
        tok = torch.arange(x.size(0)).repeat_interleave(self.k)
        idx, score = idx.reshape(-1), score.reshape(-1)
        for e in range(self.E):
            sel = (idx == e).nonzero(as_tuple=True)[0]
            if sel.numel() == 0:
                continue
            t = tok[sel]
            xe = x[t] * score[sel, None]
            g, u = (xe @ self.gate_up_proj[e]).split(self.f, dim=-1)
            out = out.index_add(0, t, (F.silu(g) * u) @ self.down_proj[e])
        return out.view(shape)


class LlamaBlock(nn.Module):
    def __init__(self, d, nh, nkv, hd, ffn, use_rope, moe, E, f_moe, chunk):
        super().__init__()
        self.nh, self.nkv, self.hd = nh, nkv, hd
        self.use_rope, self.chunk = use_rope, chunk
        self.input_layernorm = RMSNorm(d)
        self.q_proj = nn.Linear(d, nh * hd, bias=False)
        self.k_proj = nn.Linear(d, nkv * hd, bias=False)
        self.v_proj = nn.Linear(d, nkv * hd, bias=False)
        self.o_proj = nn.Linear(nh * hd, d, bias=False)
        self.post_attention_layernorm = RMSNorm(d)
        self.feed_forward = MoE(d, f_moe, E) if moe else MLP(d, ffn)

    def forward(self, x, cos, sin):
        B, T, _ = x.shape
        h = self.input_layernorm(x)
        q = self.q_proj(h).view(B, T, self.nh, self.hd)
        k = self.k_proj(h).view(B, T, self.nkv, self.hd)
        v = self.v_proj(h).view(B, T, self.nkv, self.hd)
        if self.use_rope:  # RoPE then the weightless QK-norm
            q, k = rms(rope(q, cos, sin)), rms(rope(k, cos, sin))
        # (NoPE layers: temperature tuning scales q by 1 below floor_scale 8192.)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
        G = self.nh // self.nkv
        k, v = k.repeat_interleave(G, dim=1), v.repeat_interleave(G, dim=1)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.hd))
        i = torch.arange(T)
        mask = i[None, :] <= i[:, None]
        if self.use_rope and self.chunk:  # chunked attention on RoPE layers
            mask = mask & (i[None, :] // self.chunk == i[:, None] // self.chunk)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).reshape(B, T, self.nh * self.hd)
        x = x + self.o_proj(y)
        return x + self.feed_forward(self.post_attention_layernorm(x))


class Llama(nn.Module):
    def __init__(self, V=259, T=64, L=4, d=128, nh=4, nkv=4, hd=32, ffn=512,
                 moe_layers=(), nope_layers=(), E=4, f_moe=256, chunk=64, theta=10000.0):
        super().__init__()
        self.embed_tokens = nn.Embedding(V, d)
        self.layers = nn.ModuleList([
            LlamaBlock(d, nh, nkv, hd, ffn, l not in nope_layers, l in moe_layers, E, f_moe, chunk)
            for l in range(L)])
        self.norm = RMSNorm(d)
        self.lm_head = nn.Linear(d, V, bias=False)
        inv = 1.0 / theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd)
        ang = torch.arange(T, dtype=torch.float32)[:, None] * inv[None, :]
        self.register_buffer("cos", ang.cos())
        self.register_buffer("sin", ang.sin())
        for n, p in self.named_parameters():
            if p.dim() >= 2:
                nn.init.normal_(p, std=0.02)

    def forward(self, idx, targets):
        x = self.embed_tokens(idx)
        for b in self.layers:
            x = b(x, self.cos, self.sin)
        logits = self.lm_head(self.norm(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def build(name):
    if name == "gpt":
        return GPT(), 65, (0.9, 0.99)
    if name == "dense":
        return Llama(), 259, (0.9, 0.95)
    if name == "moe":
        return Llama(nkv=2, moe_layers=(1, 3), nope_layers=(3,)), 259, (0.9, 0.95)
    raise SystemExit(f"unknown model {name}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="gpt", choices=["gpt", "dense", "moe"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=12)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--iters", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=5)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1337)
    model, V, betas = build(a.model)
    model.train()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": other, "weight_decay": 0.0}], lr=1e-3, betas=betas, eps=1e-8)
    nparams = sum(p.numel() for p in model.parameters())
    times = []
    for it in range(a.warmup + a.iters):
        x = torch.randint(0, V, (a.batch, a.seq))
        y = torch.randint(0, V, (a.batch, a.seq))
        t0 = time.perf_counter()
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        dt = time.perf_counter() - t0
        if it >= a.warmup:
            times.append(dt)
    med = statistics.median(times)
    tok = a.batch * a.seq
    print(f"torch {torch.__version__} model={a.model} params={nparams} threads={torch.get_num_threads()} "
          f"B={a.batch} T={a.seq} iters={a.iters}: median {med * 1e3:.1f} ms/iter, "
          f"{tok / med:.0f} tokens/s (best {min(times) * 1e3:.1f} ms, {tok / min(times):.0f} tokens/s; loss {loss.item():.3f})")


if __name__ == "__main__":
    main()
