/**
 * Counter-based random numbers (Threefry-2x32, 20 rounds, as in JAX). A key is two
 * uint32 words; keys are split explicitly, so the same key always gives the same numbers
 * and independent parts of a program draw from independent keys.
 */
import type { Backend } from './backend.js';
import { cpu } from './cpu/backend.js';
import { checkShape, sizeOf, type Shape } from './shape.js';
import type { Tensor } from './tensor.js';

/** A random key: two 32-bit words. */
export type Key = readonly [number, number];

/** Threefry-2x32-20 of the counter (c0, c1) under key (k0, k1); writes two words to out[o], out[o+1]. */
export function threefry2x32(k0: number, k1: number, c0: number, c1: number, out: Uint32Array, o: number): void {
  // Rotations 13 15 26 6 | 17 29 16 24, key injection every 4 rounds (unrolled; no allocation).
  const ks0 = k0 >>> 0, ks1 = k1 >>> 0, ks2 = (ks0 ^ ks1 ^ 0x1bd11bda) >>> 0;
  let x0 = (c0 + ks0) | 0;
  let x1 = (c1 + ks1) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
  x0 = (x0 + ks1) | 0; x1 = (x1 + ks2 + 1) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
  x0 = (x0 + ks2) | 0; x1 = (x1 + ks0 + 2) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
  x0 = (x0 + ks0) | 0; x1 = (x1 + ks1 + 3) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 17) | (x1 >>> 15)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 29) | (x1 >>> 3)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 16) | (x1 >>> 16)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 24) | (x1 >>> 8)) ^ x0;
  x0 = (x0 + ks1) | 0; x1 = (x1 + ks2 + 4) | 0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 13) | (x1 >>> 19)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 15) | (x1 >>> 17)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 26) | (x1 >>> 6)) ^ x0;
  x0 = (x0 + x1) | 0; x1 = ((x1 << 6) | (x1 >>> 26)) ^ x0;
  x0 = (x0 + ks2) | 0; x1 = (x1 + ks0 + 5) | 0;
  out[o] = x0;
  out[o + 1] = x1;
}

function checkKey(key: Key, what: string): void {
  if (!Array.isArray(key) || key.length !== 2 || !key.every((k) => Number.isInteger(k) && k >= 0 && k <= 0xffffffff)) {
    throw new Error(`${what}: a key is two uint32 words as from makeKey(seed), got ${JSON.stringify(key)}`);
  }
}

/** A key from an integer seed (0 <= seed < 2^53). */
export function makeKey(seed: number): Key {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`makeKey: seed must be a non-negative safe integer, got ${seed}`);
  return [Math.floor(seed / 0x100000000) >>> 0, seed >>> 0];
}

/** Fills `out` with random 32-bit words for `key`, counters 0, 1, 2, ... */
export function randomBits(key: Key, n: number): Uint32Array {
  checkKey(key, 'randomBits');
  const out = new Uint32Array(n + (n & 1));
  for (let i = 0; i < out.length; i += 2) threefry2x32(key[0], key[1], i / 2, 0, out, i);
  return n & 1 ? out.subarray(0, n) : out;
}

/** Splits a key into n independent keys. */
export function split(key: Key, n = 2): Key[] {
  checkKey(key, 'split');
  const words = new Uint32Array(2);
  const keys: Key[] = [];
  for (let i = 0; i < n; i++) {
    threefry2x32(key[0], key[1], i, 0x6b657973, words, 0);
    keys.push([words[0], words[1]]);
  }
  return keys;
}

/** A key derived from `key` and an integer (for loops: foldIn(key, step)). */
export function foldIn(key: Key, data: number): Key {
  checkKey(key, 'foldIn');
  const words = new Uint32Array(2);
  threefry2x32(key[0], key[1], data >>> 0, 0x666f6c64, words, 0);
  return [words[0], words[1]];
}

/**
 * A sequential stream of random numbers from a key, for hot loops (samplers): it draws
 * Threefry blocks for counters 0, 1, 2, ... so it is as reproducible as the key.
 */
