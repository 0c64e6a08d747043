/**
 * Training any EnergyModel (neural or analytical) by the paper's Algorithm 1 (SPEC 5):
 * persistent chains advanced with ApproxPCPM under the current parameters, every chain's
 * proposals evaluated together in batched forward passes, the contrastive loss
 * mean H(x⁺) − mean H(x⁻) + λ_reg·(mean H(x⁺)² + mean H(x⁻)²) (means of squared energies),
 * Adam and a weight EMA. Iteration k draws all its randomness from foldIn(key, k), so a run
 * resumed from a checkpoint continues exactly.
 */
import * as ops from '../autodiff/ops.js';
import { noGrad, valueAndGrad, type Params } from '../autodiff/tape.js';
import { Adam, WeightEMA, type AdamState } from '../autodiff/optim.js';
import type { Backend } from '../engine/backend.js';
import { cpu } from '../engine/cpu/backend.js';
import { toBackend } from '../engine/ops.js';
import { foldIn, makeKey, permutation, RandomStream, split, type Key } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import { sampleOf, type Dataset } from './io/dataset.js';
import type { EnergyModel } from './models.js';
import type { EnergyPool } from './energy-pool.js';
import { NeuralHamiltonian } from './neural.js';
import { NhFastDeltas } from './nh-fast.js';
import { ApproxPCPM, EnergyDeltas, type MultiDeltas } from './samplers/approx-parallel.js';
import { CpmState, type Configuration } from './state.js';
import { encodeCheckpoint, readCheckpoint, restoreCheckpoint, writeCheckpoint } from './checkpoint.js';

/** The energy function of a model with fixed parameters, without gradients, read back as numbers. */
export function energyFn(model: EnergyModel, params: Params): (configs: readonly Configuration[]) => Promise<Float32Array> {
  return async (configs) => {
    const t = noGrad(() => model.energy(params, configs));
    return (await t.read()) as Float32Array;
  };
}

/** The proposal evaluator for a model: the first-layer-reuse path for a Neural Hamiltonian on the CPU in this thread, else batched full energies. */
export function proposalEvaluator(model: EnergyModel, params: Params, opts: { pool?: EnergyPool | null; batch: number; fast?: boolean }): MultiDeltas {
  const net = (model as { net?: unknown }).net;
  if (opts.fast !== false && !opts.pool && model.kind === 'nh' && net instanceof NeuralHamiltonian && params['embed.weight']?.backend.name === 'cpu') return new NhFastDeltas(net, params, opts.batch);
  const pool = opts.pool;
  return new EnergyDeltas(pool ? (c) => pool.energies(params, c) : energyFn(model, params), opts.batch);
}

/** Runs `iterations` ApproxPCPM iterations on every sampler, evaluating all proposals of an iteration together. */
export async function runChains(samplers: readonly ApproxPCPM[], evaluator: MultiDeltas, iterations: number): Promise<void> {
  for (let it = 0; it < iterations; it++) {
    const counts = samplers.map((s) => s.propose());
    await evaluator.deltasMany(samplers, counts);
    samplers.forEach((s, k) => s.commit(counts[k]));
  }
}

/** Everything that determines a training run of a neural or analytical model (saved with its results). */
export interface EnergyTrainConfig {
  iterations: number;
  batch: number;
  /** MCS per iteration (ApproxPCPM iterations K = round(|L|·mcs/P)). */
  mcs: number;
  proposals: number;
  /** Chain reset probability per iteration (SPEC: 0.025·MCS). */
  pReset: number;
  permuteTypes: boolean;
  lambdaReg: number;
  lr: number;
  emaDecay: number;
  temperature: number;
  seed: number;
  checkpointEvery: number;
  /** States per forward pass when evaluating proposals. */
  evalBatch: number;
}

export function validateEnergyTrainConfig(c: EnergyTrainConfig): void {
  const bad = (k: string, want: string): never => { throw new Error(`training config: '${k}' must be ${want}, got ${JSON.stringify((c as unknown as Record<string, unknown>)[k])}`); };
  for (const k of ['iterations', 'batch', 'proposals', 'checkpointEvery', 'evalBatch'] as const) if (!Number.isInteger(c[k]) || c[k] < 1) bad(k, 'a positive integer');
  for (const k of ['mcs', 'lr', 'temperature'] as const) if (!(c[k] > 0) || !Number.isFinite(c[k])) bad(k, 'a positive number');
  if (!(c.pReset >= 0 && c.pReset <= 1)) bad('pReset', 'in [0, 1]');
  if (!(c.lambdaReg >= 0)) bad('lambdaReg', '>= 0');
  if (!(c.emaDecay >= 0 && c.emaDecay < 1)) bad('emaDecay', 'in [0, 1)');
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) bad('seed', 'a non-negative integer');
}

