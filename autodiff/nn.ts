/**
 * Neural-network building blocks as plain data plus pure functions: a module's init(key)
 * returns its named parameters, apply(params, x) computes its output. Names nest with dots
 * ("0.weight", "block.1.bias"), the same names safetensors files use.
 */
import type { Backend } from '../engine/backend.js';
import { cpu } from '../engine/cpu/backend.js';
import { fmt } from '../engine/shape.js';
import { split, uniform, type Key } from '../engine/random.js';
import type { Tensor } from '../engine/tensor.js';
import type { Padding } from '../engine/ops.js';
import * as ops from './ops.js';
import type { Params } from './tape.js';

/** A layer or a composition of layers. */
export interface Module {
  /** Fresh parameters drawn from key. */
  init(key: Key, backend?: Backend): Params;
  /** The module's output for input x. */
  apply(params: Params, x: Tensor): Tensor;
}

/** The parameters under `prefix.` with the prefix removed. */
export function subParams(params: Params, prefix: string): Params {
  const out: Params = {};
  const pre = prefix + '.';
  for (const k of Object.keys(params)) if (k.startsWith(pre)) out[k.slice(pre.length)] = params[k];
  return out;
}

/** Adds `prefix.` to every name. */
export function prefixParams(params: Params, prefix: string): Params {
  const out: Params = {};
  for (const k of Object.keys(params)) out[`${prefix}.${k}`] = params[k];
  return out;
}

function need(params: Params, name: string, what: string): Tensor {
  const t = params[name];
  if (!t) throw new Error(`${what}: missing parameter '${name}' (have: ${Object.keys(params).join(', ') || 'none'})`);
  return t;
}

/** U(-1/√fan_in, 1/√fan_in), the initialisation of every weight and bias here. */
export function fanInUniform(key: Key, shape: readonly number[], fanIn: number, backend: Backend = cpu): Tensor {
  const b = 1 / Math.sqrt(fanIn);
  return uniform(key, shape, -b, b, backend);
}

/** y = x·Wᵀ + b over the last axis; W is [out, in]. */
export class Linear implements Module {
  constructor(readonly inFeatures: number, readonly outFeatures: number, readonly bias = true) {}
  init(key: Key, backend: Backend = cpu): Params {
    const [kw, kb] = split(key);
    const p: Params = { weight: fanInUniform(kw, [this.outFeatures, this.inFeatures], this.inFeatures, backend) };
    if (this.bias) p.bias = fanInUniform(kb, [this.outFeatures], this.inFeatures, backend);
    return p;
  }
  apply(params: Params, x: Tensor): Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`Linear(${this.inFeatures}→${this.outFeatures}): input ${fmt(x.shape)} has ${x.shape[x.rank - 1]} features on its last axis`);
    }
    const w = need(params, 'weight', 'Linear');
    const lead = x.shape.slice(0, -1);
    const x2 = ops.reshape(x, [-1, this.inFeatures]);
    let y = ops.matmul(x2, w, false, true);
    if (this.bias) y = ops.add(y, need(params, 'bias', 'Linear'));
    return ops.reshape(y, [...lead, this.outFeatures]);
  }
}

/** 2-D convolution layer, NCHW, weight [out, in, k, k]. */
export class Conv2d implements Module {
  constructor(readonly inChannels: number, readonly outChannels: number, readonly kernel: number,
    readonly opts: { stride?: number; padding?: Padding; bias?: boolean } = {}) {}
  init(key: Key, backend: Backend = cpu): Params {
    const [kw, kb] = split(key);
    const fanIn = this.inChannels * this.kernel * this.kernel;
    const p: Params = { weight: fanInUniform(kw, [this.outChannels, this.inChannels, this.kernel, this.kernel], fanIn, backend) };
    if (this.opts.bias ?? true) p.bias = fanInUniform(kb, [this.outChannels], fanIn, backend);
    return p;
  }
  apply(params: Params, x: Tensor): Tensor {
    if (x.rank !== 4 || x.shape[1] !== this.inChannels) {
      throw new Error(`Conv2d(${this.inChannels}→${this.outChannels}): input must be [N, ${this.inChannels}, H, W], got ${fmt(x.shape)}`);
    }
    return ops.conv2d(x, need(params, 'weight', 'Conv2d'), params.bias ?? null, { stride: this.opts.stride, padding: this.opts.padding ?? 'valid' });
  }
}

