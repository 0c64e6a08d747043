// The exact sampler: stationary distribution by enumeration, bookkeeping, reproducibility.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';

test('with the exact-Boltzmann option the chain samples exp(-H/T) (3x3 lattice, enumeration)', () => {
  // Three cells (types 1, 1, 2) and no medium on a 3x3 periodic lattice, so no id can vanish
  // (the guard protects cells) and the chain is irreducible over the 18150 states in which
  // every cell has at least one site. We compare the distribution of the statistic
  // (V1, V2, E) with its exact value from enumeration.
  const J = [[0, 1, 1], [1, 0.3, 1.4], [1, 1.4, 0.2]];
  const ham = new nc.Hamiltonian([new nc.Contact(J, 2, 4), new nc.Volume(0.3, 3)]);
  const T = 1.5;
  const types = new Int32Array([0, 1, 1, 2]);
  const exact = new Map();
  let Z = 0;
  const ids = new Int32Array(9);
  for (let code = 0; code < 3 ** 9; code++) {
    let r = code;
    for (let i = 0; i < 9; i++) { ids[i] = 1 + (r % 3); r = Math.floor(r / 3); }
    const s = new nc.CpmState({ height: 3, width: 3, ids, types });
    if (s.volume[1] === 0 || s.volume[2] === 0 || s.volume[3] === 0) continue;
    const w = Math.exp(-ham.energy(s) / T);
    const key = `${s.volume[1]},${s.volume[2]},${s.unlikePairs}`;
    exact.set(key, (exact.get(key) ?? 0) + w);
    Z += w;
  }
  const start = new Int32Array([1, 1, 2, 2, 3, 3, 1, 2, 3]);
  const state = new nc.CpmState({ height: 3, width: 3, ids: start, types });
  const sampler = new nc.ExactSampler(state, ham, { temperature: T, exactBoltzmann: true, key: nc.makeKey(2024) });
  for (let i = 0; i < 2000; i++) sampler.attempt();
  const counts = new Map();
  const M = 40000, thin = 12;
  for (let m = 0; m < M; m++) {
    for (let i = 0; i < thin; i++) sampler.attempt();
    const key = `${state.volume[1]},${state.volume[2]},${state.unlikePairs}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  // Tolerance: a binomial standard error sqrt(p(1-p)/M), inflated 2x for the chain's residual
  // autocorrelation after thinning, times 4.5 standard errors, plus 2e-4 for rare bins.
  let worst = 0;
  for (const [key, w] of exact) {
    const p = w / Z;
    const q = (counts.get(key) ?? 0) / M;
    const tol = 4.5 * 2 * Math.sqrt((p * (1 - p)) / M) + 2e-4;
    worst = Math.max(worst, Math.abs(p - q) / tol);
    assert.ok(Math.abs(p - q) <= tol, `bin ${key}: exact ${p.toFixed(5)} vs sampled ${q.toFixed(5)} (tolerance ${tol.toFixed(5)})`);
  }
  for (const key of counts.keys()) assert.ok(exact.has(key), `sampled an impossible state class ${key}`);
  assert.ok(worst < 1);
});

test('bookkeeping equals a full recomputation after long runs (cellsort a, appendix lattice)', () => {
  const sc = nc.cellsortScenario('a', 'appendix');
  const cfg = nc.seedDisc({ height: sc.height, width: sc.width, cells: sc.cells, radius: sc.radius, key: nc.makeKey(1) });
  const state = new nc.CpmState(cfg);
  const sampler = new nc.ExactSampler(state, nc.buildHamiltonian(sc), { key: nc.makeKey(2) });
  for (let k = 0; k < 4; k++) {
    sampler.run(25);
    assert.equal(state.verify(), []);
  }
  assert.ok(sampler.mcs >= 100 && sampler.accepted > 1000);
  // every cell survived (vanishing guard) and grew towards V* = 60
  for (let c = 1; c <= sc.cells; c++) assert.ok(state.volume[c] >= 1);
  const mean = Array.from(state.volume).slice(1).reduce((a, b) => a + b, 0) / sc.cells;
  assert.ok(mean > 40, `mean volume ${mean}`);
});

test('centres of mass stay right for cells that cross the periodic edges', () => {
  const sc = nc.cellsortScenario('a', 'appendix');
  const ids = new Int32Array(100 * 100);
  // one 6x6 cell straddling the corner
  for (let y = -3; y < 3; y++) for (let x = -3; x < 3; x++) ids[((y + 100) % 100) * 100 + ((x + 100) % 100)] = 1;
  const state = new nc.CpmState({ height: 100, width: 100, ids, types: new Int32Array([0, 1]) });
  const c = state.centre(1);
  assert.ok(Math.abs(nc.wrapDelta(c[0], 99.5, 100)) < 1e-9 && Math.abs(nc.wrapDelta(c[1], 99.5, 100)) < 1e-9, `centre ${c}`);
  const sampler = new nc.ExactSampler(state, new nc.Hamiltonian([new nc.Contact(sc.contact.J.slice(0, 2).map((r) => r.slice(0, 2))), new nc.Volume(1, 36)]), { key: nc.makeKey(3) });
  sampler.run(200);
  assert.equal(state.verify(), []);
});

test('the same seed gives the same chain; different seeds differ', () => {
  const run = (seed) => {
    const sc = nc.cellsortScenario('b', 'appendix');
    const cfg = nc.seedDisc({ height: sc.height, width: sc.width, cells: sc.cells, radius: sc.radius, key: nc.makeKey(seed) });
    const st = new nc.CpmState(cfg);
    new nc.ExactSampler(st, nc.buildHamiltonian(sc), { key: nc.makeKey(seed + 1) }).run(20);
    return st.ids;
  };
  assert.equal(Array.from(run(5)), Array.from(run(5)));
  assert.not.equal(Array.from(run(5)), Array.from(run(6)));
});

test('bad sampler input gives clear errors', () => {
  const st = new nc.CpmState({ height: 3, width: 3, ids: new Int32Array(9), types: new Int32Array([0]) });
  const ham = new nc.Hamiltonian([new nc.Volume(1, 2)]);
  assert.throws(() => new nc.ExactSampler(st, ham, { temperature: 0, key: nc.makeKey(1) }), /temperature must be a finite positive number, got 0/);
  assert.throws(() => new nc.ExactSampler(st, ham, { temperature: -1, key: nc.makeKey(1) }), /got -1/);
  assert.throws(() => new nc.ExactSampler(st, ham, { key: nc.makeKey(1) }).run(1), /single id/);
  assert.throws(() => nc.seedDisc({ height: 10, width: 10, cells: 50, radius: 2, key: nc.makeKey(1) }), /holds \d+ sites, fewer than 50 cells/);
  assert.throws(() => nc.validateScenario({ height: 10 }, 'my.json'), /my.json: 'width' must be an integer/);
  assert.throws(() => nc.validateScenario({ ...nc.cellsortScenario('a'), contact: { J: [[0, 1], [2, 0]], order: 2, divisor: 4 } }, 'my.json'), /my.json: .*symmetric/);
});

test('the table-bracketed Metropolis test equals u < exp(-x); unlike masks give counts and directions', () => {
  const rng = new nc.RandomStream(nc.makeKey(77));
  let checked = 0;
  for (let i = 0; i < 200000; i++) {
    const x = rng.uniform() * 40 - 5, u = rng.uniform32();
    assert.is(nc.metropolisAccepts(x, u), x <= 0 || u < Math.exp(-x), `x ${x}, u ${u}`);
    checked++;
  }
  // bracket edges: x exactly on a table point, u exactly equal to exp(-x), huge x, u = 0, NaN
  for (const k of [0, 1, 15, 16, 511, 512, 513]) {
    const x = k / 16;
    for (const u of [0, Math.exp(-x), Math.exp(-x) * (1 - 1e-12), Math.exp(-x) * (1 + 1e-12), 0.999]) {
      if (u < 1) assert.is(nc.metropolisAccepts(x, u), x <= 0 || u < Math.exp(-x), `edge x ${x}, u ${u}`);
    }
  }
  assert.ok(nc.metropolisAccepts(40, 0) && !nc.metropolisAccepts(40, 1e-17) && !nc.metropolisAccepts(1e9, 0) && !nc.metropolisAccepts(NaN, 0));
  assert.ok(checked === 200000);
  // masks: on a random state every site's count and k-th unlike direction match a direct scan
  const c = nc.seedDisc({ height: 12, width: 11, cells: 9, radius: 4, key: nc.makeKey(78) });
  const st = new nc.CpmState(c);
  new nc.ExactSampler(st, new nc.Hamiltonian([new nc.Contact([[0, 1, 1], [1, 1, 1], [1, 1, 1]], 2, 4), new nc.Volume(1, 8)]), { key: nc.makeKey(79) }).run(20);
  const nbr = new Int32Array(8);
  for (let site = 0; site < st.size; site++) {
    st.neighbours8(site, nbr);
    const dirs = [0, 1, 2, 3, 4, 5, 6, 7].filter((q) => st.ids[nbr[q]] !== st.ids[site]);
    assert.is(st.unlikeCount(site), dirs.length);
    for (let k = 0; k < 8; k++) assert.is(st.unlikeDirection(site, k), k < dirs.length ? dirs[k] : -1);
  }
});

test.run();