export interface EnergyIterationLog {
  iteration: number;
  loss: number;
  energyPos: number;
  energyNeg: number;
  acceptance: number;
  sampleSeconds: number;
  gradSeconds: number;
}

/** Permutes the cell types over ids 1..N (medium kept). */
export function permuteCellTypes(c: Configuration, key: Key): Configuration {
  const n = c.types.length - 1;
  const perm = permutation(key, n);
  const types = new Int32Array(c.types.length);
  for (let i = 0; i < n; i++) types[i + 1] = c.types[perm[i] + 1];
  return { ...c, types };
}

/** Raised when a loss or energy stops being finite; the last good checkpoint is kept. */
export class NonFiniteLossError extends Error {}

/** The parameters as CPU tensors (read back from a device where needed). */
export async function paramsToCpu(p: Params): Promise<Params> {
  const out: Params = {};
  for (const [k, v] of Object.entries(p)) out[k] = v.backend === cpu ? v : await toBackend(v, cpu);
  return out;
}

export class EnergyTrainer {
  params: Params;
  ema: Params;
  readonly opt: Adam;
  adam: AdamState;
  iteration = 0;
  chains: Configuration[];
  readonly backend: Backend;
  private readonly emaRule: WeightEMA;
  private readonly key: Key;
  /** States evaluated for proposals so far (old states included; the reuse path counts each proposal as one). */
  proposalStates = 0;
  /** Worker threads for the proposals' forward passes (CPU backend; null: this thread). */
  pool: EnergyPool | null = null;
  /** A random transformation of data states (for example a rotation), applied to the data batch and to chain resets. */
  augment: ((c: Configuration, key: Key) => Configuration) | null = null;

  constructor(readonly model: EnergyModel, readonly config: EnergyTrainConfig, readonly data: Dataset, backend: Backend = cpu) {
    validateEnergyTrainConfig(config);
    if (data.count < 1) throw new Error('EnergyTrainer: the dataset is empty');
    const maxType = Math.max(...data.types);
    if (maxType >= model.types) throw new Error(`EnergyTrainer: the dataset has cell type ${maxType} but the model has ${model.types} types (medium + ${model.types - 1})`);
    this.backend = backend;
    this.key = makeKey(config.seed);
    this.params = model.init(foldIn(this.key, 0x7fffffff), backend);
    this.opt = new Adam({ lr: config.lr });
    this.adam = this.opt.init(this.params);
    this.emaRule = new WeightEMA(config.emaDecay);
    this.ema = this.emaRule.init(this.params);
    const rng = new RandomStream(foldIn(this.key, 0x7ffffffe));
    this.chains = Array.from({ length: config.batch }, () => sampleOf(data, rng.int(data.count)));
  }

