// `airlock mcp` fails closed at startup: a policy that does not load refuses every call (saying where to fix it), and
// a task template that does not exist is bad input.
import assert from 'node:assert/strict';
import path from 'node:path';
import { runAirlock } from '../support/cli.js';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { buildCli, connect, textOf, type Connected } from './support.js';

describe('airlock mcp at startup', function () {
  this.timeout(60000);
  let ws: TempWorkspace;
  let c: Connected | undefined;
  before(() => buildCli());
  afterEach(async () => {
    await c?.close().catch(() => undefined);
    c = undefined;
    ws.cleanup();
  });

  it('refuses every call when the policy does not load, naming the file and the problem', async () => {
    ws = makeWorkspace({ 'src/a.ts': 'x', '.airlock/policy.json': '{ "version": 1, "fs": { "write": { "allow": ["**"] } } }' });
    c = await connect(ws, 'legacy');
    const { tools } = await c.client.listTools();
    assert.match(tools.find((t) => t.name === 'read_file')!.description ?? '', /the policy failed to load/);
    const result = await c.client.callTool({ name: 'read_file', arguments: { path: 'src/a.ts' } });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /Airlock refuses every action: the policy failed to load/);
    assert.match(textOf(result), /\.airlock\/policy\.json:1:\d+ fs\.write\.allow\[0\]/);
  });

  it('exits 2 for a task template the policy does not define', async () => {
    ws = makeWorkspace({}, { version: 1, tasks: { docs: { intent: 'docs', scope: { fs: { read: { allow: ['docs/**'] } } } } } });
    const r = await runAirlock(['mcp', '--workspace', ws.root, '--log-dir', path.join(ws.stateDir, 'logs'), '--task', 'nope']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--task "nope": the policy has no such task template; it defines "docs"/);
  });
});
