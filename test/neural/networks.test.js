// Neural Hamiltonians (SPEC 4): the gather embedding, exact symmetries, gradients, the
// analytical models' relaxations, batched ΔH.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';
import { gradCheck } from '../helpers.js';

/** A state with `cells` cells grown for a few MCS inside a box of the lattice. */
function grown(H, W, cells, radius, seed, mcs = 10, target = 12) {
  const c = nc.seedDisc({ height: H, width: W, cells, radius, key: nc.makeKey(seed) });
  const s = new nc.CpmState(c);
  const ham = new nc.Hamiltonian([new nc.Contact([[0, 2, 2], [2, 1, 3], [2, 3, 1]], 2, 4), new nc.Volume(1, target)]);
  new nc.ExactSampler(s, ham, { key: nc.makeKey(seed + 100) }).run(mcs);
  return s.configuration();
}

/** Permutes cell ids 1..N (with their types) by perm. */
function relabel(c, perm) {
  const n = c.types.length - 1;
  const map = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) map[i + 1] = perm[i] + 1;
  const types = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) types[map[i]] = c.types[i];
  return { ...c, ids: c.ids.map((x) => map[x]), types };
}

/** Shifts a configuration by (dy, dx) (periodic). */
function shift(c, dy, dx) {
  const ids = new Int32Array(c.ids.length);
  for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) {
    ids[((y + dy + c.height) % c.height) * c.width + ((x + dx + c.width) % c.width)] = c.ids[y * c.width + x];
  }
  return { ...c, ids };
}

const close = (a, b, tol, label) => assert.ok(Math.abs(a - b) <= tol * Math.max(1, Math.abs(b)), `${label}: ${a} vs ${b}`);

const small = { types: 3, embed: 2, widths: [4, 6], pooling: [2, 1], readout: 8 };

test('the gather embedding equals the dense strided convolution of the one-hot input', () => {
  const cs = [grown(17, 20, 5, 4, 1), grown(17, 20, 5, 4, 2)];
  const info = nc.batchInfo(cs, 3, 'test');
  const w = nc.random.uniform(nc.makeKey(3), [5, 4, 3, 3], -1, 1), b = nc.random.uniform(nc.makeKey(4), [5], -1, 1);
  const g = nc.embedCells(w, b, nc.embeddingIndex(cs, info, 3, nc.cpu)).dataSync();
  const { X, A } = nc.oneHotInputs(cs, info, 3);
  const d = nc.embedCellsDense(w, b, X, A).dataSync();
  assert.equal(g.length, 2 * 6 * 5 * 5 * 6);
  for (let i = 0; i < g.length; i++) close(g[i], d[i], 1e-5, `embedding[${i}]`);
});

test('energies on the gather path equal those on the one-hot path for every network', () => {
  const cs = [grown(20, 20, 6, 4, 5), grown(20, 20, 6, 4, 6)];
  const info = nc.batchInfo(cs, 3, 'test');
  const { X, A } = nc.oneHotInputs(cs, info, 3);
  const sizes = { types: 3, ids: 7, embed: 2, nhWidths: [4, 6], nhPooling: [2, 1], cnnWidths: [4, 8], cnnPooling: [2, 1], cnnStem: 4, cnnProj: 8, oneNhWidths: [8, 8], oneNhPooling: [1, 2], readout: 8, target: 12, height: 20, width: 20 };
  for (const kind of nc.MODEL_KINDS) {
    const m = nc.buildModel(kind, sizes);
    const p = m.init(nc.makeKey(7));
    if (p.potential) p.potential = nc.random.uniform(nc.makeKey(8), p.potential.shape, -1, 1);
    const e = m.energy(p, cs).dataSync(), eo = m.energyOneHot(p, X, A, cs).dataSync();
    for (let i = 0; i < 2; i++) close(eo[i], e[i], 1e-4, `${kind} state ${i}`);
  }
});

