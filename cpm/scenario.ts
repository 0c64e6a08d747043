/**
 * Scenarios as plain JSON-serialisable configs (the way Morpheus models are declarative):
 * lattice, seeding, temperature, duration and Hamiltonian terms. Experiment scripts print
 * and save them with every result.
 */
import { Contact, DirectedMotion, ExternalField, Hamiltonian, Volume, type Term } from './hamiltonian.js';
import { expressionDirection, expressionField } from './expressions.js';

export interface ScenarioConfig {
  name: string;
  height: number;
  width: number;
  cells: number;
  /** Radius of the centred seeding disc. */
  radius: number;
  temperature: number;
  /** Simulated time per sample, in MCS. */
  mcs: number;
  /** Number of samples in a dataset. */
  samples: number;
  contact: { J: number[][]; order: number; divisor: number };
  volume: { lambda: number; target: number };
  /**
   * Optional external field: per-type couplings; the field is supplied per sample, or given
   * here as a mathjs expression `phi` in x, y, width, height.
   */
  field?: { mu: number[]; phi?: string };
  /**
   * Optional directed motion: strength per type (medium first) and the direction as mathjs
   * expressions dx, dy in a cell's centre cx, cy, its type and the lattice size (width,
   * height, S = width); evaluated per cell when its centre moves.
   */
  motion?: { strength: number[]; dx: string; dy: string };
}

/** Cell-sorting contact energies and volume strengths of SPEC 6.1 (types: medium, 1, 2). */
export const CELLSORT_PARAMETERS = {
  a: { J: [[0, 0.5, 0.5], [0.5, 0.333333, 0.2], [0.5, 0.2, 0.266667]], lambda: 0.1 },
  b: { J: [[0, 2.5, 1.0], [2.5, 1.0, 4.5], [1.0, 4.5, 1.0]], lambda: 0.5 },
} as const;

/** Lattice settings: the published fit (Table 7) and the appendix configuration. */
export const CELLSORT_LATTICES = {
  paper: { height: 200, width: 200, cells: 100, target: 200, radius: 60, mcs: 500, samples: 128 },
  appendix: { height: 100, width: 100, cells: 50, target: 60, radius: 25, mcs: 500, samples: 128 },
} as const;

export type CellsortScenario = keyof typeof CELLSORT_PARAMETERS;
export type CellsortLattice = keyof typeof CELLSORT_LATTICES;

/** The cell-sorting scenario a or b in the paper or appendix configuration. */
export function cellsortScenario(which: CellsortScenario, lattice: CellsortLattice = 'paper'): ScenarioConfig {
  const p = CELLSORT_PARAMETERS[which];
  const l = CELLSORT_LATTICES[lattice];
  if (!p) throw new Error(`cellsort scenario must be 'a' or 'b', got '${which}'`);
  if (!l) throw new Error(`cellsort configuration must be 'paper' or 'appendix', got '${lattice}'`);
  return {
    name: `cellsort-${which}-${lattice}`,
    height: l.height, width: l.width, cells: l.cells, radius: l.radius,
    temperature: 1, mcs: l.mcs, samples: l.samples,
    contact: { J: p.J.map((r) => [...r]), order: 2, divisor: 4 },
    volume: { lambda: p.lambda, target: l.target },
  };
}

function need(cond: boolean, source: string, msg: string): void {
  if (!cond) throw new Error(`${source}: ${msg}`);
}

