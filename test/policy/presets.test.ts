// The built-in presets: each loads cleanly, its own examples pass, and every one keeps secrets and protected files safe.
import assert from 'node:assert/strict';
import path from 'node:path';
import { formatProblem } from '../../sandbox/errors.js';
import { decide } from '../../sandbox/policy/decide.js';
import { loadPolicy } from '../../sandbox/policy/load.js';
import { runPolicyTests } from '../../sandbox/policy/policyTests.js';
import { airlockRoot, presetFile, presetNames } from '../../sandbox/policy/presets.js';
import type { Action } from '../../sandbox/policy/types.js';
import { repoRoot } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';
import type { TempWorkspace } from '../support/workspace.js';

const PRESETS = ['default', 'node-project', 'read-only', 'web-research'];

describe('presets', () => {
  let ws: TempWorkspace;
  beforeEach(() => { ws = makeWorkspace(); });
  afterEach(() => ws.cleanup());

  const load = (name: string) => {
    const result = loadPolicy({ workspaceRoot: ws.root, file: `airlock:${name}`, homeDir: path.join(ws.stateDir, 'home') });
    if (!result.ok) assert.fail(result.problems.map(formatProblem).join('\n'));
    return result;
  };

  it('are found in the installation, from source and from the bundle (dist/cli.js)', () => {
    assert.deepEqual(presetNames(), PRESETS);
    assert.equal(airlockRoot(path.join(repoRoot, 'dist', 'cli.js')), repoRoot);
    assert.equal(airlockRoot(path.join(repoRoot, 'sandbox', 'policy', 'load.ts')), repoRoot);
    assert.equal(presetFile('airlock:node-project'), path.join(repoRoot, 'policies', 'node-project.json'));
    assert.equal(presetFile('airlock:../package'), undefined);
    assert.equal(presetFile('airlock:nope'), undefined);
  });

  for (const name of PRESETS) {
    describe(`airlock:${name}`, () => {
      it('loads without errors or warnings', () => {
        assert.deepEqual(load(name).warnings.map(formatProblem), []);
      });

      it('passes its own examples, which show an allow and a deny', () => {
        const results = runPolicyTests(load(name).policy);
        assert.ok(results.length >= 5, 'the preset documents itself with examples');
        assert.deepEqual(results.filter((r) => !r.pass).map((r) => r.message), []);
        const verdicts = new Set(results.map((r) => r.decision?.verdict));
        assert.ok(verdicts.has('allow') && verdicts.has('deny'), [...verdicts].join(','));
      });

      it('denies reading secrets, in the workspace and at home', () => {
        const { policy } = load(name);
        const secrets = ['.env', 'api/.env.local', 'certs/server.pem', 'keys/id_rsa', 'keys/id_ed25519.pub', '~/.ssh/config', '~/.aws/credentials'];
        for (const p of secrets) {
          assert.equal(decide(policy, null, [], { kind: 'fs.read', path: p }).verdict, 'deny', p);
        }
      });

      it('keeps the built-in protections', () => {
        const { policy } = load(name);
        const d = decide(policy, null, [], { kind: 'fs.write', path: '.git/hooks/pre-commit' });
        assert.equal(d.verdict, 'deny');
        assert.equal(d.rule.layer, 'builtin');
      });
    });
  }

  it('differ as documented', () => {
    const verdict = (name: string, action: Action) => decide(load(name).policy, null, [], action).verdict;
    const write: Action = { kind: 'fs.write', path: 'src/index.ts' };
    const fetchHttps: Action = { kind: 'net.fetch', url: 'https://registry.npmjs.org/zod' };
    const npmTest: Action = { kind: 'exec', argv: ['npm', 'test'] };
    assert.deepEqual(PRESETS.map((n) => [n, verdict(n, write), verdict(n, fetchHttps), verdict(n, npmTest)]), [
      ['default', 'ask', 'ask', 'ask'],
      ['node-project', 'allow', 'allow', 'allow'],
      ['read-only', 'deny', 'deny', 'deny'],
      ['web-research', 'deny', 'ask', 'deny'],
    ]);
  });
});
