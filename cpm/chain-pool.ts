/**
 * Advancing independent chains on worker threads. Each job carries its own key, so the
 * results do not depend on how many workers there are or which one runs a job.
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import type { Key } from '../engine/random.js';
import { Contact, Hamiltonian, Volume } from './hamiltonian.js';
import { ApproxPCPM, LocalDeltas, type ProposalKind } from './samplers/approx-parallel.js';
import { GibbsSampler } from './samplers/gibbs.js';
import { GwgSampler } from './samplers/gwg.js';
import { CpmState, type Configuration } from './state.js';

/** A cellsort-type Hamiltonian as plain numbers. */
export interface HamiltonianSpec { J: number[][]; lambda: number; target: number; order: number; divisor: number }

export interface ChainJob {
  config: Configuration;
  hamiltonian: HamiltonianSpec;
  sampler: 'cpm' | 'gibbs' | 'gwg';
  mcs: number;
  proposals: number;
  proposal: ProposalKind;
  gwgSteps: number;
  temperature: number;
  key: Key;
}

export interface ChainResult { config: Configuration; acceptance: number }

/** Runs one chain job in this thread. */
export function runChainJob(job: ChainJob): ChainResult {
  const h = job.hamiltonian;
  const ham = new Hamiltonian([new Contact(h.J, h.order, h.divisor), new Volume(h.lambda, h.target)]);
  const state = new CpmState(job.config);
  const T = job.temperature;
  if (job.sampler === 'cpm') {
    const s = new ApproxPCPM(state, new LocalDeltas(ham), { proposals: job.proposals, proposal: job.proposal, temperature: T, key: job.key });
    s.run(job.mcs);
    return { config: state.configuration(), acceptance: s.accepted / Math.max(1, s.proposed) };
  }
  if (job.sampler === 'gibbs') {
    const s = new GibbsSampler(state, ham, { temperature: T, key: job.key });
    s.run(job.mcs);
    return { config: state.configuration(), acceptance: 1 };
  }
  const s = new GwgSampler(state, ham, { temperature: T, key: job.key });
  s.run(job.gwgSteps);
  return { config: state.configuration(), acceptance: s.acceptedSteps / Math.max(1, s.steps) };
}

/** A fixed set of worker threads that run chain jobs. */
export class ChainPool {
  private readonly workers: Worker[] = [];
  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`ChainPool: size must be a positive integer, got ${size}`);
    const url = new URL('./chain-worker.js', import.meta.url);
    for (let i = 0; i < size; i++) {
      const w = new Worker(fileURLToPath(url));
      w.unref();
      this.workers.push(w);
    }
  }

  /** Runs the jobs (in parallel across workers); results are in job order. */
  run(jobs: readonly ChainJob[]): Promise<ChainResult[]> {
    const results: ChainResult[] = new Array(jobs.length);
    let next = 0;
    return new Promise((resolve, reject) => {
      let active = 0;
      const feed = (w: Worker): void => {
        if (next >= jobs.length) {
          if (active === 0) resolve(results);
          return;
        }
        const i = next++;
        active++;
        const onMsg = (r: ChainResult): void => {
          w.off('error', onErr);
          results[i] = r;
          active--;
          feed(w);
          if (next >= jobs.length && active === 0) resolve(results);
        };
        const onErr = (e: Error): void => reject(e);
        w.once('message', onMsg);
        w.once('error', onErr);
        w.postMessage(jobs[i]);
      };
      if (jobs.length === 0) resolve(results);
      for (const w of this.workers) feed(w);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
