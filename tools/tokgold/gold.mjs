// Writes tokenizer/testdata/golden.jsonl.gz: varied strings and the ids the
// reference gives them. The reference is Meta's Tokenizer.encode (tokenizer.py:
// the 400,000 / 25,000 code point cuts, then tiktoken) with npm "tiktoken", the
// WASM build of openai/tiktoken, as its tiktoken. The Go test reads the file,
// so `go test` needs no Node.
//
//   npm ci && node gold.mjs [seed]
//
// Each line is one JSON object: a header first ({"header": {...}}), then
// records {"n", "kind", "text" | "bytes" (base64 of input that is not valid
// UTF-8), "special" (allowed specials), "ids"}. Input bytes are decoded with
// TextDecoder (U+FFFD for each maximal ill-formed subpart), which is the rule
// herd documents for invalid UTF-8.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { load, encodeMeta, repoRoot, shakespearePath, specialNames } from './llama4.mjs';

const seed = Number(process.argv[2] ?? 20250405);
const enc = load();
const shakespeare = fs.readFileSync(shakespearePath, 'utf8');

// mulberry32: a small seeded PRNG, so the file is reproducible.
let state = seed >>> 0;
const rand = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (n) => Math.floor(rand() * n); // 0..n-1
const between = (lo, hi) => lo + int(hi - lo + 1);
const pick = (a) => a[int(a.length)];
const chance = (p) => rand() < p;
const repeat = (n, f) => Array.from({ length: n }, f).join('');
const cp = (c) => String.fromCodePoint(c);
const fromRange = ([lo, hi]) => cp(between(lo, hi));

