/** Element types a tensor may hold. */
export type DType = 'float32' | 'int32';

/** The typed array that stores a dtype on the CPU. */
export type TypedArrayOf<D extends DType> = D extends 'float32' ? Float32Array : Int32Array;
export type AnyTypedArray = Float32Array | Int32Array;

/** Allocates a zeroed typed array of `size` elements for `dtype`. */
export function allocArray(dtype: DType, size: number): AnyTypedArray {
  return dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
}

/** Bytes per element of a dtype. */
export function bytesPerElement(_dtype: DType): number {
  return 4;
}

/** Throws unless `d` is a supported dtype. */
export function checkDType(d: string, what: string): DType {
  if (d !== 'float32' && d !== 'int32') {
    throw new Error(`${what}: unsupported dtype '${d}'; use 'float32' or 'int32'`);
  }
  return d;
}
