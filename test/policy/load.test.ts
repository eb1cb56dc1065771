// Loading policy files: located, fixable errors; the default preset; extends (presets, files, cycles); inline; hashing.
import assert from 'node:assert/strict';
import path from 'node:path';
import { formatProblem } from '../../sandbox/errors.js';
import { decide } from '../../sandbox/policy/decide.js';
import { loadPolicy, userBaselineFile } from '../../sandbox/policy/load.js';
import type { LoadResult } from '../../sandbox/policy/load.js';
import { makeWorkspace } from '../support/workspace.js';
import type { TempWorkspace } from '../support/workspace.js';

/** The formatted problems of a load that must fail. */
function problemsOf(result: LoadResult): string[] {
  assert.equal(result.ok, false, 'the policy should not load');
  return result.ok ? [] : result.problems.map(formatProblem);
}

function loaded(result: LoadResult) {
  if (!result.ok) assert.fail(`the policy should load:\n${result.problems.map(formatProblem).join('\n')}`);
  return result;
}

describe('loadPolicy', () => {
  let ws: TempWorkspace;
  beforeEach(() => { ws = makeWorkspace(); });
  afterEach(() => ws.cleanup());

  const loadText = (text: string) => {
    ws.write('.airlock/policy.json', text);
    return loadPolicy({ workspaceRoot: ws.root });
  };

  describe('located errors', () => {
    it('names an unknown field with its line:col and suggests the field meant', () => {
      const problems = problemsOf(loadText('{\n  "version": 1,\n  "fs": {\n    "writes": { "allow": ["src/**"] }\n  }\n}\n'));
      assert.deepEqual(problems, ['.airlock/policy.json:4:5 fs.writes: unknown field "fs.writes"; did you mean "write"?']);
    });

    it('lists the known fields when no field is close', () => {
      const [p] = problemsOf(loadText('{"version": 1, "network": {}}'));
      assert.equal(p, '.airlock/policy.json:1:16 network: unknown field "network"; did you mean "net"?');
      const [q] = problemsOf(loadText('{"version": 1, "fs": {"zzzzzzzz": {}}}'));
      assert.match(q ?? '', /unknown field "fs\.zzzzzzzz"; known fields here: "read", "write"$/);
    });

    it('says which type a field must have', () => {
      const problems = problemsOf(loadText('{\n  "version": 1,\n  "fs": { "read": { "allow": "src/**" } }\n}'));
      assert.deepEqual(problems, ['.airlock/policy.json:3:30 fs.read.allow: fs.read.allow must be an array, not the string "src/**"']);
    });

    it('names the allowed values of an enum and suggests the closest', () => {
      const [p] = problemsOf(loadText('{"version": 1, "default": "dney"}'));
      assert.equal(p, '.airlock/policy.json:1:27 default: default must be one of "ask", "deny", not the string "dney"; did you mean "deny"?');
    });

    it('points at a JSON syntax error by line and column', () => {
      const problems = problemsOf(loadText('{\n  "version": 1\n  "default": "ask"\n}'));
      assert.deepEqual(problems, ['.airlock/policy.json:3:3: invalid JSON: expected a comma between entries']);
    });

    it('accepts comments and trailing commas (JSON with comments)', () => {
      loaded(loadText('{\n  // the policy\n  "version": 1, /* inline */\n  "default": "deny",\n}'));
    });

    it('refuses another version and a missing one', () => {
      assert.deepEqual(problemsOf(loadText('{"version": 2}')), ['.airlock/policy.json:1:13 version: version must be 1, not the number 2']);
      assert.deepEqual(problemsOf(loadText('{"default": "ask"}')), ['.airlock/policy.json:1:1 version: missing required field "version", e.g. "version": 1']);
    });

    it('refuses a document that is not an object', () => {
      assert.deepEqual(problemsOf(loadText('[1, 2]')), ['.airlock/policy.json:1:1: a policy must be a JSON object such as {"version": 1}, not an array']);
    });

    it('refuses a field written twice, since only the last would count', () => {
      const [p] = problemsOf(loadText('{"version": 1,\n "default": "deny",\n "default": "ask"}'));
      assert.equal(p, '.airlock/policy.json:3:2 default: field "default" is written twice; only the last one would count, so merge them into one');
    });

    it('reports every problem at once', () => {
      const problems = problemsOf(loadText('{"version": 1, "fs": {"write": {"allow": [""]}}, "exec": {"allow": [[]]}}'));
      assert.equal(problems.length, 2);
      assert.match(problems[0] ?? '', /fs\.write\.allow\[0\]: fs\.write\.allow\[0\] must not be empty$/);
      assert.match(problems[1] ?? '', /exec\.allow\[0\]: .*at least 1 element; an argv pattern names at least the program/);
    });

    it('a version error does not hide too-broad patterns: every independent problem, sorted by position', () => {
      const problems = problemsOf(loadText([
        '{',
        '  "version": 2,',
        '  "fs": { "write": { "allow": ["**", "src/**"] } },',
        '  "net": { "allow": ["https://*/**"] },',
        '  "exec": { "allow": [["bash", "-c", "*"]] },',
        '  "default": "maybe"',
        '}',
      ].join('\n')));
      assert.deepEqual(problems.map((p) => /^\.airlock\/policy\.json:(\d+):\d+ (\S+):/.exec(p)?.slice(1, 3).join(' ')), [
        '2 version', '3 fs.write.allow[0]', '4 net.allow[0]', '5 exec.allow[0]', '6 default',
      ], problems.join('\n'));
    });

    it('one missing "]" is one error that names the array it leaves open', () => {
      const problems = problemsOf(loadText('{\n  "version": 1,\n  "fs": {\n    "write": { "allow": ["src/**", "test/**" }\n  },\n  "net": { "allow": [] }\n}\n'));
      assert.deepEqual(problems, ['.airlock/policy.json:4:46: invalid JSON: the array opened at 4:25 is never closed; a "]" is likely missing before this "}"']);
      assert.deepEqual(problemsOf(loadText('{"version": 1, "fs": {}')), ['.airlock/policy.json:1:24: invalid JSON: the object opened at 1:1 is never closed; a "}" is likely missing']);
    });

    it('says so when an explicitly given file does not exist', () => {
      const result = loadPolicy({ workspaceRoot: ws.root, file: path.join(ws.root, 'policies/missing.json') });
      assert.deepEqual(problemsOf(result), ['policies/missing.json: policy file "policies/missing.json" does not exist; check the path, or run without a file to use airlock:default']);
    });

    it('shows files outside the workspace by their absolute path', () => {
      const outside = path.join(ws.stateDir, 'policy.json');
      const result = loadPolicy({ workspaceRoot: ws.root, file: outside });
      assert.equal(problemsOf(result)[0], `${outside}: policy file "${outside}" does not exist; check the path, or run without a file to use airlock:default`);
    });

    it('gives an inline policy JSON paths but no lines', () => {
      const result = loadPolicy({ workspaceRoot: ws.root, inline: { version: 1, fs: { writes: {} } } });
      assert.deepEqual(problemsOf(result), ['inline policy fs.writes: unknown field "fs.writes"; did you mean "write"?']);
      loaded(loadPolicy({ workspaceRoot: ws.root, inline: { version: 1, extends: ['airlock:default'] } }));
    });
  });

  describe('the default preset', () => {
    it('uses airlock:default with a warning when the workspace has no policy file', () => {
      const result = loaded(loadPolicy({ workspaceRoot: ws.root }));
      assert.equal(result.warnings.length, 1);
      const warning = formatProblem(result.warnings[0]!);
      assert.match(warning, /no policy file at \.airlock\/policy\.json; using the airlock:default preset/);
      assert.match(warning, /create that file with \{"version": 1, "extends": \["airlock:default"\]\}/);
      assert.equal(result.policy.resolved.layers[0]?.sources[0]?.file, 'airlock:default');
      assert.equal(decide(result.policy, null, [], { kind: 'fs.read', path: '.env' }).verdict, 'deny');
      assert.equal(decide(result.policy, null, [], { kind: 'fs.write', path: 'src/a.ts' }).verdict, 'ask');
    });

    it('loads the workspace file when there is one, with no warning', () => {
      ws.write('.airlock/policy.json', '{"version": 1, "default": "deny"}');
      const result = loaded(loadPolicy({ workspaceRoot: ws.root }));
      assert.deepEqual(result.warnings, []);
      assert.equal(result.policy.default, 'deny');
    });

    it('loads a preset named as the file', () => {
      const result = loaded(loadPolicy({ workspaceRoot: ws.root, file: 'airlock:read-only' }));
      assert.equal(decide(result.policy, null, [], { kind: 'fs.write', path: 'a.txt' }).verdict, 'deny');
    });
  });

  describe('extends', () => {
    it('merges extended presets and files, each before the file that extends it', () => {
      ws.write('.airlock/base.json', '{"version": 1, "extends": ["airlock:default"], "fs": {"write": {"allow": ["src/**"]}}}');
      ws.write('.airlock/policy.json', '{"version": 1, "extends": ["./base.json"], "exec": {"allow": [["npm", "test"]]}, "fs": {"write": {"deny": ["src/generated/**"]}}}');
      const { policy } = loaded(loadPolicy({ workspaceRoot: ws.root }));
      assert.deepEqual(policy.resolved.layers.map((l) => [l.layer, l.sources.map((s) => s.file)]),
        [['workspace', ['airlock:default', '.airlock/base.json', '.airlock/policy.json']]]);
      const verdict = (action: Parameters<typeof decide>[3]) => decide(policy, null, [], action).verdict;
      assert.equal(verdict({ kind: 'fs.write', path: 'src/a.ts' }), 'allow', 'allow from the extended file');
      assert.equal(verdict({ kind: 'fs.write', path: 'src/generated/a.ts' }), 'deny', 'deny from the extending file');
      assert.equal(verdict({ kind: 'fs.read', path: '.env' }), 'deny', 'deny from the preset');
      assert.equal(verdict({ kind: 'exec', argv: ['npm', 'test'] }), 'allow');
      const rule = decide(policy, null, [], { kind: 'fs.write', path: 'src/a.ts' }).rule;
      assert.equal(rule.file, '.airlock/base.json');
      assert.equal(rule.line, 1);
    });

    it('lets the extending file set scalars such as the default', () => {
      ws.write('.airlock/policy.json', '{"version": 1, "extends": ["airlock:read-only"], "default": "ask"}');
      const { policy } = loaded(loadPolicy({ workspaceRoot: ws.root }));
      assert.equal(policy.default, 'ask');
      assert.equal(decide(policy, null, [], { kind: 'fs.write', path: 'x' }).verdict, 'deny', 'the preset deny still holds');
    });

    it('refuses an unknown preset and suggests the one meant', () => {
      const problems = problemsOf(loadText('{\n  "version": 1,\n  "extends": ["airlock:nodeproject"]\n}'));
      assert.deepEqual(problems, ['.airlock/policy.json:3:15 extends[0]: unknown preset "airlock:nodeproject"; did you mean "airlock:node-project"? '
        + 'presets: airlock:default, airlock:node-project, airlock:read-only, airlock:web-research']);
    });

    it('refuses a cycle and shows it', () => {
      ws.write('.airlock/a.json', '{"version": 1, "extends": ["./b.json"]}');
      ws.write('.airlock/b.json', '{"version": 1,\n "extends": ["./policy.json"]}');
      const problems = problemsOf(loadText('{"version": 1, "extends": ["./a.json"]}'));
      assert.deepEqual(problems, ['.airlock/b.json:2:14 extends[0]: extends cycle: .airlock/policy.json → .airlock/a.json → .airlock/b.json → .airlock/policy.json; '
        + 'remove one of these "extends" entries']);
    });

    it('refuses a file that extends itself', () => {
      const [p] = problemsOf(loadText('{"version": 1, "extends": ["policy.json"]}'));
      assert.match(p ?? '', /extends cycle: \.airlock\/policy\.json → \.airlock\/policy\.json/);
    });

    it('merges a file extended twice (a diamond) once', () => {
      ws.write('.airlock/common.json', '{"version": 1, "fs": {"read": {"allow": ["docs/**"]}}}');
      ws.write('.airlock/a.json', '{"version": 1, "extends": ["./common.json"]}');
      ws.write('.airlock/b.json', '{"version": 1, "extends": ["./common.json"]}');
      const { policy } = loaded(loadText('{"version": 1, "extends": ["./a.json", "./b.json"]}'));
      assert.deepEqual(policy.resolved.layers[0]?.sources.map((s) => s.file),
        ['.airlock/common.json', '.airlock/a.json', '.airlock/b.json', '.airlock/policy.json']);
    });

    it('places a missing extended file at the extends entry, and errors inside extended files in those files', () => {
      assert.deepEqual(problemsOf(loadText('{"version": 1, "extends": ["./nope.json"]}')),
        ['.airlock/policy.json:1:28 extends[0]: policy file ".airlock/nope.json" does not exist; check the path, or run without a file to use airlock:default']);
      ws.write('.airlock/base.json', '{"version": 1, "fs": {"red": {}}}');
      assert.deepEqual(problemsOf(loadText('{"version": 1, "extends": ["./base.json"]}')),
        ['.airlock/base.json:1:23 fs.red: unknown field "fs.red"; did you mean "read"?']);
    });
  });

  describe('layers and hash', () => {
    it('puts a baseline layer under the workspace one: its denies hold, its allows are needed too', () => {
      const baseline = path.join(ws.stateDir, 'baseline.json');
      ws.write('../state/baseline.json', '{"version": 1, "fs": {"read": {"allow": ["**"]}, "write": {"allow": ["src/**"], "deny": ["src/secret/**"]}}}');
      ws.write('.airlock/policy.json', '{"version": 1, "fs": {"write": {"allow": ["src/**", "docs/**"]}}}');
      const { policy } = loaded(loadPolicy({ workspaceRoot: ws.root, baselineFile: baseline }));
      assert.deepEqual(policy.resolved.layers.map((l) => l.layer), ['baseline', 'workspace']);
      assert.equal(policy.resolved.layers[0]?.sources[0]?.file, baseline);
      assert.equal(decide(policy, null, [], { kind: 'fs.write', path: 'src/a.ts' }).verdict, 'allow');
      assert.equal(decide(policy, null, [], { kind: 'fs.write', path: 'src/secret/k' }).verdict, 'deny');
      assert.notEqual(decide(policy, null, [], { kind: 'fs.write', path: 'docs/a.md' }).verdict, 'allow');
    });

    it('hashes the policy as loaded: equal for the same documents, different when a rule changes', () => {
      const text = '{"version": 1, "fs": {"write": {"allow": ["src/**"]}}}';
      const a = loaded(loadText(text)).policy.hash;
      const b = loaded(loadText(`// same rules, other formatting\n${text.replace(/ /g, '')}`)).policy.hash;
      const c = loaded(loadText(text.replace('src/**', 'lib/**'))).policy.hash;
      assert.match(a, /^[0-9a-f]{64}$/);
      assert.equal(a, b);
      assert.notEqual(a, c);
    });
  });

  describe('examples (tests)', () => {
    it('fails the load when an example does not hold, at the example', () => {
      const problems = problemsOf(loadText('{\n  "version": 1,\n  "tests": [\n    { "action": "fs.write", "target": "src/a.ts", "expect": "allow" }\n  ]\n}'));
      assert.deepEqual(problems, ['.airlock/policy.json:4:5 tests[0]: expected allow, got ask: no rule allows fs.write "src/a.ts"; the policy default is ask.']);
    });

    it('checks examples within a named task template', () => {
      loaded(loadText(JSON.stringify({
        version: 1, fs: { write: { allow: ['src/**', 'docs/**'] } },
        tasks: { docs: { intent: 'write docs', scope: { fs: { write: { allow: ['docs/**'] } } } } },
        tests: [
          { action: 'fs.write', target: 'docs/a.md', task: 'docs', expect: 'allow' },
          { action: 'fs.write', target: 'src/a.ts', task: 'docs', expect: 'ask' },
          { action: 'fs.write', target: 'src/a.ts', expect: 'allow' },
        ],
      })));
      const [p] = problemsOf(loadText('{"version": 1, "tests": [{"action": "fs.read", "target": "a", "task": "nope", "expect": "allow"}]}'));
      assert.equal(p, '.airlock/policy.json:1:26 tests[0]: unknown task "nope"; this policy defines no tasks');
    });

    it('takes an exec target as an argv array and refuses an ambiguous string with the fix', () => {
      const [p] = problemsOf(loadText('{"version": 1, "tests": [{"action": "exec", "target": "npm test", "expect": "ask"}]}'));
      assert.match(p ?? '', /tests\[0\]: an exec target "npm test" is ambiguous \(one argument with spaces, or several\?\); write it as an array: \["npm", "test"\]$/);
      loaded(loadText('{"version": 1, "tests": [{"action": "exec", "target": ["npm", "test"], "expect": "ask"}]}'));
    });
  });

  it('fails closed when the workspace does not exist', () => {
    const result = loadPolicy({ workspaceRoot: path.join(ws.root, 'nope') });
    assert.equal(result.ok, false);
  });
});

describe('userBaselineFile', () => {
  it('takes $AIRLOCK_BASELINE_POLICY, and "none" there turns the baseline off as --baseline none does', () => {
    assert.equal(userBaselineFile({ AIRLOCK_BASELINE_POLICY: '/etc/airlock/org.json' }, '/nonexistent-home'), '/etc/airlock/org.json');
    assert.equal(userBaselineFile({ AIRLOCK_BASELINE_POLICY: 'none' }, '/nonexistent-home'), undefined);
    assert.equal(userBaselineFile({}, '/nonexistent-home'), undefined);
  });
});
