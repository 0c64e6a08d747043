/**
 * The process-wide WebGPU device holder (Dawn through the `webgpu` package). It keeps
 * Dawn's GPU object referenced for the life of the process (Dawn crashes if it is
 * collected while a device is alive) and describes the adapter for result files.
 */
import { createRequire } from 'node:module';

/** What ran a computation: recorded in every result file. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for software adapters such as Mesa's lavapipe. */
  isSoftware: boolean;
}

// Minimal structural types for what we use of the WebGPU API.
interface GpuAdapterInfoLike { vendor?: string; architecture?: string; device?: string; description?: string }
interface GpuAdapterLike { info?: GpuAdapterInfoLike; limits: Record<string, number>; requestDevice(desc?: unknown): Promise<GpuDeviceLike> }
export interface GpuDeviceLike { destroy(): void; limits: Record<string, number>; lost: Promise<unknown> }
interface GpuLike { requestAdapter(opts?: unknown): Promise<GpuAdapterLike | null> }

/** A device with the objects that must stay alive beside it. */
export interface GpuHandle {
  gpu: GpuLike;
  adapter: GpuAdapterLike;
  device: GpuDeviceLike;
  info: AdapterDescription;
}

let keepAlive: GpuLike | null = null;
let handle: Promise<GpuHandle | null> | null = null;

function describe(info: GpuAdapterInfoLike | undefined): AdapterDescription {
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const text = `${vendor} ${architecture} ${device} ${description}`.toLowerCase();
  const isSoftware = /llvmpipe|lavapipe|swiftshader|software|cpu/.test(text);
  return { vendor, architecture, device, description, isSoftware };
}

/** The WebGPU device, created once per process; null when no adapter is available. */
export function getGpu(): Promise<GpuHandle | null> {
  if (handle) return handle;
  handle = (async () => {
    if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = '/tmp';
    let mod: { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
    try {
      const require = createRequire(import.meta.url);
      mod = require('webgpu') as typeof mod;
    } catch (e) {
      throw new Error(`WebGPU: the 'webgpu' package could not be loaded (${(e as Error).message}); run npm install`);
    }
    Object.assign(globalThis, mod.globals);
    const gpu = mod.create([]);
    keepAlive = gpu;
    const adapter = await gpu.requestAdapter();
    if (!adapter) return null;
    const wanted: Record<string, number> = {};
    for (const k of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage']) {
      if (adapter.limits[k] !== undefined) wanted[k] = adapter.limits[k];
    }
    const device = await adapter.requestDevice({ requiredLimits: wanted });
    return { gpu, adapter, device, info: describe(adapter.info) };
  })();
  return handle;
}

/** The GPU object kept alive for the process (exposed for diagnostics). */
export function gpuKeepAlive(): unknown {
  return keepAlive;
}

type ImmediateFn = (fn: (...args: unknown[]) => void, ...args: unknown[]) => unknown;
let gentle = 0;
let realSetImmediate: ImmediateFn | null = null;

/**
 * Waits for a GPU promise (a buffer map) without spinning a core. Dawn's Node binding
 * polls for completion by rescheduling a native callback with setImmediate, which keeps
 * one core busy for the whole wait; on a software adapter that core is one the "GPU"
 * (lavapipe's threads) needs, and kernels ran about 30% slower. While such a wait is
 * pending, native callbacks given to setImmediate are delayed by a 1 ms timer instead
 * once the first 0.2 ms have passed (short waits keep their latency); JavaScript callbacks
 * are untouched. Use it only for software adapters: on a real GPU spinning costs a core
 * but not GPU time, and polling each millisecond would add latency.
 */
export async function gentleWait<T>(wait: () => Promise<T>): Promise<T> {
  if (gentle++ === 0) {
    const real = globalThis.setImmediate as unknown as ImmediateFn;
    realSetImmediate = real;
    const t0 = performance.now();
    const isNative = (fn: unknown) => typeof fn === 'function' && Function.prototype.toString.call(fn).includes('[native code]');
    (globalThis as unknown as { setImmediate: ImmediateFn }).setImmediate = (fn, ...args) =>
      performance.now() - t0 > 0.2 && isNative(fn) ? setTimeout(fn, 1, ...args) : real(fn, ...args);
  }
  try {
    return await wait();
  } finally {
    if (--gentle === 0 && realSetImmediate) {
      (globalThis as unknown as { setImmediate: ImmediateFn }).setImmediate = realSetImmediate;
      realSetImmediate = null;
    }
  }
}

/** How to get a WebGPU adapter on a machine without a GPU. */
export const WEBGPU_HINT = 'install Mesa lavapipe >= 24 (apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1; see README "WebGPU without a GPU")';