// Blocks of many scripts and symbol sets.
const BLOCKS = {
  latin: [[0x41, 0x5a], [0x61, 0x7a]],
  latinExt: [[0xc0, 0x24f], [0x1e00, 0x1eff]],
  ipa: [[0x250, 0x2af], [0x2b0, 0x2ff]],
  combining: [[0x300, 0x36f], [0x1ab0, 0x1aff], [0x20d0, 0x20ff], [0xfe20, 0xfe2f]],
  greek: [[0x370, 0x3ff], [0x1f00, 0x1fff]],
  cyrillic: [[0x400, 0x52f], [0x1c80, 0x1c8f]],
  armenian: [[0x531, 0x58f]],
  hebrew: [[0x591, 0x5f4]],
  arabic: [[0x600, 0x6ff], [0x750, 0x77f], [0x870, 0x8ff], [0xfb50, 0xfdff], [0xfe70, 0xfeff]],
  syriac: [[0x700, 0x74f]],
  thaana: [[0x780, 0x7bf]],
  devanagari: [[0x900, 0x97f]],
  bengali: [[0x980, 0x9ff]],
  gurmukhi: [[0xa00, 0xa7f]],
  tamil: [[0xb80, 0xbff]],
  telugu: [[0xc00, 0xc7f]],
  malayalam: [[0xd00, 0xd7f]],
  sinhala: [[0xd80, 0xdff]],
  thai: [[0xe00, 0xe7f]],
  lao: [[0xe80, 0xeff]],
  tibetan: [[0xf00, 0xfff]],
  myanmar: [[0x1000, 0x109f]],
  georgian: [[0x10a0, 0x10ff], [0x1c90, 0x1cbf]],
  hangulJamo: [[0x1100, 0x11ff]],
  ethiopic: [[0x1200, 0x139f]],
  cherokee: [[0x13a0, 0x13ff], [0xab70, 0xabbf]],
  canadian: [[0x1400, 0x167f]],
  ogham: [[0x1680, 0x169f]],
  runic: [[0x16a0, 0x16ff]],
  khmer: [[0x1780, 0x17ff]],
  mongolian: [[0x1800, 0x18af]],
  punct: [[0x2000, 0x206f], [0x2e00, 0x2e7f], [0x3000, 0x303f]],
  supsub: [[0x2070, 0x209f]],
  currency: [[0x20a0, 0x20c0]],
  letterlike: [[0x2100, 0x218f]],
  arrowsMath: [[0x2190, 0x22ff], [0x27c0, 0x27ef], [0x2980, 0x2aff]],
  technical: [[0x2300, 0x23ff]],
  enclosed: [[0x2460, 0x24ff]],
  box: [[0x2500, 0x259f]],
  shapes: [[0x25a0, 0x27bf]],
  braille: [[0x2800, 0x28ff]],
  cjkRadicals: [[0x2e80, 0x2fdf]],
  hiragana: [[0x3041, 0x309f]],
  katakana: [[0x30a0, 0x30ff], [0x31f0, 0x31ff]],
  bopomofo: [[0x3100, 0x312f]],
  hangulCompat: [[0x3130, 0x318f]],
  cjkCompat: [[0x3200, 0x33ff]],
  cjk: [[0x4e00, 0x9fff]],
  cjkExtA: [[0x3400, 0x4dbf]],
  yi: [[0xa000, 0xa4cf]],
  vai: [[0xa500, 0xa63f]],
  hangul: [[0xac00, 0xd7a3]],
  privateUse: [[0xe000, 0xf8ff], [0xf0000, 0xf00ff]],
  halfFull: [[0xff00, 0xffef]],
  specialsBlock: [[0xfff0, 0xfffd]],
  noncharacters: [[0xfdd0, 0xfdef], [0xfffe, 0xffff], [0x1fffe, 0x1ffff]],
  linearB: [[0x10000, 0x100ff]],
  gothic: [[0x10330, 0x1034f]],
  newIn15_16: [[0x105c0, 0x105f3], [0x10d40, 0x10d8f], [0x11380, 0x113ff], [0x16d40, 0x16d7f], [0x1e5d0, 0x1e5ff], [0x2ebf0, 0x2ee5d]],
  cuneiform: [[0x12000, 0x123ff]],
  hieroglyphs: [[0x13000, 0x1342f], [0x13460, 0x143fa]],
  mathAlnum: [[0x1d400, 0x1d7ff]],
  musical: [[0x1d100, 0x1d1ff]],
  emoji: [[0x1f300, 0x1f5ff], [0x1f600, 0x1f64f], [0x1f680, 0x1f6ff], [0x1f900, 0x1f9ff], [0x1fa70, 0x1faff]],
  cjkExtB: [[0x20000, 0x2a6df]],
  tags: [[0xe0020, 0xe007f]],
  variationSel: [[0xfe00, 0xfe0f], [0xe0100, 0xe01ef]],
  controls: [[0x0, 0x1f], [0x7f, 0x9f]],
  ascii: [[0x20, 0x7e]],
  anything: [[0x0, 0xd7ff], [0xe000, 0x10ffff]],
};
const blockNames = Object.keys(BLOCKS);
const charFrom = (name) => fromRange(pick(BLOCKS[name]));

