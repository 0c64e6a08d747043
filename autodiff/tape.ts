/**
 * Reverse-mode automatic differentiation over a tape. While a function runs under
 * valueAndGrad, every differentiable op whose inputs depend on a parameter records its
 * output, its inputs and its vector-Jacobian product; backward walks the tape in reverse.
 */
import * as E from '../engine/ops.js';
import { fmt } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';

/** Named parameter tensors, the plain data a model is made of. */
export type Params = Record<string, Tensor>;

type Vjp = (g: Tensor) => readonly (Tensor | null)[];
interface Entry { out: Tensor; inputs: readonly Tensor[]; vjp: Vjp }

class Tape {
  readonly tracked = new Set<Tensor>();
  readonly entries: Entry[] = [];
}

let active: Tape | null = null;

/** Records an op on the active tape when one of its inputs is tracked; returns out. */
export function record(out: Tensor, inputs: readonly Tensor[], vjp: Vjp): Tensor {
  const t = active;
  if (t === null) return out;
  for (const x of inputs) {
    if (t.tracked.has(x)) {
      t.tracked.add(out);
      t.entries.push({ out, inputs, vjp });
      return out;
    }
  }
  return out;
}

/** True while gradients are being recorded. */
export function isRecording(): boolean {
  return active !== null;
}

/** Runs fn with gradient recording switched off. */
export function noGrad<T>(fn: () => T): T {
  const saved = active;
  active = null;
  try {
    return fn();
  } finally {
    active = saved;
  }
}

function accumulate(grads: Map<Tensor, Tensor>, x: Tensor, g: Tensor): void {
  if (g.shape.length !== x.shape.length || g.shape.some((d, i) => d !== x.shape[i])) {
    throw new Error(`internal autodiff error: gradient ${fmt(g.shape)} for a tensor of shape ${fmt(x.shape)}`);
  }
  const prev = grads.get(x);
  grads.set(x, prev ? E.add(prev, g) : g);
}

/**
 * Returns a function computing f(params) and its gradient with respect to every
 * parameter. f must return a one-element float32 tensor.
 */
export function valueAndGrad<P extends Params>(f: (params: P) => Tensor): (params: P) => { value: Tensor; grads: P } {
  return (params: P) => {
    const saved = active;
    const tape = new Tape();
    for (const name of Object.keys(params)) {
      const p = params[name];
      if (p.dtype !== 'float32') throw new Error(`valueAndGrad: parameter '${name}' is ${p.dtype}; only float32 parameters can be differentiated`);
      tape.tracked.add(p);
    }
    active = tape;
    let value: Tensor;
    try {
      value = f(params);
    } finally {
      active = saved;
    }
    if (value.size !== 1) throw new Error(`valueAndGrad: the function must return one number (a scalar loss), got shape ${fmt(value.shape)}`);
    const grads = new Map<Tensor, Tensor>();
    if (tape.tracked.has(value)) {
      grads.set(value, E.full(value.shape, 1, 'float32', value.backend));
      const prevActive = active;
      active = null;
      try {
        for (let i = tape.entries.length - 1; i >= 0; i--) {
          const e = tape.entries[i];
          const g = grads.get(e.out);
          if (!g) continue;
          grads.delete(e.out);
          const gi = e.vjp(g);
          for (let j = 0; j < e.inputs.length; j++) {
            const x = e.inputs[j];
            const gx = gi[j];
            if (gx && tape.tracked.has(x)) accumulate(grads, x, gx);
          }
        }
      } finally {
        active = prevActive;
      }
    }
    const out: Params = {};
    for (const name of Object.keys(params)) {
      const p = params[name];
      out[name] = grads.get(p) ?? E.zeros(p.shape, 'float32', p.backend);
    }
    return { value, grads: out as P };
  };
}

/** Returns a function computing only the gradients of f. */
export function grad<P extends Params>(f: (params: P) => Tensor): (params: P) => P {
  const vg = valueAndGrad(f);
  return (params: P) => vg(params).grads;
}
