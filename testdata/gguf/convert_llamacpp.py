#!/usr/bin/env python3
"""Runs llama.cpp's own convert_hf_to_gguf.py where the Hugging Face
`transformers` package is not installable (no PyPI), as used to make the
llama.cpp-*.gguf files here.

The converter imports transformers.AutoConfig at module level (and falls
back to reading config.json when it fails) and uses AutoTokenizer only in
TextModel.get_vocab_base. This wrapper installs a stub `transformers`
module whose from_pretrained always fails, and replaces get_vocab_base by a
reader of tokenizer.json that produces what AutoTokenizer would: every id
below vocab_size, its token text, CONTROL for special added tokens,
USER_DEFINED for other added tokens, NORMAL otherwise, "[PAD<id>]"/UNUSED
for holes; and the pre-tokenizer "llama4" (get_vocab_base_pre identifies it
by hashing the tokenization of a test text with AutoTokenizer, which needs
transformers; the tokenizer.json here has Llama 4's pre-tokenizer). With
torch older than 2.1 the float8 dtype names are aliased (see below). Tensors,
metadata, merges and special ids are the converter's own.

usage: LLAMA_CPP=/path/to/llama.cpp python3 convert_llamacpp.py MODEL_DIR --outfile OUT.gguf --outtype f32
"""
import json, os, sys, types

llama = os.environ.get("LLAMA_CPP", "/work/llama.cpp")
sys.path.insert(0, llama)
sys.path.insert(1, os.path.join(llama, "gguf-py"))

stub = types.ModuleType("transformers")


class _Unavailable:
    @staticmethod
    def from_pretrained(*args, **kwargs):
        raise RuntimeError("transformers is not installed (stub)")


stub.AutoConfig = _Unavailable
stub.AutoTokenizer = _Unavailable
sys.modules["transformers"] = stub

# Debian's python3-torch is 1.13, which predates the float8 dtypes the
# converter names in its dtype tables (for FP8 checkpoints only): alias them
# to uint8 so that the module imports. The tiny model has no FP8 tensors.
import torch  # noqa: E402

for _name in ("float8_e4m3fn", "float8_e5m2", "float8_e8m0fnu"):
    if not hasattr(torch, _name):
        setattr(torch, _name, torch.uint8)

import gguf  # noqa: E402
import conversion.base as base  # noqa: E402


def get_vocab_base(self):
    with open(self.dir_model / "tokenizer.json", encoding="utf-8") as f:
        tj = json.load(f)
    vocab = dict(tj["model"]["vocab"])
    added = {t["content"]: t for t in tj.get("added_tokens", [])}
    for t in added.values():
        vocab[t["content"]] = t["id"]
    n = self.hparams.get("vocab_size", len(vocab))
    assert max(vocab.values()) < n
    reverse = {i: s for s, i in vocab.items()}
    tokens, toktypes = [], []
    for i in range(n):
        if i not in reverse:
            tokens.append(f"[PAD{i}]")
            toktypes.append(gguf.TokenType.UNUSED)
            continue
        tok = reverse[i]
        if tok in added:
            special = added[tok]["special"] or self.does_token_look_special(tok)
            toktypes.append(gguf.TokenType.CONTROL if special else gguf.TokenType.USER_DEFINED)
        else:
            toktypes.append(gguf.TokenType.NORMAL)
        tokens.append(tok)
    return tokens, toktypes, "llama4"


base.TextModel.get_vocab_base = get_vocab_base

import convert_hf_to_gguf  # noqa: E402

convert_hf_to_gguf.main()
