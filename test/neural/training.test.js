// The generic energy trainer: exact resume, clear errors, batched trajectories.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nc from 'neuralcpm';

const tiny = { ...nc.cellsortScenario('a', 'appendix'), name: 'tiny-nh', height: 16, width: 16, cells: 4, radius: 4, mcs: 20, samples: 6, volume: { lambda: 0.5, target: 12 } };
let data;
const getData = async () => (data ??= await nc.generateDataset(tiny, { seed: 3, workers: 1 }));
const sizes = { types: 3, ids: 5, embed: 2, nhWidths: [3, 4], nhPooling: [2, 1], cnnWidths: [4], cnnPooling: [1], cnnStem: 4, cnnProj: 4, oneNhWidths: [4], oneNhPooling: [1], readout: 4, target: 12, height: 16, width: 16 };
const cfg = { iterations: 3, batch: 2, mcs: 0.1, proposals: 8, pReset: 0.3, permuteTypes: true, lambdaReg: 5e-4, lr: 1e-3, emaDecay: 0.9, temperature: 1, seed: 4, checkpointEvery: 1, evalBatch: 6 };

const flat = (p) => Object.keys(p).sort().flatMap((k) => Array.from(p[k].dataSync()));

test('an interrupted and resumed neural run equals the uninterrupted one', async () => {
  const d = await getData();
  for (const kind of ['nh', 'nh-closure']) {
    const full = new nc.EnergyTrainer(nc.buildModel(kind, sizes), cfg, d);
    for (let i = 0; i < 3; i++) await full.step();
    const dir = mkdtempSync(join(tmpdir(), 'ncpm-nh-'));
    const first = new nc.EnergyTrainer(nc.buildModel(kind, sizes), cfg, d);
    for (let i = 0; i < 2; i++) await first.step();
    await first.saveCheckpoint(dir);
    const resumed = new nc.EnergyTrainer(nc.buildModel(kind, sizes), cfg, d);
    await resumed.loadCheckpoint(join(dir, 'checkpoint.safetensors'));
    assert.is(resumed.iteration, 2);
    const log = await resumed.step();
    assert.ok(Number.isFinite(log.loss) && log.acceptance >= 0 && log.acceptance <= 1);
    assert.equal(flat(resumed.params), flat(full.params), `${kind} params`);
    assert.equal(flat(resumed.ema), flat(full.ema), `${kind} EMA`);
    assert.equal(resumed.chains.map((c) => Array.from(c.ids)), full.chains.map((c) => Array.from(c.ids)), `${kind} chains`);
    assert.ok(full.proposalStates > 0);
  }
});

test('the trainer stops with a clear error on non-finite energies and refuses foreign checkpoints', async () => {
  const d = await getData();
  const t = new nc.EnergyTrainer(nc.buildModel('nh', sizes), cfg, d);
  const w = t.params['mlp.out.bias'].dataSync().slice();
  w[0] = NaN;
  t.params = { ...t.params, 'mlp.out.bias': nc.tensor(w, [1]) };
  try { await t.step(); assert.unreachable('should have thrown'); } catch (e) {
    assert.instance(e, nc.NonFiniteLossError);
    assert.match(e.message, /not finite; lower the learning rate/);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ncpm-nh-'));
  const a = new nc.EnergyTrainer(nc.buildModel('nh', sizes), cfg, d);
  await a.saveCheckpoint(dir);
  const other = new nc.EnergyTrainer(nc.buildModel('cnn', sizes), cfg, d);
  try { await other.loadCheckpoint(join(dir, 'checkpoint.safetensors')); assert.unreachable('foreign model'); } catch (e) { assert.match(e.message, /holds a 'nh' model, not 'cnn'/); }
  const changed = new nc.EnergyTrainer(nc.buildModel('nh', sizes), { ...cfg, lr: 2e-3 }, d);
  try { await changed.loadCheckpoint(join(dir, 'checkpoint.safetensors')); assert.unreachable('other config'); } catch (e) { assert.match(e.message, /another configuration/); }
  writeFileSync(join(dir, 'bad.safetensors'), 'not a checkpoint');
  try { await a.loadCheckpoint(join(dir, 'bad.safetensors')); assert.unreachable('corrupted'); } catch (e) { assert.ok(e.message.length > 10); }
  assert.throws(() => new nc.EnergyTrainer(nc.buildModel('nh', sizes), { ...cfg, proposals: 0 }, d), /'proposals' must be a positive integer/);
});

test('trajectories advance together, keep the initial frame and are reproducible', async () => {
  const d = await getData();
  const m = nc.buildModel('nh', sizes);
  const p = m.init(nc.makeKey(5));
  const starts = [0, 1, 2].map((i) => nc.sampleOf(d, i));
  const run = () => nc.sampleTrajectories(m, p, starts, { frames: 3, itersPerFrame: 2, proposals: 6, key: nc.makeKey(6) });
  const a = await run(), b = await run();
  assert.is(a.length, 3);
  assert.ok(a.every((t) => t.length === 4));
  assert.equal(a[0][0].ids, starts[0].ids);
  assert.equal(a.map((t) => Array.from(t[3].ids)), b.map((t) => Array.from(t[3].ids)));
  for (const t of a) new nc.CpmState(t[3]).verify();
});

test.run();