/** Checks a scenario object (for example read from a user's JSON file) field by field. */
export function validateScenario(raw: unknown, source = 'scenario'): ScenarioConfig {
  need(typeof raw === 'object' && raw !== null && !Array.isArray(raw), source, 'must be a JSON object');
  const s = raw as Record<string, unknown>;
  const posInt = (k: string, min = 1): number => {
    const v = s[k];
    need(Number.isInteger(v) && (v as number) >= min, source, `'${k}' must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const posNum = (v: unknown, k: string): number => {
    need(typeof v === 'number' && Number.isFinite(v) && v > 0, source, `'${k}' must be a positive number, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const height = posInt('height', 3), width = posInt('width', 3), cells = posInt('cells');
  const radius = posNum(s.radius, 'radius');
  const temperature = posNum(s.temperature ?? 1, 'temperature');
  const mcs = posNum(s.mcs, 'mcs');
  const samples = posInt('samples');
  const contact = s.contact as Record<string, unknown> | undefined;
  need(typeof contact === 'object' && contact !== null, source, "'contact' must be an object {J, order, divisor}");
  const J = contact!.J;
  need(Array.isArray(J) && J.length >= 2 && J.every((r) => Array.isArray(r) && r.length === J.length && r.every((v: unknown) => typeof v === 'number' && Number.isFinite(v))),
    source, "'contact.J' must be a square matrix of finite numbers over the types (medium first)");
  const order = contact!.order ?? 2, divisor = contact!.divisor ?? 4;
  need(Number.isInteger(order) && (order as number) >= 1 && (order as number) <= 6, source, `'contact.order' must be 1..6, got ${JSON.stringify(order)}`);
  posNum(divisor, 'contact.divisor');
  const volume = s.volume as Record<string, unknown> | undefined;
  need(typeof volume === 'object' && volume !== null, source, "'volume' must be an object {lambda, target}");
  need(typeof volume!.lambda === 'number' && (volume!.lambda as number) >= 0, source, `'volume.lambda' must be a number >= 0, got ${JSON.stringify(volume!.lambda)}`);
  posNum(volume!.target, 'volume.target');
  const out: ScenarioConfig = {
    name: typeof s.name === 'string' ? s.name : 'custom',
    height, width, cells, radius, temperature, mcs, samples,
    contact: { J: (J as number[][]).map((r) => [...r]), order: order as number, divisor: divisor as number },
    volume: { lambda: volume!.lambda as number, target: volume!.target as number },
  };
  if (s.field !== undefined) {
    const f = s.field as Record<string, unknown>;
    need(Array.isArray(f?.mu) && (f.mu as unknown[]).every((v) => typeof v === 'number'), source, "'field.mu' must be an array of numbers, one per type");
    out.field = { mu: [...(f.mu as number[])] };
    if (f.phi !== undefined) {
      need(typeof f.phi === 'string', source, "'field.phi' must be a mathjs expression string in x, y, width, height");
      out.field.phi = f.phi as string;
    }
  }
  if (s.motion !== undefined) {
    const m = s.motion as Record<string, unknown>;
    need(typeof m === 'object' && m !== null, source, "'motion' must be an object {strength, dx, dy}");
    need(Array.isArray(m.strength) && (m.strength as unknown[]).every((v) => typeof v === 'number' && Number.isFinite(v)), source, "'motion.strength' must be an array of finite numbers, one per type (medium first)");
    need(typeof m.dx === 'string' && typeof m.dy === 'string', source, "'motion.dx' and 'motion.dy' must be mathjs expression strings in cx, cy, type, width, height, S");
    out.motion = { strength: [...(m.strength as number[])], dx: m.dx as string, dy: m.dy as string };
  }
  // Building the terms checks symmetry and sizes.
  try {
    buildHamiltonian(out);
  } catch (e) {
    throw new Error(`${source}: ${(e as Error).message}`);
  }
  return out;
}

/** The analytical Hamiltonian of a scenario (an external field needs its field values). */
export function buildHamiltonian(s: ScenarioConfig, field?: ArrayLike<number>): Hamiltonian {
  const terms: Term[] = [
    new Contact(s.contact.J, s.contact.order, s.contact.divisor),
    new Volume(s.volume.lambda, s.volume.target),
  ];
  if (s.field && (field || s.field.phi)) {
    terms.push(new ExternalField(field ?? expressionField(s.field.phi!, s.height, s.width, 'field.phi'), s.field.mu, s.height, s.width));
  }
  if (s.motion) {
    terms.push(new DirectedMotion(s.motion.strength, expressionDirection({ dx: s.motion.dx, dy: s.motion.dy }, 'motion'), `dx = ${s.motion.dx}; dy = ${s.motion.dy}`));
  }
  return new Hamiltonian(terms);
}
