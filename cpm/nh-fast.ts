/**
 * Fast ΔH of single-site copies for the Neural Hamiltonian (SPEC 4, ΔH evaluation).
 *
 * A copy at site s changes the embedding at one pixel (i, j) = ⌊s/e⌋: the own-mask part of
 * the two cells involved and, when the type changes, the type part of every cell. Sites in
 * the rows/columns the strided embedding drops do not reach the network at all (ΔH = 0).
 * The first NH layer (1×1, two 3×3 in φ, 1×1, two 3×3 in ψ) has a receptive radius of 4
 * pixels, so its output changes only within ±4 of (i, j); that window is recomputed on a
 * crop of ±8 pixels of the old embedding (edge effects of the crop stay outside the window)
 * and pasted into the old state's first-layer output. The remaining layers and the readout
 * run in full. Every chain's old-state activations are computed once per sampler iteration,
 * and the proposals of all chains are evaluated in batches.
 */
import * as E from '../engine/ops.js';
import { noGrad, type Params } from '../autodiff/tape.js';
import { subParams } from '../autodiff/nn.js';
import { stridesOf } from '../engine/shape.js';
import type { Tensor } from '../engine/tensor.js';
import { batchInfo, type NeuralHamiltonian } from './neural.js';
import type { MultiDeltas, ProposalSet } from './samplers/approx-parallel.js';

/** Radius (in embedding pixels) of the first NH layer's receptive field. */
export const NH_LAYER_RADIUS = 4;

interface Base { emb: Tensor; pre: Tensor; energy: number }

export class NhFastDeltas implements MultiDeltas {
  /** Proposals evaluated, proposals skipped (no effect on the network), base states computed. */
  proposals = 0;
  skipped = 0;
  bases = 0;
  /** The embedding weights as numbers (CPU parameters). */
  private readonly wt: Float32Array;

  constructor(readonly nh: NeuralHamiltonian, readonly params: Params, readonly batch = 16) {
    if (!Number.isInteger(batch) || batch < 1) throw new Error(`NhFastDeltas: batch must be a positive integer, got ${batch}`);
    const be = params['embed.weight']?.backend;
    if (!be || be.name !== 'cpu') throw new Error('NhFastDeltas: runs on the CPU backend (its parameters must be CPU tensors); on WebGPU use EnergyDeltas');
    this.wt = params['embed.weight'].dataSync() as Float32Array;
  }

  /** States evaluated: old states, and each evaluated proposal counted as one. */
  get states(): number {
    return this.bases + this.proposals;
  }

  /** Crop size (embedding pixels) for a map of size m: 2·(2R) + 1, or the whole map. */
  cropSize(m: number): number {
    return Math.min(m, 4 * NH_LAYER_RADIUS + 1);
  }

  private base(s: ProposalSet): Base {
    const c = s.state.configuration();
    const info = batchInfo([c], this.nh.types, 'NhFastDeltas');
    const p = this.params;
    const emb = this.nh.embedding(p, [c], info);
    const l0 = this.nh.layers[0], p0 = subParams(p, 'nh0');
    const pre = l0.update(p0, emb, l0.messageSum(p0, emb, 1), 1);
    const feats = this.nh.trunk(p, E.maxPool2d(pre, l0.pool).out, 1, 1);
    const energy = this.nh.head(p, feats, 1).dataSync()[0];
    this.bases++;
    return { emb, pre, energy };
  }

