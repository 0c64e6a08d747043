// Learning: the learnable cellsort energy and its gradient, ApproxPCPM, Gibbs and GWG, the trainer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nc from 'neuralcpm';
import { gradCheck } from '../helpers.js';

const tiny = { ...nc.cellsortScenario('a', 'appendix'), name: 'tiny-learn', height: 24, width: 24, cells: 8, radius: 5, mcs: 30, samples: 6, volume: { lambda: 0.1, target: 15 } };
let data;
const getData = async () => (data ??= await nc.generateDataset(tiny, { seed: 5, workers: 1 }));

test('the learnable energy equals the analytical Hamiltonian with the same parameters', async () => {
  const d = await getData();
  const model = new nc.LearnableCellsort({ types: 3, target: 15 });
  const p = model.init(nc.makeKey(1));
  const configs = [0, 1, 2].map((i) => nc.sampleOf(d, i));
  const e = model.energy(p, model.stats(configs)).dataSync();
  const ham = model.hamiltonian(p);
  configs.forEach((c, i) => {
    const h = ham.energy(new nc.CpmState(c));
    assert.ok(Math.abs(e[i] - h) < 1e-3 * Math.max(1, Math.abs(h)), `state ${i}: ${e[i]} vs ${h}`);
  });
  const v = model.values(p);
  assert.is(v.J[0][0], 0);
  assert.ok(Math.abs(v.J[0][1] - v.J[1][0]) < 1e-6);
  assert.ok(v.lambda > 1e-3);
});

test('the gradient of the learnable cellsort energy matches finite differences', async () => {
  const d = await getData();
  const model = new nc.LearnableCellsort({ types: 3, target: 15 });
  const stats = model.stats([nc.sampleOf(d, 0), nc.sampleOf(d, 1)]);
  // scale the statistics down so float32 finite differences are accurate
  const small = { contact: nc.mul(stats.contact, 0.01), volume: nc.mul(stats.volume, 0.001) };
  gradCheck((p) => nc.sum(model.energy(p, small)), model.init(nc.makeKey(2)), { eps: 1e-2, tol: 3e-2, label: 'cellsort' });
});

test('parameter RMSE at T = 1 and at the least-squares scale', () => {
  const truth = [1, 0, 2, 2];
  const r = nc.parameterRmse([2, 0, 4, 4], truth);
  assert.ok(Math.abs(r.scale - 2) < 1e-12 && r.rmseTStar < 1e-12);
  assert.ok(Math.abs(r.rmseT1 - Math.sqrt(9 / 4)) < 1e-12);
});

test('ApproxPCPM proposals: distinct boundary sites, unlike partners, each variant its own direction', async () => {
  const d = await getData();
  const ham = nc.buildHamiltonian(tiny);
  for (const proposal of nc.PROPOSAL_KINDS) {
    const state = new nc.CpmState(nc.sampleOf(d, 0));
    const s = new nc.ApproxPCPM(state, new nc.LocalDeltas(ham), { proposals: 20, proposal, key: nc.makeKey(3) });
    const n = s.propose();
    assert.is(n, 20);
    const targets = s['targets'].slice(0, n), newIds = s['newIds'].slice(0, n);
    const drawn = Array.from(state.boundary.slice(0, n));
    assert.is(new Set(drawn).size, n, `${proposal}: distinct boundary sites`);
    const nbr = new Int32Array(8);
    for (let j = 0; j < n; j++) {
      assert.ok(state.ids[targets[j]] !== newIds[j], `${proposal}: the target gets another id`);
      state.neighbours8(targets[j], nbr);
      assert.ok(Array.from(nbr).some((q) => state.ids[q] === newIds[j]), `${proposal}: the new id comes from a Moore neighbour`);
      if (proposal === 'boundary-source') assert.is(newIds[j], state.ids[drawn[j]]);
      else assert.is(targets[j], drawn[j]);
    }
  }
});

