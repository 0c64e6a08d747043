/** The temperature argument every sampler takes: default 1, finite and positive. */
export function checkTemperature(t: number | undefined, sampler: string): number {
  const T = t ?? 1;
  if (!(T > 0) || !Number.isFinite(T)) throw new Error(`${sampler}: temperature must be a finite positive number, got ${T}`);
  return T;
}
