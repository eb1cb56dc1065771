// `airlock mcp` with the editor running: an out-of-scope call is asked through the gateway socket of the real
// `airlock host` the extension starts (its approval/request), not through elicitation; the editor's answer is final.
import assert from 'node:assert/strict';
import path from 'node:path';
import { HarnessClient } from '../../src/harness/client.js';
import type { ApprovalRequest } from '../../sandbox/pipeline/types.js';
import { hostCommand } from '../support/harness.js';
import { repoRoot } from '../support/cli.js';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { buildCli, connect, textOf, type Connected } from './support.js';

describe('airlock mcp asks the editor through the gateway of a running airlock host', function () {
  this.timeout(120000);
  let ws: TempWorkspace;
  let harness: HarnessClient;
  let c: Connected | undefined;
  const asked: ApprovalRequest[] = [];
  let answer: 'allow-once' | 'deny' = 'allow-once';

  before(() => buildCli());
  beforeEach(async () => {
    ws = makeWorkspace({ 'src/a.ts': 'export const a = 1;\n' }, { version: 1, default: 'ask', fs: { read: { allow: ['src/**'] }, write: { allow: ['src/**'] } } });
    asked.length = 0;
    harness = new HarnessClient({
      command: hostCommand(path.join(ws.stateDir, 'keys')), cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: '', AIRLOCK_STATE_DIR: ws.stateDir, AIRLOCK_BASELINE_POLICY: 'none' },
      onApproval: async (request) => { asked.push(request); return { answer }; },
    });
    const init = await harness.initialize({ workspaceRoot: ws.root });
    assert.ok(init.gateway, JSON.stringify(init.problems));
  });
  afterEach(async () => {
    await c?.close().catch(() => undefined);
    c = undefined;
    await harness.shutdown().catch(() => undefined);
    ws.cleanup();
  });

  for (const [given, written] of [['allow-once', true], ['deny', false]] as const) {
    it(`an out-of-scope write is asked in the editor; ${given} ${written ? 'writes it' : 'refuses it'}, and no elicitation is sent`, async () => {
      answer = given;
      c = await connect(ws, 'legacy', () => ({ action: 'decline' }), [], { AIRLOCK_STATE_DIR: ws.stateDir });
      const result = await c.client.callTool({ name: 'write_file', arguments: { path: 'notes/todo.md', content: 'from the agent' } });
      assert.equal(asked.length, 1);
      assert.equal(asked[0]!.target, 'notes/todo.md');
      assert.equal(c.elicited.length, 0);
      assert.equal(result.isError === true, !written, textOf(result));
      assert.equal(ws.exists('notes/todo.md'), written);
    });
  }
});