const SPACES = [' ', ' ', ' ', '\t', '\n', '\r\n', '\r', '\v', '\f', '\u00a0', '\u1680', '\u2000', '\u2003',
  '\u2009', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\u0085', '\u001c', '\u001f', '\u200b'];
const PUNCT = [...'!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', '\u2019', '\u201c', '\u201d', '\u2014', '\u2026', '\u00bf', '\u00a1', '\u3001', '\u3002', '\uff01'];
const DIGITS = ['0123456789', '\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669',
  '\u0966\u0967\u0968\u0969\u096a\u096b\u096c\u096d\u096e\u096f', '\uff10\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19',
  '\u00b2\u00b3\u00b9\u00bc\u00bd\u00be\u2070\u2074\u2075', '\u2160\u2161\u2162\u2163\u2164\u216b\u216f', '\u2460\u2461\u2462\u2473',
  '\u0e50\u0e51\u0e52\u0e53', '\u{1d7ce}\u{1d7cf}\u{1d7d0}', '\u3007\u3021\u3022'];
const digitRun = (n) => { const d = pick(DIGITS); return repeat(n, () => pick([...d])); };
const WORDS = ['the', 'of', 'and', 'a', 'to', 'in', 'is', 'you', 'that', 'it', 'he', 'was', 'for', 'on', 'are',
  'as', 'with', 'his', 'they', 'I', 'at', 'be', 'this', 'have', 'from', 'or', 'one', 'had', 'by', 'word', 'but',
  'not', 'what', 'all', 'were', 'we', 'when', 'your', 'can', 'said', 'there', 'use', 'an', 'each', 'which', 'she',
  'do', 'how', 'their', 'if', 'will', 'up', 'other', 'about', 'out', 'many', 'then', 'them', 'these', 'so', 'some',
  'her', 'would', 'make', 'like', 'him', 'into', 'time', 'has', 'look', 'two', 'more', 'write', 'go', 'see', 'number',
  'no', 'way', 'could', 'people', 'my', 'than', 'first', 'water', 'been', 'call', 'who', 'oil', 'its', 'now', 'find',
  'tokenizer', 'Llama', 'transformer', 'naïve', 'café', 'résumé', 'Straße', 'Ωmega', 'iPhone', 'McDonald', 'JSON',
  'HTTPServer', 'XMLHttpRequest', 'getElementById', 'snake_case_name', 'x86_64', 'ßtraße', 'İstanbul', 'ǅemal', 'ǈudevit'];
const word = () => {
  let w = pick(WORDS);
  const r = rand();
  if (r < 0.15) w = w.toUpperCase();
  else if (r < 0.3) w = w[0].toUpperCase() + w.slice(1);
  else if (r < 0.35) w = [...w].map((c) => (chance(0.5) ? c.toUpperCase() : c)).join('');
  return w;
};
const scriptWord = (name) => repeat(between(1, 9), () => charFrom(name)) + (chance(0.2) ? charFrom('combining') : '');

// Emoji building blocks.
const ZWJ = '\u200d';
const SKIN = ['\u{1f3fb}', '\u{1f3fc}', '\u{1f3fd}', '\u{1f3fe}', '\u{1f3ff}'];
const PEOPLE = ['\u{1f468}', '\u{1f469}', '\u{1f467}', '\u{1f466}', '\u{1f9d1}', '\u{1f476}'];
const emojiSeq = () => {
  switch (int(7)) {
    case 0: return Array.from({ length: between(2, 4) }, () => pick(PEOPLE)).join(ZWJ); // family
    case 1: return pick(PEOPLE) + pick(SKIN);
    case 2: { const a = 0x1f1e6 + int(26); const b = 0x1f1e6 + int(26); return cp(a) + cp(b); } // flag
    case 3: return pick([...'0123456789#*']) + '\ufe0f\u20e3'; // keycap
    case 4: return '\u{1f3f3}\ufe0f\u200d\u{1f308}'; // rainbow flag
    case 5: return '\u{1f3f4}\u{e0067}\u{e0062}\u{e0073}\u{e0063}\u{e0074}\u{e007f}'; // tag sequence
    default: return charFrom('emoji') + (chance(0.3) ? '\ufe0f' : '') + (chance(0.2) ? pick(SKIN) : '');
  }
};

// Code snippets.
const IDENTS = ['x', 'i', 'n', 'self', 'ctx', 'err', 'value', 'fooBar', 'foo_bar', 'FooBar', 'HTTPClient', 'π', 'données', '变量', 'count2', '_priv', '__init__'];
const codeLine = () => {
  const id = () => pick(IDENTS);
  const num = () => (chance(0.5) ? String(int(100000)) : `${int(100)}.${int(1000)}e-${int(10)}`);
  const forms = [
    () => `def ${id()}(${id()}, ${id()}=None):`,
    () => `    return ${id()} * ${num()}`,
    () => `if (${id()} != ${num()} && ${id()}) {`,
    () => `}`,
    () => `\tfor i := 0; i < len(${id()}); i++ {`,
    () => `const ${id()} = await fetch("https://example.com/api/v1/${id()}?q=${num()}");`,
    () => `#include <stdio.h>`,
    () => `printf("%d\\n", ${id()}->${id()}[${num()}]);`,
    () => `{"${id()}": [${num()}, "${id()}", null, true], "nested": {"k": "v"}}`,
    () => `<div class="${id()}">${word()} &amp; ${word()}</div>`,
    () => `SELECT ${id()}, COUNT(*) FROM t WHERE ${id()} LIKE '%${word()}%';`,
    () => `$ ls -la /usr/local/bin | grep -E '^[d-]rw' > /dev/null 2>&1`,
    () => `// TODO(${id()}): don't forget the edge-case's handling!!!`,
    () => `/* ${word()} ${word()} */ x+=1;y-=2;z*=3;w/=4;`,
    () => `let re = /^(?:[a-z0-9!#$%&'*+/=?^_\`{|}~-]+)$/i;`,
    () => `    ${id()} = lambda ${id()}: ${id()} ** 2  # square`,
    () => `fn main() -> Result<(), Box<dyn Error>> { println!("{:?}", ${id()}); Ok(()) }`,
    () => `\t\t\t${id()}\t=\t${num()}\t;`,
    () => `@@ -${int(99)},${int(9)} +${int(99)},${int(9)} @@`,
    () => `0x${int(0xffffff).toString(16)} 0b1010 1_000_000 ${num()}`,
  ];
  return pick(forms)();
};
const code = () => {
  const eol = pick(['\n', '\n', '\r\n', '\n\n']);
  return repeat(between(1, 12), () => codeLine() + eol).replace(/\n$/, chance(0.5) ? '' : '\n');
};

const contraction = () => {
  const suffix = pick(['s', 't', 're', 've', 'm', 'll', 'd', 'ſ', 'S', 'T', 'RE', 'Re', 'rE', 'VE', 'vE', 'M', 'LL', 'lL', 'Ll', 'D', 'x', 'ſt', 'sT']);
  const apos = chance(0.85) ? "'" : pick(['\u2019', '`', "''"]);
  const before = pick([() => word(), () => scriptWord(pick(['greek', 'cyrillic', 'latinExt', 'hiragana', 'cjk'])), () => digitRun(between(1, 4)), () => ' ', () => '', () => pick(PUNCT)])();
  const after = pick(['', '', ' ', 'abc', 'ABC', '1', '!', '\n', "'s", emojiSeq()]);
  return before + apos + suffix + after;
};

const spaceRun = (n) => repeat(n, () => pick(SPACES));
const whitespaceAndDigits = () => {
  const parts = [];
  for (let i = between(1, 8); i > 0; i--) {
    parts.push(pick([
      () => spaceRun(between(1, 40)),
      () => ' '.repeat(between(1, 300)),
      () => '\n'.repeat(between(1, 20)),
      () => digitRun(between(1, 40)),
      () => word(),
      () => pick(PUNCT),
      () => '\t'.repeat(between(1, 10)) + word(),
    ])());
  }
  return parts.join('');
};

const unicodeMix = () => repeat(between(1, 80), () => {
  const r = rand();
  if (r < 0.15) return pick(SPACES);
  if (r < 0.22) return pick(PUNCT);
  if (r < 0.27) return digitRun(between(1, 5));
  if (r < 0.35) return charFrom('anything');
  return charFrom(pick(blockNames));
});

const scripts = () => {
  const name = pick(blockNames.filter((b) => !['anything', 'controls'].includes(b)));
  return repeat(between(1, 12), () => scriptWord(name) + pick([' ', ' ', ', ', '. ', '\n', '', pick(PUNCT)]));
};

const cjkText = () => repeat(between(1, 40), () => {
  const r = rand();
  if (r < 0.5) return charFrom('cjk');
  if (r < 0.7) return charFrom(pick(['hiragana', 'katakana']));
  if (r < 0.78) return charFrom('hangul');
  if (r < 0.86) return pick(['、', '。', '「', '」', '！', '？', '（', '）', '・', 'ー']);
  if (r < 0.92) return pick([' ', word(), digitRun(between(1, 4))]);
  return charFrom(pick(['cjkExtA', 'cjkExtB', 'halfFull', 'cjkCompat', 'bopomofo']));
});

const emojiText = () => repeat(between(1, 15), () => (chance(0.6) ? emojiSeq() : pick([' ', word(), pick(PUNCT), '\n', ZWJ, '\ufe0f'])));

const shakespeareSlice = (maxLen) => {
  const start = int(shakespeare.length);
  return shakespeare.slice(start, start + between(1, maxLen));
};

const SPECIALS = specialNames();
const specialsText = () => repeat(between(1, 6), () => pick([
  () => pick(SPECIALS.slice(0, 100)),
  () => pick(SPECIALS),
  () => pick(['<|', '|>', '<|eot', 'eot|>', '<|eot|', '<|EOT|>', '< |eot|>', '<||>', '<|<|eot|>|>', '<|header_start|><|header_end|>']),
  () => word(),
  () => ' ',
  () => '\n\n',
  () => scriptWord('cjk'),
])());

// Invalid UTF-8 inputs, as bytes.
const utf8 = (s) => Buffer.from(s, 'utf8');
const BAD = [[0x80], [0xbf], [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf],
  [0xf0, 0x8f, 0xbf, 0xbf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80], [0xff], [0xfe], [0xe2, 0x82], [0xf0, 0x9f, 0x98],
  [0xc3], [0xe3, 0x81], [0xf0, 0x9f], [0xe2, 0x28, 0xa1], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc2, 0x41]];
