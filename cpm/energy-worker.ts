/** Worker thread of EnergyPool: evaluates model energies of the states it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import * as ops from '../autodiff/ops.js';
import { noGrad, type Params } from '../autodiff/tape.js';
import { buildModel, type ModelKind, type NetworkSizes } from './models.js';
import type { Configuration } from './state.js';

const { kind, sizes } = workerData as { kind: ModelKind; sizes: NetworkSizes };
const model = buildModel(kind, sizes);
let params: Params = {};
parentPort!.on('message', (m: { type: 'params'; params: Record<string, { data: Float32Array; shape: number[] }> } | { type: 'energy'; id: number; configs: Configuration[] }) => {
  if (m.type === 'params') {
    params = {};
    for (const [k, v] of Object.entries(m.params)) params[k] = ops.tensor(v.data, v.shape);
    return;
  }
  try {
    const e = noGrad(() => model.energy(params, m.configs)).dataSync() as Float32Array;
    parentPort!.postMessage({ id: m.id, energies: e });
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: (err as Error).message });
  }
});
