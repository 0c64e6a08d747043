// Every WebGPU kernel against the CPU backend on random inputs (odd sizes, strides,
// paddings, batch 1 and more): 1e-5 relative, 1e-4 for reductions over more than 10^4 terms.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';

const required = process.env.NEURALCPM_REQUIRE_WEBGPU === '1';
const gpu = await nc.webgpuBackend().catch((e) => { if (required) throw e; return null; });

/** Compares a GPU tensor with a CPU tensor. */
async function same(g, c, tol = 1e-5, label = '') {
  assert.equal(g.shape, c.shape, `${label} shape`);
  assert.is(g.dtype, c.dtype, `${label} dtype`);
  const a = await g.read(), b = c.dataSync();
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= tol * Math.max(1, Math.abs(b[i]))) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) {
      assert.unreachable(`${label}[${i}]: webgpu ${a[i]} vs cpu ${b[i]}`);
    }
  }
}
const rand = (seed, shape, lo = -1, hi = 1) => nc.random.uniform(nc.makeKey(seed), shape, lo, hi);
const up = (t) => nc.toBackend(t, gpu);

if (!gpu) {
  console.log(`WebGPU kernel tests skipped: no WebGPU adapter; ${nc.WEBGPU_HINT}, or set NEURALCPM_REQUIRE_WEBGPU=1 to make this a failure.`);
} else {
  test('unary kernels', async () => {
    const x = rand(1, [3, 37], -3, 3);
    const xp = rand(2, [3, 37], 0.1, 3);
    const gx = await up(x), gxp = await up(xp);
    for (const op of ['neg', 'exp', 'square', 'silu', 'softplus', 'sigmoid', 'relu', 'abs', 'sign', 'recip']) {
      await same(gpu.unary(op, gx), nc.cpu.unary(op, x), 2e-5, op);
    }
    for (const op of ['log', 'sqrt']) await same(gpu.unary(op, gxp), nc.cpu.unary(op, xp), 2e-5, op);
  });

  test('binary kernels with broadcasting, comparisons and int32', async () => {
    const a = rand(3, [2, 5, 7]), b = rand(4, [5, 1], 0.5, 1.5);
    const ga = await up(a), gb = await up(b);
    for (const op of ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'lt', 'ge', 'eq']) {
      const fn = nc.engine[op];
      await same(fn(ga, gb), fn(a, b), 1e-5, op);
      await same(fn(gb, ga), fn(b, a), 1e-5, `${op} swapped`);
    }
    const ia = nc.tensor(new Int32Array([1, -2, 3, 4, 5, 6]), [2, 3]), ib = nc.tensor(new Int32Array([7, 8, 9]));
    await same(nc.engine.add(await up(ia), await up(ib)), nc.engine.add(ia, ib), 0, 'int add');
    await same(nc.engine.where(nc.engine.gt(ga, 0), ga, 0.5), nc.engine.where(nc.engine.gt(a, 0), a, 0.5), 0, 'where');
    await same(nc.engine.cast(ga, 'int32'), nc.engine.cast(a, 'int32'), 0, 'cast');
  });

  test('reductions, including long ones', async () => {
    const x = rand(5, [3, 4, 5]);
    const gx = await up(x);
    for (const axes of [undefined, 0, 1, 2, [0, 2]]) {
      await same(nc.engine.sum(gx, axes), nc.engine.sum(x, axes), 1e-5, `sum ${axes}`);
      await same(nc.engine.max(gx, axes), nc.engine.max(x, axes), 0, `max ${axes}`);
    }
    const big = rand(6, [2, 30000]);
    await same(nc.engine.sum(await up(big), 1), nc.engine.sum(big, 1), 1e-4, 'sum of 30000');
    // long axes with few outputs go through chunks of 256 (partial last chunk, inner > 1, more than one round)
    const mid = rand(7, [3, 5001, 7]);
    const gmid = await up(mid);
    await same(nc.engine.sum(gmid, 1), nc.engine.sum(mid, 1), 1e-4, 'sum over 5001 with inner 7');
    await same(nc.engine.max(gmid, 1), nc.engine.max(mid, 1), 0, 'max over 5001 with inner 7');
    const huge = rand(8, [300001]);
    await same(nc.engine.sum(await up(huge)), nc.engine.sum(huge), 1e-4, 'sum of 300001 (two chunk rounds)');
    const withNaN = Float32Array.from(huge.dataSync()); withNaN[123456] = NaN;
    const gn = await up(nc.tensor(withNaN));
    assert.ok(Number.isNaN((await nc.engine.max(gn).read())[0]), 'a NaN in a long max propagates');
    const ints = nc.tensor(Int32Array.from({ length: 70000 }, (_, i) => (i % 13) - 6));
    await same(nc.engine.sum(await up(ints)), nc.engine.sum(ints), 0, 'int sum of 70000');
  });

  test('shape kernels: permute, slice, concat, pad, broadcast (float and int)', async () => {
    const x = rand(7, [2, 3, 5]);
    const gx = await up(x);
    await same(nc.engine.permute(gx, [2, 0, 1]), nc.engine.permute(x, [2, 0, 1]), 0, 'permute');
    await same(nc.engine.slice(gx, [1, 0, 2], [2, 3, 5]), nc.engine.slice(x, [1, 0, 2], [2, 3, 5]), 0, 'slice');
    await same(nc.engine.concat([gx, gx], 1), nc.engine.concat([x, x], 1), 0, 'concat');
    await same(nc.engine.pad(gx, [[1, 0], [0, 2], [1, 1]], 0.5), nc.engine.pad(x, [[1, 0], [0, 2], [1, 1]], 0.5), 0, 'pad');
    await same(nc.engine.broadcastTo(await up(rand(8, [3, 1])), [2, 3, 4]), nc.engine.broadcastTo(rand(8, [3, 1]), [2, 3, 4]), 0, 'broadcast');
    const xi = nc.tensor(new Int32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    await same(nc.engine.permute(await up(xi), [1, 0]), nc.engine.permute(xi, [1, 0]), 0, 'int permute');
  });

  test('matmul, batched, transposed, shared, with the software and the hardware register blocks', async () => {
    const gpuBackend = gpu;
    const chosen = gpuBackend.matmulBlock;
    try {
      for (const block of [{ rows: 12, cols: 8 }, { rows: 4, cols: 4 }, { rows: 1, cols: 4 }]) {
        gpuBackend.matmulBlock = block;
        const tag = `${block.rows}x${block.cols}`;
        const a = rand(9, [3, 17, 13]), b = rand(10, [3, 13, 19]), b2 = rand(11, [13, 19]);
        await same(nc.engine.matmul(await up(a), await up(b)), nc.engine.matmul(a, b), 1e-5, `batched ${tag}`);
        await same(nc.engine.matmul(await up(a), await up(b2)), nc.engine.matmul(a, b2), 1e-5, `shared ${tag}`);
        const at = rand(12, [13, 17]), bt = rand(13, [19, 13]);
        await same(nc.engine.matmul(await up(at), await up(bt), true, true), nc.engine.matmul(at, bt, true, true), 1e-5, `transposed ${tag}`);
        const v = rand(14, [1, 5]), wv = rand(15, [5, 1]); // a 1x1 result: every block is mostly out of range
        await same(nc.engine.matmul(await up(v), await up(wv)), nc.engine.matmul(v, wv), 1e-5, `1x1 ${tag}`);
        const big = rand(16, [70, 300]), bb = rand(17, [300, 37]); // k > 256: a long accumulation
        await same(nc.engine.matmul(await up(big), await up(bb)), nc.engine.matmul(big, bb), 1e-4, `70x300x37 ${tag}`);
      }
      gpuBackend.matmulBlock = { rows: 4, cols: 6 };
      assert.throws(() => nc.engine.matmul(gpuBackend.fromArray(new Float32Array(4), [2, 2], 'float32'), gpuBackend.fromArray(new Float32Array(4), [2, 2], 'float32')), /multiple of 4/);
    } finally {
      gpuBackend.matmulBlock = chosen;
    }
  });

  const convCases = [
    { x: [2, 3, 9, 8], w: [5, 3, 3, 3], opts: { padding: 'same' } },
    { x: [1, 2, 11, 10], w: [3, 2, 5, 5], opts: { padding: 'same' } },
    { x: [3, 4, 7, 7], w: [2, 4, 1, 1], opts: {} },
    { x: [2, 3, 10, 9], w: [4, 3, 3, 3], opts: { stride: 2, padding: 1 } },
    { x: [1, 1, 12, 12], w: [2, 1, 3, 3], opts: { stride: 3, padding: 'valid' } },
    // weight gradient paths: fewer than 8 output rows, and a kernel larger than 5x5 (per-weight kernel)
    { x: [1, 2, 6, 7], w: [3, 2, 3, 3], opts: { stride: 2, padding: 'same' } },
    { x: [2, 2, 9, 9], w: [2, 2, 6, 6], opts: { padding: 'valid' } },
    // stride 1 with rows of 16+ columns (8 columns per invocation), a 3x5 kernel, a partial last block
    { x: [2, 3, 7, 19], w: [6, 3, 3, 3], opts: { padding: 'same' } },
    { x: [1, 2, 6, 21], w: [5, 2, 3, 5], opts: { padding: 'same' } },
    // many (co, ci) pairs per invocation (> 64) and more rows than workgroups
    { x: [3, 12, 40, 6], w: [9, 12, 3, 3], opts: { padding: 'same' } },
  ];
  test('conv2d forward, input gradient and weight gradient', async () => {
    for (const c of convCases) {
      const x = rand(20, c.x), w = rand(21, c.w), b = rand(22, [c.w[0]]);
      const g = nc.convGeometry(c.x, c.w, c.opts);
      const dy = rand(23, [c.x[0], c.w[0], g.outH, g.outW]);
      const [gxx, gw, gb, gdy] = [await up(x), await up(w), await up(b), await up(dy)];
      const label = JSON.stringify(c);
      await same(gpu.conv2d(gxx, gw, gb, g), nc.cpu.conv2d(x, w, b, g), 1e-5, `forward ${label}`);
      await same(gpu.conv2dInputGrad(gdy, gw, g), nc.cpu.conv2dInputGrad(dy, w, g), 1e-5, `input grad ${label}`);
      await same(gpu.conv2dWeightGrad(gxx, gdy, g), nc.cpu.conv2dWeightGrad(x, dy, g), 1e-5, `weight grad ${label}`);
    }
  });

  test('max-pool forward and backward, gather, scatter-add, one-hot, Adam', async () => {
    const x = rand(30, [2, 3, 7, 6]);
    const gp = nc.engine.maxPool2d(await up(x), 2), cp = nc.engine.maxPool2d(x, 2);
    await same(gp.out, cp.out, 0, 'maxpool');
    await same(gp.argmax, cp.argmax, 0, 'argmax');
    const dy = rand(31, cp.out.shape);
    await same(gpu.maxPool2dBackward(await up(dy), gp.argmax, x.shape), nc.cpu.maxPool2dBackward(dy, cp.argmax, x.shape), 0, 'maxpool backward');
    const idx = nc.tensor(new Int32Array([4, 0, 4, 2]));
    const t = rand(32, [3, 5, 2]);
    await same(nc.engine.gather(await up(t), await up(idx), 1), nc.engine.gather(t, idx, 1), 0, 'gather');
    const s = rand(33, [3, 4, 2]);
    await same(nc.engine.scatterAdd(await up(s), await up(idx), 1, 6), nc.engine.scatterAdd(s, idx, 1, 6), 1e-6, 'scatterAdd (host-known indices: CSR kernel)');
    // indices computed on the device have no host copy: the direct kernel
    const devIdx = nc.cast(nc.engine.add(await up(nc.tensor([3.6, -0.1, 3.9, 1.5])), 0.5), 'int32');
    await same(nc.engine.scatterAdd(await up(s), devIdx, 1, 6), nc.engine.scatterAdd(s, idx, 1, 6), 1e-6, 'scatterAdd (device indices)');
    const big = nc.random.randint(nc.makeKey(38), [3000], 0, 50);
    const bs = rand(39, [2, 3000, 3]);
    await same(nc.engine.scatterAdd(await up(bs), await up(big), 1, 50), nc.engine.scatterAdd(bs, big, 1, 50), 1e-5, 'scatterAdd 3000 entries');
    await same(nc.oneHot(await up(idx), 5), nc.oneHot(idx, 5), 0, 'oneHot');
    const p = rand(34, [37]), g = rand(35, [37]), m = rand(36, [37]), v = rand(37, [37], 0, 1);
    const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 3, weightDecay: 0.01 };
    const ga = gpu.adam(await up(p), await up(g), await up(m), await up(v), h), ca = nc.cpu.adam(p, g, m, v, h);
    await same(ga.p, ca.p, 1e-5, 'adam p'); await same(ga.m, ca.m, 1e-5, 'adam m'); await same(ga.v, ca.v, 1e-5, 'adam v');
  });

  test('a small CNN has the same loss and gradients on WebGPU and the CPU; an Adam step matches', async () => {
    const net = new nc.nn.Sequential([
      new nc.nn.Conv2d(2, 4, 3, { padding: 'same' }), nc.nn.SiLU(), nc.nn.MaxPool2d(2),
      new nc.nn.Conv2d(4, 3, 3, { padding: 'same', stride: 2 }), nc.nn.SiLU(),
      new nc.nn.Lambda((h) => nc.reshape(h, [h.shape[0], -1])), new nc.nn.Linear(12, 1),
    ]);
    const pc = net.init(nc.makeKey(40));
    const pg = Object.fromEntries(await Promise.all(Object.entries(pc).map(async ([k, v]) => [k, await up(v)])));
    const x = rand(41, [3, 2, 8, 8]);
    const gx = await up(x);
    const loss = (p, xin) => nc.mean(nc.square(net.apply(p, xin)));
    const rc = nc.valueAndGrad((p) => loss(p, x))(pc);
    const rg = nc.valueAndGrad((p) => loss(p, gx))(pg);
    await same(rg.value, rc.value, 1e-5, 'loss');
    for (const k of Object.keys(pc)) await same(rg.grads[k], rc.grads[k], 1e-4, `grad ${k}`);
    const opt = new nc.Adam({ lr: 0.01 });
    const sc = await opt.step(pc, rc.grads, opt.init(pc));
    const sg = await opt.step(pg, rg.grads, opt.init(pg));
    for (const k of Object.keys(pc)) await same(sg.params[k], sc.params[k], 1e-4, `adam ${k}`);
  });

  test('bad input on WebGPU gives clear errors: sync reads, mixed backends, buffer limits, a lost device', async () => {
    assert.throws(() => gpu.readSync(gpu.fill([2], 1, 'float32')), /cannot be read synchronously/);
    assert.throws(() => nc.engine.add(gpu.fill([2], 1, 'float32'), nc.zeros([2])), /different backends/);
    assert.throws(() => nc.engine.broadcastTo(gpu.fill([1], 1, 'float32'), [1 << 30]), /exceeds the adapter's storage buffer limit/);
    const handle = await nc.getGpu();
    const device = await (await handle.gpu.requestAdapter()).requestDevice();
    const other = new nc.WebGpuBackend({ device, info: handle.info, gpu: handle.gpu });
    device.destroy();
    await device.lost;
    await new Promise((r) => setTimeout(r, 0));
    assert.throws(() => other.fill([4], 1, 'float32'), /WebGPU device was lost/);
  });
}
test.run();
