// Bi-polar axial organisation (SPEC 6.3, 7): mathjs band rules, the order-6 contact term,
// rotations, and the axial metrics on hand-built configurations.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';

const near = (a, b, tol, label) => assert.ok(Math.abs(a - b) <= tol, `${label}: ${a} vs ${b}`);

/** A configuration with square cells: [y0, x0, size, type] each. */
function blocks(H, W, cells) {
  const ids = new Int32Array(H * W), types = new Int32Array(cells.length + 1);
  cells.forEach(([y0, x0, k, t], i) => {
    types[i + 1] = t;
    for (let y = y0; y < y0 + k; y++) for (let x = x0; x < x0 + k; x++) ids[y * W + x] = i + 1;
  });
  return { height: H, width: W, ids, types };
}

test('the order-6 contact term (divisor 18) matches its definition: unordered pairs with d² ∈ {1, 2, 4, 5, 8, 9}', () => {
  const J = [[0, 16, 16], [16, 6, 16], [16, 16, 6]];
  const s = new nc.CpmState(nc.seedDisc({ height: 21, width: 23, cells: 12, radius: 7, key: nc.makeKey(1) }));
  new nc.ExactSampler(s, new nc.Hamiltonian([new nc.Contact(J, 2, 4), new nc.Volume(1, 12)]), { key: nc.makeKey(2) }).run(20);
  const c = s.configuration();
  const offs = [];
  for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) { const d = dy * dy + dx * dx; if ([1, 2, 4, 5, 8, 9].includes(d)) offs.push([dy, dx]); }
  assert.is(offs.length, 28);
  let sum = 0;
  for (let y = 0; y < c.height; y++) for (let x = 0; x < c.width; x++) for (const [dy, dx] of offs) {
    const a = c.ids[y * c.width + x], b = c.ids[((y + dy + c.height) % c.height) * c.width + ((x + dx + c.width) % c.width)];
    if (a !== b) sum += J[c.types[a]][c.types[b]];
  }
  const want = sum / 2 / 18; // each unordered pair was visited twice
  near(new nc.Contact(J, 6, 18).energy(s), want, 1e-9, 'H_contact');
});

