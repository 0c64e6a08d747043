// Suite `nh`: the Neural Hamiltonian with the paper's Cellular MNIST network (embedding 3,
// widths 8/16/32/32, pooling 3/2/1/1) at 100x100 with 51 ids: forward and forward+backward
// states per second, and ΔH proposals per second (batched full forward passes, and on the
// CPU the first-layer-reuse path), on the CPU backend and on WebGPU when an adapter exists.
// From them: the cost of one proposal as a fraction of a full forward pass, and the paper
// preset's estimated wall time (10 000 iterations of B = 16 chains x 100 ApproxPCPM
// iterations x P = 50 proposals, plus the gradient on 2B = 32 states; evaluation 50
// trajectories x 100 frames x 134 iterations x 50 proposals).
import * as nc from 'neuralcpm';

/** Median seconds of an async function over `rounds` runs after one warm-up. */
async function timeAsync(/** @type {() => Promise<unknown>} */ fn, rounds = 2) {
  await fn();
  /** @type {number[]} */
  const t = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    await fn();
    t.push((performance.now() - t0) / 1000);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

/** A 100x100 state with 50 cells grown from the seeded disc. */
function state(/** @type {number} */ seed) {
  const s = nc.mnistScenario('paper');
  const st = new nc.CpmState(nc.seedDisc({ height: 100, width: 100, cells: 50, radius: 25, key: nc.makeKey(seed) }));
  new nc.ExactSampler(st, nc.mnistHamiltonian(s, nc.digitField(nc.mnistDigits()[seed % 10][0], 100, 100)), { key: nc.makeKey(seed + 1) }).run(60);
  return st.configuration();
}

/** @param {{ measure: (name: string, fn: () => void) => number }} _ctx */
export async function run(_ctx) {
  const nh = new nc.NeuralHamiltonian({ types: 3, ...nc.NH_CONFIGS.mnist });
  const model = new nc.NeuralModel('nh', nh);
  const pc = model.init(nc.makeKey(0));
  const batch = [0, 1].map(state);
  const proposals = 6;
  /** @type {object[]} */
  const rows = [];
  /** @type {{ name: string, backend: nc.Backend, adapter?: unknown }[]} */
  const devices = [{ name: 'cpu', backend: nc.cpu }];
  const gpu = await nc.webgpuBackend().catch(() => null);
  if (gpu) devices.push({ name: 'webgpu', backend: gpu, adapter: gpu.adapter });
  else process.stderr.write(`  nh: WebGPU rows skipped (no adapter; ${nc.WEBGPU_HINT})\n`);
  /** @type {Record<string, number>} */
  const fullFwd = {};
  for (const dev of devices) {
    /** @type {nc.Params} */
    const p = {};
    for (const [k, v] of Object.entries(pc)) p[k] = dev.backend === nc.cpu ? v : await nc.toBackend(v, dev.backend);
    const fwd = await timeAsync(() => nc.noGrad(() => nh.energy(p, batch)).read());
    const fb = await timeAsync(async () => {
      const { value, grads } = nc.valueAndGrad((q) => nc.sum(nh.energy(q, batch)))(p);
      await value.read();
      await grads['embed.weight'].read();
    });
    const fwdPerS = batch.length / fwd, fbPerS = batch.length / fb;
    fullFwd[dev.name] = fwd / batch.length;
    const extra = dev.adapter ? { adapter: dev.adapter } : {};
    rows.push({ name: `${dev.name}_forward_states_per_s`, value: fwdPerS, unit: 'states/s', ...extra });
    rows.push({ name: `${dev.name}_forward_backward_states_per_s`, value: fbPerS, unit: 'states/s', ...extra });
    // ΔH of P proposals of one chain: batched full forward passes (P + 1 states)
    const mk = () => new nc.ApproxPCPM(new nc.CpmState(batch[0]), null, { proposals, key: nc.makeKey(9) });
    const s1 = mk();
    const n1 = s1.propose();
    const full = new nc.EnergyDeltas(nc.energyFn(model, p), proposals + 1);
    const tFull = await timeAsync(() => full.deltasMany([s1], [n1]));
    rows.push({ name: `${dev.name}_deltaH_full_proposals_per_s`, value: n1 / tFull, unit: 'proposals/s', fraction_of_forward: tFull / n1 / fullFwd[dev.name], ...extra });
    let bestPerS = n1 / tFull;
    if (dev.name === 'cpu') {
      const fast = new nc.NhFastDeltas(nh, p, proposals);
      const tFast = await timeAsync(() => fast.deltasMany([s1], [n1]));
      // the old state's activations are computed once per chain per sampler iteration; count them in
      rows.push({ name: 'cpu_deltaH_reuse_proposals_per_s', value: n1 / tFast, unit: 'proposals/s', reference: n1 / tFull, ratio: tFull / tFast, fraction_of_forward: tFast / n1 / fullFwd.cpu });
      bestPerS = Math.max(bestPerS, n1 / tFast);
    }
    // the paper preset's wall time from these rates
    const perIt = (16 * 100 * 50) / bestPerS + 32 / fbPerS;
    const evalS = (50 * 100 * 134 * 50) / bestPerS;
    rows.push({ name: `${dev.name}_paper_preset_hours_per_nh_model`, value: (10000 * perIt + evalS) / 3600, unit: 'h', seconds_per_iteration: perIt, evaluation_hours: evalS / 3600, ...extra });
  }
  return rows;
}
