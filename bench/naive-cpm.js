// A classic cellular Potts sampler written the straightforward way (as Artistoo-style
// simulators do): every MCS makes H·W attempts at a random site and a random Moore
// neighbour, null moves included. The `cpm` suite measures it in the same run as a reference.
import * as nc from 'neuralcpm';

/**
 * @param {nc.CpmState} state
 * @param {{ J: number[][], lambda: number, target: number, temperature: number }} p
 * @param {nc.Key} key
 */
export function makeClassicSampler(state, p, key) {
  const rng = new nc.RandomStream(key);
  const { height: H, width: W } = state;
  const ids = Int32Array.from(state.ids);
  const types = state.types;
  const vol = new Int32Array(state.cells + 1);
  for (const v of ids) vol[v]++;
  const offs = nc.neighbourOffsets(2);
  /** @param {number} y @param {number} x */
  const at = (y, x) => ids[((y + H) % H) * W + ((x + W) % W)];
  /** @param {number} y @param {number} x @param {number} id */
  function contact(y, x, id) {
    let e = 0;
    for (const [dy, dx] of offs) {
      const b = at(y + dy, x + dx);
      if (b !== id) e += p.J[types[id]][types[b]];
    }
    return e / 4;
  }
  return {
    /** @param {number} mcs */
    run(mcs) {
      const n = Math.round(mcs * H * W);
      for (let k = 0; k < n; k++) {
        const t = rng.int(H * W);
        const y = Math.floor(t / W), x = t % W;
        const [dy, dx] = offs[rng.int(8)];
        const c = at(y + dy, x + dx), old = ids[t];
        if (c === old) continue;
        if (old !== 0 && vol[old] === 1) continue;
        let dH = contact(y, x, c) - contact(y, x, old);
        if (old !== 0) dH += p.lambda * ((vol[old] - 1 - p.target) ** 2 - (vol[old] - p.target) ** 2);
        if (c !== 0) dH += p.lambda * ((vol[c] + 1 - p.target) ** 2 - (vol[c] - p.target) ** 2);
        if (dH > 0 && rng.uniform() >= Math.exp(-dH / p.temperature)) continue;
        ids[t] = c; vol[old]--; vol[c]++;
      }
    },
  };
}
