// The harness's policy problems as editor diagnostics: which file, 0-based line and column, severity, message.
import path from 'node:path';
import type { AirlockProblem } from '../../sandbox/protocol/protocol.js';

export interface DiagnosticSpec { file: string; line: number; col: number; message: string; severity: 'error' | 'warning'; code: string }

/** Problems located in files (relative places resolve against the workspace); unlocated ones land on the policy file's first line. */
export function toDiagnostics(workspaceRoot: string, policyFile: string, problems: readonly AirlockProblem[]): DiagnosticSpec[] {
  return problems.map((p) => {
    const file = p.place?.file && !p.place.file.startsWith('airlock:') ? path.resolve(workspaceRoot, p.place.file) : path.resolve(workspaceRoot, policyFile);
    const where = p.place?.jsonPath ? `${p.place.jsonPath}: ` : '';
    return {
      file, line: Math.max(0, (p.place?.line ?? 1) - 1), col: Math.max(0, (p.place?.col ?? 1) - 1),
      message: `${where}${p.message}`, severity: p.severity === 'warning' ? 'warning' : 'error', code: p.code,
    };
  });
}

/** Groups diagnostics by file, so files that are fine again get an empty list (their old entries cleared). */
export function byFile(specs: readonly DiagnosticSpec[], previouslyReported: Iterable<string>): Map<string, DiagnosticSpec[]> {
  const out = new Map<string, DiagnosticSpec[]>();
  for (const f of previouslyReported) out.set(f, []);
  for (const s of specs) out.set(s.file, [...(out.get(s.file) ?? []), s]);
  return out;
}
