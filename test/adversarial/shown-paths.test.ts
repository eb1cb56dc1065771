// Paths shown as what they are: a path that leaves the workspace (`~/../x`, `a/../../x`) is shown and recorded in its
// normalised absolute or `~/` form in the prompt, the result, the reason and the log target, and replay decides that
// path again, never the workspace file of the same name.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Arena, RecordingPrompter } from './support.js';
import { replayLog } from '../../sandbox/session/replay.js';
import { runAirlock } from '../support/cli.js';

describe('adversarial: paths shown as what they are', function () {
  this.timeout(60_000);
  let arena: Arena;
  afterEach(() => arena?.close());

  it('shows ~/../x, ~/../user/x and a/../../x by where they lead, in the prompt, the result, the reason and the log', async () => {
    const prompter = new RecordingPrompter(() => ({ answer: 'deny' }));
    // The workspace policy allows writing "x" and "notes.txt" inside the workspace, so a mislabelled outside path would pass for them.
    arena = new Arena({ policy: { version: 1, default: 'ask', fs: { write: { allow: ['x', 'notes.txt', 'outside/**'] } } }, prompter });
    const task = arena.enforcer.startTask({ intent: 'edit', scope: { fs: { write: { allow: ['x', 'notes.txt', 'outside/**'] } } } }).id;
    const home = arena.homeDir; // <base>/home/user
    const cases: [string, string][] = [
      ['~/../x', path.join(path.dirname(home), 'x')],
      ['~/../user/notes.txt', '~/notes.txt'],
      ['a/../../outside/canary.txt', path.join(arena.outside, 'canary.txt')],
    ];
    for (const [written, shown] of cases) {
      const r = await arena.perform(task, { action: 'fs.write', path: written, content: 'pwned' });
      assert.notEqual(r.outcome, 'done', written);
      assert.equal(r.target, shown, `the result names ${written} by where it leads`);
      assert.ok(r.reason.includes(JSON.stringify(shown)), `the reason names ${shown}: ${r.reason}`);
      const asked = prompter.asked.at(-1)!;
      assert.equal(asked.target, shown, 'the prompt shows where the path leads');
      assert.equal(asked.display.target, shown);
      assert.ok(asked.decision.reason.includes(shown));
    }
    assert.equal(arena.existsWs('x'), false);
    arena.assertCanariesIntact();
    const targets = arena.logText().trim().split('\n').map((l) => (JSON.parse(l.slice(l.indexOf(' ') + 1)) as { target?: string }).target);
    for (const [, shown] of cases) assert.ok(targets.includes(shown), `the log records ${shown}`);
    assert.equal(targets.includes('x'), false, 'no entry passes ~/../x off as the workspace file x');
    assert.equal(targets.includes('outside/canary.txt'), false);

    // Replay under a policy allowing every write in the workspace: the outside paths are still not allowed.
    await arena.enforcer.close();
    arena.log.close();
    const open = path.join(arena.base, 'open.json');
    fs.writeFileSync(open, JSON.stringify({ version: 1, default: 'ask', fs: { write: { allow: ['x', 'notes.txt', 'outside/**', 'src/**'] } } }));
    const replayed = await replayLog(arena.logFile, { policyFile: open, workspaceRoot: arena.root, homeDir: home });
    assert.ok(replayed.ok, JSON.stringify(replayed));
    const writes = replayed.report.decisions.filter((d) => d.action === 'fs.write');
    assert.ok(writes.length >= 3);
    for (const d of writes) assert.notEqual(d.after, 'allow', `replay decided the real path of ${d.target}`);
  });

  it('policy explain shows the path where it leads', async () => {
    arena = new Arena({ policy: { version: 1, default: 'ask', fs: { write: { allow: ['x'] } } } });
    const policy = path.join(arena.root, '.airlock', 'policy.json');
    const r = await runAirlock(['policy', 'explain', '--policy', policy, '--workspace', arena.root, '--baseline', 'none', 'fs.write', '../outside/x'],
      { env: { HOME: arena.homeDir } });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(path.join(arena.outside, 'x')), r.stdout);
    assert.equal(/fs\.write {2}x {2}/.test(r.stdout), false);
  });

  it('shows an absolute path into the workspace (as agents send them) workspace-relative, the form rules and "Always allow" use', async () => {
    const prompter = new RecordingPrompter(() => ({ answer: 'deny' }));
    arena = new Arena({ policy: { version: 1, default: 'ask', fs: { write: { allow: ['docs/**'] } } }, prompter });
    const task = arena.enforcer.startTask({ intent: 'edit', scope: { fs: { write: { allow: ['docs/**'] } } } }).id;
    const abs = path.join(arena.root, 'src', 'new.ts');
    const r = await arena.perform(task, { action: 'fs.write', path: abs, content: 'x' });
    assert.notEqual(r.outcome, 'done');
    assert.equal(r.target, 'src/new.ts');
    assert.equal(prompter.asked.at(-1)!.display.target, 'src/new.ts');
    assert.ok(r.reason.includes('"src/new.ts"'), r.reason);
    // The workspace's home-relative spelling too: `~/…` into the workspace is the workspace's file.
    const viaHome = path.relative(arena.homeDir, abs);
    if (!viaHome.startsWith('..')) {
      const r2 = await arena.perform(task, { action: 'fs.write', path: `~/${viaHome}`, content: 'x' });
      assert.equal(r2.target, 'src/new.ts');
    }
    assert.equal(arena.existsWs('src/new.ts'), false);
  });
});
