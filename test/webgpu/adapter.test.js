// WebGPU adapter probe: required in CI (NEURALCPM_REQUIRE_WEBGPU=1), skipped with a notice elsewhere.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';

const required = process.env.NEURALCPM_REQUIRE_WEBGPU === '1';
const gpu = await nc.getGpu().catch((e) => { if (required) throw e; return null; });

if (!gpu && !required) {
  console.log(`WebGPU tests skipped: no WebGPU adapter found; ${nc.WEBGPU_HINT}, or set NEURALCPM_REQUIRE_WEBGPU=1 to make this a failure.`);
} else {
  test('a WebGPU adapter and device are available and described', () => {
    assert.ok(gpu, `no WebGPU adapter found but NEURALCPM_REQUIRE_WEBGPU=1; ${nc.WEBGPU_HINT}`);
    assert.type(gpu.info.isSoftware, 'boolean');
    assert.ok(gpu.device.limits.maxStorageBufferBindingSize >= 128 * 1024 * 1024);
    console.log(`  WebGPU adapter: ${JSON.stringify(gpu.info)}`);
  });
  test('the same device is returned to every caller', async () => {
    assert.is(await nc.getGpu(), gpu);
  });
}
test.run();