test('uniform-pair proposals draw every ordered unlike pair equally often', () => {
  // 4x4 lattice with a 2x2 cell: P = 1 proposals, many times; P(target t, id c) = n(t, c) / E
  const ids = new Int32Array(16); ids[5] = ids[6] = ids[9] = ids[10] = 1;
  const state = new nc.CpmState({ height: 4, width: 4, ids, types: new Int32Array([0, 1]) });
  const s = new nc.ApproxPCPM(state, new nc.LocalDeltas(new nc.Hamiltonian([new nc.Volume(1, 4)])), { proposals: 1, key: nc.makeKey(8) });
  const counts = new Map();
  const M = 60000;
  for (let k = 0; k < M; k++) { s.propose(); const key = `${s['targets'][0]}:${s['newIds'][0]}`; counts.set(key, (counts.get(key) ?? 0) + 1); }
  const E = state.unlikePairs;
  for (let t = 0; t < 16; t++) for (const c of [0, 1]) {
    if (state.ids[t] === c) continue;
    const p = state.neighboursWithId(t, c) / E;
    const q = (counts.get(`${t}:${c}`) ?? 0) / M;
    // 5 binomial standard errors
    assert.ok(Math.abs(p - q) <= 5 * Math.sqrt(p * (1 - p) / M) + 1e-9, `pair ${t}<-${c}: ${p.toFixed(4)} vs ${q.toFixed(4)}`);
  }
});

test('ApproxPCPM keeps the bookkeeping and its batched ΔH equals one-by-one energy differences', async () => {
  const d = await getData();
  const state = new nc.CpmState(nc.sampleOf(d, 0));
  const ham = nc.buildHamiltonian(tiny);
  const s = new nc.ApproxPCPM(state, new nc.LocalDeltas(ham), { proposals: 20, key: nc.makeKey(3) });
  s.run(3);
  assert.is(s.iterations, Math.round((24 * 24 * 3) / 20));
  assert.equal(state.verify(), []);
  const n = s.propose();
  const targets = s['targets'].slice(0, n), newIds = s['newIds'].slice(0, n);
  const out = new Float64Array(n);
  new nc.LocalDeltas(ham).deltas(state, targets, newIds, n, out);
  const e0 = ham.energy(state);
  for (let j = 0; j < n; j++) {
    const old = state.ids[targets[j]];
    state.setId(targets[j], newIds[j]);
    const diff = ham.energy(state) - e0;
    state.setId(targets[j], old);
    assert.ok(Math.abs(diff - out[j]) < 1e-9, `proposal ${j}: ${out[j]} vs ${diff}`);
  }
  // the batched full-energy evaluator (for differentiable Hamiltonians) agrees, here with the
  // learnable cellsort energy set to the same parameters
  const model = new nc.LearnableCellsort({ types: 3, target: 15 });
  const p = model.init(nc.makeKey(12));
  const learnedHam = model.hamiltonian(p);
  const local = new Float64Array(n), batched = new Float64Array(n);
  new nc.LocalDeltas(learnedHam).deltas(state, targets, newIds, n, local);
  new nc.EnergyDeltas((cs) => Float64Array.from(model.energy(p, model.stats(cs)).dataSync()), 7).deltas(state, targets, newIds, n, batched);
  for (let j = 0; j < n; j++) assert.ok(Math.abs(local[j] - batched[j]) < 2e-3 * Math.max(1, Math.abs(local[j])), `batched ${j}: ${batched[j]} vs ${local[j]}`);
});

test('Gibbs conditional is the softmax of −ΔH/T over all ids', async () => {
  const d = await getData();
  const state = new nc.CpmState(nc.sampleOf(d, 1));
  const ham = nc.buildHamiltonian(tiny);
  const g = new nc.GibbsSampler(state, ham, { temperature: 2, key: nc.makeKey(4) });
  const t = 100;
  const p = Array.from(g.conditional(t));
  const w = p.map((_, c) => Math.exp(-ham.deltaH(state, t, c) / 2));
  const z = w.reduce((a, b) => a + b, 0);
  p.forEach((q, c) => assert.ok(Math.abs(q - w[c] / z) < 1e-12));
  g.run(0.2);
  // Gibbs fragments cells, whose centres of mass are then ill-defined; check the rest
  assert.equal(state.verify({ centres: false }), []);
});

