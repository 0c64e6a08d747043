/** Worker thread for generateMnistDataset: simulates the sample indices it is sent. */
import { parentPort, workerData } from 'node:worker_threads';
import { generateMnistSample, type MnistScenario } from './mnist.js';

const { scenario, seed } = workerData as { scenario: MnistScenario; seed: number };
parentPort!.on('message', (index: number) => {
  const { config, label, image } = generateMnistSample(scenario, seed, index);
  parentPort!.postMessage({ index, ids: config.ids, types: config.types, label, image }, [config.ids.buffer as ArrayBuffer, config.types.buffer as ArrayBuffer]);
});
