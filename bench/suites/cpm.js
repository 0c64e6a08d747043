// Suite `cpm`: exact-sampler speed in MCS per second for cell sorting scenario a, single
// thread, T = 1, from the seeded disc after 200 warm-up MCS; a straightforward classic
// CPM sampler is measured in the same run as the reference. The published speeds of
// Morpheus 2.2.4 and Artistoo on this kind of machine (SPEC 9) are printed beside. Also the
// bipolar model's data generation speed, on one thread and on every core.
import os from 'node:os';
import * as nc from 'neuralcpm';
import { makeClassicSampler } from '../naive-cpm.js';

const CONFIGS = [
  { label: '100x100_50cells', height: 100, width: 100, cells: 50, target: 60, radius: 25, morpheus: 2350, artistoo: 2180 },
  { label: '200x200_100cells', height: 200, width: 200, cells: 100, target: 200, radius: 60, morpheus: 570, artistoo: 560 },
  // SPEC 9's third row (not among the issue's goals): the 100x100 cells on a lattice four times larger
  { label: '200x200_50cells', height: 200, width: 200, cells: 50, target: 60, radius: 25, morpheus: 2350, artistoo: 1720 },
];

/** @param {{ measure: (name: string, fn: () => void) => number }} ctx */
export async function run(ctx) {
  /** @type {object[]} */
  const rows = [];
  for (const c of CONFIGS) {
    const base = nc.cellsortScenario('a', 'appendix');
    const sc = { ...base, height: c.height, width: c.width, cells: c.cells, radius: c.radius, volume: { lambda: base.volume.lambda, target: c.target } };
    const cfg = nc.seedDisc({ height: sc.height, width: sc.width, cells: sc.cells, radius: sc.radius, key: nc.makeKey(1) });
    const state = new nc.CpmState(cfg);
    const sampler = new nc.ExactSampler(state, nc.buildHamiltonian(sc), { key: nc.makeKey(2) });
    sampler.run(200);
    const chunk = 20;
    const a0 = sampler.attempts, acc0 = sampler.accepted, m0 = sampler.mcs;
    const tOurs = ctx.measure(`cpm ${c.label} exact sampler, ${chunk} MCS`, () => { sampler.run(chunk); });
    const calls = (sampler.mcs - m0) / chunk;
    const attemptsPerMcs = (sampler.attempts - a0) / (sampler.mcs - m0);
    const acceptedPerMcs = (sampler.accepted - acc0) / (sampler.mcs - m0);
    const classicState = new nc.CpmState(cfg);
    const classic = makeClassicSampler(classicState, { J: sc.contact.J, lambda: sc.volume.lambda, target: sc.volume.target, temperature: 1 }, nc.makeKey(3));
    classic.run(200);
    const tClassic = ctx.measure(`cpm ${c.label} classic reference, 2 MCS`, () => classic.run(2));
    const mcsPerS = chunk / tOurs, classicPerS = 2 / tClassic;
    rows.push({ name: `${c.label}_mcs_per_s`, value: mcsPerS, unit: 'MCS/s', reference: classicPerS, ratio: mcsPerS / classicPerS, morpheus: c.morpheus, artistoo: c.artistoo, vsMorpheus: mcsPerS / c.morpheus, calls });
    rows.push({ name: `${c.label}_attempts_per_s`, value: mcsPerS * attemptsPerMcs, unit: 'attempts/s' });
    rows.push({ name: `${c.label}_accepted_per_s`, value: mcsPerS * acceptedPerMcs, unit: 'copies/s' });
  }
  rows.push(...(await bipolarGeneration(ctx)));
  return rows;
}

/**
 * Data generation for the bipolar model (SPEC 6.3: 149x149, order-6 contact, directed motion
 * with the mathjs band rules, T = 2): MCS per second on one thread after 200 warm-up MCS,
 * and the whole generator (samples of 1000 MCS, worker start-up included) on every core
 * against one worker.
 * @param {{ measure: (name: string, fn: () => void) => number }} ctx
 */
async function bipolarGeneration(ctx) {
  const sc = nc.bipolarScenario('paper');
  const state = new nc.CpmState(nc.seedDisc({ height: sc.height, width: sc.width, cells: sc.cells, radius: sc.radius, key: nc.makeKey(4) }));
  const sampler = new nc.ExactSampler(state, nc.buildHamiltonian(sc), { temperature: sc.temperature, key: nc.makeKey(5) });
  sampler.run(200);
  const tOne = ctx.measure('bipolar 149x149 exact sampler, 10 MCS', () => { sampler.run(10); });
  const cores = os.cpus().length;
  const small = { ...sc, mcs: 1000 };
  const time = async (/** @type {number} */ workers) => {
    const t0 = performance.now();
    await nc.generateDataset({ ...small, samples: 4 * cores }, { seed: 1, workers });
    return (4 * cores * 1000) / ((performance.now() - t0) / 1000);
  };
  const single = await time(1), multi = await time(cores);
  return [
    { name: 'bipolar_149_mcs_per_s_1_thread', value: 10 / tOne, unit: 'MCS/s' },
    { name: `bipolar_149_generation_mcs_per_s_${cores}_cores`, value: multi, unit: 'MCS/s', reference: single, ratio: multi / single, hours_for_paper_dataset: (1000 * 2000) / multi / 3600 },
  ];
}