test('GWG acceptance on a 3x3 lattice equals a hand computation with autodiff gradients', () => {
  // ids 0..2 (medium + two cells of types 1 and 2)
  const ids = new Int32Array([0, 1, 1, 0, 1, 2, 0, 2, 2]);
  const types = new Int32Array([0, 1, 2]);
  const J = [[0, 1, 2], [1, 0.5, 3], [2, 3, 0.25]];
  const lambda = 0.3, target = 3, T = 1.5;
  const ham = new nc.Hamiltonian([new nc.Contact(J, 2, 4), new nc.Volume(lambda, target)]);
  const state = new nc.CpmState({ height: 3, width: 3, ids, types });
  const gwg = new nc.GwgSampler(state, ham, { temperature: T, key: nc.makeKey(5) });
  // H(X) for a one-hot X [9, 3] as an autodiff expression, for the gradient g = −∇H/T
  const table = nc.neighbourTable(3, 3, 2);
  const M = nc.tensor([[1, 0, 0], [0, 1, 0], [0, 0, 1]]); // id → type one-hot
  const Jt = nc.tensor(J);
  const H = (X) => {
    const tau = nc.matmul(X, M); // [9, 3]
    let contact = nc.scalar(0);
    for (let i = 0; i < 9; i++) for (let k = 0; k < 8; k++) {
      const j = table[i * 8 + k];
      const xi = nc.slice(X, [i, 0], [i + 1, 3]), xj = nc.slice(X, [j, 0], [j + 1, 3]);
      const ti = nc.slice(tau, [i, 0], [i + 1, 3]), tj = nc.slice(tau, [j, 0], [j + 1, 3]);
      const jt = nc.sum(nc.mul(nc.matmul(ti, Jt), tj));
      const same = nc.sum(nc.mul(xi, xj));
      contact = nc.add(contact, nc.mul(jt, nc.sub(1, same)));
    }
    contact = nc.div(contact, 8); // each unordered pair seen twice, divisor 4
    const V = nc.sum(X, 0);
    const dv = nc.sub(nc.slice(V, [1], [3]), target);
    return nc.add(contact, nc.mul(nc.sum(nc.square(dv)), lambda));
  };
  const onehot = (a) => nc.oneHot(nc.tensor(Int32Array.from(a)), 3);
  const gradAt = (a) => nc.grad((p) => H(p.X))({ X: onehot(a) }).X.dataSync();
  const logQ = (a, i, c) => {
    const g = gradAt(a); // ∂H/∂X
    const logits = [];
    for (let s = 0; s < 9; s++) for (let k = 0; k < 3; k++) {
      if (k === a[s]) continue;
      logits.push({ s, k, l: (-(g[s * 3 + k] - g[s * 3 + a[s]]) / T) / 2 });
    }
    const m = Math.max(...logits.map((o) => o.l));
    const lz = m + Math.log(logits.reduce((acc, o) => acc + Math.exp(o.l - m), 0));
    return logits.find((o) => o.s === i && o.k === c).l - lz;
  };
  const before = Array.from(ids);
  const i = 3, c = 1; // medium site 3 becomes cell 1
  const after = before.slice(); after[i] = c;
  const hB = H(onehot(before)).item(), hA = H(onehot(after)).item();
  assert.ok(Math.abs((hA - hB) - ham.deltaH(state, i, c)) < 1e-4, 'autodiff H agrees with the analytical ΔH');
  const expected = Math.min(1, Math.exp(-(hA - hB) / T + logQ(after, i, before[i]) - logQ(before, i, c)));
  const step = gwg.tryMove(i, c);
  assert.ok(Math.abs(step.logQForward - logQ(before, i, c)) < 1e-4, `forward ${step.logQForward} vs ${logQ(before, i, c)}`);
  assert.ok(Math.abs(step.acceptProbability - expected) < 1e-4, `acceptance ${step.acceptProbability} vs ${expected}`);
  for (let k = 0; k < 20; k++) gwg.step();
  assert.equal(state.verify({ centres: false }), []);
});

test('a short fit on a small lattice recovers a known model', async () => {
  // One fit on 24 samples of 8 cells is noisy: across dataset seeds its RMSE(T*) ends
  // anywhere from 0.1 to 0.6 (from about 0.9). So four datasets are fitted, each fit must
  // improve, and their mean must at least halve the starting error.
  const truthJ = [[0, 2, 2], [2, 0.5, 2.5], [2, 2.5, 0.5]];
  const starts = [], ends = [];
  for (const seed of [9, 10, 11, 12]) {
    const truth = { ...tiny, name: 'fit-small', samples: 24, mcs: 60, contact: { J: truthJ, order: 2, divisor: 4 }, volume: { lambda: 0.5, target: 15 } };
    const d = await nc.generateDataset(truth, { seed, workers: 1 });
    const tc = { sampler: 'cpm', iterations: 250, batch: 8, mcs: 1, proposals: 20, proposal: 'uniform-pair', gwgSteps: 1, pReset: 1, permuteTypes: false, lambdaReg: 0, lr: 5e-2, lrSchedule: 'cosine', lrFinal: 5e-3, emaDecay: 0.9, temperature: 1, seed: 1, checkpointEvery: 50 };
    const tr = new nc.Trainer(tc, d, { target: 15, types: 3 });
    starts.push(nc.parameterRmse((await tr.step()).vector, nc.parameterVector(truthJ, 0.5)).rmseTStar);
    while (tr.iteration < tc.iterations) await tr.step();
    const v = tr.model.values(tr.ema);
    ends.push(nc.parameterRmse(nc.parameterVector(v.J, v.lambda), nc.parameterVector(truthJ, 0.5)).rmseTStar);
  }
  const mean = (a) => a.reduce((x, y) => x + y, 0) / a.length;
  const msg = `RMSE(T*) ${starts.map((x) => x.toFixed(2))} -> ${ends.map((x) => x.toFixed(2))}`;
  assert.ok(ends.every((e, i) => e < starts[i]), msg);
  assert.ok(mean(ends) < mean(starts) / 2, msg);
});

