// The JUnit XML report of `airlock run` for CI systems: a testsuite per session, a testcase per step.
import { formatProblem } from '../../errors.js';
import type { SessionReport } from '../report.js';
import { finalDecisionOf } from '../report.js';
import { stepTitle } from './pretty.js';

/** Escapes text for XML attributes and content; characters XML 1.0 cannot carry are dropped. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDFFF]/g, (c, i: number, s: string) => {
      const code = c.charCodeAt(0);
      const next = s.charCodeAt(i + 1);
      const prev = s.charCodeAt(i - 1);
      const paired = code <= 0xdbff ? next >= 0xdc00 && next <= 0xdfff : prev >= 0xd800 && prev <= 0xdbff;
      return paired ? c : '';
    })
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function formatJunitReport(reports: readonly SessionReport[]): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const tests = reports.reduce((n, r) => n + Math.max(r.steps.length, r.problems ? 1 : 0), 0);
  const failures = reports.reduce((n, r) => n + r.steps.filter((s) => !s.ok).length + (r.verify && !r.verify.ok ? 1 : 0), 0);
  const errors = reports.filter((r) => r.problems).length;
  out.push(`<testsuites name="airlock run" tests="${tests}" failures="${failures}" errors="${errors}">`);
  for (const r of reports) {
    const suiteFailures = r.steps.filter((s) => !s.ok).length + (r.verify && !r.verify.ok ? 1 : 0);
    const suiteTests = r.steps.length + (r.problems ? 1 : 0) + (r.verify ? 1 : 0);
    out.push(`  <testsuite name="${xmlEscape(r.name)}" file="${xmlEscape(r.file)}" tests="${suiteTests}" failures="${suiteFailures}" errors="${r.problems ? 1 : 0}" time="${seconds(r.durationMs)}">`);
    if (r.log) out.push(`    <properties><property name="log" value="${xmlEscape(r.log)}"/></properties>`);
    if (r.problems) {
      const text = r.problems.map(formatProblem).join('\n');
      out.push(`    <testcase name="start session" classname="${xmlEscape(r.name)}"><error message="${xmlEscape(r.problems[0]?.message ?? 'bad input')}">${xmlEscape(text)}</error></testcase>`);
    }
    for (const s of r.steps) {
      // Stable across outcomes: position and title, never the verdict.
      const name = `${String(s.index + 1).padStart(2, '0')} ${stepTitle(s)}`;
      const head = `    <testcase name="${xmlEscape(name)}" classname="${xmlEscape(r.name)}" time="${seconds(s.durationMs)}"`;
      if (s.ok) {
        out.push(`${head}/>`);
        continue;
      }
      const final = finalDecisionOf(s);
      const detail = [
        ...s.failures,
        `got: ${s.verdict ?? '-'} → ${s.outcome}${final ? ` (${final.decision} by ${final.by})` : ''}`,
        ...(s.error ? [`${s.error.code}: ${s.error.message}`] : s.reason ? [`reason: ${s.reason}`] : []),
      ].join('\n');
      out.push(`${head}>`);
      out.push(`      <failure message="${xmlEscape(s.failures.join('; '))}" type="expectation">${xmlEscape(detail)}</failure>`);
      out.push('    </testcase>');
    }
    if (r.verify) {
      const head = `    <testcase name="log verifies" classname="${xmlEscape(r.name)}"`;
      out.push(r.verify.ok ? `${head}/>` : `${head}><failure message="${xmlEscape(r.verify.problem ?? 'the log does not verify')}" type="log"/></testcase>`);
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}
