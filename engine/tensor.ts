import type { Backend } from './backend.js';
import type { AnyTypedArray, DType } from './dtype.js';
import { fmt, sizeOf, type Shape } from './shape.js';

let nextId = 1;

/** An immutable, contiguous, row-major n-d array owned by a backend. */
export class Tensor {
  /** Unique id, handy for debugging and maps. */
  readonly id: number;
  readonly size: number;
  constructor(
    readonly shape: Shape,
    readonly dtype: DType,
    readonly backend: Backend,
    /** The backend's handle to the storage (a typed array on the CPU, a GPU buffer on WebGPU). */
    readonly storage: unknown,
  ) {
    this.id = nextId++;
    this.size = sizeOf(shape);
    Object.freeze(this.shape);
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Reads the values back to the host (asynchronous on GPU backends). */
  read(): Promise<AnyTypedArray> {
    return this.backend.read(this);
  }

  /** Reads the values synchronously; only backends with host memory (the CPU) support it. */
  dataSync(): AnyTypedArray {
    return this.backend.readSync(this);
  }

  /** Reads a one-element tensor as a number (synchronously). */
  item(): number {
    if (this.size !== 1) throw new Error(`item(): tensor has shape ${fmt(this.shape)} with ${this.size} elements; item() needs exactly one`);
    return this.dataSync()[0];
  }

  /** Reads a one-element tensor as a number (works on every backend). */
  async itemAsync(): Promise<number> {
    if (this.size !== 1) throw new Error(`itemAsync(): tensor has shape ${fmt(this.shape)} with ${this.size} elements; it needs exactly one`);
    return (await this.read())[0];
  }

  /** Releases device memory early (a no-op on the CPU); the tensor must not be used afterwards. */
  dispose(): void {
    this.backend.dispose(this);
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}, ${this.dtype}, ${this.backend.name})`;
  }
}
