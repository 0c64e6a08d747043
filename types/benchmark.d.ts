// Minimal typings for the parts of benchmark.js that bench/run.js uses.
declare module 'benchmark' {
  interface Stats { mean: number; rme: number; sample: number[] }
  class Benchmark {
    constructor(name: string, fn: () => void, options?: { minSamples?: number; maxTime?: number; initCount?: number });
    run(): Benchmark;
    stats: Stats;
    error?: Error;
    hz: number;
  }
  export default Benchmark;
}