test('NH, 1 NH + CNN and the closure are exactly invariant to permutations of cell ids; the CNN is not', () => {
  const c = grown(24, 24, 8, 6, 9);
  const perm = nc.random.permutation(nc.makeKey(10), 8);
  const c2 = relabel(c, perm);
  const sizes = { types: 3, ids: 9, embed: 2, nhWidths: [4, 6], nhPooling: [2, 1], cnnWidths: [4, 8], cnnPooling: [2, 1], cnnStem: 4, cnnProj: 8, oneNhWidths: [8, 8], oneNhPooling: [1, 2], readout: 8, target: 12, height: 24, width: 24 };
  for (const kind of ['nh', 'nh1-cnn', 'nh-closure', 'cnn']) {
    const m = nc.buildModel(kind, sizes);
    const p = m.init(nc.makeKey(11));
    const [e1, e2] = m.energy(p, [c, c2]).dataSync();
    if (kind === 'cnn') assert.ok(Math.abs(e1 - e2) > 1e-4, `the CNN should see the id permutation (${e1} vs ${e2})`);
    else close(e2, e1, 1e-5, `${kind} permuted`);
  }
});

test('the paper MNIST network is permutation invariant on a 100x100 state with 51 ids', () => {
  const c = grown(100, 100, 50, 25, 12, 5, 100);
  const nh = new nc.NeuralHamiltonian({ types: 3, ...nc.NH_CONFIGS.mnist });
  const p = nh.init(nc.makeKey(13));
  const [e1, e2] = nh.energy(p, [c, relabel(c, nc.random.permutation(nc.makeKey(14), 50))]).dataSync();
  close(e2, e1, 1e-5, 'permuted');
});

test('NH energy is invariant to shifts by multiples of the total stride away from the lattice edge', () => {
  // one layer: receptive field 2 + 2·4 = 10 pixels; the cells stay >= 14 pixels from every edge
  const nh = new nc.NeuralHamiltonian({ types: 3, embed: 2, widths: [4], pooling: [1], readout: 8 });
  assert.is(nh.stride, 2);
  const inner = grown(14, 14, 4, 3, 15, 10, 10);
  const c = { height: 44, width: 44, ids: new Int32Array(44 * 44), types: inner.types };
  for (let y = 0; y < 14; y++) for (let x = 0; x < 14; x++) c.ids[(y + 14) * 44 + x + 14] = inner.ids[y * 14 + x];
  const p = nh.init(nc.makeKey(16));
  const [e0, e1, e2, e3] = nh.energy(p, [c, shift(c, 2, 0), shift(c, -2, 4), shift(c, 1, 0)]).dataSync();
  close(e1, e0, 1e-5, 'shift (2, 0)');
  close(e2, e0, 1e-5, 'shift (-2, 4)');
  assert.ok(Math.abs(e3 - e0) > 1e-6, 'a shift by less than the stride changes the strided embedding (so the check above is not vacuous)');
});

test('NH gradients match finite differences on a tiny lattice', () => {
  const cs = [grown(8, 8, 3, 2, 17, 5, 6), grown(8, 8, 3, 2, 18, 5, 6)];
  const nh = new nc.NeuralHamiltonian({ types: 3, embed: 2, widths: [2, 3], pooling: [2, 1], readout: 3 });
  const p = nh.init(nc.makeKey(19));
  const w = nc.tensor([0.7, -1.3]);
  gradCheck((q) => nc.sum(nc.mul(nh.energy(q, cs), w)), p, { eps: 1e-3, tol: 3e-2, label: 'NH', kinks: true });
});

