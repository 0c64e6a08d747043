// Benchmark runner: `npm run bench [-- --filter NAME] [--json] [--record]`.
// Each suite returns {name, value, unit, reference?, ratio?} rows; --json prints one JSON
// object per line; --record also writes bench/results/<suite>-<date>.json with the
// machine, date, commit and device.
import Benchmark from 'benchmark';
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as conv from './suites/conv.js';
import * as cpm from './suites/cpm.js';
import * as train from './suites/train.js';
import * as convWebgpu from './suites/conv-webgpu.js';
import * as nh from './suites/nh.js';

/** @type {Record<string, { run: (ctx: { measure: (name: string, fn: () => void) => number }) => Promise<object[]> | object[] }>} */
const SUITES = { conv, cpm, train, 'conv-webgpu': convWebgpu, nh };

const args = process.argv.slice(2);
const json = args.includes('--json');
const record = args.includes('--record');
const fi = args.indexOf('--filter');
const filter = fi >= 0 ? args[fi + 1] : undefined;
const unknown = args.filter((a, i) => !['--json', '--record', '--filter'].includes(a) && args[i - 1] !== '--filter');
if (unknown.length) {
  console.error(`bench: unknown argument(s) ${unknown.join(' ')}; use --filter NAME, --json, --record`);
  process.exit(2);
}
const names = Object.keys(SUITES).filter((n) => !filter || n.includes(filter));
if (names.length === 0) {
  console.error(`bench: no suite matches '${filter}'; suites: ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}

/**
 * Seconds per call of fn: after a warm-up, benchmark.js runs it and we take the
 * median of its samples, which shrugs off the pauses of a shared virtual machine.
 */
function measure(/** @type {string} */ name, /** @type {() => void} */ fn) {
  // Warm up past V8's tiering (optimising compiles happen over the first tens of calls).
  const t0 = performance.now();
  for (let i = 0; i < 200 && performance.now() - t0 < 2500; i++) fn();
  const b = new Benchmark(name, fn, { minSamples: 10, maxTime: 2, initCount: 1 });
  b.run();
  if (b.error) throw b.error;
  const sorted = [...b.stats.sample].sort((x, y) => x - y);
  const median = sorted[Math.floor(sorted.length / 2)];
  if (!json) process.stderr.write(`  ${name}: median ${(median * 1e3).toFixed(2)} ms, mean ${(b.stats.mean * 1e3).toFixed(2)} ms ±${b.stats.rme.toFixed(1)}% (${sorted.length} samples)\n`);
  return median;
}

function gitDescribe() {
  try { return execSync('git describe --always --dirty', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return 'unknown'; }
}

const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.arch()}` };
for (const suite of names) {
  if (!json) console.log(`suite ${suite} on ${machine.cpu} (${machine.cores} cores), node ${machine.node}`);
  const rows = await SUITES[suite].run({ measure });
  /** @type {{suite: string, device: string, name: string, value: number, unit: string, reference?: number, ratio?: number}[]} */
  const out = rows.map((r) => ({ suite, device: suite.includes('webgpu') || String((/** @type {{name: string}} */ (r)).name).startsWith('webgpu_') ? 'webgpu' : 'cpu', .../** @type {{name: string, value: number, unit: string}} */ (r) }));
  for (const r of out) {
    if (json) console.log(JSON.stringify(r));
    else {
      const rr = r;
      const extra = /** @type {{morpheus?: number, vsMorpheus?: number}} */ (r);
      console.log(`  ${rr.name.padEnd(28)} ${rr.value.toFixed(2).padStart(11)} ${rr.unit}${rr.reference !== undefined ? `   reference ${rr.reference.toFixed(2)}   ratio ${rr.ratio?.toFixed(2)}x` : ''}${extra.morpheus ? `   (Morpheus 2.2.4: ${extra.morpheus}, ${extra.vsMorpheus?.toFixed(2)}x)` : ''}`);
    }
  }
  if (record) {
    const dir = join(dirname(fileURLToPath(import.meta.url)), 'results');
    mkdirSync(dir, { recursive: true });
    const date = new Date().toISOString();
    const file = join(dir, `${suite}-${date.slice(0, 10)}.json`);
    const tmp = `${file}.tmp`;
    writeFileSync(tmp, JSON.stringify({ suite, date, commit: gitDescribe(), machine, results: out }, null, 2) + '\n');
    renameSync(tmp, file);
    if (!json) console.log(`  recorded ${file}`);
  }
}
