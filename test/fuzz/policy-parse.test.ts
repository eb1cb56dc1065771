// Fuzzes policy loading with random and mutated policy texts in a real workspace: loading never throws nor crashes
// internally, and either succeeds or returns problems that each say what is wrong and, for parsed text, where.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parseTree, type ParseError } from 'jsonc-parser';
import type { AirlockProblem } from '../../sandbox/errors.js';
import { loadPolicy } from '../../sandbox/policy/load.js';
import { RUNS, tempDir } from './support.js';

// ── documents near the schema: valid and invalid values in every field ──────────────────────────────────────────

/** Mostly valid values, sometimes an invalid one: so that most documents get past the schema to lint, compile and tests. */
const mostly = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown>): fc.Arbitrary<T> =>
  fc.oneof({ weight: 40, arbitrary: valid }, { weight: 1, arbitrary: invalid as fc.Arbitrary<T> });
const junk = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string(), fc.constant([]), fc.constant({}));

const glob = mostly(fc.constantFrom('src/**', '**', '*.ts', 'docs/*.md', '//tmp/**', '~/x/**', '.env', '{a,b}/**', 'é/**'), fc.constantFrom('', '//', '~', 3, '**/..', '../x', 'a\\b', '['));
const globs = fc.array(glob, { maxLength: 4 });
const netPattern = mostly(fc.constantFrom('https://api.example.com/**', 'https://*.example.com', 'http://10.0.0.0/8:*/**', 'https://[::1]:8080/x', 'http://localhost:3000/**',
  'https://x/[', 'http://fd00::/8/a', 'https://*.example.com/a/{b,c}'), fc.constantFrom('ftp://x', 'https://*.', 'http://[::1', 'https://a:99999', 'https://u@h/', '*', 'https://a*b.com', 'https://x:*', 'http://*:*/**', ''));
const netPatterns = fc.array(netPattern, { maxLength: 4 });
const argv = mostly(fc.array(fc.constantFrom('npm', 'test', '*', '**', 'git', 'status', '/usr/bin/env', 'node'), { minLength: 1, maxLength: 3 }),
  fc.constantFrom([], [''], 'npm test', 7, ['sh', '-c', '**'], ['**']));
const argvs = fc.array(argv, { maxLength: 3 });
const rules = <T>(list: fc.Arbitrary<T>) => fc.record({ allow: list, deny: list }, { requiredKeys: [] });
const scope = fc.record({ fs: fc.record({ read: rules(globs), write: rules(globs) }, { requiredKeys: [] }), net: rules(netPatterns), exec: rules(argvs) }, { requiredKeys: [] });

const policyDoc = fc.record({
  version: mostly(fc.constant(1), junk),
  extends: fc.array(mostly(fc.constantFrom('airlock:default', 'airlock:read-only', 'airlock:node-project', './other.json'),
    fc.constantFrom('./bad.json', './policy.json', '../missing.json', 'airlock:nope', '', 5)), { maxLength: 2 }),
  default: mostly(fc.constantFrom('ask', 'deny'), fc.constantFrom('allow', 1)),
  fs: fc.record({ read: rules(globs), write: rules(globs) }, { requiredKeys: [] }),
  net: rules(netPatterns),
  exec: rules(argvs),
  tasks: fc.dictionary(mostly(fc.constantFrom('edit', 'fix bug', 'x'), fc.constant('')),
    fc.record({ intent: mostly(fc.constantFrom('edit things', 'fix'), fc.constant('')), scope, ttlSeconds: mostly(fc.integer({ min: 1, max: 86400 }), junk) }, { requiredKeys: ['intent', 'scope'] }),
    { maxKeys: 2 }),
  limits: fc.dictionary(mostly(fc.constantFrom('memoryMb', 'cpuMs', 'wallMs', 'maxFileBytes'), fc.constant('nope')), mostly(fc.integer({ min: 8, max: 4096 }), junk), { maxKeys: 3 }),
  approval: fc.record({ timeoutSeconds: mostly(fc.integer({ min: 1, max: 3600 }), junk), onTimeout: mostly(fc.constant('deny'), fc.constant('allow')) }, { requiredKeys: [] }),
  tests: fc.oneof(fc.constant([]), fc.array(fc.record({
    action: mostly(fc.constantFrom('fs.read', 'fs.write', 'net.fetch', 'exec'), fc.constant('fs.nope')),
    target: fc.constantFrom('src/a.ts', '.env', 'https://api.example.com/x', '["npm","test"]', '[', '../x', 'not a url'),
    expect: mostly(fc.constantFrom('allow', 'ask', 'deny'), fc.constant('maybe')),
    task: fc.constantFrom('edit', 'nope'),
  }, { requiredKeys: ['action', 'target', 'expect'] }), { maxLength: 2 })),
  fss: junk,
}, { requiredKeys: ['version'] }).map((d) => {
  // Unknown fields are one invalid case among many, not in every third document.
  const { fss, ...rest } = d as Record<string, unknown>;
  return fss !== undefined && typeof fss === 'number' && fss % 7 === 0 ? { ...rest, fss } : rest;
});

