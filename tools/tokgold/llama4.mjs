// Shared setup: the Llama 4 tokenizer as Meta's tokenizer.py builds it, on top
// of the reference tiktoken (npm "tiktoken", the WASM build of openai/tiktoken).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tiktoken } from 'tiktoken';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
// shakespearePath is TinyShakespeare, shipped in the repository's testdata.
export const shakespearePath = path.join(repoRoot, 'testdata', 'tinyshakespeare.txt');

// tokenizerPath is the real Llama 4 tokenizer.model, which cannot ship: the
// environment variable HERD_LLAMA4_TOKENIZER names it, as for the Go tests.
export function tokenizerPath() {
  const p = process.env.HERD_LLAMA4_TOKENIZER;
  if (!p) throw new Error('set HERD_LLAMA4_TOKENIZER to the path of the Llama 4 tokenizer.model');
  return p;
}

// O200K_PATTERN of Meta's tokenizer.py (spec §4.2).
export const PATTERN = "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const reserved = (prefix, first, n) =>
  Array.from({ length: n }, (_, i) => `<|${prefix}${first + i}|>`);

// The 2048 special token names in id order (spec §4.3).
export function specialNames() {
  const s = [
    '<|begin_of_text|>', '<|end_of_text|>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>',
    '<|header_start|>', '<|header_end|>', '<|eom|>', '<|eot|>', '<|step|>',
    ...reserved('text_post_train_reserved_special_token_', 0, 6),
    '<|python_start|>', '<|python_end|>', '<|finetune_right_pad|>',
    ...reserved('text_post_train_reserved_special_token_', 8, 61),
    '<|image_start|>', '<|image_end|>', '<|vision_reserved_special_token_0|>',
    '<|vision_reserved_special_token_1|>', '<|tile_x_separator|>', '<|tile_y_separator|>',
    ...reserved('vision_reserved_special_token_', 2, 4),
    '<|image|>', '<|vision_reserved_special_token_6|>', '<|patch|>',
    ...reserved('vision_reserved_special_token_', 7, 1041),
    ...reserved('reasoning_reserved_special_token_', 0, 8),
    '<|reasoning_thinking_start|>', '<|reasoning_thinking_end|>',
  ];
  return [...s, ...reserved('reserved_special_token_', 0, 2048 - s.length)];
}

// load returns a tiktoken Encoding for the Llama 4 tokenizer.model.
export function load(file = tokenizerPath()) {
  const ranks = fs.readFileSync(file, 'utf8');
  const nBase = ranks.split('\n').filter((l) => l.length > 0).length;
  const specials = {};
  specialNames().forEach((name, i) => { specials[name] = nBase + i; });
  return new Tiktoken(ranks, specials, PATTERN);
}

// Python's str.isspace (White_Space plus U+001C..U+001F), which Meta's
// _split_whitespaces_or_nonwhitespaces uses.
const PY_SPACE = new Set([0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000]);

// metaSlices yields the substrings Meta's Tokenizer.encode passes to tiktoken:
// slices of 400,000 code points, each cut where a run of whitespace or
// non-whitespace exceeds 25,000 code points.
export function* metaSlices(text) {
  const cps = Array.from(text); // code points, like a Python str
  for (let i = 0; i < cps.length; i += 400000) {
    const s = cps.slice(i, i + 400000);
    let len = 0;
    let isSpace = s.length > 0 ? PY_SPACE.has(s[0].codePointAt(0)) : false;
    let start = 0;
    for (let j = 0; j < s.length; j++) {
      const now = PY_SPACE.has(s[j].codePointAt(0));
      if (isSpace !== now) {
        len = 1;
        isSpace = now;
      } else {
        len++;
        if (len > 25000) {
          yield s.slice(start, j).join('');
          start = j;
          len = 1;
        }
      }
    }
    yield s.slice(start).join('');
  }
  if (cps.length === 0) yield '';
}

// encodeMeta is Meta's Tokenizer.encode(text, bos=False, eos=False,
// allowed_special=allowed ? "all" : set(), disallowed_special=()).
export function encodeMeta(enc, text, allowSpecial) {
  const out = [];
  for (const s of metaSlices(text)) {
    const ids = enc.encode(s, allowSpecial ? 'all' : [], []);
    for (const id of ids) out.push(id);
  }
  return out;
}