test('an interrupted and resumed run ends with exactly the parameters of an uninterrupted one', async () => {
  const d = await getData();
  const tc = { sampler: 'cpm', iterations: 6, batch: 3, mcs: 0.5, proposals: 10, proposal: 'uniform-pair', gwgSteps: 1, pReset: 0.5, permuteTypes: true, lambdaReg: 1e-3, lr: 1e-2, lrSchedule: 'cosine', lrFinal: 1e-3, emaDecay: 0.9, temperature: 1, seed: 3, checkpointEvery: 3 };
  const a = new nc.Trainer(tc, d, { target: 15, types: 3 });
  while (a.iteration < 6) await a.step();
  const dir = mkdtempSync(join(tmpdir(), 'ncpm-resume-'));
  const b = new nc.Trainer(tc, d, { target: 15, types: 3 });
  while (b.iteration < 3) await b.step();
  await b.saveCheckpoint(dir);
  const c = new nc.Trainer(tc, d, { target: 15, types: 3 });
  await c.loadCheckpoint(join(dir, 'checkpoint.safetensors'));
  assert.is(c.iteration, 3);
  while (c.iteration < 6) await c.step();
  for (const k of Object.keys(a.params)) assert.equal(Array.from(c.params[k].dataSync()), Array.from(a.params[k].dataSync()), k);
  for (const k of Object.keys(a.ema)) assert.equal(Array.from(c.ema[k].dataSync()), Array.from(a.ema[k].dataSync()), `ema ${k}`);
  assert.equal(Array.from(c.chains[0].ids), Array.from(a.chains[0].ids));
  // a corrupted checkpoint and a checkpoint of another configuration give clear errors
  const path = join(dir, 'checkpoint.safetensors');
  const bytes = readFileSync(path);
  writeFileSync(join(dir, 'bad.safetensors'), bytes.subarray(0, 50));
  try { await new nc.Trainer(tc, d, { target: 15, types: 3 }).loadCheckpoint(join(dir, 'bad.safetensors')); assert.unreachable(); } catch (e) { assert.match(e.message, /corrupted|header length/); }
  try { await new nc.Trainer({ ...tc, lr: 0.5 }, d, { target: 15, types: 3 }).loadCheckpoint(path); assert.unreachable(); } catch (e) { assert.match(e.message, /another configuration/); }
});

test('bad training input gives clear errors', async () => {
  const d = await getData();
  const tc = { sampler: 'cpm', iterations: 1, batch: 2, mcs: 1, proposals: 10, proposal: 'uniform-pair', gwgSteps: 1, pReset: 1, permuteTypes: false, lambdaReg: 0, lr: 1e-3, lrSchedule: 'constant', lrFinal: 1e-3, emaDecay: 0.99, temperature: 1, seed: 0, checkpointEvery: 1 };
  assert.throws(() => new nc.Trainer(tc, d, { target: 15, types: 2 }), /dataset has cell type 2 but the model has 2 types/);
  assert.throws(() => new nc.Trainer({ ...tc, sampler: 'metropolis' }, d, { target: 15, types: 3 }), /'sampler' must be 'cpm', 'gibbs' or 'gwg'/);
  assert.throws(() => new nc.Trainer({ ...tc, lr: -1 }, d, { target: 15, types: 3 }), /'lr' must be a positive number/);
  const huge = new nc.Trainer({ ...tc, lr: 1e300 }, d, { target: 15, types: 3 }); // one Adam step moves each parameter by about lr, so energies overflow
  const before = huge.model.values(huge.params);
  try { for (let i = 0; i < 5; i++) await huge.step(); assert.unreachable(); } catch (e) { assert.ok(e instanceof nc.NonFiniteError, e.message); assert.match(e.message, /non-finite|not finite/); }
  assert.equal(huge.model.values(huge.params), before, 'the parameters stay at the last good values');
});

test.run();
