// safetensors round trips, validation errors, and Python's reader.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as nc from 'neuralcpm';

const dir = mkdtempSync(join(tmpdir(), 'ncpm-st-'));
const params = { 'layer.weight': nc.tensor([[1.5, -2], [3, 4.25]]), 'layer.bias': nc.tensor([0.5, -0.5]), steps: nc.tensor(new Int32Array([7])) };

test('save and load round-trip names, shapes, dtypes, values and metadata', async () => {
  const f = join(dir, 'a.safetensors');
  await nc.saveSafetensors(f, params, { config: '{"k":1}' });
  const { tensors, metadata } = await nc.loadSafetensors(f, params);
  assert.equal(metadata, { config: '{"k":1}' });
  for (const k of Object.keys(params)) {
    assert.equal(tensors[k].shape, params[k].shape);
    assert.is(tensors[k].dtype, params[k].dtype);
    assert.equal(Array.from(tensors[k].dataSync()), Array.from(params[k].dataSync()));
  }
  const bytes = readFileSync(f);
  assert.is(Number(bytes.readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
});

test('mismatched and corrupted files give clear errors', async () => {
  const f = join(dir, 'b.safetensors');
  await nc.saveSafetensors(f, params);
  const other = { 'layer.weight': nc.zeros([3, 2]), 'layer.extra': nc.zeros([1]), steps: nc.zeros([1], 'int32'), 'layer.bias': nc.zeros([2]) };
  try { await nc.loadSafetensors(f, other); assert.unreachable(); } catch (e) {
    assert.match(e.message, /'layer.weight' is float32 \[2,2\], expected float32 \[3,2\]/);
    assert.match(e.message, /missing 'layer.extra'/);
  }
  const bytes = readFileSync(f);
  writeFileSync(join(dir, 'trunc.safetensors'), bytes.subarray(0, bytes.length - 3));
  try { await nc.loadSafetensors(join(dir, 'trunc.safetensors')); assert.unreachable(); } catch (e) {
    assert.match(e.message, /data_offsets .* fall outside|header length/);
  }
  const garbled = Buffer.from(bytes); garbled[8] = 0x78;
  writeFileSync(join(dir, 'garbled.safetensors'), garbled);
  try { await nc.loadSafetensors(join(dir, 'garbled.safetensors')); assert.unreachable(); } catch (e) {
    assert.match(e.message, /not valid JSON/);
  }
  writeFileSync(join(dir, 'tiny.safetensors'), Buffer.from([1, 2]));
  try { await nc.loadSafetensors(join(dir, 'tiny.safetensors')); assert.unreachable(); } catch (e) {
    assert.match(e.message, /shorter than the 8-byte header/);
  }
});

test('Python reads our safetensors files (numpy-based check, skipped without python3)', async () => {
  const f = join(dir, 'py.safetensors');
  await nc.saveSafetensors(f, params);
  // A reader of the format that only needs the standard library and numpy.
  const py = `
import json, struct, sys
import numpy as np
b = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8+n])
out = {}
for k, v in h.items():
    if k == '__metadata__': continue
    s, e = v['data_offsets']
    dt = {'F32': '<f4', 'I32': '<i4'}[v['dtype']]
    out[k] = np.frombuffer(b[8+n+s:8+n+e], dtype=dt).reshape(v['shape']).tolist()
try:
    from safetensors.numpy import load_file
    lib = {k: v.tolist() for k, v in load_file(sys.argv[1]).items()}
    assert lib == out
except ImportError:
    pass
print(json.dumps(out))
`;
  const r = spawnSync('python3', ['-c', py, f], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    if (r.error || /No module named 'numpy'/.test(r.stderr)) { console.log('  (skipped: python3 with numpy not available)'); return; }
    assert.unreachable(r.stderr);
  }
  const got = JSON.parse(r.stdout);
  assert.equal(got['layer.weight'], [[1.5, -2], [3, 4.25]]);
  assert.equal(got.steps, [7]);
});

test.run();
