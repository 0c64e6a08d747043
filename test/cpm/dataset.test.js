// Datasets: byte-for-byte reproducible, readable by NumPy, validated on read; pictures; analysis tools.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { PNG } from 'pngjs';
import * as nc from 'neuralcpm';

const dir = mkdtempSync(join(tmpdir(), 'ncpm-ds-'));
const tiny = { ...nc.cellsortScenario('a', 'appendix'), name: 'tiny', height: 30, width: 30, cells: 8, radius: 6, mcs: 20, samples: 4, volume: { lambda: 0.1, target: 20 } };

test('the same seed gives the same dataset byte for byte, with one worker or two', async () => {
  const a = await nc.generateDataset(tiny, { seed: 11, workers: 1 });
  const b = await nc.generateDataset(tiny, { seed: 11, workers: 2 });
  const strip = (d) => nc.encodeDataset({ ...d, meta: { ...d.meta, seconds: 0 } });
  assert.equal(Buffer.compare(Buffer.from(strip(a)), Buffer.from(strip(b))), 0);
  const c = await nc.generateDataset(tiny, { seed: 12, workers: 1 });
  assert.not.equal(Buffer.compare(Buffer.from(strip(a)), Buffer.from(strip(c))), 0);
});

test('ensureDataset writes once with example pictures, then reuses; a mismatched scenario is refused', async () => {
  const path = join(dir, 'tiny.npz');
  let progress = 0;
  const first = await nc.ensureDataset(path, tiny, { seed: 1, workers: 1, onProgress: () => progress++ });
  assert.ok(first.generated && existsSync(path) && existsSync(join(dir, 'tiny-sample0.png')));
  assert.is(progress, 4);
  const again = await nc.ensureDataset(path, tiny, { seed: 1, workers: 1 });
  assert.not.ok(again.generated);
  assert.equal(Array.from(again.dataset.ids), Array.from(first.dataset.ids));
  try { await nc.ensureDataset(path, { ...tiny, mcs: 21 }, { seed: 1 }); assert.unreachable(); } catch (e) { assert.match(e.message, /generated for another scenario/); }
  try { await nc.saveDataset(path, first.dataset); assert.unreachable(); } catch (e) { assert.match(e.message, /already exists/); }
});

test('bad dataset files give clear errors', async () => {
  const d = await nc.generateDataset({ ...tiny, samples: 2 }, { seed: 2, workers: 1 });
  const bytes = nc.encodeDataset(d);
  writeFileSync(join(dir, 'trunc.npz'), bytes.subarray(0, bytes.length - 100));
  try { await nc.loadDataset(join(dir, 'trunc.npz')); assert.unreachable(); } catch (e) { assert.match(e.message, /truncated|not a readable \.npz/); }
  const wrongDtype = nc.encodeNpz({ ids: { dtype: '<f4', shape: [2, 30, 30], data: new Float32Array(1800) }, types: { dtype: '<i4', shape: [2, 9], data: d.types } });
  try { nc.decodeDataset(wrongDtype, 'x.npz'); assert.unreachable(); } catch (e) { assert.match(e.message, /x.npz: ids must be int32 \[N,H,W\]; got <f4 \[2,30,30\]/); }
  const wrongShape = nc.encodeNpz({ ids: { dtype: '<i4', shape: [1800], data: d.ids }, types: { dtype: '<i4', shape: [2, 9], data: d.types } });
  try { nc.decodeDataset(wrongShape, 'y.npz'); assert.unreachable(); } catch (e) { assert.match(e.message, /ids must be int32 \[N,H,W\]; got <i4 \[1800\]/); }
  const outOfRange = Int32Array.from(d.ids); outOfRange[5] = 40;
  try { nc.decodeDataset(nc.encodeDataset({ ...d, ids: outOfRange }), 'z.npz'); assert.unreachable(); } catch (e) { assert.match(e.message, /id 40 in sample 0 is out of range 0..8/); }
  const noTypes = nc.encodeNpz({ ids: { dtype: '<i4', shape: [2, 30, 30], data: d.ids } });
  try { nc.decodeDataset(noTypes, 'w.npz'); assert.unreachable(); } catch (e) { assert.match(e.message, /missing 'types'/); }
});

test('NumPy reads the datasets (skipped without python3 and numpy)', async () => {
  const d = await nc.generateDataset({ ...tiny, samples: 2 }, { seed: 3, workers: 1 });
  const path = join(dir, 'py.npz');
  await nc.saveDataset(path, { ...d, labels: new Int32Array([7, 3]) });
  const r = spawnSync('python3', ['-c', `
import json, sys
import numpy as np
d = np.load(sys.argv[1])
print(json.dumps({'ids': list(d['ids'].shape), 'dtype': str(d['ids'].dtype), 'types': list(d['types'].shape), 'labels': d['labels'].tolist(), 'seed': json.loads(str(d['meta']))['seed'], 'sum': int(d['ids'].sum())}))
`, path], { encoding: 'utf8' });
  if (r.error || (r.status !== 0 && /No module named/.test(r.stderr))) { console.log('  (skipped: python3 with numpy not available)'); return; }
  assert.is(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.ids, [2, 30, 30]);
  assert.is(got.dtype, 'int32');
  assert.equal(got.types, [2, 9]);
  assert.equal(got.labels, [7, 3]);
  assert.is(got.seed, 3);
  assert.is(got.sum, d.ids.reduce((a, b) => a + b, 0));
});

test('pictures: PNG with type colours and borders, GIF frames', async () => {
  const ids = new Int32Array(16); ids[5] = 1; ids[6] = 2;
  const cfg = { height: 4, width: 4, ids, types: new Int32Array([0, 1, 2]) };
  const png = PNG.sync.read(nc.encodePng(cfg, { scale: 2 }));
  assert.is(png.width, 8); assert.is(png.height, 8);
  const px = (x, y) => Array.from(png.data.subarray(4 * (y * 8 + x), 4 * (y * 8 + x) + 3));
  assert.equal(px(0, 0), [...nc.PALETTE[0]]);
  assert.equal(px(2, 2), [...nc.PALETTE[1]]);
  assert.equal(px(4, 2), [...nc.PALETTE[2]]);
  assert.equal(px(3, 2), [40, 40, 40], 'border between cell 1 and cell 2');
  const gif = nc.encodeGif([cfg, cfg], { scale: 2 });
  assert.is(Buffer.from(gif.subarray(0, 6)).toString(), 'GIF89a');
  await nc.saveGif(join(dir, 't.gif'), [cfg]);
  assert.ok(existsSync(join(dir, 't.gif')));
});

test('analysis: volumes and 8-connected components with periodic wrap', () => {
  const ids = new Int32Array(25);
  ids[0] = 1; ids[6] = 1;           // diagonal neighbours: one piece
  ids[3] = 2; ids[14] = 2;          // (0,3) and (2,4): two pieces
  ids[20] = 3; ids[4 * 5 + 4] = 3;  // (4,0) and (4,4) touch across the periodic edge
  const cfg = { height: 5, width: 5, ids, types: new Int32Array([0, 1, 1, 2]) };
  assert.equal(Array.from(nc.volumesOf(cfg)), [19, 2, 2, 2]);
  assert.equal(Array.from(nc.cellComponentCounts(cfg)), [0, 1, 2, 1]);
  assert.is(nc.componentCount(nc.cellMask(cfg, 3), 5, 5, false), 2);
});

test.run();
