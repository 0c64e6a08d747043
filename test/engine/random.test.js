// Seeded counter-based random numbers: reproducible, independent after a split, right distributions.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';

const { random } = nc;

test('Threefry-2x32 matches the published known-answer vectors', () => {
  // Random123 known-answer tests for threefry2x32_20.
  const out = new Uint32Array(2);
  random.threefry2x32(0, 0, 0, 0, out, 0);
  assert.equal([out[0], out[1]], [0x6b200159, 0x99ba4efe]);
  random.threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out, 0);
  assert.equal([out[0], out[1]], [0x1cb996fc, 0xbb002be7]);
  random.threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3, out, 0);
  assert.equal([out[0], out[1]], [0xc4923a9c, 0x483df7a0]);
});

test('the same key gives the same numbers; split keys differ', () => {
  const k = nc.makeKey(42);
  const a = random.uniform(k, [100]).dataSync();
  const b = random.uniform(k, [100]).dataSync();
  assert.equal(Array.from(a), Array.from(b));
  const [k1, k2] = nc.split(k);
  assert.not.equal(Array.from(random.uniform(k1, [10]).dataSync()), Array.from(random.uniform(k2, [10]).dataSync()));
  assert.not.equal(nc.foldIn(k, 1), nc.foldIn(k, 2));
});

test('uniform and normal have the right moments', () => {
  const n = 20000;
  const u = random.uniform(nc.makeKey(1), [n], 2, 4).dataSync();
  let s = 0, mn = Infinity, mx = -Infinity;
  for (const v of u) { s += v; mn = Math.min(mn, v); mx = Math.max(mx, v); }
  assert.ok(Math.abs(s / n - 3) < 0.02, `uniform mean ${s / n}`);
  assert.ok(mn >= 2 && mx < 4);
  const z = random.normal(nc.makeKey(2), [n]).dataSync();
  let m1 = 0, m2 = 0;
  for (const v of z) { m1 += v; m2 += v * v; }
  // standard errors: mean 1/sqrt(n) = 0.007, variance sqrt(2/n) = 0.01; allow 4 of them
  assert.ok(Math.abs(m1 / n) < 0.03, `normal mean ${m1 / n}`);
  assert.ok(Math.abs(m2 / n - 1) < 0.04, `normal variance ${m2 / n}`);
});

test('randint, permutation and choice', () => {
  const r = random.randint(nc.makeKey(3), [6000], 0, 3).dataSync();
  const counts = [0, 0, 0];
  for (const v of r) counts[v]++;
  for (const c of counts) assert.ok(Math.abs(c - 2000) < 200, `counts ${counts}`);
  const p = random.permutation(nc.makeKey(4), 50);
  assert.equal([...p].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
  const c = random.choice(nc.makeKey(5), 1000, 100);
  assert.is(new Set(c).size, 100, 'without replacement gives distinct items');
  assert.ok(c.every((v) => v >= 0 && v < 1000));
  const w = random.choice(nc.makeKey(6), 3, 3000, { replace: true, weights: [0, 1, 3] });
  const wc = [0, 0, 0];
  for (const v of w) wc[v]++;
  assert.is(wc[0], 0);
  assert.ok(Math.abs(wc[2] / 3000 - 0.75) < 0.04, `weighted ${wc}`);
});

test('a stream restored from its state continues identically', () => {
  const s = new nc.RandomStream(nc.makeKey(7));
  for (let i = 0; i < 700; i++) s.nextUint32();
  const st = s.state;
  const next = [s.nextUint32(), s.nextUint32(), s.uniform()];
  const t = new nc.RandomStream(nc.makeKey(7));
  t.restore(st);
  assert.equal([t.nextUint32(), t.nextUint32(), t.uniform()], next);
});

test('FastRandomStream is xoshiro128** (reference outputs), reproducible from its key, uniform, and restorable', () => {
  const r = new nc.FastRandomStream(nc.makeKey(1));
  r.restore([1, 2, 3, 4]);
  // xoshiro128** from the state (1, 2, 3, 4): rotl(2·5, 7)·9 = 11520, then 0, then 5927040
  assert.equal([r.nextUint32(), r.nextUint32(), r.nextUint32()], [11520, 0, 5927040]);
  const a = new nc.FastRandomStream(nc.makeKey(3)), b = new nc.FastRandomStream(nc.makeKey(3)), c = new nc.FastRandomStream(nc.makeKey(4));
  const wa = Array.from({ length: 8 }, () => a.nextUint32());
  assert.equal(Array.from({ length: 8 }, () => b.nextUint32()), wa);
  assert.not.equal(Array.from({ length: 8 }, () => c.nextUint32()), wa);
  // 8 equal bins over 80 000 draws: each count is 10 000 ± 5 sd (sd = sqrt(80000·(1/8)·(7/8)) ≈ 94)
  const bins = new Array(8).fill(0);
  for (let i = 0; i < 80000; i++) bins[Math.floor(a.uniform32() * 8)]++;
  assert.ok(bins.every((n) => Math.abs(n - 10000) < 470), `bins ${bins}`);
  const st = a.state, next = [a.nextUint32(), a.nextUint32()];
  b.restore(st);
  assert.equal([b.nextUint32(), b.nextUint32()], next);
  assert.throws(() => b.restore([0, 0, 0, 0]), /not all zero/);
  const buf = new Uint32Array(300);
  a.restore(st); a.fill(buf);
  b.restore(st);
  assert.equal(Array.from(buf), Array.from({ length: 300 }, () => b.nextUint32()), 'fill draws the words nextUint32 would');
});

test.run();