/** Written as a person might: indentation, line endings, comments, trailing commas, a BOM. */
const serialised = fc.record({
  doc: policyDoc,
  indent: fc.constantFrom(0, 2, '\t'),
  eol: fc.constantFrom('\n', '\r\n', '\r'),
  comment: fc.boolean(),
  trailingComma: fc.boolean(),
  bom: fc.boolean(),
}).map(({ doc, indent, eol, comment, trailingComma, bom }) => {
  let text = JSON.stringify(doc, null, indent);
  if (trailingComma) text = text.replace(/(["\d\]}])(\s*)([}\]])/, '$1,$2$3');
  if (comment) text = `// policy\n/* rules */ ${text}`;
  return (bom ? '\uFEFF' : '') + text.split('\n').join(eol);
});

type Mutation = { op: 'delete' | 'insert' | 'replace' | 'duplicate' | 'truncate'; at: number; len: number; text: string };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  op: fc.constantFrom('delete', 'insert', 'replace', 'duplicate', 'truncate'),
  at: fc.nat(),
  len: fc.integer({ min: 1, max: 12 }),
  text: fc.oneof(fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '/*', '//', '\n', '\r', '\u2028', '\0', 'true', '1e999', '-', '\uFEFF', '"version"'),
    fc.string({ unit: 'grapheme', maxLength: 4 })),
});
function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % (text.length + 1);
  switch (m.op) {
    case 'delete': return text.slice(0, at) + text.slice(at + m.len);
    case 'insert': return text.slice(0, at) + m.text + text.slice(at);
    case 'replace': return text.slice(0, at) + m.text + text.slice(at + m.text.length);
    case 'duplicate': return text.slice(0, at + m.len) + text.slice(at, at + m.len) + text.slice(at + m.len);
    case 'truncate': return text.slice(0, at);
  }
}

const policyText = fc.oneof(
  { weight: 3, arbitrary: serialised },
  { weight: 5, arbitrary: fc.tuple(serialised, fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([t, ms]) => ms.reduce(mutate, t)) },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
);

// ── checks ───────────────────────────────────────────────────────────────────────────────────────────────────────

function lines(text: string): string[] {
  return text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
}

function parses(text: string): boolean {
  const errors: ParseError[] = [];
  const root = parseTree(text.replace(/^\uFEFF/, ''), errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  return errors.length === 0 && root !== undefined;
}

/**
 * What loadPolicy returns when something threw that was not an AirlockError: an internal crash, not a policy problem.
 * (`policy.test-failed` is also the code of a failing example, which is placed at its `tests[i]`.)
 */
const isCrash = (p: AirlockProblem) => p.code === 'policy.load-failed' || p.code === 'policy.compile' || (p.code === 'policy.test-failed' && !p.place);

describe('fuzz: policy parsing', function () {
  this.timeout(60_000);
  let base: string;
  let ws: string;
  /** The texts of the policy files, by the name problems give them. */
  const texts = new Map<string, string>();
  before(() => {
    base = tempDir();
    ws = path.join(base, 'ws');
    fs.mkdirSync(path.join(ws, '.airlock'), { recursive: true });
    const other = '{\n  "version": 1,\n  "fs": { "read": { "allow": ["src/**"] } }\n}\n';
    const bad = '{\n  "version": 1,\n  "fs": { "read": { "allow": ["src/**"] }\n';
    fs.writeFileSync(path.join(ws, '.airlock', 'other.json'), other);
    fs.writeFileSync(path.join(ws, '.airlock', 'bad.json'), bad);
    texts.set('.airlock/other.json', other);
    texts.set('.airlock/bad.json', bad);
  });
  after(() => fs.rmSync(base, { recursive: true, force: true }));

  function assertWellFormed(p: AirlockProblem, text: string, parsed: boolean): void {
    const shown = JSON.stringify(p);
    assert.ok(typeof p.code === 'string' && /^[a-z]+\.[a-z-]+$/.test(p.code), `problem without a proper code: ${shown}`);
    assert.ok(!isCrash(p), `loading crashed internally: ${shown}`);
    assert.ok(typeof p.message === 'string' && p.message.trim().length > 0, `problem without a message: ${shown}`);
    const file = p.place?.file;
    const source = file === '.airlock/policy.json' ? text : file !== undefined ? texts.get(file) : undefined;
    if (parsed && file === '.airlock/policy.json' && p.severity !== 'warning') {
      assert.ok(p.place?.line !== undefined, `a problem in the parsed policy has no line: ${shown}`);
    }
    if (p.place?.line === undefined) return;
    assert.ok(source !== undefined, `a problem has a line in a file the test did not write: ${shown}`);
    const ls = lines(source);
    const { line, col } = p.place;
    assert.ok(Number.isInteger(line) && line >= 1 && line <= ls.length, `line ${line} is outside the ${ls.length} lines of ${file}: ${shown}`);
    assert.ok(col !== undefined && Number.isInteger(col) && col >= 1 && col <= ls[line - 1]!.length + 1,
      `col ${col} is outside line ${line} (${ls[line - 1]!.length} chars) of ${file}: ${shown}`);
  }

  it('random and mutated policy texts load or give problems with a code, a message and a place inside the text', () => {
    const file = () => path.join(ws, '.airlock', 'policy.json');
    fc.assert(fc.property(policyText, (text) => {
      fs.writeFileSync(file(), text);
      let result: ReturnType<typeof loadPolicy>;
      try {
        result = loadPolicy({ workspaceRoot: ws, homeDir: path.join(base, 'home') });
      } catch (e) {
        assert.fail(`loadPolicy threw: ${(e as Error).stack}`);
      }
      const parsed = parses(text);
      if (result.ok) {
        assert.ok(parsed, 'text that is not JSON loaded');
        for (const w of result.warnings) assertWellFormed(w, text, parsed);
        return;
      }
      assert.ok(result.problems.length > 0, 'a failed load without problems');
      assert.ok(result.problems.some((p) => p.severity !== 'warning'), 'a failed load with only warnings');
      for (const p of result.problems) assertWellFormed(p, text, parsed);
      if (!parsed) assert.ok(result.problems.some((p) => p.code === 'policy.syntax'), 'unparsable text without a syntax problem');
    }), { numRuns: RUNS.medium });
  });
});