export class RandomStream {
  private buf = new Uint32Array(512);
  private pos = 512;
  private counter = 0;
  private readonly k0: number;
  private readonly k1: number;
  constructor(key: Key) {
    checkKey(key, 'RandomStream');
    this.k0 = key[0];
    this.k1 = key[1];
  }
  private refill(): void {
    for (let i = 0; i < 512; i += 2) threefry2x32(this.k0, this.k1, this.counter++, 0x73747265, this.buf, i);
    this.pos = 0;
  }
  /** A uniform 32-bit word. */
  nextUint32(): number {
    if (this.pos === 512) this.refill();
    return this.buf[this.pos++];
  }
  /** A uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }
  /**
   * A uniform integer in [0, n), unbiased. For n < 2^21 one 32-bit word usually suffices
   * (multiply-shift with rejection of the biased sliver); larger n use 53 bits.
   */
  int(n: number): number {
    if (n < 0x200000) {
      for (;;) {
        const m = this.nextUint32() * n;
        const hi = Math.floor(m * 2.3283064365386963e-10);
        const lo = m - hi * 0x100000000;
        // lo < 2^32 mod n (< n) marks the biased sliver; test the cheap bound first
        if (lo >= n || lo >= 0x100000000 % n) return hi;
      }
    }
    return Math.floor(this.uniform() * n);
  }
  /** A uniform double in [0, 1) with 32 random bits (enough for acceptance tests). */
  uniform32(): number {
    return this.nextUint32() / 0x100000000;
  }
  /** A standard normal (Box-Muller). */
  normal(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.uniform());
  }
  /** Internal position, for checkpoints. */
  get state(): { counter: number; pos: number } {
    return { counter: this.counter, pos: this.pos };
  }
  /** Restores a position saved from `state` on a stream of the same key. */
  restore(s: { counter: number; pos: number }): void {
    if (s.pos === 512) { this.counter = s.counter; this.pos = 512; return; }
    this.counter = s.counter - 256;
    this.refill();
    this.pos = s.pos;
  }
}

/**
 * A faster sequential stream for the exact sampler's inner loop, which draws about three
 * words per copy attempt: xoshiro128** (Blackman and Vigna, 2018; period 2^128 − 1) with
 * its 128-bit state drawn by Threefry from the key, so a key still fixes the stream.
 * About 3x cheaper per word than RandomStream; not counter-based, so it has no random
 * access, and its position is its 128-bit state (`state` / `restore`).
 */
export class FastRandomStream {
  // The four state words live in an Int32Array: as object fields, 32-bit values outside
  // the small-integer range would be boxed, and every update would allocate.
  private readonly s = new Int32Array(4);
  private readonly one = new Uint32Array(1);
  constructor(key: Key) {
    checkKey(key, 'FastRandomStream');
    const w = new Uint32Array(4);
    threefry2x32(key[0], key[1], 0, 0x78736872, w, 0);
    threefry2x32(key[0], key[1], 1, 0x78736872, w, 2);
    this.s.set(new Int32Array(w.buffer));
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1; // the one forbidden state
  }
  /** A uniform 32-bit word (one step of `fill`; hot loops should fill a buffer instead). */
  nextUint32(): number {
    this.fill(this.one);
    return this.one[0];
  }
  /** A uniform double in [0, 1) with 32 random bits. */
  uniform32(): number {
    return this.nextUint32() * 2.3283064365386963e-10;
  }
  /**
   * Fills `out` with the next out.length words (the same words nextUint32 would return).
   * Hot loops read words from such a buffer: a word returned from a call the compiler
   * does not inline is boxed, and the allocation costs more than the generator.
   */
  fill(out: Uint32Array): void {
    const s = this.s;
    let s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    for (let i = 0; i < out.length; i++) {
      const m = Math.imul(s1, 5);
      out[i] = Math.imul((m << 7) | (m >>> 25), 9);
      s2 ^= s0;
      s3 ^= s1;
      const t = s1 << 9;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    s[0] = s0; s[1] = s1; s[2] = s2; s[3] = s3;
  }
  /** The generator's state as four uint32 words, for checkpoints. */
  get state(): [number, number, number, number] {
    const s = this.s;
    return [s[0] >>> 0, s[1] >>> 0, s[2] >>> 0, s[3] >>> 0];
  }
  /** Continues from a state saved from `state` (four uint32 words, not all zero). */
  restore(words: readonly number[]): void {
    if (words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff) || words.every((w) => w === 0)) {
      throw new Error(`FastRandomStream.restore: a state is four uint32 words, not all zero, as from .state; got ${JSON.stringify(words)}`);
    }
    for (let i = 0; i < 4; i++) this.s[i] = words[i] | 0;
  }
}

