// The energy models on WebGPU against the CPU: energies and every parameter gradient.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';

const required = process.env.NEURALCPM_REQUIRE_WEBGPU === '1';
const gpu = await nc.webgpuBackend().catch((e) => { if (required) throw e; return null; });

function grown(H, W, cells, radius, seed) {
  const s = new nc.CpmState(nc.seedDisc({ height: H, width: W, cells, radius, key: nc.makeKey(seed) }));
  new nc.ExactSampler(s, new nc.Hamiltonian([new nc.Contact([[0, 2, 2], [2, 1, 3], [2, 3, 1]], 2, 4), new nc.Volume(1, 10)]), { key: nc.makeKey(seed + 1) }).run(8);
  return s.configuration();
}

if (!gpu) {
  console.log(`WebGPU network tests skipped: no WebGPU adapter; ${nc.WEBGPU_HINT}, or set NEURALCPM_REQUIRE_WEBGPU=1 to make this a failure.`);
} else {
  test('every model gives the same energies and gradients on WebGPU and the CPU', async () => {
    const cs = [grown(20, 20, 6, 5, 1), grown(20, 20, 6, 5, 2)];
    const sizes = { types: 3, ids: 7, embed: 2, nhWidths: [4, 6], nhPooling: [2, 1], cnnWidths: [4, 8], cnnPooling: [2, 1], cnnStem: 4, cnnProj: 8, oneNhWidths: [8, 8], oneNhPooling: [1, 2], readout: 8, target: 10, height: 20, width: 20 };
    const w = [0.6, -1.1];
    for (const kind of nc.MODEL_KINDS) {
      const m = nc.buildModel(kind, sizes);
      const pc = m.init(nc.makeKey(3));
      if (pc.potential) pc.potential = nc.random.uniform(nc.makeKey(4), pc.potential.shape, -1, 1);
      const pg = {};
      for (const [k, v] of Object.entries(pc)) pg[k] = await nc.toBackend(v, gpu);
      const loss = (p, be) => nc.sum(nc.mul(m.energy(p, cs), nc.tensor(w, [2], 'float32', be)));
      const c = nc.valueAndGrad((p) => loss(p, nc.cpu))(pc);
      const g = nc.valueAndGrad((p) => loss(p, gpu))(pg);
      const ec = m.energy(pc, cs).dataSync(), eg = await m.energy(pg, cs).read();
      for (let i = 0; i < 2; i++) assert.ok(Math.abs(eg[i] - ec[i]) <= 1e-4 * Math.max(1, Math.abs(ec[i])), `${kind} energy ${i}: webgpu ${eg[i]} vs cpu ${ec[i]}`);
      for (const k of Object.keys(pc)) {
        const a = await g.grads[k].read(), b = c.grads[k].dataSync();
        let scale = 0;
        for (const v of b) scale = Math.max(scale, Math.abs(v));
        for (let i = 0; i < b.length; i++) {
          if (Math.abs(a[i] - b[i]) > 1e-4 * Math.max(1, scale)) assert.unreachable(`${kind} d/d${k}[${i}]: webgpu ${a[i]} vs cpu ${b[i]}`);
        }
      }
    }
  });

  test('a training iteration on WebGPU matches the CPU; its checkpoint resumes on either device', async () => {
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const sc = { ...nc.cellsortScenario('a', 'appendix'), name: 'tiny-gpu', height: 16, width: 16, cells: 4, radius: 4, mcs: 10, samples: 4, volume: { lambda: 0.5, target: 12 } };
    const d = await nc.generateDataset(sc, { seed: 2, workers: 1 });
    const sizes = { types: 3, ids: 5, embed: 2, nhWidths: [3], nhPooling: [2], readout: 4, target: 12, height: 16, width: 16 };
    const cfg = { iterations: 2, batch: 2, mcs: 0.05, proposals: 6, pReset: 0, permuteTypes: true, lambdaReg: 5e-4, lr: 1e-3, emaDecay: 0.9, temperature: 1, seed: 1, checkpointEvery: 1, evalBatch: 7 };
    const onCpu = new nc.EnergyTrainer(nc.buildModel('nh-closure', sizes), cfg, d);
    const onGpu = new nc.EnergyTrainer(nc.buildModel('nh-closure', sizes), cfg, d, gpu);
    const a = await onCpu.step(), b = await onGpu.step();
    assert.ok(Math.abs(a.loss - b.loss) <= 1e-3 * Math.max(1, Math.abs(a.loss)), `loss cpu ${a.loss} vs webgpu ${b.loss}`);
    const dir = mkdtempSync(join(tmpdir(), 'ncpm-gpu-'));
    await onGpu.saveCheckpoint(dir);
    const back = new nc.EnergyTrainer(nc.buildModel('nh-closure', sizes), cfg, d);
    await back.loadCheckpoint(join(dir, 'checkpoint.safetensors'));
    for (const k of Object.keys(onCpu.params)) {
      const x = back.params[k].dataSync(), y = onCpu.params[k].dataSync();
      for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) <= 1e-4, `${k}[${i}] after one step: webgpu ${x[i]} vs cpu ${y[i]}`);
    }
    const again = new nc.EnergyTrainer(nc.buildModel('nh-closure', sizes), cfg, d, gpu);
    await again.loadCheckpoint(join(dir, 'checkpoint.safetensors'));
    assert.is(again.params['w_nn'].backend, gpu);
    const c = await again.step();
    assert.ok(Number.isFinite(c.loss));
  });
}

test.run();
