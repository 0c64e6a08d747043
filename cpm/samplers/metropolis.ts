/**
 * The Metropolis test u < exp(−x) without calling Math.exp in most cases: EXP_TABLE[k] =
 * exp(−k/16) brackets exp(−x) between EXP_TABLE[k+1] and EXP_TABLE[k] for k = floor(16x),
 * so only a u that falls between the two bounds needs the exact value. Shared by the exact
 * sampler and ApproxPCPM.
 */
const EXP_TABLE = Float64Array.from({ length: 513 }, (_, k) => Math.exp(-k / 16));

/** True when u < exp(−x), for u in [0, 1): x ≤ 0 always accepts, NaN never does. */
export function metropolisAccepts(x: number, u: number): boolean {
  if (!(x > 0)) return x <= 0;
  if (x >= 32) return u < Math.exp(-x);
  const k = (x * 16) | 0;
  if (u >= EXP_TABLE[k]) return false;
  return u < EXP_TABLE[k + 1] || u < Math.exp(-x);
}
