import assert from 'node:assert/strict';
import path from 'node:path';
import { formatProblem } from '../../sandbox/errors.js';
import { parseSession } from '../../sandbox/session/format.js';
import { Fixture } from './fixture.js';

describe('session format', () => {
  let fx: Fixture;
  beforeEach(() => { fx = new Fixture(); });
  afterEach(() => fx.remove());

  const parse = (text: string) => parseSession(text, path.join(fx.dir, 's.json'));
  const messages = (text: string): string[] => {
    const r = parse(text);
    assert.equal(r.ok, false);
    return r.ok ? [] : r.problems.map(formatProblem);
  };

  it('parses a session with comments, resolving workspace and policy against the session file', () => {
    fx.write('p.json', '{ "version": 1 }');
    const r = parse(`{
      // a comment
      "name": "n", "workspace": "./ws", "policy": "./p.json", "task": { "template": "work" },
      "approvals": [{ "action": "exec", "target": ["npm", "test", "**"], "answer": "allow-task" }, { "action": "exec", "target": "ls", "answer": "deny" }],
      "steps": [{ "action": "fs.list" }, { "action": "kill", "name": "stop" }],
    }`);
    assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
    assert.equal(r.session.workspaceDir, fx.ws);
    assert.deepEqual(r.session.policy, { file: path.join(fx.dir, 'p.json') });
    assert.deepEqual(r.session.steps[0], { action: 'fs.list', path: '.' });
    assert.equal(r.session.steps[1]?.name, 'stop');
  });

  it('takes an exec approval target as an array, as policy tests do; an ambiguous string is refused with the fix', () => {
    const out = messages(JSON.stringify({
      name: 'n', workspace: './ws', task: { template: 'work' },
      approvals: [{ action: 'exec', target: 'npm test **', answer: 'allow-task' }], steps: [{ action: 'fs.list' }],
    }));
    assert.deepEqual(out.map((m) => m.replace(/^.*approvals\[0\]\.target: /, '')),
      ['an exec approval target "npm test **" is ambiguous (one argument with spaces, or several?); write it as an array: ["npm", "test", "**"]']);
  });

  it('reports every independent problem at once, sorted by position: empty steps do not hide a missing workspace', () => {
    const out = messages([
      '{',
      '  "name": "n",',
      '  "workspace": "./nope",',
      '  "policy": "./missing-policy.json",',
      '  "approvals": [{ "action": "exec", "target": "npm test", "answer": "deny" }],',
      '  "steps": []',
      '}',
    ].join('\n')).map((m) => m.replace(`${path.join(fx.dir, 's.json')}:`, ''));
    assert.deepEqual(out.map((m) => m.split(': ')[0]), ['1:1', '3:16 workspace', '4:13 policy', '5:47 approvals[0].target', '6:12 steps'], out.join('\n'));
    assert.match(out[0] ?? '', /the session needs a task/);
    assert.match(out[4] ?? '', /needs at least 1 entry/);
  });

  it('names unknown fields at their line and column, with the nearest known field', () => {
    const out = messages('{\n  "name": "n", "workspace": "./ws", "task": { "template": "work" },\n  "steps": [\n    { "action": "fs.read", "pth": "a" }\n  ]\n}');
    assert.ok(out.some((m) => m.startsWith(`${path.join(fx.dir, 's.json')}:4:28 steps[0].pth: unknown field "pth"; did you mean "path"?`)), out.join('\n'));
    assert.ok(out.some((m) => /:4:5 steps\[0\]\.path: missing required field \(expected string\)/.test(m)), out.join('\n'));
  });

  it('suggests the action meant by a misspelt one, and checks expectations strictly', () => {
    const out = messages(JSON.stringify({
      name: 'n', workspace: './ws', task: { template: 'work' },
      steps: [{ action: 'fs.raed', path: 'a' }, { action: 'fs.read', path: 'a', expect: { outcom: 'done', verdict: 'maybe', errorMatches: '(' } }],
    }));
    assert.ok(out.some((m) => m.includes('steps[0].action: unknown action "fs.raed"; did you mean "fs.read"?')), out.join('\n'));
    assert.ok(out.some((m) => m.includes('steps[1].expect.outcom: unknown field "outcom"; did you mean "outcome"?')), out.join('\n'));
    assert.ok(out.some((m) => m.includes('steps[1].expect.verdict: expected one of "allow", "ask", "deny"')), out.join('\n'));
    assert.ok(out.some((m) => m.includes('steps[1].expect.errorMatches: errorMatches must be a valid regular expression')), out.join('\n'));
  });

  it('reports JSON syntax errors with their position', () => {
    const out = messages('{\n  "name": "n",\n  "steps": [ }\n}');
    assert.match(out[0] ?? '', /s\.json:3:\d+: invalid JSON/);
  });

  it('requires a task template or scope, an existing workspace, and valid approval patterns', () => {
    assert.match(messages(JSON.stringify({ name: 'n', workspace: './ws', steps: [{ action: 'fs.list' }] }))[0] ?? '', /needs a task with a "template"/);
    assert.match(messages(JSON.stringify({ name: 'n', workspace: './nope', task: { template: 'w' }, steps: [{ action: 'fs.list' }] }))[0] ?? '',
      /workspace: the workspace folder "\.\/nope" does not exist/);
    const bad = messages(JSON.stringify({
      name: 'n', workspace: './ws', task: { template: 'w' }, steps: [{ action: 'fs.list' }],
      approvals: [{ action: 'net.fetch', target: 'registry.npmjs.org', answer: 'allow-once' }],
    }));
    assert.match(bad[0] ?? '', /approvals\[0\]\.target: the approval target "registry\.npmjs\.org" is not valid for net\.fetch: .*no scheme/);
  });
});
