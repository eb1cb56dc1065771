// The harness's tool/call and tool/preview, which the editor's language-model tools use: the same tools as `airlock mcp`,
// asks through the client, refusals as results, previews without side effects.
import assert from 'node:assert/strict';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { startHarness } from '../support/harness.js';
import type { HarnessClient } from '../../src/harness/client.js';
import type { ApprovalRequest } from '../../sandbox/protocol/protocol.js';

const policy = { version: 1, default: 'ask', fs: { read: { allow: ['src/**'], deny: ['**/.env*'] }, write: { allow: ['src/**'] } } };

describe('airlock host: tool/call and tool/preview', function () {
  this.timeout(60000);
  let ws: TempWorkspace;
  let client: HarnessClient | undefined;
  let prompts: ApprovalRequest[];

  beforeEach(() => {
    ws = makeWorkspace({ 'src/a.ts': 'export const a = 1;\n', '.env': 'K=v\n' }, policy);
    prompts = [];
  });
  afterEach(() => {
    client?.terminate();
    client = undefined;
    ws.cleanup();
  });

  async function start(): Promise<{ client: HarnessClient; taskId: string }> {
    client = startHarness(ws.stateDir, { onApproval: async (r) => { prompts.push(r); return { answer: 'allow-once' }; } });
    await client.initialize({ workspaceRoot: ws.root });
    const task = await client.startTask({ intent: 'edit', scope: { fs: { read: { allow: ['src/**'] }, write: { allow: ['src/**', 'notes/**'] } } } });
    return { client, taskId: task.id };
  }

  it('runs the agent tools in the editor\'s task, asking through the client', async () => {
    const { client, taskId } = await start();
    const edited = await client.callTool(taskId, 'edit_file', { path: 'src/a.ts', old_string: '= 1', new_string: '= 2' });
    assert.deepEqual(edited, { text: 'Replaced 1 occurrence in src/a.ts.', isError: false });
    assert.equal(ws.read('src/a.ts'), 'export const a = 2;\n');
    const secret = await client.callTool(taskId, 'read_file', { path: '.env' });
    assert.equal(secret.isError, true);
    assert.match(secret.text, /fs\.read\.deny\[0\] "\*\*\/\.env\*"/);
    const asked = await client.callTool(taskId, 'write_file', { path: 'notes/n.md', content: 'n' });
    assert.equal(asked.isError, false, asked.text);
    assert.equal(prompts.length, 1);
    assert.equal(prompts[0]!.target, 'notes/n.md');
    const begin = await client.callTool(taskId, 'begin_task', { intent: 'x', template: 'y' });
    assert.equal(begin.isError, true);
    assert.match(begin.text, /tasks are begun and ended by the editor/);
  });

  it('previews the verdict without asking, logging or performing anything', async () => {
    const { client, taskId } = await start();
    const logBefore = (await client.readLog()).length;
    const read = await client.previewTool(taskId, 'read_file', { path: 'src/a.ts' });
    assert.deepEqual({ ...read, reason: undefined }, { tool: 'read_file', action: 'fs.read', target: 'src/a.ts', verdict: 'allow', reason: undefined });
    assert.match(read.reason, /fs\.read\.allow/);
    assert.equal((await client.previewTool(taskId, 'write_file', { path: 'notes/n.md', content: 'n' })).verdict, 'ask');
    assert.equal((await client.previewTool(taskId, 'read_file', { path: '.env' })).verdict, 'deny');
    assert.equal((await client.previewTool(taskId, 'run_script', { code: 'return 1' })).verdict, 'per-call');
    assert.equal(prompts.length, 0);
    assert.equal(ws.exists('notes/n.md'), false);
    assert.equal((await client.readLog()).length, logBefore);
  });

  it('answers bad tool arguments with invalid params naming the field', async () => {
    const { client, taskId } = await start();
    await assert.rejects(client.callTool(taskId, 'exec', { argv: 'ls' }), (err: { code?: number; message: string }) => {
      assert.equal(err.code, -32602);
      assert.match(err.message, /exec: invalid arguments: argv/);
      return true;
    });
    await assert.rejects(client.callTool(taskId, 'format_disk', {}), /Unknown tool "format_disk"/);
  });
});
