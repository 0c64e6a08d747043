// Runs the engine example from README.md exactly as a user would copy it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

test('the README engine example runs and its loss falls', async () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = readme.match(/<!-- example:engine -->\s*```js\n([\s\S]*?)```/);
  assert.ok(m, 'README has an engine example block');
  // write it inside the package so that `import ... from 'neuralcpm'` resolves to this package
  const dir = mkdtempSync(join(root, 'test', '.tmp-readme-'));
  const file = join(dir, 'example.mjs');
  writeFileSync(file, m[1]);
  const lines = [];
  const orig = console.log;
  console.log = (...a) => lines.push(a.join(' '));
  try {
    await import(pathToFileURL(file).href);
  } finally {
    console.log = orig;
  }
  const losses = lines.filter((l) => l.startsWith('step')).map((l) => Number(l.split('loss ')[1]));
  assert.ok(losses.length >= 2, lines.join('\n'));
  assert.ok(losses[losses.length - 1] < losses[0] / 10, `losses ${losses}`);
});

test.run();
