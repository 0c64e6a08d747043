/**
 * Optimisers as pure functions over plain data: a state object (step count and moments,
 * all tensors) goes in with parameters and gradients, new parameters and state come out.
 */
import * as E from '../engine/ops.js';
import { fmt } from '../engine/shape.js';
import type { Params } from './tape.js';

export interface AdamOptions {
  lr?: number; beta1?: number; beta2?: number; eps?: number;
  /** Decoupled weight decay (AdamW); 0 gives Adam. */
  weightDecay?: number;
  /** Check gradients for NaN/Inf before updating (default true). */
  checkFinite?: boolean;
}

export interface AdamState { step: number; m: Params; v: Params }

/** Adam (and, with weightDecay > 0, AdamW) with bias correction. */
export class Adam {
  readonly lr: number; readonly beta1: number; readonly beta2: number; readonly eps: number;
  readonly weightDecay: number; readonly checkFinite: boolean;
  constructor(opts: AdamOptions = {}) {
    this.lr = opts.lr ?? 1e-3;
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.eps = opts.eps ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
    this.checkFinite = opts.checkFinite ?? true;
    for (const [k, v] of Object.entries({ lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay })) {
      if (!Number.isFinite(v) || v < 0) throw new Error(`Adam: ${k} must be a finite non-negative number, got ${v}`);
    }
    if (this.beta1 >= 1 || this.beta2 >= 1) throw new Error(`Adam: betas must be < 1, got ${this.beta1}, ${this.beta2}`);
  }

  /** Zero moments for these parameters. */
  init(params: Params): AdamState {
    const m: Params = {}, v: Params = {};
    for (const [k, p] of Object.entries(params)) {
      m[k] = E.zeros(p.shape, 'float32', p.backend);
      v[k] = E.zeros(p.shape, 'float32', p.backend);
    }
    return { step: 0, m, v };
  }

  /**
   * One update (with this optimiser's learning rate unless `lr` is given, for schedules).
   * Throws, leaving params and state untouched, if a gradient is missing, has the wrong
   * shape, or holds NaN or infinity.
   */
  async step(params: Params, grads: Params, state: AdamState, lr: number = this.lr): Promise<{ params: Params; state: AdamState }> {
    for (const k of Object.keys(params)) {
      const g = grads[k];
      if (!g) throw new Error(`Adam: no gradient for parameter '${k}'`);
      if (g.shape.join() !== params[k].shape.join()) throw new Error(`Adam: gradient of '${k}' has shape ${fmt(g.shape)} but the parameter has ${fmt(params[k].shape)}`);
      if (!state.m[k] || !state.v[k]) throw new Error(`Adam: optimiser state has no moments for '${k}'; create it with init(params)`);
      if (this.checkFinite && (await E.hasNonFinite(g))) {
        throw new Error(`Adam: gradient of '${k}' contains NaN or infinity at step ${state.step + 1}; parameters were not updated (lower the learning rate or check the loss)`);
      }
    }
    const step = state.step + 1;
    const np: Params = {}, nm: Params = {}, nv: Params = {};
    for (const k of Object.keys(params)) {
      const r = params[k].backend.adam(params[k], grads[k], state.m[k], state.v[k], {
        lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps, step, weightDecay: this.weightDecay,
      });
      np[k] = r.p; nm[k] = r.m; nv[k] = r.v;
    }
    return { params: np, state: { step, m: nm, v: nv } };
  }
}

/** AdamW: Adam with decoupled weight decay (default 1e-2). */
export class AdamW extends Adam {
  constructor(opts: AdamOptions = {}) {
    super({ ...opts, weightDecay: opts.weightDecay ?? 1e-2 });
  }
}

/** An exponential moving average of parameters: avg ← decay·avg + (1 − decay)·params. */
export class WeightEMA {
  constructor(readonly decay = 0.99) {
    if (!(decay >= 0 && decay < 1)) throw new Error(`WeightEMA: decay must be in [0, 1), got ${decay}`);
  }
  init(params: Params): Params {
    return { ...params };
  }
  update(avg: Params, params: Params): Params {
    const out: Params = {};
    for (const k of Object.keys(params)) {
      if (!avg[k]) throw new Error(`WeightEMA: the average has no entry '${k}'; create it with init(params)`);
      out[k] = E.add(E.mul(avg[k], this.decay), E.mul(params[k], 1 - this.decay));
    }
    return out;
  }
}
