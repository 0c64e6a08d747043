/**
 * Training an energy-based CPM Hamiltonian from snapshots (SPEC 5, paper Algorithm 1):
 * a data batch x⁺, B persistent negative chains x⁻ (reset with probability p_reset to data
 * states, optionally with permuted cell types) advanced by a sampler with the current
 * parameters, and the loss mean H(x⁺) − mean H(x⁻) + λ_reg (mean H(x⁺)² + mean H(x⁻)²),
 * with no gradient through the sampler; Adam and a weight EMA. All randomness of
 * iteration k comes from foldIn(key, k), so a resumed run continues exactly.
 */
import * as ops from '../autodiff/ops.js';
import { valueAndGrad, type Params } from '../autodiff/tape.js';
import { Adam, WeightEMA, type AdamState } from '../autodiff/optim.js';
import { foldIn, makeKey, RandomStream, split } from '../engine/random.js';
import { sampleOf, type Dataset } from './io/dataset.js';
import { LearnableCellsort, parameterVector } from './learnable.js';
import { runChainJob, type ChainJob, type ChainPool, type HamiltonianSpec } from './chain-pool.js';
import type { Configuration } from './state.js';
import { encodeCheckpoint, readCheckpoint, restoreCheckpoint, writeCheckpoint } from './checkpoint.js';
import { permuteCellTypes } from './energy-train.js';
import { PROPOSAL_KINDS, type ProposalKind } from './samplers/approx-parallel.js';

export type SamplerName = 'cpm' | 'gibbs' | 'gwg';

/** Everything that determines a training run (saved with its results). */
export interface TrainConfig {
  sampler: SamplerName;
  iterations: number;
  batch: number;
  /** MCS per iteration for the CPM and Gibbs samplers. */
  mcs: number;
  /** ApproxPCPM proposals per iteration P. */
  proposals: number;
  /** ApproxPCPM proposal variant. */
  proposal: ProposalKind;
  /** GWG steps per chain per iteration. */
  gwgSteps: number;
  pReset: number;
  permuteTypes: boolean;
  lambdaReg: number;
  lr: number;
  /** 'constant' (the paper) or 'cosine': from lr down to lrFinal over the run. */
  lrSchedule: 'constant' | 'cosine';
  lrFinal: number;
  emaDecay: number;
  temperature: number;
  seed: number;
  checkpointEvery: number;
}

export interface IterationLog {
  iteration: number;
  loss: number;
  energyPos: number;
  energyNeg: number;
  lambda: number;
  J: number[][];
  vector: number[];
  sampleSeconds: number;
  gradSeconds: number;
  acceptance: number;
}

/** Stops training with the iteration and the last good checkpoint. */
export class NonFiniteError extends Error {}

/** Picks `n` data indices for iteration randomness `rng`. */
function drawIndices(rng: RandomStream, n: number, count: number): number[] {
  return Array.from({ length: n }, () => rng.int(count));
}

export class Trainer {
  readonly model: LearnableCellsort;
  params: Params;
  ema: Params;
  opt: Adam;
  adam: AdamState;
  iteration = 0;
  chains: Configuration[];
  private readonly emaRule: WeightEMA;
  private readonly key: readonly [number, number];

  /** Worker threads for the chains (null: run them in this thread). */
  pool: ChainPool | null = null;

  constructor(readonly config: TrainConfig, readonly data: Dataset, opts: { target: number; types: number }) {
    validateTrainConfig(config);
    if (data.count < 1) throw new Error('Trainer: the dataset is empty');
    this.model = new LearnableCellsort({ types: opts.types, target: opts.target });
    const maxType = Math.max(...data.types);
    if (maxType >= opts.types) throw new Error(`Trainer: the dataset has cell type ${maxType} but the model has ${opts.types} types (medium + ${opts.types - 1}); they do not match`);
    this.key = makeKey(config.seed);
    this.params = this.model.init(foldIn(this.key, 0x7fffffff));
    this.opt = new Adam({ lr: config.lr });
    this.adam = this.opt.init(this.params);
    this.emaRule = new WeightEMA(config.emaDecay);
    this.ema = this.emaRule.init(this.params);
    const rng = new RandomStream(foldIn(this.key, 0x7ffffffe));
    this.chains = drawIndices(rng, config.batch, data.count).map((i) => sampleOf(data, i));
  }