/** A parameter-free function as a module (activations, pooling, reshapes). */
export class Lambda implements Module {
  constructor(readonly fn: (x: Tensor) => Tensor, readonly label = 'lambda') {}
  init(): Params { return {}; }
  apply(_params: Params, x: Tensor): Tensor { return this.fn(x); }
}

export const SiLU = (): Module => new Lambda(ops.silu, 'silu');
export const MaxPool2d = (k: number): Module => new Lambda((x) => ops.maxPool2d(x, k), `maxpool${k}`);

/** Layers applied in order; parameters named "<index>.<name>". */
export class Sequential implements Module {
  constructor(readonly layers: readonly Module[]) {}
  init(key: Key, backend: Backend = cpu): Params {
    const keys = split(key, Math.max(1, this.layers.length));
    let out: Params = {};
    this.layers.forEach((l, i) => { out = { ...out, ...prefixParams(l.init(keys[i], backend), String(i)) }; });
    return out;
  }
  apply(params: Params, x: Tensor): Tensor {
    let y = x;
    this.layers.forEach((l, i) => { y = l.apply(subParams(params, String(i)), y); });
    return y;
  }
}

/** y = body(x) + shortcut(x); the shortcut is the identity unless given ("body.*", "shortcut.*"). */
export class Residual implements Module {
  constructor(readonly body: Module, readonly shortcut: Module | null = null) {}
  init(key: Key, backend: Backend = cpu): Params {
    const [kb, ks] = split(key);
    const p = prefixParams(this.body.init(kb, backend), 'body');
    return this.shortcut ? { ...p, ...prefixParams(this.shortcut.init(ks, backend), 'shortcut') } : p;
  }
  apply(params: Params, x: Tensor): Tensor {
    const y = this.body.apply(subParams(params, 'body'), x);
    const s = this.shortcut ? this.shortcut.apply(subParams(params, 'shortcut'), x) : x;
    if (y.shape.join() !== s.shape.join()) {
      throw new Error(`Residual: body output ${fmt(y.shape)} differs from shortcut ${fmt(s.shape)}; give a shortcut module that maps between them`);
    }
    return ops.add(y, s);
  }
}

/** A multilayer perceptron: Linear layers with an activation between them (none after the last). */
export function mlp(sizes: readonly number[], activation: () => Module = SiLU): Sequential {
  if (sizes.length < 2) throw new Error(`mlp: needs at least input and output sizes, got ${fmt(sizes)}`);
  const layers: Module[] = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    layers.push(new Linear(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.length) layers.push(activation());
  }
  return new Sequential(layers);
}

/** x ← act(W·x + b) + x, the residual MLP block of the readouts. */
export function residualDense(width: number, activation: () => Module = SiLU): Residual {
  return new Residual(new Sequential([new Linear(width, width), activation()]));
}

/** Two 3×3 'same' convolutions with SiLU, plus a residual (1×1 when channels change). */
export function residualConvBlock(cin: number, cout: number): Residual {
  const body = new Sequential([
    new Conv2d(cin, cout, 3, { padding: 'same' }), SiLU(),
    new Conv2d(cout, cout, 3, { padding: 'same' }), SiLU(),
  ]);
  return new Residual(body, cin === cout ? null : new Conv2d(cin, cout, 1));
}

/** Total number of scalar parameters. */
export function countParams(params: Params): number {
  return Object.values(params).reduce((n, t) => n + t.size, 0);
}
