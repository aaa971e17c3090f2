#!/usr/bin/env python3
"""Writes tokenizer.json and tokenizer_config.json for the 512-token tiny model
(testdata/llama4-tiny): a byte-level BPE in Llama 4's tokenizer.json layout
(TikTokenConverter style: ignore_merges, O200K Split + ByteLevel, merges
recovered from the ranks), consistent with the tiny config (pad 0, bos 1,
eos 2). Ids: 0..4 the specials herd needs, 5..260 the 256 bytes, 261..511
merges learned from TEXT below. Deterministic; standard library only.

usage: make_tiny_tokenizer.py OUT_DIR
"""
import json, re, sys, collections

SPECIALS = ["<|finetune_right_pad|>", "<|begin_of_text|>", "<|end_of_text|>", "<|eot|>", "<|eom|>"]
VOCAB = 512
O200K = ("[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
         "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
         "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")
TEXT = """Once upon a time there was a little model that wanted to run everywhere.
It learned to read the files that other programs wrote, and to write files
that other programs could read. The model was small, but it had every feature
of its large siblings: chunked attention, layers without position encoding,
experts chosen by a router, and a shared expert that always ran. When the
people who built it asked a question, it answered with the tokens it had
learned, one at a time, greedily, the same way every time. Hello, world!
The quick brown fox jumps over the lazy dog. 0123456789 (parens) [brackets]
Sphinx of black quartz, judge my vow! Pack my box with five dozen liquor jugs.
Mixtures of experts route each token to one of several feed-forward networks;
rotary position embeddings rotate pairs of values by an angle that grows with
the position, and a temperature grows slowly with the distance to the start.
"""

def byte_level():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}

def main(out):
    enc = byte_level()
    bl = lambda b: "".join(enc[x] for x in b)
    words = collections.Counter(re.findall(r" ?[A-Za-z]+| ?[0-9]{1,3}| ?[^\sA-Za-z0-9]+|\s+", TEXT))
    seqs = {w: [bytes([c]) for c in w.encode()] for w in words}
    ranks = {bytes([b]): 5 + b for b in range(256)}
    while len(ranks) + len(SPECIALS) < VOCAB:
        pairs = collections.Counter()
        for w, s in seqs.items():
            for a, b in zip(s, s[1:]):
                pairs[a, b] += words[w]
        pairs = {p: c for p, c in pairs.items() if p[0] + p[1] not in ranks}
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        ranks[best[0] + best[1]] = len(ranks) + len(SPECIALS)
        for w, s in seqs.items():
            i, t = 0, []
            while i < len(s):
                if i + 1 < len(s) and (s[i], s[i + 1]) == best:
                    t.append(s[i] + s[i + 1]); i += 2
                else:
                    t.append(s[i]); i += 1
            seqs[w] = t
    assert len(ranks) + len(SPECIALS) == VOCAB, len(ranks)
    merges = []
    for tok, r in sorted(ranks.items(), key=lambda kv: kv[1]):
        local = [(tok[:i], tok[i:]) for i in range(1, len(tok)) if tok[:i] in ranks and tok[i:] in ranks]
        local.sort(key=lambda p: (ranks[p[0]], ranks[p[1]]))
        merges += [bl(a) + " " + bl(b) for a, b in local]
    tj = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, s in enumerate(SPECIALS)],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": O200K}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "TemplateProcessing",
                           "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                           "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                    {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                           "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [1], "tokens": ["<|begin_of_text|>"]}}},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False, "ignore_merges": True,
                  "vocab": {bl(t): r for t, r in sorted(ranks.items(), key=lambda kv: kv[1])}, "merges": merges},
    }
    with open(f"{out}/tokenizer.json", "w", encoding="utf-8") as f:
        json.dump(tj, f, ensure_ascii=False, indent=1)
        f.write("\n")
    tc = {"bos_token": SPECIALS[1], "eos_token": SPECIALS[2], "pad_token": SPECIALS[0], "add_bos_token": True,
          "model_max_length": 131072, "tokenizer_class": "PreTrainedTokenizerFast",
          "chat_template": "{{ bos_token }}{% for m in messages %}<|header_start|>{{ m['role'] }}<|header_end|>\n\n"
                           "{{ m['content'] }}<|eot|>{% endfor %}{% if add_generation_prompt %}<|header_start|>assistant<|header_end|>\n\n{% endif %}"}
    with open(f"{out}/tokenizer_config.json", "w", encoding="utf-8") as f:
        json.dump(tc, f, ensure_ascii=False, indent=1)
        f.write("\n")

if __name__ == "__main__":
    main(sys.argv[1])