  /** One training iteration; returns its log line. */
  async step(): Promise<IterationLog> {
    const cfg = this.config;
    const k = foldIn(this.key, this.iteration);
    const [kData, kReset, kChains] = split(k, 3);
    const rng = new RandomStream(kData);
    const pos = drawIndices(rng, cfg.batch, this.data.count).map((i) => sampleOf(this.data, i));
    // reset chains
    const rr = new RandomStream(kReset);
    const chainKeys = split(kChains, cfg.batch);
    const t0 = performance.now();
    const v0 = this.model.values(this.params);
    const hamiltonian: HamiltonianSpec = { J: v0.J, lambda: v0.lambda, target: this.model.target, order: this.model.order, divisor: this.model.divisor };
    const jobs: ChainJob[] = this.chains.map((c, b) => {
      let start = c;
      if (rr.uniform() < cfg.pReset) {
        start = sampleOf(this.data, rr.int(this.data.count));
        if (cfg.permuteTypes) start = permuteCellTypes(start, foldIn(kReset, b));
      }
      return { config: start, hamiltonian, sampler: cfg.sampler, mcs: cfg.mcs, proposals: cfg.proposals, proposal: cfg.proposal, gwgSteps: cfg.gwgSteps, temperature: cfg.temperature, key: chainKeys[b] };
    });
    const results = this.pool ? await this.pool.run(jobs) : jobs.map(runChainJob);
    this.chains = results.map((r) => r.config);
    const acc = results.reduce((a, r) => a + r.acceptance, 0);
    const t1 = performance.now();
    const sPos = this.model.stats(pos), sNeg = this.model.stats(this.chains);
    let ep = ops.scalar(0), en = ops.scalar(0);
    const lossFn = (p: Params) => {
      ep = ops.mean(this.model.energy(p, sPos));
      en = ops.mean(this.model.energy(p, sNeg));
      let loss = ops.sub(ep, en);
      if (cfg.lambdaReg > 0) loss = ops.add(loss, ops.mul(ops.add(ops.square(ep), ops.square(en)), cfg.lambdaReg));
      return loss;
    };
    const { value, grads } = valueAndGrad(lossFn)(this.params);
    const loss = value.item();
    const energyPos = ep.item(), energyNeg = en.item(); // computed by the loss, not again
    if (!Number.isFinite(loss) || !Number.isFinite(energyPos) || !Number.isFinite(energyNeg)) {
      throw new NonFiniteError(`training stopped at iteration ${this.iteration + 1}: loss ${loss}, energy(data) ${energyPos}, energy(samples) ${energyNeg} is not finite; lower the learning rate or add the energy regulariser (lambdaReg)`);
    }
    const r = await this.opt.step(this.params, grads, this.adam, this.learningRate(this.iteration));
    const next = this.model.values(r.params);
    if (!Number.isFinite(next.lambda) || next.J.some((row) => row.some((x) => !Number.isFinite(x)))) {
      throw new NonFiniteError(`training stopped at iteration ${this.iteration + 1}: the update made the parameters non-finite (λ ${next.lambda}); lower the learning rate`);
    }
    this.params = r.params;
    this.adam = r.state;
    this.ema = this.emaRule.update(this.ema, this.params);
    const t2 = performance.now();
    this.iteration++;
    return {
      iteration: this.iteration, loss, energyPos, energyNeg, lambda: next.lambda, J: next.J,
      vector: parameterVector(next.J, next.lambda), sampleSeconds: (t1 - t0) / 1000, gradSeconds: (t2 - t1) / 1000, acceptance: acc / cfg.batch,
    };
  }

  /** The learning rate of iteration k (0-based). */
  learningRate(k: number): number {
    const c = this.config;
    if (c.lrSchedule === 'constant') return c.lr;
    const f = c.iterations > 1 ? k / (c.iterations - 1) : 1;
    return c.lrFinal + 0.5 * (c.lr - c.lrFinal) * (1 + Math.cos(Math.PI * Math.min(1, f)));
  }

  /** The checkpoint as bytes: parameters, Adam moments, EMA and chains in one safetensors file. */
  async checkpointBytes(): Promise<Uint8Array> {
    return encodeCheckpoint(this, { config: JSON.stringify(this.config) });
  }

  /** Writes the checkpoint atomically to dir/checkpoint.safetensors. */
  async saveCheckpoint(dir: string): Promise<string> {
    return writeCheckpoint(dir, await this.checkpointBytes());
  }

  /** Restores parameters, optimiser, EMA, chains and the iteration from a checkpoint. */
  async loadCheckpoint(path: string): Promise<void> {
    const { tensors, metadata } = await readCheckpoint(path);
    let saved: TrainConfig;
    try {
      saved = JSON.parse(metadata.config ?? '') as TrainConfig;
    } catch {
      throw new Error(`${path}: checkpoint metadata has no readable config; it is corrupted — delete it and restart`);
    }
    if (JSON.stringify(saved) !== JSON.stringify(this.config)) {
      throw new Error(`${path} was written by a run with another configuration (${JSON.stringify(saved)}); resume with the same settings`);
    }
    const r = restoreCheckpoint(path, tensors, metadata, this);
    this.params = r.params; this.ema = r.ema; this.adam = r.adam; this.chains = r.chains; this.iteration = r.iteration;
  }
}

/** Checks a training configuration and names the offending field. */
export function validateTrainConfig(c: TrainConfig): void {
  const bad = (k: string, want: string): never => { throw new Error(`training config: '${k}' must be ${want}, got ${JSON.stringify((c as unknown as Record<string, unknown>)[k])}`); };
  if (!['cpm', 'gibbs', 'gwg'].includes(c.sampler)) bad('sampler', "'cpm', 'gibbs' or 'gwg'");
  for (const k of ['iterations', 'batch', 'proposals', 'gwgSteps', 'checkpointEvery'] as const) if (!Number.isInteger(c[k]) || c[k] < 1) bad(k, 'a positive integer');
  for (const k of ['mcs', 'lr', 'temperature'] as const) if (!(c[k] > 0) || !Number.isFinite(c[k])) bad(k, 'a positive number');
  if (!(c.pReset >= 0 && c.pReset <= 1)) bad('pReset', 'in [0, 1]');
  if (!(c.lambdaReg >= 0)) bad('lambdaReg', '>= 0');
  if (!(c.emaDecay >= 0 && c.emaDecay < 1)) bad('emaDecay', 'in [0, 1)');
  if (!PROPOSAL_KINDS.includes(c.proposal)) bad('proposal', PROPOSAL_KINDS.map((k) => `'${k}'`).join(', '));
  if (c.lrSchedule !== 'constant' && c.lrSchedule !== 'cosine') bad('lrSchedule', "'constant' or 'cosine'");
  if (!(c.lrFinal > 0) || !Number.isFinite(c.lrFinal)) bad('lrFinal', 'a positive number');
  if (!Number.isSafeInteger(c.seed) || c.seed < 0) bad('seed', 'a non-negative integer');
}
