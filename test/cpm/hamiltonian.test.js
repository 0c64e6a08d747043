// Every incremental ΔH equals H(x') − H(x); directed motion matches its centre-of-mass definition.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';

/** A random configuration with `cells` compact-ish blobs on an h×w lattice. */
function randomState(seed, h, w, cells, types = 3) {
  const s = new nc.RandomStream(nc.makeKey(seed));
  const ids = new Int32Array(h * w);
  for (let i = 0; i < ids.length; i++) ids[i] = s.uniform() < 0.3 ? 0 : 1 + s.int(cells);
  const t = new Int32Array(cells + 1);
  for (let c = 1; c <= cells; c++) t[c] = 1 + ((c - 1) % (types - 1));
  return new nc.CpmState({ height: h, width: w, ids, types: t });
}

const J = [[0, 1.5, 2.5], [1.5, 0.7, 3.1], [2.5, 3.1, 0.4]];

function checkTerm(term, label) {
  const s = randomState(7, 9, 11, 6);
  const rng = new nc.RandomStream(nc.makeKey(3));
  for (let k = 0; k < 60; k++) {
    const t = rng.int(s.size);
    const c = rng.int(s.cells + 1);
    const before = term.energy(s);
    const d = term.deltaH(s, t, c);
    const old = s.ids[t];
    s.setId(t, c);
    const after = term.energy(s);
    assert.ok(Math.abs(after - before - d) < 1e-9 * Math.max(1, Math.abs(before)), `${label}: ΔH ${d} vs H(x')−H(x) ${after - before}`);
    if (k % 3 === 0) s.setId(t, old); // sometimes undo, to test both directions
  }
}

for (let order = 1; order <= 6; order++) {
  test(`contact ΔH equals the energy difference, order ${order}`, () => {
    checkTerm(new nc.Contact(J, order, order === 6 ? 18 : 4), `contact order ${order}`);
  });
}

test('volume and external-field ΔH equal the energy differences', () => {
  checkTerm(new nc.Volume(0.37, 5), 'volume');
  const phi = Array.from({ length: 99 }, (_, i) => Math.sin(i));
  checkTerm(new nc.ExternalField(phi, [0, -1, 10], 9, 11), 'field');
  const ham = new nc.Hamiltonian([new nc.Contact(J), new nc.Volume(0.5, 4)]);
  checkTerm(ham, 'sum of terms');
});

test('contact energy matches its definition on a hand-made configuration', () => {
  // 3x3 periodic: one cell of type 1 at the centre, medium elsewhere. Moore pairs between
  // the cell and its 8 neighbours are the only unlike pairs: H = 8·J01/4.
  const ids = new Int32Array(9); ids[4] = 1;
  const s = new nc.CpmState({ height: 3, width: 3, ids, types: new Int32Array([0, 1]) });
  assert.ok(Math.abs(new nc.Contact([[0, 2], [2, 0]], 2, 4).energy(s) - 4) < 1e-12);
  // order 6 on a 7x7 lattice: a single-site cell has 28 distinct unlike neighbours.
  const ids7 = new Int32Array(49); ids7[24] = 1;
  const s7 = new nc.CpmState({ height: 7, width: 7, ids: ids7, types: new Int32Array([0, 1]) });
  assert.ok(Math.abs(new nc.Contact([[0, 18], [18, 0]], 6, 18).energy(s7) - 28) < 1e-12);
  assert.is(nc.neighbourOffsets(6).length, 28);
  assert.equal([1, 2, 3, 4, 5, 6].map((o) => nc.neighbourOffsets(o).length), [4, 8, 12, 20, 24, 28]);
});

test('directed motion ΔH is −s·V·d·Δcom for the gaining and the losing cell', () => {
  // four compact 3x3 cells on a 12x12 lattice (one of them wrapping around the edge)
  const ids = new Int32Array(144);
  const corners = [[1, 1], [1, 6], [6, 2], [7, 10]];
  corners.forEach(([y0, x0], i) => { for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) ids[((y0 + y) % 12) * 12 + ((x0 + x) % 12)] = i + 1; });
  const s = new nc.CpmState({ height: 12, width: 12, ids, types: new Int32Array([0, 1, 2, 1, 2]) });
  const dm = new nc.DirectedMotion([0, 0.2, 0.5], (_y, x, type) => (type === 1 ? [0, 1] : [x > 6 ? 1 : -1, 0]));
  const rng = new nc.RandomStream(nc.makeKey(5));
  let checked = 0;
  for (let k = 0; k < 200 && checked < 40; k++) {
    // copies across cell borders, as the sampler makes them
    const t = s.boundary[rng.int(s.boundarySize)], c = s.ids[s.moore[t * 8 + rng.int(8)]];
    const old = s.ids[t];
    if (old === c || (old !== 0 && s.volume[old] < 2) || (c !== 0 && s.volume[c] === 0)) continue;
    const cells = [c, old].filter((x) => x !== 0);
    const before = cells.map((x) => [Array.from(s.centre(x)), s.volume[x]]);
    const dirs = cells.map((x) => { const [y, xx] = s.centre(x); return dm.direction(y, xx, s.types[x], 12, 12); });
    const d = dm.deltaH(s, t, c);
    s.setId(t, c);
    let expected = 0;
    cells.forEach((x, i) => {
      const after = s.centre(x);
      const dy = nc.wrapDelta(after[0], before[i][0][0], 12), dx = nc.wrapDelta(after[1], before[i][0][1], 12);
      expected += -dm.strength[s.types[x]] * before[i][1] * (dirs[i][0] * dy + dirs[i][1] * dx);
    });
    assert.ok(Math.abs(d - expected) < 1e-9, `directed motion ΔH ${d} vs ${expected}`);
    checked++;
  }
  assert.ok(checked >= 20);
  assert.is(dm.energy(), 0);
});

test('bad terms and states give clear errors', () => {
  assert.throws(() => new nc.Contact([[0, 1], [2, 0]]), /symmetric/);
  assert.throws(() => new nc.Contact([[0, 1, 2], [1, 0]]), /row 0 has 3 entries; the matrix must be 2x2/);
  assert.throws(() => new nc.Volume(-1, 10), /lambda must be/);
  assert.throws(() => new nc.ExternalField([1, 2], [0, 1], 3, 3), /2 values but the lattice 3x3 has 9/);
  assert.throws(() => new nc.CpmState({ height: 3, width: 3, ids: new Int32Array(9).fill(2), types: new Int32Array([0, 1]) }), /id 2 at site 0 .* out of range 0..1/);
  assert.throws(() => new nc.CpmState({ height: 3, width: 3, ids: new Float64Array(9), types: new Int32Array([0, 1]) }), /ids must be an Int32Array/);
  assert.throws(() => new nc.CpmState({ height: 3, width: 3, ids: new Int32Array(8), types: new Int32Array([0, 1]) }), /8 entries but the lattice 3x3 has 9/);
  assert.throws(() => new nc.CpmState({ height: 3, width: 3, ids: new Int32Array(9), types: new Int32Array([1]) }), /types\[0\] must be 0/);
  assert.throws(() => nc.neighbourOffsets(7), /order must be an integer from 1 to 6/);
});

test.run();
