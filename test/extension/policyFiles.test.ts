// Policy files in the editor: problems land at their line and column, a new policy from each preset loads, inputs parse.
import assert from 'node:assert/strict';
import path from 'node:path';
import { listPresets, parseExplainInput, parseTypedScope, policyFromPreset } from '../../src/policy/authoring.js';
import { byFile, toDiagnostics } from '../../src/policy/diagnostics.js';
import { loadPolicy } from '../../sandbox/policy/load.js';
import { repoRoot } from '../support/cli.js';
import { makeWorkspace } from '../support/workspace.js';

describe('policy files in the editor', () => {
  it('turns the harness\'s located problems into diagnostics at the same place (0-based)', () => {
    const ws = makeWorkspace({ '.airlock/policy.json': '{\n  "version": 1,\n  "default": "maybe"\n}\n' });
    try {
      const loaded = loadPolicy({ workspaceRoot: ws.root });
      assert.ok(!loaded.ok);
      const specs = toDiagnostics(ws.root, '.airlock/policy.json', loaded.problems);
      const d = specs.find((s) => s.message.includes('default'));
      assert.ok(d, JSON.stringify(specs));
      assert.equal(d.file, path.join(ws.root, '.airlock', 'policy.json'));
      assert.deepEqual([d.line, d.col, d.severity], [2, 13, 'error']);
      const grouped = byFile(specs, ['/old/file.json']);
      assert.deepEqual(grouped.get('/old/file.json'), [], 'a file that is fine again is cleared');
    } finally {
      ws.cleanup();
    }
  });

  it('creates a policy from every preset that loads and carries its $schema line', () => {
    const presets = listPresets(path.join(repoRoot, 'policies'));
    assert.ok(presets.length >= 4 && presets[0]!.name === 'default');
    for (const preset of presets) {
      const text = policyFromPreset(preset, 'file:///ext/policies/policy.schema.json');
      assert.match(text, /^\{\n {2}"\$schema": "file:\/\/\/ext\/policies\/policy\.schema\.json",/);
      const ws = makeWorkspace({ '.airlock/policy.json': text });
      try {
        const loaded = loadPolicy({ workspaceRoot: ws.root });
        assert.ok(loaded.ok, `${preset.name}: ${JSON.stringify(!loaded.ok && loaded.problems)}`);
        assert.ok(loaded.policy.tasks['fix-tests']);
      } finally {
        ws.cleanup();
      }
    }
  });

  it('parses Explain Decision input and typed task scopes, and says what is wrong', () => {
    assert.deepEqual(parseExplainInput('fs.write  src/a b.ts'), { ok: true, action: 'fs.write', target: 'src/a b.ts' });
    assert.deepEqual(parseExplainInput('exec npm run test'), { ok: true, action: 'exec', target: ['npm', 'run', 'test'] });
    assert.deepEqual(parseExplainInput('exec ["a b","c"]'), { ok: true, action: 'exec', target: ['a b', 'c'] });
    assert.match((parseExplainInput('fs.wrte x') as { message: string }).message, /unknown action "fs\.wrte"/);
    assert.deepEqual(parseTypedScope('write src/**, read docs/**, exec npm test, net https://x.dev/**'), {
      ok: true, scope: { fs: { write: { allow: ['src/**'] }, read: { allow: ['docs/**'] } }, exec: { allow: [['npm', 'test']] }, net: { allow: ['https://x.dev/**'] } },
    });
    assert.match((parseTypedScope('delete src/**') as { message: string }).message, /"delete" is not one of read, write, net, exec/);
  });
});
