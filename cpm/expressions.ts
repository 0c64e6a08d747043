/**
 * Per-cell directions of motion and external fields written as mathjs expressions, the way
 * Morpheus models write them: compiled once, evaluated with a cell's centre (cx, cy), its
 * type, and the lattice size (width, height; S = width).
 */
import { compile, type EvalFunction } from 'mathjs';
import type { DirectionFn } from './hamiltonian.js';

/** Scope names an expression may use. */
export const EXPRESSION_VARIABLES = ['cx', 'cy', 'type', 'width', 'height', 'S', 'x', 'y'] as const;

/** Compiles an expression and checks it on a sample scope, with the expression named in errors. */
export function compileExpression(expr: string, what: string): EvalFunction {
  if (typeof expr !== 'string' || expr.trim() === '') throw new Error(`${what}: expected a mathjs expression string, got ${JSON.stringify(expr)}`);
  let f: EvalFunction;
  try {
    f = compile(expr);
  } catch (e) {
    throw new Error(`${what}: cannot parse '${expr}': ${(e as Error).message}`);
  }
  const probe = evaluateNumber(f, { cx: 1, cy: 1, type: 1, width: 10, height: 10, S: 10, x: 1, y: 1 }, `${what} '${expr}'`);
  if (!Number.isFinite(probe)) throw new Error(`${what}: '${expr}' gives ${probe} on a sample cell; it must give a finite number`);
  return f;
}

function evaluateNumber(f: EvalFunction, scope: Record<string, number>, what: string): number {
  let v: unknown;
  try {
    v = f.evaluate({ ...scope });
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message} (variables: ${EXPRESSION_VARIABLES.join(', ')})`);
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'number') throw new Error(`${what}: gives ${typeof v} ${JSON.stringify(v)}, not a number`);
  return v;
}

/** A direction field { dx, dy } of expressions. */
export interface DirectionExpressions { dx: string; dy: string }

/**
 * A DirectionFn from expressions (DirectedMotion evaluates it per cell only when that
 * cell's centre has moved). `evaluations()` counts the evaluations.
 */
export function expressionDirection(d: DirectionExpressions, what = 'direction'): DirectionFn & { evaluations: () => number } {
  const fx = compileExpression(d.dx, `${what}.dx`), fy = compileExpression(d.dy, `${what}.dy`);
  let evaluations = 0;
  const fn = ((cy: number, cx: number, type: number, height: number, width: number): readonly [number, number] => {
    evaluations++;
    const scope = { cx, cy, type, width, height, S: width, x: cx, y: cy };
    return [evaluateNumber(fy, scope, `${what}.dy`), evaluateNumber(fx, scope, `${what}.dx`)] as const;
  }) as DirectionFn & { evaluations: () => number };
  fn.evaluations = () => evaluations;
  return fn;
}

/** A field over the lattice from an expression in x, y, width, height (evaluated once per site). */
export function expressionField(expr: string, height: number, width: number, what = 'field'): Float64Array {
  const f = compileExpression(expr, what);
  const out = new Float64Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    out[y * width + x] = evaluateNumber(f, { x, y, cx: x, cy: y, type: 0, width, height, S: width }, what);
  }
  return out;
}
