// `airlock mcp` driven by the MCP SDK's own Client over stdio, in the 2025-11-25 (initialize) and the stateless
// 2026-07-28 eras: tools, allowed and denied actions, elicitation answers, code mode, the kill switch, bad arguments.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ProtocolError } from '@modelcontextprotocol/client';
import { verifyLog } from '../../sandbox/log/verify.js';
import { AGENT_TOOL_NAMES } from '../../sandbox/protocol/agentTools.js';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { buildCli, connect, ERA_VERSION, ERAS, textOf, type Connected } from './support.js';

const SECRET = 'sk-live-THE-SECRET-VALUE-42';
const policy = {
  version: 1,
  default: 'ask',
  fs: { read: { allow: ['src/**', 'docs/**'], deny: ['**/.env*'] }, write: { allow: ['src/**'] } },
  exec: { allow: [['sleep', '*']] },
  limits: { cpuMs: 60000, wallMs: 60000 },
  approval: { timeoutSeconds: 20 },
  tasks: { docs: { intent: 'edit the docs', scope: { fs: { read: { allow: ['docs/**'] }, write: { allow: ['docs/**'] } } } } },
};

interface Entry { kind: string; action?: string; target?: string; verdict?: string; decidedBy?: string; outcome?: string; data?: Record<string, unknown> }

function logEntries(ws: TempWorkspace): { file: string; entries: Entry[] } {
  const dir = path.join(ws.stateDir, 'logs');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl'));
  assert.equal(files.length, 1, `one log file in ${dir}`);
  const file = path.join(dir, files[0]!);
  const entries = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line.slice(line.indexOf(' ') + 1)) as Entry);
  return { file, entries };
}