const invalidBytes = () => {
  const parts = [];
  for (let i = between(1, 10); i > 0; i--) {
    const r = rand();
    if (r < 0.35) parts.push(Buffer.from(pick(BAD)));
    else if (r < 0.5) parts.push(Buffer.from(Array.from({ length: between(1, 8) }, () => int(256))));
    else if (r < 0.6) { const b = utf8(pick(['€', '😀', 'é', '中', '𝄞'])); parts.push(b.subarray(0, between(1, b.length - 1))); }
    else parts.push(utf8(pick([word(), ' ', scriptWord('cjk'), emojiSeq(), digitRun(3), '\n', pick(PUNCT)])));
  }
  return Buffer.concat(parts);
};

const EDGE = ['', ' ', '  ', '\n', '\r\n', '\r', ' \n', '\n ', ' \n ', '  \n  x', 'x  ', 'x \n', '\t', '\t\t\tx',
  'a', 'A', 'aA', 'Aa', 'AA', 'ǅ', 'ǅa', 'aǅ', '1', '12', '123', '1234', '12345', '١٢٣٤', "'s", "a's", "A'S", "'S",
  "x'ſ", "X'ſt", " I'ſ", " I'ſt", "I'ſ", " I'S", "'ll", "I'll've", "don't", "DON'T", "y'all", "rock'n'roll", '...', '?!', ' ?!', ' ?!\n\n', '//',
  ' //\n', 'a/b', '\u0301', 'a\u0301', '\u0301a', ' \u0301', 'x\u0301\u0302\u0303', 'ＡＢＣ', 'ａｂｃ', '\u00a0x', 'x\u00a0',
  '\u3000', 'x\u3000y', '\u2028', '\u0085', '\u001c\u001d', '\u200b', '\ufeffhello', '\ufffd', 'a\ufffdb', '\u{10ffff}',
  '\u{e0001}', '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}', '👍🏽', '🇫🇷🇩🇪', '1️⃣', 'ʼn', 'ﬁ', 'Ⅻ', '½', '²³', '𝟘𝟙',
  '\u0378', '\u0e33', 'ไทย', 'हिन्दी', 'العربية', 'עברית', '한국어', '日本語の文章です。', '中文，标点。', '  \t  \n\n\t ',
  ' '.repeat(100), '\n'.repeat(50), '0'.repeat(64), 'a'.repeat(200), 'Ab'.repeat(100), '<|begin_of_text|>', '<|eot|>x'];

