/**
 * Gibbs-with-Gradients for any EnergyModel (neural or analytical), through the model's
 * relaxation to a per-site id one-hot X (energyOneHot). With f = −H/T and g = ∇_X f at the
 * current one-hot state, a single-site move (i, c ≠ x_i) is proposed with probability
 * ∝ exp((g[c,i] − g[x_i,i])/2); the reverse probability is computed the same way at the new
 * state, and the move is accepted with min(1, exp(f(x') − f(x) + log q_rev − log q_fwd)).
 * A move that would remove a cell's last site is rejected. Each step costs two forward and
 * backward passes.
 */
import * as ops from '../../autodiff/ops.js';
import { valueAndGrad } from '../../autodiff/tape.js';
import type { Params } from '../../autodiff/tape.js';
import { RandomStream, type Key } from '../../engine/random.js';
import type { EnergyModel } from '../models.js';
import { oneHotInputs, batchInfo } from '../neural.js';
import type { CpmState, Configuration } from '../state.js';
import { checkTemperature } from './temperature.js';

export interface NeuralGwgStep { site: number; from: number; to: number; logQForward: number; logQReverse: number; deltaH: number; acceptProbability: number; accepted: boolean }

/** H and ∂H/∂X [N+1][H·W] of a configuration under a model. */
export function energyAndOneHotGradient(model: EnergyModel, params: Params, c: Configuration): { energy: number; grad: Float32Array } {
  const info = batchInfo([c], model.types, 'GWG');
  const { X, A } = oneHotInputs([c], info, model.types, Object.values(params)[0]?.backend);
  const { value, grads } = valueAndGrad((q: { X: typeof X }) => ops.sum(model.energyOneHot(params, q.X, A, [c])))({ X });
  return { energy: value.item(), grad: grads.X.dataSync() as Float32Array };
}

/** log q(i, c) for all moves from a state with gradient gH = ∂H/∂X: returns the log-normaliser and the logits function. */
function proposal(c: Configuration, gH: Float32Array, T: number): { logZ: number; logit: (i: number, to: number) => number } {
  const hw = c.ids.length, n = c.types.length;
  // d[i,c] = g[c,i] − g[x_i,i] with g = −gH/T, halved
  const logit = (i: number, to: number): number => (-(gH[to * hw + i] - gH[c.ids[i] * hw + i]) / T) / 2;
  let max = -Infinity;
  for (let i = 0; i < hw; i++) for (let k = 0; k < n; k++) if (k !== c.ids[i]) max = Math.max(max, logit(i, k));
  let z = 0;
  for (let i = 0; i < hw; i++) for (let k = 0; k < n; k++) if (k !== c.ids[i]) z += Math.exp(logit(i, k) - max);
  return { logZ: max + Math.log(z), logit };
}

export class NeuralGwgSampler {
  readonly temperature: number;
  private readonly rng: RandomStream;
  steps = 0;
  acceptedSteps = 0;

  constructor(readonly state: CpmState, readonly model: EnergyModel, readonly params: Params, opts: { temperature?: number; key: Key }) {
    this.temperature = checkTemperature(opts.temperature, 'NeuralGwgSampler');
    this.rng = new RandomStream(opts.key);
  }

  step(): NeuralGwgStep {
    const T = this.temperature;
    const x = this.state.configuration();
    const hw = x.ids.length, n = x.types.length;
    const here = energyAndOneHotGradient(this.model, this.params, x);
    const fwd = proposal(x, here.grad, T);
    // draw (i, c) from q by inversion
    let u = this.rng.uniform();
    let site = -1, to = -1;
    outer: for (let i = 0; i < hw; i++) {
      for (let k = 0; k < n; k++) {
        if (k === x.ids[i]) continue;
        u -= Math.exp(fwd.logit(i, k) - fwd.logZ);
        if (u < 0) { site = i; to = k; break outer; }
      }
    }
    if (site < 0) { // rounding: take the last admissible move
      site = hw - 1; to = x.ids[site] === n - 1 ? n - 2 : n - 1;
    }
    const from = x.ids[site];
    const logQForward = fwd.logit(site, to) - fwd.logZ;
    const y: Configuration = { ...x, ids: Int32Array.from(x.ids) };
    y.ids[site] = to;
    const there = energyAndOneHotGradient(this.model, this.params, y);
    const rev = proposal(y, there.grad, T);
    const logQReverse = rev.logit(site, from) - rev.logZ;
    const deltaH = there.energy - here.energy;
    const vanishing = from !== 0 && this.state.volume[from] === 1;
    const acceptProbability = vanishing ? 0 : Math.min(1, Math.exp(-deltaH / T + logQReverse - logQForward));
    const accepted = this.rng.uniform() < acceptProbability;
    if (accepted) { this.state.setId(site, to); this.acceptedSteps++; }
    this.steps++;
    return { site, from, to, logQForward, logQReverse, deltaH, acceptProbability, accepted };
  }
}