test('closure and 1 NH + CNN gradients match finite differences on a tiny lattice', () => {
  const cs = [grown(8, 8, 3, 2, 20, 5, 6)];
  const sizes = { types: 3, ids: 4, embed: 2, nhWidths: [2], nhPooling: [2], cnnWidths: [2], cnnPooling: [1], oneNhWidths: [2], oneNhPooling: [2], readout: 2, target: 6, height: 8, width: 8 };
  for (const kind of ['nh-closure', 'nh1-cnn']) {
    const m = nc.buildModel(kind, sizes);
    const p = m.init(nc.makeKey(21));
    const sel = {};
    for (const k of Object.keys(p)) if (!k.includes('mlp.r')) sel[k] = p[k]; // the readout MLP is covered by the NH check
    const rest = Object.fromEntries(Object.entries(p).filter(([k]) => !(k in sel)));
    gradCheck((q) => nc.sum(m.energy({ ...rest, ...q }, cs)), sel, { eps: 1e-3, tol: 3e-2, label: kind, kinks: true });
  }
});

test('batched ΔH of many chains equals one-by-one full energy differences', async () => {
  const nh = new nc.NeuralHamiltonian({ types: 3, embed: 2, widths: [4, 6], pooling: [2, 1], readout: 8 });
  const model = new nc.NeuralModel('nh', nh);
  const p = model.init(nc.makeKey(22));
  const samplers = [23, 24].map((s) => new nc.ApproxPCPM(new nc.CpmState(grown(16, 16, 5, 4, s)), null, { proposals: 7, key: nc.makeKey(s) }));
  const counts = samplers.map((s) => s.propose());
  const ev = new nc.EnergyDeltas(nc.energyFn(model, p), 5);
  await ev.deltasMany(samplers, counts);
  for (const s of samplers) {
    const base = s.state.configuration();
    const e0 = nh.energy(p, [base]).item();
    for (let j = 0; j < counts[0]; j++) {
      const ids = Int32Array.from(base.ids);
      ids[s.targets[j]] = s.newIds[j];
      const e = nh.energy(p, [{ ...base, ids }]).item();
      close(s.dH[j], e - e0, 1e-4, `proposal ${j}`);
    }
  }
  assert.is(ev.states, 2 * (1 + 7));
});

/** log q(site, to) from ∂H/∂X by the GWG rule, computed here independently. */
function logQ(c, gH, site, to, T = 1) {
  const hw = c.ids.length, n = c.types.length;
  const l = (i, k) => -(gH[k * hw + i] - gH[c.ids[i] * hw + i]) / T / 2;
  let z = 0;
  for (let i = 0; i < hw; i++) for (let k = 0; k < n; k++) if (k !== c.ids[i]) z += Math.exp(l(i, k));
  return l(site, to) - Math.log(z);
}

test('GWG works with every model: one-hot gradients match finite differences, acceptance matches a hand computation', () => {
  const sizes = { types: 3, ids: 4, embed: 2, nhWidths: [2], nhPooling: [1], cnnWidths: [2], cnnPooling: [1], cnnStem: 2, cnnProj: 4, oneNhWidths: [2], oneNhPooling: [1], readout: 4, target: 5, height: 6, width: 6 };
  const c0 = grown(6, 6, 3, 2, 40, 5, 5);
  for (const kind of nc.MODEL_KINDS) {
    const m = nc.buildModel(kind, sizes);
    const p = m.init(nc.makeKey(41));
    if (p.potential) p.potential = nc.random.uniform(nc.makeKey(42), p.potential.shape, -1, 1);
    const { energy, grad } = nc.energyAndOneHotGradient(m, p, c0);
    close(energy, m.energy(p, [c0]).item(), 1e-4, `${kind} energy`);
    // finite differences of the relaxation along a few X entries
    const info = nc.batchInfo([c0], 3, 't');
    const { X, A } = nc.oneHotInputs([c0], info, 3);
    const x = X.dataSync();
    for (const k of [0, 37, 80, 101]) {
      const plus = Float32Array.from(x); plus[k] += 1e-2;
      const minus = Float32Array.from(x); minus[k] -= 1e-2;
      const fd = (m.energyOneHot(p, nc.tensor(plus, X.shape), A, [c0]).item() - m.energyOneHot(p, nc.tensor(minus, X.shape), A, [c0]).item()) / 2e-2;
      close(grad[k], fd, 3e-2, `${kind} ∂H/∂X[${k}]`);
    }
    const state = new nc.CpmState(c0);
    const g = new nc.NeuralGwgSampler(state, m, p, { key: nc.makeKey(43) });
    for (let s = 0; s < 3; s++) {
      const before = state.configuration();
      const st = g.step();
      const after = { ...before, ids: Int32Array.from(before.ids) };
      after.ids[st.site] = st.to;
      const dH = m.energy(p, [after]).item() - m.energy(p, [before]).item();
      close(st.deltaH, dH, 1e-3, `${kind} ΔH`);
      close(st.logQForward, logQ(before, nc.energyAndOneHotGradient(m, p, before).grad, st.site, st.to), 1e-4, `${kind} log q forward`);
      close(st.logQReverse, logQ(after, nc.energyAndOneHotGradient(m, p, after).grad, st.site, st.from), 1e-4, `${kind} log q reverse`);
      const want = st.from !== 0 && nc.volumesOf(before)[st.from] === 1 ? 0 : Math.min(1, Math.exp(-dH + st.logQReverse - st.logQForward));
      close(st.acceptProbability, want, 1e-3, `${kind} acceptance`);
    }
    state.verify();
  }
});