  /** Fills every sampler's dH for its first counts[k] proposals (CPU backend). */
  async deltasMany(samplers: readonly ProposalSet[], counts: readonly number[]): Promise<void> {
    const W = this.wt;
    noGrad(() => {
      const nh = this.nh, p = this.params, e = nh.embed, T = nh.types;
      const K = nh.config.widths[0], C = 1 + T, e2 = e * e;
      const l0 = nh.layers[0], p0 = subParams(p, 'nh0');
      const jobs: { k: number; j: number; i: number; jj: number; a: number; b: number }[] = [];
      const bases: Base[] = [];
      samplers.forEach((s, k) => {
        bases.push(this.base(s));
        const H = s.state.height, Wd = s.state.width;
        const h = Math.floor(H / e), w = Math.floor(Wd / e);
        for (let j = 0; j < counts[k]; j++) {
          const t = s.targets[j], y = Math.floor(t / Wd), x = t % Wd;
          const i = Math.floor(y / e), jj = Math.floor(x / e);
          if (i >= h || jj >= w) { s.dH[j] = 0; this.skipped++; continue; }
          jobs.push({ k, j, i, jj, a: s.state.ids[t], b: s.newIds[j] });
        }
      });
      for (let start = 0; start < jobs.length; start += this.batch) {
        const chunk = jobs.slice(start, start + this.batch);
        const crops: Tensor[] = [], placed: { r0: number; c0: number; or0: number; oc0: number; oh: number; ow: number }[] = [];
        for (const job of chunk) {
          const s = samplers[job.k], base = bases[job.k];
          const [n, , h, w] = base.emb.shape;
          const ch = this.cropSize(h), cw = this.cropSize(w);
          const r0 = Math.max(0, Math.min(h - ch, job.i - 2 * NH_LAYER_RADIUS)), c0 = Math.max(0, Math.min(w - cw, job.jj - 2 * NH_LAYER_RADIUS));
          // the embedding change at pixel (i, jj): own masks of cells a and b, type part of every cell
          const t = s.targets[job.j], Wd = s.state.width;
          const o = (Math.floor(t / Wd) - job.i * e) * e + (t % Wd) - job.jj * e;
          const ta = s.state.types[job.a], tb = s.state.types[job.b];
          const delta = new Float32Array(n * K * ch * cw);
          const px = (job.i - r0) * cw + (job.jj - c0);
          for (let k = 0; k < K; k++) {
            const own = W[(k * C + 0) * e2 + o];
            const typ = W[(k * C + 1 + tb) * e2 + o] - W[(k * C + 1 + ta) * e2 + o];
            for (let c = 0; c < n; c++) {
              let d = typ;
              if (c === job.a) d -= own;
              if (c === job.b) d += own;
              delta[(c * K + k) * ch * cw + px] = d;
            }
          }
          const crop = E.slice(base.emb, [0, 0, r0, c0], [n, K, r0 + ch, c0 + cw]);
          crops.push(E.add(crop, E.tensor(delta, [n, K, ch, cw], 'float32', crop.backend)));
          const or0 = Math.max(0, job.i - NH_LAYER_RADIUS), oc0 = Math.max(0, job.jj - NH_LAYER_RADIUS);
          placed.push({ r0, c0, or0, oc0, oh: Math.min(h, job.i + NH_LAYER_RADIUS + 1) - or0, ow: Math.min(w, job.jj + NH_LAYER_RADIUS + 1) - oc0 });
        }
        const x = E.concat(crops, 0);
        const out = l0.update(p0, x, l0.messageSum(p0, x, chunk.length), chunk.length);
        const n = bases[chunk[0].k].emb.shape[0];
        const full: Tensor[] = chunk.map((job, q) => {
          const base = bases[job.k], pl = placed[q];
          const c1 = base.pre.shape[1];
          const win = E.slice(out, [q * n, 0, pl.or0 - pl.r0, pl.oc0 - pl.c0], [(q + 1) * n, c1, pl.or0 - pl.r0 + pl.oh, pl.oc0 - pl.c0 + pl.ow]);
          const st = stridesOf(base.pre.shape);
          return base.pre.backend.assignRegion(base.pre, win, pl.or0 * st[2] + pl.oc0 * st[3], st);
        });
        const pre = E.concat(full, 0);
        const feats = nh.trunk(p, E.maxPool2d(pre, l0.pool).out, chunk.length, 1);
        const hNew = nh.head(p, feats, chunk.length).dataSync();
        chunk.forEach((job, q) => { samplers[job.k].dH[job.j] = hNew[q] - bases[job.k].energy; });
        this.proposals += chunk.length;
      }
    });
  }
}
