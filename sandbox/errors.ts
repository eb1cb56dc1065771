// Errors as values: a stable code, a human message that says what to fix, and the place (file:line:col, JSON path).

export interface Place {
  file?: string;
  line?: number;
  col?: number;
  /** JSON path inside the file, e.g. `fs.write.allow[2]`. */
  jsonPath?: string;
}

export interface AirlockProblem {
  /** Stable, machine-readable, e.g. `policy.too-broad`, `fs.denied`, `script.cpu-limit`. */
  code: string;
  /** What is wrong and how to fix it, in one or two sentences. */
  message: string;
  place?: Place;
  severity?: 'error' | 'warning';
}

/** `file:line:col jsonPath: message`, the form every CLI prints. */
export function formatProblem(p: AirlockProblem): string {
  const where = p.place
    ? [p.place.file, p.place.line, p.place.col].filter((x) => x !== undefined && x !== '').join(':')
    : '';
  const path = p.place?.jsonPath ? ` ${p.place.jsonPath}` : '';
  const prefix = where || path ? `${where}${path}: ` : '';
  const sev = p.severity === 'warning' ? 'warning: ' : '';
  return `${prefix}${sev}${p.message}`;
}

/** An AirlockProblem that can be thrown across async boundaries and still be read as a value. */
export class AirlockError extends Error implements AirlockProblem {
  readonly code: string;
  readonly place?: Place;
  constructor(problem: AirlockProblem) {
    super(problem.message);
    this.name = 'AirlockError';
    this.code = problem.code;
    if (problem.place) this.place = problem.place;
  }
  toProblem(): AirlockProblem {
    return { code: this.code, message: this.message, ...(this.place ? { place: this.place } : {}) };
  }
}
