// Forward results of the engine's ops against hand computations and reference loops.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';
import { assertClose, naiveConv, rand } from '../helpers.js';

const arr = (t) => Array.from(t.dataSync());

test('elementwise ops with broadcasting', () => {
  const a = nc.tensor([[1, 2, 3], [4, 5, 6]]);
  const b = nc.tensor([10, 20, 30]);
  assert.equal(arr(nc.add(a, b)), [11, 22, 33, 14, 25, 36]);
  assert.equal(arr(nc.sub(a, nc.tensor([[1], [2]]))), [0, 1, 2, 2, 3, 4]);
  assert.equal(arr(nc.mul(a, 2)), [2, 4, 6, 8, 10, 12]);
  assert.equal(arr(nc.div(6, nc.tensor([1, 2, 3]))), [6, 3, 2]);
  assert.equal(arr(nc.maximum(a, 3.5)), [3.5, 3.5, 3.5, 4, 5, 6]);
  assert.equal(arr(nc.lt(a, 3)), [1, 1, 0, 0, 0, 0]);
  assert.equal(arr(nc.where(nc.ge(a, 4), a, 0)), [0, 0, 0, 4, 5, 6]);
  assertClose(arr(nc.silu(nc.tensor([0, 1, -2]))), [0, 1 / (1 + Math.exp(-1)), -2 / (1 + Math.exp(2))]);
  assertClose(arr(nc.softplus(nc.tensor([0, 30, -30]))), [Math.log(2), 30, Math.exp(-30)]);
  assertClose(arr(nc.sigmoid(nc.tensor([0, 100, -100]))), [0.5, 1, 0]);
  assert.equal(nc.add(nc.tensor(new Int32Array([1, 2])), nc.tensor(new Int32Array([3, 4]))).dtype, 'int32');
});

test('reductions over axes, keepdims, NaN propagation', () => {
  const x = nc.tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
  assert.equal(arr(nc.sum(x, 0)), [6, 8, 10, 12]);
  assert.equal(arr(nc.sum(x, [0, 2])), [14, 22]);
  assert.equal(nc.sum(x, [0, 2], true).shape, [1, 2, 1]);
  assert.equal(arr(nc.max(x, -1)), [2, 4, 6, 8]);
  assert.equal(arr(nc.mean(x)), [4.5]);
  assert.ok(Number.isNaN(nc.max(nc.tensor([1, NaN, 3])).item()));
});

test('matmul batched and transposed', () => {
  const a = nc.tensor([[1, 2], [3, 4]]);
  const b = nc.tensor([[5, 6], [7, 8]]);
  assert.equal(arr(nc.matmul(a, b)), [19, 22, 43, 50]);
  assert.equal(arr(nc.matmul(a, b, true, false)), [26, 30, 38, 44]);
  assert.equal(arr(nc.matmul(a, b, false, true)), [17, 23, 39, 53]);
  const big = rand(1, [3, 17, 13]), w = rand(2, [13, 11]);
  const y = nc.matmul(big, w);
  assert.equal(y.shape, [3, 17, 11]);
  const A = big.dataSync(), W = w.dataSync(), Y = y.dataSync();
  for (const [bi, i, j] of [[0, 0, 0], [2, 16, 10], [1, 5, 7]]) {
    let s = 0;
    for (let k = 0; k < 13; k++) s += A[(bi * 17 + i) * 13 + k] * W[k * 11 + j];
    assert.ok(Math.abs(s - Y[(bi * 17 + i) * 11 + j]) < 1e-5);
  }
});

test('conv2d matches a direct loop for strides, paddings and kernel sizes 1, 3, 5', () => {
  const cases = [
    [[2, 3, 9, 8], [5, 3, 3, 3], { padding: 'same' }],
    [[1, 2, 11, 10], [3, 2, 5, 5], { padding: 'same' }],
    [[3, 4, 7, 7], [2, 4, 1, 1], {}],
    [[2, 3, 10, 9], [4, 3, 3, 3], { stride: 2, padding: 1 }],
    [[1, 1, 12, 12], [2, 1, 3, 3], { stride: 3, padding: 'valid' }],
    [[1, 2, 8, 8], [2, 2, 3, 3], { padding: [0, 2, 1, 0] }],
  ];
  for (const [xs, ws, opts] of cases) {
    const x = rand(3, xs), w = rand(4, ws), b = rand(5, [ws[0]]);
    const y = nc.conv2d(x, w, b, opts);
    const g = nc.convGeometry(xs, ws, opts);
    const ref = naiveConv(x.dataSync(), xs, w.dataSync(), ws, b.dataSync(), g.stride, g.padTop, g.padLeft, g.outH, g.outW);
    assert.equal(y.shape, [xs[0], ws[0], g.outH, g.outW]);
    assertClose(y.dataSync(), ref, 1e-5, JSON.stringify(opts));
  }
});

