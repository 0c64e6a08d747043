/** Worker thread of ChainPool: runs chain jobs it is sent. */
import { parentPort } from 'node:worker_threads';
import { runChainJob, type ChainJob } from './chain-pool.js';

parentPort!.on('message', (job: ChainJob) => {
  const r = runChainJob(job);
  parentPort!.postMessage(r, [r.config.ids.buffer as ArrayBuffer, r.config.types.buffer as ArrayBuffer]);
});
