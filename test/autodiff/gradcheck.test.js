// Finite-difference gradient checks for every differentiable op.
import { test } from 'uvu';
import * as nc from 'neuralcpm';
import { gradCheck, rand, weightedSum } from '../helpers.js';

const unaries = {
  neg: nc.neg, exp: nc.exp, square: nc.square, silu: nc.silu, softplus: nc.softplus,
  sigmoid: nc.sigmoid, relu: nc.relu, abs: nc.abs,
};
for (const [name, fn] of Object.entries(unaries)) {
  test(`grad ${name}`, () => {
    // keep away from the kinks of relu and abs
    const x = rand(1, [3, 4]);
    const xs = x.dataSync().map((v) => (Math.abs(v) < 0.05 ? v + 0.1 : v));
    gradCheck((p) => weightedSum(fn(p.x)), { x: nc.tensor(xs, [3, 4]) }, { label: name });
  });
}
test('grad log and sqrt on positive inputs', () => {
  gradCheck((p) => weightedSum(nc.log(p.x)), { x: rand(2, [5], 0.5, 2) }, { label: 'log' });
  gradCheck((p) => weightedSum(nc.sqrt(p.x)), { x: rand(3, [5], 0.5, 2) }, { label: 'sqrt' });
});

const binaries = { add: nc.add, sub: nc.sub, mul: nc.mul, div: nc.div, maximum: nc.maximum, minimum: nc.minimum };
for (const [name, fn] of Object.entries(binaries)) {
  test(`grad ${name} with broadcasting`, () => {
    const a = name === 'div' ? rand(10, [2, 3, 4], 0.5, 1.5) : rand(10, [2, 3, 4]);
    const b = rand(11, [3, 1], 0.5, 1.5);
    gradCheck((p) => weightedSum(fn(p.a, p.b)), { a, b }, { label: name });
    gradCheck((p) => weightedSum(fn(p.b, p.a)), { a, b }, { label: `${name} swapped` });
    gradCheck((p) => weightedSum(fn(p.a, 0.7)), { a }, { label: `${name} scalar` });
  });
}

test('grad where', () => {
  const c = nc.gt(rand(5, [3, 4]), 0);
  gradCheck((p) => weightedSum(nc.where(c, p.a, p.b)), { a: rand(6, [3, 4]), b: rand(7, [4]) });
});

test('grad sum, mean, max over axes', () => {
  const x = rand(8, [2, 3, 4]);
  for (const axes of [undefined, 0, 1, 2, [0, 2], [1, 2]]) {
    gradCheck((p) => weightedSum(nc.sum(p.x, axes)), { x }, { label: `sum ${axes}` });
    gradCheck((p) => weightedSum(nc.mean(p.x, axes, true)), { x }, { label: `mean ${axes}` });
    gradCheck((p) => weightedSum(nc.max(p.x, axes)), { x }, { label: `max ${axes}` });
  }
});

test('grad logSoftmax', () => {
  gradCheck((p) => weightedSum(nc.logSoftmax(p.x, 1)), { x: rand(9, [3, 5]) });
});

test('grad matmul, batched and transposed', () => {
  const a = rand(20, [2, 3, 4]), b = rand(21, [2, 4, 5]);
  gradCheck((p) => weightedSum(nc.matmul(p.a, p.b)), { a, b });
  const b2 = rand(22, [4, 5]);
  gradCheck((p) => weightedSum(nc.matmul(p.a, p.b2)), { a, b2 }, { label: 'shared b' });
  const at = rand(23, [4, 3]), bt = rand(24, [5, 4]);
  gradCheck((p) => weightedSum(nc.matmul(p.at, p.bt, true, true)), { at, bt }, { label: 'transposed' });
});

const convCases = [
  { x: [2, 3, 6, 7], w: [4, 3, 3, 3], opts: { padding: 'same' } },
  { x: [1, 2, 7, 6], w: [3, 2, 3, 3], opts: { padding: 'valid', stride: 2 } },
  { x: [2, 2, 7, 7], w: [2, 2, 5, 5], opts: { padding: 2 } },
  { x: [1, 3, 9, 8], w: [2, 3, 3, 3], opts: { padding: 'same', stride: 3 } },
  { x: [2, 4, 5, 5], w: [3, 4, 1, 1], opts: {} },
  { x: [1, 2, 6, 6], w: [2, 2, 3, 3], opts: { padding: [1, 0, 2, 1] } },
];
for (const c of convCases) {
  test(`grad conv2d ${JSON.stringify(c)}`, () => {
    const x = rand(30, c.x), w = rand(31, c.w), b = rand(32, [c.w[0]]);
    gradCheck((p) => weightedSum(nc.conv2d(p.x, p.w, p.b, c.opts)), { x, w, b }, { label: 'conv' });
  });
}

test('grad maxPool2d and sumPool2d', () => {
  const x = rand(40, [2, 2, 6, 7]);
  gradCheck((p) => weightedSum(nc.maxPool2d(p.x, 2)), { x }, { label: 'maxpool2' });
  gradCheck((p) => weightedSum(nc.maxPool2d(p.x, 3)), { x }, { label: 'maxpool3' });
  gradCheck((p) => weightedSum(nc.sumPool2d(p.x, 2)), { x }, { label: 'sumpool2' });
});

test('grad reshape, permute, transpose, broadcastTo', () => {
  const x = rand(50, [2, 3, 4]);
  gradCheck((p) => weightedSum(nc.reshape(p.x, [4, -1])), { x });
  gradCheck((p) => weightedSum(nc.permute(p.x, [2, 0, 1])), { x });
  gradCheck((p) => weightedSum(nc.transpose(p.x)), { x });
  gradCheck((p) => weightedSum(nc.broadcastTo(p.y, [2, 3, 4])), { y: rand(51, [3, 1]) });
});

test('grad slice, concat, pad', () => {
  const x = rand(60, [3, 4, 5]);
  gradCheck((p) => weightedSum(nc.slice(p.x, [1, 0, 2], [3, 3, 5])), { x });
  gradCheck((p) => weightedSum(nc.concat([p.x, p.y], 1)), { x, y: rand(61, [3, 2, 5]) });
  gradCheck((p) => weightedSum(nc.pad(p.x, [[0, 1], [2, 0], [1, 1]], 0.5)), { x });
});

test('grad gather and scatterAdd', () => {
  const x = rand(70, [3, 5, 2]);
  const idx = nc.tensor(new Int32Array([4, 0, 4, 2]));
  gradCheck((p) => weightedSum(nc.gather(p.x, idx, 1)), { x });
  gradCheck((p) => weightedSum(nc.scatterAdd(p.s, idx, 1, 6)), { s: rand(71, [3, 4, 2]) });
});

test.run();