test('maxPool2d picks window maxima and drops ragged edges', () => {
  const x = nc.tensor([1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 5, 4], [1, 1, 2, 6]);
  const { out, argmax } = nc.engine.maxPool2d(x, 2);
  assert.equal(arr(out), [9, 7, 5]);
  assert.equal(Array.from(argmax.dataSync()), [6, 8, 10]);
});

test('shape ops: reshape, permute, slice, concat, pad, broadcastTo', () => {
  const x = nc.tensor([0, 1, 2, 3, 4, 5], [2, 3]);
  assert.equal(nc.reshape(x, [3, -1]).shape, [3, 2]);
  assert.equal(arr(nc.permute(x, [1, 0])), [0, 3, 1, 4, 2, 5]);
  assert.equal(arr(nc.slice(x, [0, 1], [2, 3])), [1, 2, 4, 5]);
  assert.equal(arr(nc.concat([x, nc.tensor([[9], [9]])], 1)), [0, 1, 2, 9, 3, 4, 5, 9]);
  assert.equal(arr(nc.pad(nc.tensor([1, 2]), [[1, 2]], -1)), [-1, 1, 2, -1, -1]);
  assert.equal(arr(nc.broadcastTo(nc.tensor([1, 2]), [2, 2])), [1, 2, 1, 2]);
  const big = rand(9, [2, 3, 20]);
  assert.equal(arr(nc.slice(big, [1, 1, 5], [2, 3, 19])), arr(big).filter((_, i) => {
    const b = Math.floor(i / 60), r = Math.floor(i / 20) % 3, c = i % 20;
    return b === 1 && r >= 1 && c >= 5 && c < 19;
  }));
});

test('gather, scatterAdd and oneHot', () => {
  const x = nc.tensor([[1, 2, 3], [4, 5, 6]]);
  const idx = nc.tensor(new Int32Array([2, 0, 2]));
  assert.equal(arr(nc.gather(x, idx, 1)), [3, 1, 3, 6, 4, 6]);
  assert.equal(arr(nc.scatterAdd(nc.tensor([[1, 1, 1]]), idx, 1, 4)), [1, 0, 2, 0]);
  const oh = nc.oneHot(nc.tensor(new Int32Array([0, 2, 1])), 3);
  assert.equal(oh.shape, [3, 3]);
  assert.equal(arr(oh), [1, 0, 0, 0, 0, 1, 0, 1, 0]);
});

test('cast, item, hasNonFinite', async () => {
  assert.equal(Array.from(nc.engine.cast(nc.tensor([1.7, -1.7]), 'int32').dataSync()), [1, -1]);
  assert.is(nc.scalar(3).item(), 3);
  assert.is(await nc.hasNonFinite(nc.tensor([1, 2])), false);
  assert.is(await nc.hasNonFinite(nc.tensor([1, Infinity])), true);
  assert.is(await nc.hasNonFinite(nc.tensor([NaN, 1])), true);
});

test('gradients: unused parameters get zeros, noGrad stops recording', () => {
  const f = (p) => nc.sum(nc.square(p.a));
  const { value, grads } = nc.valueAndGrad(f)({ a: nc.tensor([1, 2]), b: nc.tensor([5]) });
  assert.is(value.item(), 5);
  assert.equal(arr(grads.a), [2, 4]);
  assert.equal(arr(grads.b), [0]);
  const g = nc.grad((p) => nc.add(nc.sum(p.a), nc.noGrad(() => nc.sum(nc.mul(p.a, 100)))))({ a: nc.tensor([1, 2]) });
  assert.equal(arr(g.a), [1, 1]);
  const g2 = nc.grad((p) => nc.sum(nc.mul(nc.stopGradient(p.a), p.a)))({ a: nc.tensor([3]) });
  assert.equal(arr(g2.a), [3]);
});

test.run();