for (const era of ERAS) {
  describe(`airlock mcp with the SDK Client (${era} era, ${ERA_VERSION[era]})`, function () {
    this.timeout(60000);
    let ws: TempWorkspace;
    let c: Connected | undefined;
    before(() => buildCli());

    beforeEach(() => {
      ws = makeWorkspace({
        'src/a.ts': 'export const a = 1;\n',
        'src/b.ts': 'export const b = a + 1;\n',
        'docs/guide.md': '# Guide\nuse a\n',
        '.env': `API_KEY=${SECRET}\n`,
      }, policy);
    });
    afterEach(async () => {
      await c?.close().catch(() => undefined);
      c = undefined;
      ws.cleanup();
    });

    it('negotiates the era and lists every tool with truthful annotations and a schema', async () => {
      c = await connect(ws, era);
      assert.equal(c.client.getNegotiatedProtocolVersion(), ERA_VERSION[era]);
      const { tools } = await c.client.listTools();
      assert.deepEqual(tools.map((t) => t.name).sort(), [...AGENT_TOOL_NAMES].sort());
      const byName = new Map(tools.map((t) => [t.name, t]));
      assert.equal(byName.get('read_file')!.annotations?.readOnlyHint, true);
      assert.equal(byName.get('delete_path')!.annotations?.destructiveHint, true);
      assert.equal(byName.get('fetch')!.annotations?.openWorldHint, true);
      assert.equal(byName.get('exec')!.annotations?.readOnlyHint, false);
      assert.deepEqual((byName.get('edit_file')!.inputSchema as { required?: string[] }).required?.sort(), ['new_string', 'old_string', 'path']);
      assert.match(byName.get('read_file')!.description ?? '', /you may read "src\/\*\*", "docs\/\*\*"; never "\*\*\/\.env\*"/);
      assert.match(byName.get('begin_task')!.description ?? '', /"docs" \(edit the docs\)/);
    });

    it('performs an allowed read and logs its decision and outcome', async () => {
      c = await connect(ws, era);
      const result = await c.client.callTool({ name: 'read_file', arguments: { path: 'src/a.ts' } });
      assert.equal(result.isError, false);
      assert.equal(textOf(result), 'export const a = 1;\n');
      await c.close();
      c = undefined;
      const { file, entries } = logEntries(ws);
      assert.ok(entries.some((e) => e.kind === 'decision' && e.action === 'fs.read' && e.target === 'src/a.ts' && e.verdict === 'allow'));
      assert.ok(entries.some((e) => e.kind === 'outcome' && e.action === 'fs.read' && e.target === 'src/a.ts' && e.outcome === 'done'));
      assert.equal(verifyLog(file, { keyDir: path.join(ws.stateDir, 'keys') }).ok, true);
    });

    it('refuses the secret with the rule and what to do instead, and no secret in the result or the log', async () => {
      c = await connect(ws, era);
      const result = await c.client.callTool({ name: 'read_file', arguments: { path: '.env' } });
      assert.equal(result.isError, true);
      const text = textOf(result);
      assert.match(text, /Airlock denied fs\.read "\.env"/);
      assert.match(text, /fs\.read\.deny\[0\] "\*\*\/\.env\*"/);
      assert.match(text, /What to do instead: the policy forbids it/);
      assert.ok(!text.includes(SECRET));
      const searched = await c.client.callTool({ name: 'search', arguments: { pattern: 'API_KEY' } });
      assert.ok(!textOf(searched).includes(SECRET));
      await c.close();
      c = undefined;
      assert.ok(!fs.readFileSync(logEntries(ws).file, 'utf8').includes(SECRET));
    });

    it('refuses an out-of-scope write with the reason when nobody can be asked, and writes nothing', async () => {
      c = await connect(ws, era);
      const result = await c.client.callTool({ name: 'write_file', arguments: { path: 'notes/todo.md', content: 'x' } });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /Airlock denied fs\.write "notes\/todo\.md": the approval prompt failed \(nobody could be asked/);
      assert.match(textOf(result), /What to do instead: it needs the user's approval/);
      assert.equal(ws.exists('notes/todo.md'), false);
    });

    it('refuses a write outside a narrower task and says how to widen it', async () => {
      c = await connect(ws, era);
      const begun = await c.client.callTool({ name: 'begin_task', arguments: { intent: 'docs only', template: 'docs' } });
      assert.equal(begun.isError, false, textOf(begun));
      const result = await c.client.callTool({ name: 'edit_file', arguments: { path: 'src/a.ts', old_string: '1', new_string: '2' } });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /src\/a\.ts/);
      assert.equal(ws.read('src/a.ts'), 'export const a = 1;\n');
      const ended = await c.client.callTool({ name: 'end_task', arguments: {} });
      assert.match(textOf(ended), /Ended task task-/);
      const edited = await c.client.callTool({ name: 'edit_file', arguments: { path: 'src/a.ts', old_string: '= 1', new_string: '= 2' } });
      assert.equal(edited.isError, false, textOf(edited));
      assert.equal(ws.read('src/a.ts'), 'export const a = 2;\n');
    });

    it('a task the agent began that expires is not replaced by the wider policy scope: calls are refused until begin_task', async () => {
      c = await connect(ws, era);
      const begun = await c.client.callTool({ name: 'begin_task', arguments: { intent: 'brief', template: 'docs', ttl_seconds: 1 } });
      assert.equal(begun.isError, false, textOf(begun));
      await new Promise((r) => setTimeout(r, 1300));
      const after = await c.client.callTool({ name: 'read_file', arguments: { path: 'src/a.ts' } });
      assert.equal(after.isError, true);
      assert.match(textOf(after), /The task this session began \("brief"\) has ended/);
      assert.doesNotMatch(textOf(after), /export const a/);
      const ended = await c.client.callTool({ name: 'end_task', arguments: {} });
      assert.equal(ended.isError, false, textOf(ended));
      const read = await c.client.callTool({ name: 'read_file', arguments: { path: 'src/a.ts' } });
      assert.equal(read.isError, false, textOf(read));
    });

    it('edit_file fails clearly on no match and on several matches, changing nothing', async () => {
      c = await connect(ws, era);
      const none = await c.client.callTool({ name: 'edit_file', arguments: { path: 'src/b.ts', old_string: 'zzz', new_string: 'y' } });
      assert.equal(none.isError, true);
      assert.match(textOf(none), /old_string does not occur in src\/b\.ts/);
      ws.write('src/c.ts', 'x x x\n');
      const many = await c.client.callTool({ name: 'edit_file', arguments: { path: 'src/c.ts', old_string: 'x', new_string: 'y' } });
      assert.match(textOf(many), /occurs 3 times/);
      assert.equal(ws.read('src/c.ts'), 'x x x\n');
      const all = await c.client.callTool({ name: 'edit_file', arguments: { path: 'src/c.ts', old_string: 'x', new_string: '$&y', replace_all: true } });
      assert.equal(all.isError, false);
      assert.equal(ws.read('src/c.ts'), '$&y $&y $&y\n');
    });

    it('runs a code-mode script that reads many files in one call', async () => {
      c = await connect(ws, era);
      const code = "const names = (await airlock.fs.list('src')).map((e) => e.name);\n"
        + "const texts = await Promise.all(names.map((n) => airlock.fs.readFile('src/' + n)));\n"
        + "console.log('read', texts.length);\nreturn { names, bytes: texts.join('').length };";
      const result = await c.client.callTool({ name: 'run_script', arguments: { code } });
      assert.equal(result.isError, false, textOf(result));
      assert.deepEqual(JSON.parse(textOf(result).split('\n\n')[0]!), { names: ['a.ts', 'b.ts'], bytes: 44 });
      assert.match(textOf(result), /\[console\.log\] read 2/);
    });

    it('lists, searches and refuses nothing it may read', async () => {
      c = await connect(ws, era);
      assert.equal(textOf(await c.client.callTool({ name: 'list_dir', arguments: { path: 'src' } })), 'a.ts\nb.ts');
      const found = textOf(await c.client.callTool({ name: 'search', arguments: { pattern: 'export', glob: '**/*.ts' } }));
      assert.match(found, /^src\/a\.ts:1: export const a = 1;$/m);
      assert.match(found, /^src\/b\.ts:1: export const b = a \+ 1;$/m);
    });

    it('asks through elicitation: allow once performs it once, the next write asks again', async () => {
      c = await connect(ws, era, () => ({ action: 'accept', content: { decision: 'allow-once' } }));
      const first = await c.client.callTool({ name: 'write_file', arguments: { path: 'notes/todo.md', content: 'one' } });
      assert.equal(first.isError, false, textOf(first));
      assert.equal(ws.read('notes/todo.md'), 'one');
      assert.equal(c.elicited.length, 1);
      assert.match(c.elicited[0]!.message, /Action: fs\.write\nTarget: notes\/todo\.md\nReason: /);
      const schema = c.elicited[0]!.requestedSchema as { properties: { decision: { oneOf: { const: string }[] } } };
      assert.deepEqual(schema.properties.decision.oneOf.map((o) => o.const)[0], 'allow-once');
      assert.ok(schema.properties.decision.oneOf.some((o) => o.const.startsWith('allow-task:')));
      assert.ok(schema.properties.decision.oneOf.some((o) => o.const === 'deny'));
      const second = await c.client.callTool({ name: 'write_file', arguments: { path: 'notes/todo.md', content: 'two' } });
      assert.equal(second.isError, false);
      assert.equal(c.elicited.length, 2, 'allow once does not cover the next write');
      await c.close();
      c = undefined;
      const { entries } = logEntries(ws);
      assert.equal(entries.filter((e) => e.kind === 'decision' && e.target === 'notes/todo.md' && e.decidedBy === 'user' && e.data?.['allowed'] === true).length, 2);
    });

    it('asks through elicitation: allow for this task covers the next write without asking', async () => {
      c = await connect(ws, era, (params) => {
        const schema = params.requestedSchema as { properties: { decision: { oneOf: { const: string }[] } } };
        return { action: 'accept', content: { decision: schema.properties.decision.oneOf.find((o) => o.const.startsWith('allow-task:'))!.const } };
      });
      await c.client.callTool({ name: 'write_file', arguments: { path: 'notes/todo.md', content: 'one' } });
      await c.client.callTool({ name: 'write_file', arguments: { path: 'notes/todo.md', content: 'two' } });
      assert.equal(ws.read('notes/todo.md'), 'two');
      assert.equal(c.elicited.length, 1);
    });

    it('asks through elicitation: deny (and a declined form) refuses it, and the model is told not to retry', async () => {
      c = await connect(ws, era, () => ({ action: 'accept', content: { decision: 'deny' } }));
      const result = await c.client.callTool({ name: 'write_file', arguments: { path: 'notes/todo.md', content: 'x' } });
      assert.equal(result.isError, true);
      assert.match(textOf(result), /the user refused it/);
      assert.match(textOf(result), /Do not retry it/);
      assert.equal(ws.exists('notes/todo.md'), false);
      await c.close();
      c = await connect(ws, era, () => ({ action: 'decline' }));
      const declined = await c.client.callTool({ name: 'delete_path', arguments: { path: 'docs/guide.md' } });
      assert.equal(declined.isError, true);
      assert.equal(ws.exists('docs/guide.md'), true);
    });

    it('a script asks for each action it needs, one round each', async () => {
      c = await connect(ws, era, () => ({ action: 'accept', content: { decision: 'allow-once' } }));
      const code = "await airlock.fs.writeFile('notes/1.md', 'a');\nawait airlock.fs.writeFile('notes/2.md', 'b');\nreturn 'ok';";
      const result = await c.client.callTool({ name: 'run_script', arguments: { code } });
      assert.equal(result.isError, false, textOf(result));
      assert.equal(ws.read('notes/1.md') + ws.read('notes/2.md'), 'ab');
      assert.equal(c.elicited.length, 2);
    });

    it('the kill switch (the client cancels) stops a script mid-way; later calls are refused until a new task', async () => {
      c = await connect(ws, era);
      const abort = new AbortController();
      const code = "await airlock.exec(['sleep', '5']);\nawait airlock.fs.writeFile('src/after.ts', 'too late');\nreturn 'finished';";
      const running = c.client.callTool({ name: 'run_script', arguments: { code } }, { signal: abort.signal });
      await new Promise((r) => setTimeout(r, 1500));
      const started = Date.now();
      abort.abort();
      await assert.rejects(running);
      // The kill is logged before the server moves on; the next call shows it.
      const next = await c.client.callTool({ name: 'read_file', arguments: { path: 'src/a.ts' } });
      assert.equal(next.isError, true);
      assert.match(textOf(next), /kill switch/);
      assert.ok(Date.now() - started < 4000, 'the sleep was stopped, not waited for');
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(ws.exists('src/after.ts'), false);
      const begun = await c.client.callTool({ name: 'begin_task', arguments: { intent: 'start again', scope: { fs: { read: { allow: ['src/**'] } } } } });
      assert.equal(begun.isError, false);
      assert.equal((await c.client.callTool({ name: 'read_file', arguments: { path: 'src/a.ts' } })).isError, false);
      await c.close();
      c = undefined;
      const { entries } = logEntries(ws);
      assert.ok(entries.some((e) => e.kind === 'kill'));
      assert.ok(entries.some((e) => e.kind === 'outcome' && e.action === 'script' && e.outcome === 'killed'));
    });

    it('answers malformed arguments with JSON-RPC invalid params naming the field', async () => {
      c = await connect(ws, era);
      await assert.rejects(c.client.callTool({ name: 'read_file', arguments: { path: 42 } }), (err: unknown) => {
        assert.ok(err instanceof ProtocolError, String(err));
        assert.equal(err.code, -32602);
        assert.match(err.message, /read_file: invalid arguments: path: .*expected string/);
        return true;
      });
      await assert.rejects(c.client.callTool({ name: 'exec', arguments: { argv: 'rm -rf /' } }), /exec: invalid arguments: argv: .*expected array/);
      await assert.rejects(c.client.callTool({ name: 'edit_file', arguments: { path: 'src/a.ts', old_string: 'a', new_string: 'b', extra: 1 } }), /Unrecognized key: "extra"/);
    });
  });
}
