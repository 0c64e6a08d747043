// Cellular MNIST pieces (SPEC 6.2) and the metrics of SPEC 7 on hand-computed cases.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';

const near = (a, b, tol, label) => assert.ok(Math.abs(a - b) <= tol, `${label}: ${a} vs ${b}`);

test('distance transform: hand-computed small cases', () => {
  const d = nc.distanceTransform(Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0]), 3, 3);
  const r2 = Math.SQRT2;
  [r2, 1, r2, 1, 0, 1, r2, 1, r2].forEach((v, i) => near(d[i], v, 1e-12, `3x3[${i}]`));
  const line = nc.distanceTransform(Uint8Array.from([1, 0, 0, 0, 1, 0]), 1, 6);
  assert.equal(Array.from(line), [0, 1, 2, 1, 0, 1]);
  assert.throws(() => nc.distanceTransform(new Uint8Array(4), 2, 2), /no foreground/);
});

test('natural cubic spline: hand-computed values, knots and linear data reproduced', () => {
  // y = (0, 1, 0): M1 = -3, S(0.5) = 0.5 + (0.125 - 0.5)(-3)/6 = 0.6875
  const s = nc.cubicSplineResample([0, 1, 0], 5);
  [0, 0.6875, 1, 0.6875, 0].forEach((v, i) => near(s[i], v, 1e-12, `spline[${i}]`));
  const lin = nc.cubicSplineResample([1, 3, 5, 7], 7);
  lin.forEach((v, i) => near(v, 1 + i, 1e-12, `linear[${i}]`));
  const img = nc.cubicSplineResize([2, 2, 2, 2], 2, 2, 5, 3);
  assert.is(img.length, 15);
  img.forEach((v) => near(v, 2, 1e-12, 'constant'));
  assert.throws(() => nc.cubicSplineResample([1], 4), /at least 2/);
});

test('a digit field is ~0 on the digit, grows away from it, and has the lattice size', () => {
  const digits = nc.mnistDigits();
  assert.is(digits.length, 10);
  assert.ok(digits.every((d) => d.length > 800), 'about 1000 images per class');
  const img = digits[1][0];
  const phi = nc.digitField(img, 100, 100);
  assert.is(phi.length, 10000);
  const corner = phi[0], min = Math.min(...phi);
  assert.ok(min < 0.5, `minimum ${min}`);
  assert.ok(corner > 5, `a corner is far from a centred digit: ${corner}`);
  assert.is(phi[0], nc.distanceTransform(Uint8Array.from(img, (v) => (v >= 0.5 ? 1 : 0)), 28, 28)[0], 'corner nodes coincide with the 28x28 grid');
});

test('Cellular MNIST samples: the same seed gives the same sample; type-2 cells sit on the digit', () => {
  const s = nc.mnistScenario('small', { samples: 2 });
  const a = nc.generateMnistSample(s, 3, 0), b = nc.generateMnistSample(s, 3, 0);
  assert.equal(a.config.ids, b.config.ids);
  assert.is(a.label, b.label);
  const phi = nc.digitField(nc.mnistDigits()[a.label][a.image], s.height, s.width);
  let f1 = 0, n1 = 0, f2 = 0, n2 = 0;
  a.config.ids.forEach((id, i) => {
    const t = a.config.types[id];
    if (t === 1) { f1 += phi[i]; n1++; } else if (t === 2) { f2 += phi[i]; n2++; }
  });
  assert.ok(f2 / n2 < f1 / n1, `mean field under type 2 (${(f2 / n2).toFixed(2)}) is below type 1's (${(f1 / n1).toFixed(2)})`);
  assert.throws(() => nc.mnistScenario('huge'), /'paper' or 'small'/);
});

test('fragmentation: far pieces fragment a cell, close pieces and dilation do not; a missing cell counts', () => {
  const H = 12, W = 16; // wide enough that the pieces do not meet across the periodic edge
  const ids = new Int32Array(H * W);
  ids[2 * W + 2] = 1; ids[2 * W + 3] = 1; ids[2 * W + 9] = 1; // cell 1: two pieces 6 apart
  ids[8 * W + 2] = 2; ids[8 * W + 5] = 2; // cell 2: pieces 3 apart, joined after two dilations
  const c = { height: H, width: W, ids, types: Int32Array.from([0, 1, 1, 2]) }; // cell 3 is missing
  assert.is(nc.fragmentedCells(c), 2);
  // periodic: the 3x3 square around (1, 0) wraps to column 3
  assert.equal(Array.from(nc.dilate3(Uint8Array.from([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 4, 4)), [1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0]);
});

test('volume bounds and p_volume / p_unfragmented over every 5th frame', () => {
  const mk = (v1) => {
    const ids = new Int32Array(100);
    for (let i = 0; i < v1; i++) ids[i] = 1;
    ids[99] = 2;
    return { height: 10, width: 10, ids, types: Int32Array.from([0, 1, 2]) };
  };
  const b = nc.volumeBounds([mk(10), mk(20)], 10);
  assert.equal(b, { lo: 0, hi: 21 });
  const traj = [mk(10), mk(30), mk(30), mk(30), mk(30), mk(30), mk(30), mk(30), mk(30), mk(30), mk(25)];
  const m = nc.shapeMetrics([traj], b);
  assert.is(m.frames, 3); // frames 0, 5, 10
  near(m.pVolume, 1 / 3, 1e-12, 'pVolume');
  assert.is(m.pUnfragmented, 1);
});

test('Classifier Score: 1 for identical predictions, k for confident balanced ones', () => {
  near(nc.classifierScore([[0.2, 0.8], [0.2, 0.8]]), 1, 1e-12, 'identical');
  near(nc.classifierScore([[1, 0, 0], [0, 1, 0], [0, 0, 1]]), 3, 1e-12, 'confident');
  assert.is(nc.accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1]), 0.5);
});

test('the digit classifier learns digits from type maps: >= 60% test accuracy (measured 73%)', async () => {
  // binarised MNIST digits as 28x28 type maps (digit = type 2), 400 to train, 200 held out
  const digits = nc.mnistDigits();
  const mk = (start, count) => {
    const cs = [], ls = [];
    for (let d = 0; d < 10; d++) for (let i = start; i < start + count; i++) {
      cs.push({ height: 28, width: 28, ids: Int32Array.from(digits[d][i], (v) => (v >= 0.5 ? 1 : 0)), types: Int32Array.from([0, 2]) });
      ls.push(d);
    }
    return { cs, ls };
  };
  const tr = mk(0, 40), te = mk(500, 20);
  const clf = new nc.DigitClassifier(3, [8, 16, 16, 16]);
  const r = await nc.trainDigitClassifier(clf, tr.cs, tr.ls, te.cs, te.ls, { epochs: 12, seed: 3, lr: 5e-3, batch: 32 });
  assert.ok(r.testAccuracy >= 0.6, `test accuracy ${r.testAccuracy}`);
  assert.ok(r.trainAccuracy >= r.testAccuracy - 0.05, 'train accuracy is not below test accuracy');
  const cs = nc.classifierScore(clf.predict(r.params, te.cs));
  assert.ok(cs > 3, `Classifier Score of 10 balanced digit classes: ${cs}`);
});

test.run();
