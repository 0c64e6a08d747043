// gentleWait: the wait used for buffer maps on software WebGPU adapters (no GPU needed to test it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'neuralcpm';

test('gentleWait delays native setImmediate callbacks to a timer, leaves JavaScript ones alone, and restores setImmediate', async () => {
  const original = globalThis.setImmediate;
  const seen = [];
  const result = await nc.gentleWait(async () => {
    assert.is.not(globalThis.setImmediate, original, 'patched while waiting');
    const t0 = performance.now();
    while (performance.now() - t0 < 1) { /* past the 0.2 ms spin allowance */ }
    const native = seen.push.bind(seen, 'native'); // a bound function prints as [native code], like Dawn's poll callback
    setImmediate(native);
    await new Promise((resolve) => setImmediate(() => { seen.push('js'); resolve(); }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    return 42;
  });
  assert.is(result, 42);
  // with the real setImmediate the native callback, queued first, would have run first
  assert.equal(seen, ['js', 'native']);
  assert.is(globalThis.setImmediate, original, 'restored after the wait');
  let failed = null;
  try { await nc.gentleWait(async () => { throw new Error('boom'); }); } catch (e) { failed = e; }
  assert.match(failed?.message ?? '', /boom/, 'the failure reaches the caller');
  assert.is(globalThis.setImmediate, original, 'restored after a failed wait');
});

test.run();