// Long strings (30,000+ code points), several of which cross the 25,000 run cut.
const longStrings = () => {
  const out = [];
  const n = () => between(30000, 45000);
  out.push('a'.repeat(n()), 'A'.repeat(n()), ' '.repeat(n()), '\n'.repeat(30001), '7'.repeat(n()), '中'.repeat(n()),
    '\u3000'.repeat(n()), 'ab '.repeat(12000), ('x'.repeat(24999) + ' ').repeat(2), 'é'.repeat(26000) + ' end');
  out.push(repeat(30000, () => charFrom(pick(['latin', 'cyrillic', 'greek']))));
  out.push(repeat(30000, () => charFrom('anything')));
  out.push(repeat(31000, () => charFrom('cjk')));
  out.push(repeat(8000, () => emojiSeq()));
  out.push(repeat(25000, () => pick('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')) + '==');
  out.push(repeat(7000, () => word() + pick(['', '-', '_', '.'])));
  out.push(repeat(40, () => code()));
  out.push(shakespeare.slice(0, 40000));
  out.push(Array.from(repeat(1000, () => unicodeMix())).slice(0, 32000).join(''));
  out.push(repeat(400, () => whitespaceAndDigits()));
  out.push('ab'.repeat(13000) + 'cd'.repeat(13000));
  out.push(' '.repeat(25000) + 'x' + ' '.repeat(25001) + '\n');
  out.push('\t'.repeat(12500) + ' '.repeat(12500) + '\u001c'.repeat(10));
  // More than 400,000 code points: Meta's first cut.
  out.push('ab '.repeat(133330) + shakespeare.slice(0, 20000) + repeat(2000, () => charFrom('hiragana')));
  return out;
};

