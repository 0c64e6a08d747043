// The Cellular MNIST and bipolar experiments' command lines: clear errors before any heavy work,
// and --resume of a directory without a config.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'ncpm-cli2-'));

for (const script of ['mnist', 'bipolar']) {
  const run = (...args) => spawnSync('node', [`experiments/${script}.js`, ...args], { cwd: root, encoding: 'utf8' });
  test(`${script}.js: bad flags are named with the fix`, () => {
    const r = run('--models', 'nh,transformer', '--out', join(dir, `${script}-a`));
    assert.is(r.status, 2);
    assert.match(r.stderr, /unknown model 'transformer'; choose from cellsort, cellsort-potential, cnn, nh1-cnn, nh, nh-closure/);
    assert.match(run('--preset', 'huge').stderr, /--preset must be 'default' or 'paper', got 'huge'/);
    assert.match(run('--device', 'tpu').stderr, /--device must be cpu, webgpu or auto, got 'tpu'/);
    assert.match(run('--eval-weights', 'best').stderr, /--eval-weights must be ema or raw/);
    assert.match(run('--iterations', '0').stderr, /--iterations must be at least 1/);
    assert.match(run('--no-such-flag').stderr, /Unknown option '--no-such-flag'/);
    assert.match(run('--resume', join(dir, 'nowhere')).stderr, /no config.json there/);
    const busy = join(dir, `${script}-busy`);
    mkdirSync(busy, { recursive: true });
    writeFileSync(join(busy, 'something'), 'x');
    assert.match(run('--out', busy).stderr, /exists and is not empty; choose another --out, or continue it with --resume/);
    assert.match(run('--help').stdout, /usage: node experiments/);
  });
}

test('mnist.js: --j12 accepts only the two published values', () => {
  const r = spawnSync('node', ['experiments/mnist.js', '--j12', '7'], { cwd: root, encoding: 'utf8' });
  assert.is(r.status, 2);
  assert.match(r.stderr, /--j12 must be 8 \(the value behind Table 1\) or 6 \(Table 5\), got '7'/);
});

test.run();