test('band rules as mathjs expressions give the published directions', () => {
  const dir = nc.expressionDirection(nc.BIPOLAR_BAND_RULES);
  const S = 149;
  assert.equal(Array.from(dir(70, 10, 1, S, S)), [0, 1], 'type 1 left of the band moves right');
  assert.equal(Array.from(dir(70, 140, 1, S, S)), [0, -1], 'type 1 right of the band moves left');
  assert.equal(Array.from(dir(70, 74, 1, S, S)), [0, 0], 'type 1 inside the band stays');
  assert.equal(Array.from(dir(70, 65, 2, S, S)), [0, -1], 'type 2 in the band, left half, moves to the left pole');
  assert.equal(Array.from(dir(70, 85, 2, S, S)), [0, 1], 'type 2 in the band, right half, moves to the right pole');
  assert.equal(Array.from(dir(70, 20, 2, S, S)), [0, 0], 'type 2 outside the band stays');
  assert.throws(() => nc.expressionDirection({ dx: 'cx +', dy: '0' }), /motion|direction\.dx: cannot parse 'cx \+'/);
  assert.throws(() => nc.expressionDirection({ dx: 'speed * 2', dy: '0' }), /Undefined symbol speed.*variables: cx, cy/);
  const f = nc.expressionField('x + 10 * y', 3, 4);
  assert.equal(Array.from(f), [0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
});

test('expressions translated to JavaScript agree with mathjs; untranslatable ones keep mathjs', () => {
  const exprs = [nc.BIPOLAR_BAND_RULES.dx, 'sign(cx - S / 2) * (type == 2)', 'mod(cx, 7) - 2 ^ 3 + max(cy, 3) / height', 'not (cx > 3) or type != 1', '-abs(cy - 10.5) + pi', 'mean([cx, cy])'];
  const rng = new nc.RandomStream(nc.makeKey(9));
  for (const e of exprs) {
    const f = nc.compileExpression(e, 'test');
    const fast = nc.numericEvaluator(e, f, 'test');
    for (let i = 0; i < 200; i++) {
      const S = 20 + rng.int(150);
      const scope = { cx: rng.uniform() * S, cy: rng.uniform() * S, type: rng.int(3), width: S, height: S, S, x: 0, y: 0 };
      const want = Number(f.evaluate({ ...scope }));
      near(fast(scope), want, 1e-9 * Math.max(1, Math.abs(want)), `${e} at ${JSON.stringify(scope)}`);
    }
  }
});

test('scenario files take motion expressions; bad ones are named', () => {
  const s = nc.bipolarScenario('small');
  const back = nc.validateScenario(JSON.parse(JSON.stringify(s)), 'bipolar.json');
  assert.equal(back.motion, s.motion);
  const terms = nc.buildHamiltonian(back).describe().map((t) => t.term);
  assert.equal(terms, ['contact', 'volume', 'directed-motion']);
  assert.throws(() => nc.validateScenario({ ...s, motion: { strength: [0, 1], dx: 'cx +', dy: '0' } }, 'bad.json'), /bad.json: motion\.dx: cannot parse/);
  assert.throws(() => nc.validateScenario({ ...s, motion: { strength: 'fast', dx: '1', dy: '0' } }, 'bad.json'), /'motion.strength' must be an array/);
});

test('directed motion with the band rules moves type-2 cells to the poles (axial metric)', () => {
  const base = { ...nc.bipolarScenario('small'), height: 45, width: 45, cells: 12, radius: 8, mcs: 250, volume: { lambda: 1, target: 40 } };
  const run = (strength) => {
    const s = { ...base, motion: { ...base.motion, strength: [0, strength, strength] } };
    let polar2 = 0;
    for (let k = 0; k < 4; k++) polar2 += nc.axialVariances(nc.generateSample(s, 11, k).config).polar[1] / 4;
    return polar2;
  };
  const still = run(0), moved = run(1.5);
  assert.ok(moved > 1.5 * still, `type-2 variance along the polar axis: ${moved.toFixed(1)} with the band rules vs ${still.toFixed(1)} without`);
});

test('axial variances: hand-computed values, invariant to rotations by 90 degrees', () => {
  // type-2 cells centred at x = 10.5 and 30.5 (y = 20.5): the polar axis is x
  const c = blocks(41, 41, [[20, 10, 2, 2], [20, 30, 2, 2], [15, 20, 2, 1], [25, 20, 2, 1]]);
  const v = nc.axialVariances(c);
  near(v.polar[1], 100, 1e-9, 'type 2 polar'); near(v.orthogonal[1], 0, 1e-9, 'type 2 orthogonal');
  near(v.polar[0], 0, 1e-9, 'type 1 polar'); near(v.orthogonal[0], 25, 1e-9, 'type 1 orthogonal');
  assert.equal(nc.bipolarFraction(c), [0, 1]);
  const s = new nc.CpmState(nc.seedDisc({ height: 31, width: 31, cells: 10, radius: 8, key: nc.makeKey(3) }));
  new nc.ExactSampler(s, new nc.Hamiltonian([new nc.Contact([[0, 2, 2], [2, 1, 3], [2, 3, 1]], 2, 4), new nc.Volume(1, 15)]), { key: nc.makeKey(4) }).run(30);
  const x = s.configuration();
  const r = nc.axialVariances(x);
  for (const k of [1, 2, 3]) {
    const y = nc.rotateConfiguration(x, (k * Math.PI) / 2);
    assert.equal(Array.from(nc.volumesOf(y)), Array.from(nc.volumesOf(x)), 'a 90° rotation keeps every cell');
    const ry = nc.axialVariances(y);
    for (const key of ['polar', 'orthogonal']) for (const t of [0, 1]) near(ry[key][t], r[key][t], 1e-6, `rotation ${k * 90}° ${key}[${t}]`);
  }
  near(nc.axialRmse([x], [nc.rotateConfiguration(x, Math.PI / 2)]), 0, 1e-6, 'axial RMSE of a rotated copy');
  const rot = nc.rotateConfiguration(c, Math.PI / 2);
  assert.ok(rot.ids[(40 - 10) * 41 + 20] !== 0 || rot.ids[(40 - 11) * 41 + 20] !== 0, 'a 90° rotation maps x to y');
  assert.throws(() => nc.axialVariances(blocks(9, 9, [[1, 1, 2, 1], [5, 5, 2, 2]])), /at least two type-2 cells/);
});

test.run();
