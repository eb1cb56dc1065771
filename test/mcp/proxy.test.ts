// `airlock mcp --proxy`: a real MCP server (test/mcp/fixtures/recording-server.mjs) behind Airlock, driven by the SDK's
// own Client: each of its tool calls decided by the policy's tool rules, refused ones never reaching it, all logged.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { buildCli, connect, ERAS, textOf, type Connected } from './support.js';

const FIXTURE = path.join(import.meta.dirname, 'fixtures', 'recording-server.mjs');
const policy = {
  version: 1,
  default: 'ask',
  fs: { read: { allow: ['src/**'] } },
  tools: { allow: ['rec/echo'], deny: ['rec/delete_*'] },
  approval: { timeoutSeconds: 5 },
};

interface Entry { kind: string; action?: string; target?: string; verdict?: string; ref?: number; outcome?: string; digests?: Record<string, string>; data?: Record<string, unknown> }

function logEntries(ws: TempWorkspace): (Entry & { seq: number })[] {
  const dir = path.join(ws.stateDir, 'logs');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  assert.equal(files.length, 1, `one log file in ${dir}`);
  return fs.readFileSync(path.join(dir, files[0]!), 'utf8').split('\n').filter(Boolean)
    .map((line) => JSON.parse(line.slice(line.indexOf(' ') + 1)) as Entry & { seq: number });
}

describe('airlock mcp --proxy: another MCP server behind Airlock', function () {
  this.timeout(60000);
  let ws: TempWorkspace;
  let calls: string;
  let c: Connected | undefined;

  before(() => buildCli());
  beforeEach(() => {
    ws = makeWorkspace({ 'src/a.txt': 'a' }, policy);
    calls = path.join(ws.stateDir, 'calls.jsonl');
  });
  afterEach(async () => {
    await c?.close().catch(() => undefined);
    c = undefined;
    ws.cleanup();
  });
  const proxyArgs = () => ['--proxy', '--name', 'rec', '--', process.execPath, FIXTURE, calls];
  const start = () => connect(ws, 'legacy', undefined, proxyArgs());
  const unlisted = () => fs.writeFileSync(path.join(ws.root, '.airlock', 'policy.json'), JSON.stringify({ ...policy, tools: { deny: ['rec/delete_*'] } }));
  const childCalls = (): { name: string; args: unknown }[] => fs.existsSync(calls)
    ? fs.readFileSync(calls, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string; args: unknown }) : [];

  it('re-exposes the child\'s tools with their schemas and annotations', async () => {
    c = await start();
    const { tools } = await c.client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['delete_everything', 'echo']);
    const echo = tools.find((t) => t.name === 'echo')!;
    assert.deepEqual(Object.keys(echo.inputSchema.properties ?? {}), ['text']);
    assert.equal(echo.annotations?.readOnlyHint, true);
    assert.equal(tools.find((t) => t.name === 'delete_everything')!.annotations?.destructiveHint, true);
  });

  it('forwards an allowed tool call and logs the decision and its outcome with a digest', async () => {
    c = await start();
    const r = await c.client.callTool({ name: 'echo', arguments: { text: 'hello' } });
    assert.equal(r.isError ?? false, false, textOf(r));
    assert.equal(textOf(r), 'echo: hello');
    assert.deepEqual(childCalls(), [{ name: 'echo', args: { text: 'hello' } }]);
    await c.close();
    c = undefined;
    const entries = logEntries(ws);
    const decision = entries.find((e) => e.kind === 'decision' && e.action === 'tool' && e.target === 'rec/echo');
    assert.ok(decision, JSON.stringify(entries));
    assert.equal(decision.verdict, 'allow');
    const outcome = entries.find((e) => e.kind === 'outcome' && e.ref === decision.seq);
    assert.ok(outcome, JSON.stringify(entries));
    assert.equal(outcome.outcome, 'done');
    assert.match(outcome.digests?.['result'] ?? '', /^[0-9a-f]{64}$/);
  });

  it('refuses a denied tool with the rule, and the child never sees the call', async () => {
    c = await start();
    const r = await c.client.callTool({ name: 'delete_everything', arguments: { confirm: true } });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /Airlock refused rec\/delete_everything/);
    assert.match(textOf(r), /rec\/delete_\*/, 'names the rule');
    assert.match(textOf(r), /Do not retry/);
    assert.deepEqual(childCalls(), []);
    await c.close();
    c = undefined;
    assert.ok(logEntries(ws).some((e) => e.kind === 'decision' && e.target === 'rec/delete_everything' && e.verdict === 'deny'));
  });

  it('asks about a tool no rule lists and, with no editor and no elicitation, denies it with that reason', async () => {
    unlisted();
    c = await start();
    const r = await c.client.callTool({ name: 'echo', arguments: { text: 'unlisted' } });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /Airlock refused rec\/echo/);
    assert.match(textOf(r), /nobody could be asked: no editor is connected/, textOf(r));
    assert.deepEqual(childCalls(), []);
  });

  it('refuses an allowed tool given a protected path as an argument', async () => {
    c = await start();
    const r = await c.client.callTool({ name: 'echo', arguments: { text: '.airlock/policy.json' } });
    assert.equal(r.isError, true);
    assert.match(textOf(r), /no tool may be given/);
    assert.deepEqual(childCalls(), []);
  });

  for (const era of ERAS) {
    it(`asks about an unlisted tool through elicitation (${era} era): allow once forwards it, deny refuses it`, async () => {
      unlisted();
      let answer = 'allow-once';
      c = await connect(ws, era, () => ({ action: 'accept', content: { decision: answer } }), proxyArgs());
      const ok = await c.client.callTool({ name: 'echo', arguments: { text: 'asked' } });
      assert.equal(ok.isError ?? false, false, textOf(ok));
      assert.equal(textOf(ok), 'echo: asked');
      assert.equal(c.elicited.length, 1);
      assert.match(c.elicited[0]!.message, /rec\/echo/);
      answer = 'deny';
      const no = await c.client.callTool({ name: 'echo', arguments: { text: 'again' } });
      assert.equal(no.isError, true);
      assert.match(textOf(no), /Airlock refused rec\/echo/);
      assert.equal(c.elicited.length, 2, 'allow once does not cover the next call');
      assert.deepEqual(childCalls(), [{ name: 'echo', args: { text: 'asked' } }]);
    });
  }
});
