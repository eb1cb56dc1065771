// Checks a step's result against its `expect`: one plain sentence per expectation that does not hold.
import type { ActionResult } from '../pipeline/types.js';
import type { Expectation } from './schema.js';

/** The result as text for `resultContains`: a string stays itself, anything else is its JSON. */
export function resultText(result: unknown): string {
  if (result === undefined) return '';
  return typeof result === 'string' ? result : JSON.stringify(result) ?? '';
}

function clip(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
}

export function checkExpectation(expect: Expectation | undefined, got: Pick<ActionResult, 'outcome'> & Partial<Pick<ActionResult, 'verdict' | 'decidedBy' | 'result' | 'error'>>): string[] {
  if (!expect) return [];
  const failures: string[] = [];
  if (expect.verdict !== undefined && got.verdict !== expect.verdict) {
    failures.push(`expected verdict ${expect.verdict}, got ${got.verdict ?? 'none'}`);
  }
  if (expect.outcome !== undefined && got.outcome !== expect.outcome) {
    // The error itself is reported once, next to the step, not repeated in each failed expectation.
    failures.push(`expected outcome ${expect.outcome}, got ${got.outcome}`);
  }
  if (expect.decidedBy !== undefined && got.decidedBy !== expect.decidedBy) {
    failures.push(`expected it decided by ${expect.decidedBy}, got ${got.decidedBy ?? 'none'}`);
  }
  if (expect.resultContains !== undefined) {
    const text = resultText(got.result);
    if (!text.includes(expect.resultContains)) {
      failures.push(`expected the result to contain ${JSON.stringify(expect.resultContains)}, got ${got.result === undefined ? 'no result' : JSON.stringify(clip(text))}`);
    }
  }
  if (expect.errorMatches !== undefined) {
    const re = new RegExp(expect.errorMatches);
    if (!got.error) failures.push(`expected an error matching /${expect.errorMatches}/, got no error`);
    else if (!re.test(got.error.message) && !re.test(got.error.code)) {
      failures.push(`expected an error matching /${expect.errorMatches}/, got ${got.error.code}: ${JSON.stringify(clip(got.error.message))}`);
    }
  }
  return failures;
}