const KINDS = [
  ['unicode-mix', 3000, unicodeMix],
  ['scripts', 1500, scripts],
  ['code', 1500, code],
  ['cjk', 600, cjkText],
  ['emoji', 800, emojiText],
  ['whitespace-digits', 1200, whitespaceAndDigits],
  ['contractions', 800, () => repeat(between(1, 4), contraction)],
  ['shakespeare', 800, () => shakespeareSlice(1000)],
];

const records = [];
const add = (kind, text, special, bytes) => {
  if (text !== null && !text.isWellFormed()) throw new Error(`${kind}: lone surrogate in generated text`);
  records.push({ kind, text, special, bytes });
};
for (const t of EDGE) add('edge', t, false);
for (const [kind, count, gen] of KINDS) for (let i = 0; i < count; i++) add(kind, gen(), false);
for (let i = 0; i < 600; i++) {
  const t = specialsText();
  add('specials', t, true);
  add('specials', t, false);
}
for (let i = 0; i < 600; i++) add('invalid-utf8', null, chance(0.2), invalidBytes());
for (const t of longStrings()) add('long', t, false);

const decoder = new TextDecoder('utf-8', { fatal: false });
const lines = [JSON.stringify({
  header: {
    reference: 'Meta tokenizer.py encode (400000/25000 cuts) over npm tiktoken 1.0.22',
    tokenizer: 'shared/llama4/tokenizer.model', seed, records: records.length,
    invalid_utf8: 'input bytes decoded by TextDecoder (U+FFFD per maximal subpart)',
  },
})];
let n = 0;
for (const r of records) {
  const text = r.bytes ? decoder.decode(r.bytes) : r.text;
  const ids = encodeMeta(enc, text, r.special);
  const rec = { n: n++, kind: r.kind };
  if (r.bytes) rec.bytes = r.bytes.toString('base64');
  else rec.text = r.text;
  if (r.special) rec.special = true;
  rec.ids = ids;
  lines.push(JSON.stringify(rec));
}
const out = path.join(repoRoot, 'tokenizer', 'testdata', 'golden.jsonl.gz');
fs.writeFileSync(out, zlib.gzipSync(lines.join('\n') + '\n', { level: 9 }));
console.log(`wrote ${records.length} records to ${out} (${fs.statSync(out).size} bytes)`);
enc.free();