  /** One training iteration. */
  async step(): Promise<EnergyIterationLog> {
    const cfg = this.config;
    const [kData, kReset, kChains] = split(foldIn(this.key, this.iteration), 3);
    const rng = new RandomStream(kData);
    const aug = this.augment;
    const pos = Array.from({ length: cfg.batch }, (_, b) => {
      const c = sampleOf(this.data, rng.int(this.data.count));
      return aug ? aug(c, foldIn(kData, 1000 + b)) : c;
    });
    const rr = new RandomStream(kReset);
    const chainKeys = split(kChains, cfg.batch);
    const t0 = performance.now();
    const samplers = this.chains.map((c, b) => {
      let start = c;
      if (rr.uniform() < cfg.pReset) {
        start = sampleOf(this.data, rr.int(this.data.count));
        if (cfg.permuteTypes) start = permuteCellTypes(start, foldIn(kReset, b));
        if (aug) start = aug(start, foldIn(kReset, 1000 + b));
      }
      return new ApproxPCPM(new CpmState(start), null, { proposals: cfg.proposals, temperature: cfg.temperature, key: chainKeys[b] });
    });
    const evaluator = proposalEvaluator(this.model, this.params, { pool: this.pool, batch: cfg.evalBatch });
    await runChains(samplers, evaluator, samplers[0].iterationsFor(cfg.mcs));
    this.proposalStates += evaluator.states;
    this.chains = samplers.map((s) => s.state.configuration());
    const acceptance = samplers.reduce((a, s) => a + s.accepted / Math.max(1, s.proposed), 0) / samplers.length;
    const t1 = performance.now();
    const B = cfg.batch;
    let ep: Tensor = ops.scalar(0), en: Tensor = ops.scalar(0);
    const lossFn = (p: Params): Tensor => {
      const h = this.model.energy(p, [...pos, ...this.chains]);
      const hp = ops.slice(h, [0], [B]), hn = ops.slice(h, [B], [2 * B]);
      ep = ops.mean(hp);
      en = ops.mean(hn);
      let loss = ops.sub(ep, en);
      if (cfg.lambdaReg > 0) loss = ops.add(loss, ops.mul(ops.add(ops.mean(ops.square(hp)), ops.mean(ops.square(hn))), cfg.lambdaReg));
      return loss;
    };
    const { value, grads } = valueAndGrad(lossFn)(this.params);
    const loss = await value.itemAsync(), energyPos = await ep.itemAsync(), energyNeg = await en.itemAsync();
    if (!Number.isFinite(loss) || !Number.isFinite(energyPos) || !Number.isFinite(energyNeg)) {
      throw new NonFiniteLossError(`training stopped at iteration ${this.iteration + 1}: loss ${loss}, energy(data) ${energyPos}, energy(samples) ${energyNeg} is not finite; lower the learning rate or raise lambdaReg`);
    }
    const r = await this.opt.step(this.params, grads, this.adam);
    this.params = r.params;
    this.adam = r.state;
    this.ema = this.emaRule.update(this.ema, this.params);
    const t2 = performance.now();
    this.iteration++;
    return { iteration: this.iteration, loss, energyPos, energyNeg, acceptance, sampleSeconds: (t1 - t0) / 1000, gradSeconds: (t2 - t1) / 1000 };
  }

  /** Parameters, EMA, Adam moments and chains in one safetensors file (as bytes). */
  async checkpointBytes(): Promise<Uint8Array> {
    const adam = { step: this.adam.step, m: await paramsToCpu(this.adam.m), v: await paramsToCpu(this.adam.v) };
    return encodeCheckpoint({ params: await paramsToCpu(this.params), ema: await paramsToCpu(this.ema), adam, chains: this.chains, iteration: this.iteration },
      { config: JSON.stringify(this.config), model: this.model.kind });
  }

  /** Writes dir/checkpoint.safetensors atomically. */
  async saveCheckpoint(dir: string): Promise<string> {
    return writeCheckpoint(dir, await this.checkpointBytes());
  }

  /** Restores everything from a checkpoint written by the same model and configuration. */
  async loadCheckpoint(path: string): Promise<void> {
    const { tensors, metadata } = await readCheckpoint(path);
    if (metadata.model !== this.model.kind) throw new Error(`${path} holds a '${metadata.model}' model, not '${this.model.kind}'; resume with the same model`);
    if (metadata.config !== JSON.stringify(this.config)) throw new Error(`${path} was written by a run with another configuration (${metadata.config}); resume with the same settings`);
    const place = (t: Tensor): Tensor => (this.backend === cpu ? t : ops.tensor(t.dataSync() as Float32Array, t.shape, 'float32', this.backend));
    const r = restoreCheckpoint(path, tensors, metadata, this, place);
    this.params = r.params; this.ema = r.ema; this.adam = r.adam; this.chains = r.chains; this.iteration = r.iteration;
  }
}

/**
 * Evaluation trajectories (SPEC 7): from each start, `frames` saved frames after the
 * initial one, `itersPerFrame` ApproxPCPM iterations of P proposals between frames. All
 * trajectories advance together so their proposals share forward passes.
 */
export async function sampleTrajectories(model: EnergyModel, params: Params, starts: readonly Configuration[],
  opts: { frames: number; itersPerFrame: number; proposals: number; temperature?: number; key: Key; evalBatch?: number; pool?: EnergyPool | null; onFrame?: (done: number, total: number) => void }): Promise<Configuration[][]> {
  const keys = split(opts.key, Math.max(1, starts.length));
  const samplers = starts.map((c, i) => new ApproxPCPM(new CpmState(c), null, { proposals: opts.proposals, temperature: opts.temperature ?? 1, key: keys[i] }));
  const out = samplers.map((s) => [s.state.configuration()]);
  const ev = proposalEvaluator(model, params, { pool: opts.pool, batch: opts.evalBatch ?? 16 });
  for (let f = 0; f < opts.frames; f++) {
    await runChains(samplers, ev, opts.itersPerFrame);
    samplers.forEach((s, i) => out[i].push(s.state.configuration()));
    opts.onFrame?.(f + 1, opts.frames);
  }
  return out;
}
