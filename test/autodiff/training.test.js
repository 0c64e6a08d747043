// nn modules and optimisers: a small CNN learns a synthetic task; Adam, AdamW and EMA behave.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';
import { rand } from '../helpers.js';

const { nn } = nc;

test('a two-layer CNN regresses the mean of a blurred image: loss falls at least 10x under Adam', async () => {
  // Task: predict the mean brightness of the top-left quadrant of random 8x8 images.
  const x = rand(1, [16, 1, 8, 8], 0, 1);
  const xs = x.dataSync();
  const target = new Float32Array(16);
  for (let b = 0; b < 16; b++) {
    let s = 0;
    for (let y = 0; y < 4; y++) for (let c = 0; c < 4; c++) s += xs[b * 64 + y * 8 + c];
    target[b] = s / 16;
  }
  const t = nc.tensor(target, [16, 1]);
  const net = new nn.Sequential([
    new nn.Conv2d(1, 4, 3, { padding: 'same' }), nn.SiLU(),
    new nn.Conv2d(4, 4, 3, { padding: 'same', stride: 2 }), nn.SiLU(),
    new nn.Lambda((h) => nc.reshape(h, [h.shape[0], -1])),
    new nn.Linear(64, 1),
  ]);
  let params = net.init(nc.makeKey(3));
  const loss = (p) => nc.mean(nc.square(nc.sub(net.apply(p, x), t)));
  const vg = nc.valueAndGrad(loss);
  const opt = new nc.Adam({ lr: 1e-2 });
  let state = opt.init(params);
  const first = loss(params).item();
  for (let i = 0; i < 200; i++) {
    const { grads } = vg(params);
    ({ params, state } = await opt.step(params, grads, state));
  }
  const last = loss(params).item();
  assert.ok(last < first / 10, `loss ${first} -> ${last}`);
  assert.is(state.step, 200);
});

test('initialisation is U(-1/sqrt(fan_in), 1/sqrt(fan_in)) and reproducible', () => {
  const conv = new nn.Conv2d(8, 4, 3);
  const p = conv.init(nc.makeKey(5));
  const bound = 1 / Math.sqrt(72);
  const w = p.weight.dataSync();
  assert.ok(w.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.max(...w.map(Math.abs)) > 0.9 * bound, 'the range is used');
  assert.equal(Array.from(conv.init(nc.makeKey(5)).bias.dataSync()), Array.from(p.bias.dataSync()));
  const m = nn.mlp([3, 5, 2]);
  assert.equal(Object.keys(m.init(nc.makeKey(1))).sort(), ['0.bias', '0.weight', '2.bias', '2.weight']);
  const r = nn.residualConvBlock(2, 3);
  const rp = r.init(nc.makeKey(2));
  assert.ok('shortcut.weight' in rp);
  assert.equal(r.apply(rp, rand(1, [1, 2, 5, 5])).shape, [1, 3, 5, 5]);
  assert.is(nn.countParams(rp), 2 * 3 * 9 + 3 + 3 * 3 * 9 + 3 + 2 * 3 + 3);
});

test('Adam matches a hand computation; AdamW decays weights', async () => {
  const opt = new nc.Adam({ lr: 0.1 });
  const p = { w: nc.tensor([1, -2]) };
  const s0 = opt.init(p);
  const { params, state } = await opt.step(p, { w: nc.tensor([0.5, -4]) }, s0);
  // first step moves each weight by lr * sign(g) (bias-corrected m/sqrt(v) = g/|g|)
  const got = params.w.dataSync();
  assert.ok(Math.abs(got[0] - 0.9) < 1e-6 && Math.abs(got[1] + 1.9) < 1e-6, `${got}`);
  assert.ok(Math.abs(state.m.w.dataSync()[0] - 0.05) < 1e-7);
  const w = new nc.AdamW({ lr: 0.1, weightDecay: 0.5 });
  const r = await w.step({ w: nc.tensor([2]) }, { w: nc.tensor([0]) }, w.init({ w: nc.tensor([2]) }));
  assert.ok(Math.abs(r.params.w.item() - 2 * (1 - 0.05)) < 1e-6);
});

test('a NaN gradient stops the optimiser with a clear error and leaves parameters alone', async () => {
  const opt = new nc.Adam();
  const p = { w: nc.tensor([1, 2]) };
  const s = opt.init(p);
  try {
    await opt.step(p, { w: nc.tensor([NaN, 1]) }, s);
    assert.unreachable('should throw');
  } catch (e) {
    assert.match(e.message, /gradient of 'w' contains NaN or infinity at step 1/);
  }
  assert.equal(Array.from(p.w.dataSync()), [1, 2]);
  try { await opt.step(p, {}, s); assert.unreachable(); } catch (e) { assert.match(e.message, /no gradient for parameter 'w'/); }
});

test('weight EMA averages with the given decay', () => {
  const ema = new nc.WeightEMA(0.99);
  let avg = ema.init({ w: nc.tensor([0]) });
  avg = ema.update(avg, { w: nc.tensor([1]) });
  assert.ok(Math.abs(avg.w.item() - 0.01) < 1e-7);
});

test.run();