/** Uniform float32 in [lo, hi). */
export function uniform(key: Key, shape: Shape, lo = 0, hi = 1, backend: Backend = cpu): Tensor {
  checkShape(shape, 'uniform');
  if (!(hi > lo)) throw new Error(`uniform: needs lo < hi, got [${lo}, ${hi})`);
  const n = sizeOf(shape);
  const bits = randomBits(key, n);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = lo + (hi - lo) * ((bits[i] >>> 8) / 16777216);
    if (v >= hi) v = lo; // rounding to float32 can reach hi
    out[i] = v;
  }
  return backend.fromArray(out, shape, 'float32');
}

/** Standard normal float32 (times std, plus mean). */
export function normal(key: Key, shape: Shape, mean = 0, std = 1, backend: Backend = cpu): Tensor {
  checkShape(shape, 'normal');
  const n = sizeOf(shape);
  const s = new RandomStream(key);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + std * s.normal();
  return backend.fromArray(out, shape, 'float32');
}

/** Uniform int32 in [lo, hi). */
export function randint(key: Key, shape: Shape, lo: number, hi: number, backend: Backend = cpu): Tensor {
  checkShape(shape, 'randint');
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi <= lo) throw new Error(`randint: needs integers lo < hi, got [${lo}, ${hi})`);
  const n = sizeOf(shape);
  const s = new RandomStream(key);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + s.int(hi - lo);
  return backend.fromArray(out, shape, 'int32');
}

/** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
export function permutation(key: Key, n: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new Error(`permutation: n must be a non-negative integer, got ${n}`);
  const s = new RandomStream(key);
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = s.int(i + 1);
    const t = p[i]; p[i] = p[j]; p[j] = t;
  }
  return p;
}

/**
 * k draws from 0..n-1: without replacement (distinct, partial Fisher-Yates) or with
 * replacement; optional weights (with replacement only) are normalised.
 */
export function choice(key: Key, n: number, k: number, opts: { replace?: boolean; weights?: ArrayLike<number> } = {}): Int32Array {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k) || k < 0) throw new Error(`choice: n and k must be non-negative integers, got n=${n}, k=${k}`);
  const s = new RandomStream(key);
  const out = new Int32Array(k);
  if (opts.weights) {
    const w = opts.weights;
    if (w.length !== n) throw new Error(`choice: ${w.length} weights for ${n} items`);
    if (opts.replace === false) throw new Error('choice: weighted draws are only supported with replacement');
    const cum = new Float64Array(n);
    let tot = 0;
    for (let i = 0; i < n; i++) {
      if (!(w[i] >= 0) || !Number.isFinite(w[i])) throw new Error(`choice: weight ${i} is ${w[i]}; weights must be finite and >= 0`);
      tot += w[i]; cum[i] = tot;
    }
    if (!(tot > 0)) throw new Error('choice: weights sum to zero');
    for (let j = 0; j < k; j++) {
      const u = s.uniform() * tot;
      let lo = 0, hi = n - 1;
      while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid] > u) hi = mid; else lo = mid + 1; }
      out[j] = lo;
    }
    return out;
  }
  if (opts.replace) {
    if (n === 0 && k > 0) throw new Error('choice: cannot draw from zero items');
    for (let j = 0; j < k; j++) out[j] = s.int(n);
    return out;
  }
  if (k > n) throw new Error(`choice: cannot draw ${k} distinct items from ${n}; pass { replace: true } or draw fewer`);
  // Partial Fisher-Yates with a sparse swap table: O(k) time and memory.
  const swapped = new Map<number, number>();
  for (let j = 0; j < k; j++) {
    const r = j + s.int(n - j);
    const vr = swapped.get(r) ?? r;
    const vj = swapped.get(j) ?? j;
    out[j] = vr;
    swapped.set(r, vj);
  }
  return out;
}
