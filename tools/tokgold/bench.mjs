// Times npm tiktoken (the reference, WASM) encoding TinyShakespeare, to set
// beside herd's BenchmarkEncodeShakespeare. Run on one core:
//   taskset -c 0 node tools/tokgold/bench.mjs [runs]
// It reports wall time and process CPU time per encode (best of runs), and the
// vocabulary load time.
import fs from 'node:fs';
import path from 'node:path';
import { load, shakespearePath } from './llama4.mjs';

const runs = Number(process.argv[2] ?? 10);
const text = fs.readFileSync(shakespearePath, 'utf8');
const bytes = Buffer.byteLength(text);

let t0 = process.hrtime.bigint();
let c0 = process.cpuUsage();
const enc = load();
const loadWall = Number(process.hrtime.bigint() - t0) / 1e6;
const lc = process.cpuUsage(c0);
console.log(`load: ${loadWall.toFixed(1)} ms wall, ${((lc.user + lc.system) / 1e3).toFixed(1)} ms cpu`);

let n = enc.encode_ordinary(text).length; // warm up
let bestWall = Infinity;
let bestCPU = Infinity;
for (let i = 0; i < runs; i++) {
  t0 = process.hrtime.bigint();
  c0 = process.cpuUsage();
  n = enc.encode_ordinary(text).length;
  const c = process.cpuUsage(c0);
  bestWall = Math.min(bestWall, Number(process.hrtime.bigint() - t0) / 1e6);
  bestCPU = Math.min(bestCPU, (c.user + c.system) / 1e3);
}
console.log(`encode tinyshakespeare: ${bytes} bytes -> ${n} tokens`);
console.log(`best of ${runs}: ${bestWall.toFixed(1)} ms wall (${(bytes / bestWall / 1e3).toFixed(2)} MB/s), ${bestCPU.toFixed(1)} ms cpu (${(bytes / bestCPU / 1e3).toFixed(2)} MB/s)`);
enc.free();
