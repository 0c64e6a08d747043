/**
 * Per-cell directions of motion and external fields written as mathjs expressions, the way
 * Morpheus models write them: compiled once, evaluated with a cell's centre (cx, cy), its
 * type, and the lattice size (width, height; S = width).
 *
 * Expressions made of numbers, the scope variables, arithmetic, comparisons, and/or/not,
 * the conditional operator and the common Math functions are translated once into a plain
 * JavaScript function (checked against mathjs on a grid of sample scopes; anything else, or
 * any disagreement, keeps mathjs's own evaluator), because mathjs's evaluator costs about
 * ten times the rest of a CPM step.
 */
import { compile, parse, type EvalFunction, type MathNode } from 'mathjs';
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

type Scope = Record<string, number>;
const OPS: Record<string, (a: string, b: string) => string> = {
  add: (a, b) => `(${a} + ${b})`, subtract: (a, b) => `(${a} - ${b})`, multiply: (a, b) => `(${a} * ${b})`,
  divide: (a, b) => `(${a} / ${b})`, pow: (a, b) => `Math.pow(${a}, ${b})`, mod: (a, b) => `(((${a} % ${b}) + ${b}) % ${b})`,
  smaller: (a, b) => `(${a} < ${b} ? 1 : 0)`, larger: (a, b) => `(${a} > ${b} ? 1 : 0)`,
  smallerEq: (a, b) => `(${a} <= ${b} ? 1 : 0)`, largerEq: (a, b) => `(${a} >= ${b} ? 1 : 0)`,
  equal: (a, b) => `(${a} === ${b} ? 1 : 0)`, unequal: (a, b) => `(${a} !== ${b} ? 1 : 0)`,
  and: (a, b) => `(${a} !== 0 && ${b} !== 0 ? 1 : 0)`, or: (a, b) => `(${a} !== 0 || ${b} !== 0 ? 1 : 0)`,
};
const UNARY: Record<string, (a: string) => string> = { unaryMinus: (a) => `(-${a})`, unaryPlus: (a) => a, not: (a) => `(${a} === 0 ? 1 : 0)` };
const FUNCS = new Set(['sign', 'abs', 'sqrt', 'sin', 'cos', 'tan', 'atan', 'atan2', 'exp', 'log', 'floor', 'ceil', 'round', 'min', 'max']);

/** JavaScript source of a mathjs expression tree over the scope variables (throws on anything else). */
function toJs(n: MathNode): string {
  const node = n as MathNode & { value?: unknown; name?: string; fn?: unknown; args?: MathNode[]; content?: MathNode; condition?: MathNode; trueExpr?: MathNode; falseExpr?: MathNode };
  switch (n.type) {
    case 'ConstantNode':
      if (typeof node.value === 'number') return `(${node.value})`;
      if (typeof node.value === 'boolean') return node.value ? '1' : '0';
      break;
    case 'SymbolNode':
      if ((EXPRESSION_VARIABLES as readonly string[]).includes(node.name!)) return `s.${node.name}`;
      if (node.name === 'pi') return 'Math.PI';
      if (node.name === 'e') return 'Math.E';
      break;
    case 'ParenthesisNode': return toJs(node.content!);
    case 'ConditionalNode': return `(${toJs(node.condition!)} !== 0 ? ${toJs(node.trueExpr!)} : ${toJs(node.falseExpr!)})`;
    case 'OperatorNode': {
      const fn = String(node.fn), args = node.args!;
      if (args.length === 2 && OPS[fn]) return OPS[fn](toJs(args[0]), toJs(args[1]));
      if (args.length === 1 && UNARY[fn]) return UNARY[fn](toJs(args[0]));
      break;
    }
    case 'FunctionNode': {
      const name = (node.fn as unknown as { name?: string })?.name ?? '';
      if (FUNCS.has(name) && !(name === 'log' && node.args!.length !== 1)) return `Math.${name}(${node.args!.map(toJs).join(', ')})`;
      break;
    }
  }
  throw new Error(`not translatable: ${n.type}`);
}

/**
 * A fast numeric evaluator of a compiled expression: the JavaScript translation when it exists
 * and agrees with mathjs on sample scopes, else mathjs's evaluator.
 */
export function numericEvaluator(expr: string, f: EvalFunction, what: string): (scope: Scope) => number {
  const slow = (scope: Scope): number => evaluateNumber(f, scope, what);
  let fast: (scope: Scope) => number;
  try {
    fast = new Function('s', `return +(${toJs(parse(expr))});`) as (scope: Scope) => number;
  } catch {
    return slow;
  }
  for (const type of [0, 1, 2, 3]) for (const S of [10, 149]) for (const u of [0, 0.13, 0.4, 0.45, 0.5, 0.55, 0.6, 0.77, 1]) {
    const scope = { cx: u * S, cy: (1 - u) * S, x: u * S, y: (1 - u) * S, type, width: S, height: S + 1, S };
    const a = fast(scope), b = slow(scope);
    if (!(a === b || Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b)) || (Number.isNaN(a) && Number.isNaN(b)))) return slow;
  }
  return fast;
}

/** Compiles an expression (checked) into its fastest numeric evaluator. */
export function compileNumeric(expr: string, what: string): (scope: Scope) => number {
  return numericEvaluator(expr, compileExpression(expr, what), what);
}

/** A direction field { dx, dy } of expressions. */
export interface DirectionExpressions { dx: string; dy: string }

/**
 * A DirectionFn from expressions (DirectedMotion evaluates it per cell only when that
 * cell's centre has moved). `evaluations()` counts the evaluations.
 */
export function expressionDirection(d: DirectionExpressions, what = 'direction'): DirectionFn & { evaluations: () => number } {
  const fx = compileNumeric(d.dx, `${what}.dx`), fy = compileNumeric(d.dy, `${what}.dy`);
  let evaluations = 0;
  const fn = ((cy: number, cx: number, type: number, height: number, width: number): readonly [number, number] => {
    evaluations++;
    const scope = { cx, cy, type, width, height, S: width, x: cx, y: cy };
    return [fy(scope), fx(scope)] as const;
  }) as DirectionFn & { evaluations: () => number };
  fn.evaluations = () => evaluations;
  return fn;
}

/** A field over the lattice from an expression in x, y, width, height (evaluated once per site). */
export function expressionField(expr: string, height: number, width: number, what = 'field'): Float64Array {
  const f = compileNumeric(expr, what);
  const out = new Float64Array(height * width);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    out[y * width + x] = f({ x, y, cx: x, cy: y, type: 0, width, height, S: width });
  }
  return out;
}
