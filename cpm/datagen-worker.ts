/** Worker thread for generateDataset: simulates the sample indices it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { generateSample } from './datagen.js';
import type { ScenarioConfig } from './scenario.js';

const { scenario, seed } = workerData as { scenario: ScenarioConfig; seed: number };
parentPort!.on('message', (index: number) => {
  const { config } = generateSample(scenario, seed, index);
  parentPort!.postMessage({ index, ids: config.ids, types: config.types }, [config.ids.buffer as ArrayBuffer, config.types.buffer as ArrayBuffer]);
});
