/**
 * Model energies on worker threads: each worker builds the same model, receives the
 * parameters when they change, and evaluates its share of a batch of states. Used to
 * spread the forward passes of proposal evaluation over the machine's cores (CPU backend).
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Params } from '../autodiff/tape.js';
import type { ModelKind, NetworkSizes } from './models.js';
import type { Configuration } from './state.js';

const workerUrl = new URL('./energy-worker.js', import.meta.url);

interface Pending { resolve: (e: Float32Array) => void; reject: (err: Error) => void }

export class EnergyPool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private version = -1;
  private sent: unknown = null;

  constructor(readonly kind: ModelKind, readonly sizes: NetworkSizes, readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`EnergyPool: size must be a positive integer, got ${size}`);
    this.workers = Array.from({ length: size }, () => {
      const w = new Worker(fileURLToPath(workerUrl), { workerData: { kind, sizes } });
      w.on('message', (m: { id: number; energies?: Float32Array; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.error) p.reject(new Error(`energy worker: ${m.error}`));
        else p.resolve(m.energies!);
      });
      w.on('error', (e) => { for (const p of this.pending.values()) p.reject(e); this.pending.clear(); });
      return w;
    });
  }

  /** Energies of configs under params (CPU tensors), split over the workers. */
  async energies(params: Params, configs: readonly Configuration[]): Promise<Float32Array> {
    if (this.sent !== params) {
      this.sent = params;
      this.version++;
      const plain: Record<string, { data: Float32Array; shape: number[] }> = {};
      for (const [k, v] of Object.entries(params)) plain[k] = { data: v.dataSync() as Float32Array, shape: [...v.shape] };
      for (const w of this.workers) w.postMessage({ type: 'params', version: this.version, params: plain });
    }
    const per = Math.ceil(configs.length / this.workers.length);
    const parts = await Promise.all(this.workers.map((w, i) => {
      const chunk = configs.slice(i * per, (i + 1) * per);
      if (chunk.length === 0) return Promise.resolve(new Float32Array(0));
      const id = this.nextId++;
      return new Promise<Float32Array>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        w.postMessage({ type: 'energy', id, configs: chunk });
      });
    }));
    const out = new Float32Array(configs.length);
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length; }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
