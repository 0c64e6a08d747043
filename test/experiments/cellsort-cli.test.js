// The cellsort experiment's command line: clear errors for bad input, before any heavy work.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = (...args) => spawnSync('node', ['experiments/cellsort.js', ...args], { cwd: root, encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'ncpm-cli-'));

test('a malformed scenario file is refused with the field that is wrong', () => {
  const f = join(dir, 'bad.json');
  writeFileSync(f, JSON.stringify({ name: 'x', height: 50, width: 50, cells: 10, radius: 10, mcs: 10, samples: 4, contact: { J: [[0, 1], [2, 0]], order: 2, divisor: 4 }, volume: { lambda: 1, target: 20 } }));
  const r = run('--scenario-file', f, '--out', join(dir, 'o1'));
  assert.is(r.status, 2);
  assert.match(r.stderr, /bad.json: .*symmetric/);
  writeFileSync(f, '{ not json');
  const r2 = run('--scenario-file', f, '--out', join(dir, 'o2'));
  assert.is(r2.status, 2);
  assert.match(r2.stderr, /--scenario-file .*bad.json/);
});

test('bad flags are named', () => {
  assert.match(run('--preset', 'fast').stderr, /--preset must be 'default' or 'paper', got 'fast'/);
  assert.match(run('--scenario', 'c').stderr, /--scenario must be a, b or all, got 'c'/);
  assert.match(run('--device', 'webgpu').stderr, /no GPU work/);
  assert.match(run('--iterations=-3').stderr, /--iterations must be a non-negative integer, got '-3'/);
  assert.match(run('--frobnicate').stderr, /Unknown option '--frobnicate'/);
  assert.match(run('--resume', join(dir, 'nothing')).stderr, /no config.json there/);
});

test.run();