test('fast NH ΔH (first-layer window reuse) equals full energy differences, including dropped edge rows', async () => {
  const nh = new nc.NeuralHamiltonian({ types: 3, embed: 2, widths: [4, 6], pooling: [2, 1], readout: 8 });
  const model = new nc.NeuralModel('nh', nh);
  const p = model.init(nc.makeKey(50));
  // 61x61: the embedding (2) keeps 30x30 pixels, wider than the 17-pixel crop; row/column 60 are dropped
  const mk = () => [51, 52].map((s) => new nc.ApproxPCPM(new nc.CpmState(grown(61, 61, 20, 20, s, 15, 20)), null, { proposals: 24, key: nc.makeKey(s) }));
  const a = mk(), b = mk();
  const counts = a.map((s) => s.propose());
  b.forEach((s) => s.propose());
  // add a proposal on the dropped last row to chain 0 (a copy there changes nothing the network sees)
  for (const set of [a, b]) { const s = set[0]; s.targets[0] = 60 * 61 + 5; s.newIds[0] = s.state.ids[59 * 61 + 5]; }
  const fast = new nc.NhFastDeltas(nh, p, 7);
  await fast.deltasMany(a, counts);
  await new nc.EnergyDeltas(nc.energyFn(model, p), 9).deltasMany(b, counts);
  for (let k = 0; k < 2; k++) for (let j = 0; j < counts[k]; j++) close(a[k].dH[j], b[k].dH[j], 2e-4, `chain ${k} proposal ${j}`);
  assert.ok(fast.skipped >= 1, 'the dropped-row proposal is skipped');
  assert.is(fast.proposals + fast.skipped, counts[0] + counts[1]);
  assert.is(fast.bases, 2);
});

test('networks reject states they cannot read', () => {
  const nh = new nc.NeuralHamiltonian({ types: 3, embed: 2, widths: [4], pooling: [1] });
  const p = nh.init(nc.makeKey(1));
  const a = grown(12, 12, 3, 2, 30), b = grown(14, 12, 3, 2, 31);
  assert.throws(() => nh.energy(p, [a, b]), /14x12 but state 0 is 12x12/);
  const bad = { ...a, types: Int32Array.from([0, 1, 5, 2]) };
  assert.throws(() => nh.energy(p, [bad]), /cell type 5 .* 3 types/);
  assert.throws(() => new nc.NeuralHamiltonian({ types: 3, embed: 2, widths: [4, 4], pooling: [1] }), /equal length/);
  assert.throws(() => nc.buildModel('transformer', {}), /unknown model 'transformer'/);
});

test.run();
