// `airlock mcp` driven by the MCP Inspector's CLI (a client no one here wrote), in both protocol eras.
import assert from 'node:assert/strict';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { buildCli, inspectorEntry, runInspector } from './support.js';

const SECRET = 'ghp_inspectorSecretValue0123456789abcdef';

describe('airlock mcp with the MCP Inspector CLI', function () {
  this.timeout(120000);
  let ws: TempWorkspace;
  before(() => buildCli());
  // The Inspector comes from npm on first use (about 20 s), into a cache outside the project's dependencies.
  before(function () { this.timeout(320_000); inspectorEntry(); });
  before(() => {
    ws = makeWorkspace({ 'src/a.ts': 'export const a = 1;\n', 'src/b.ts': 'export const b = 2;\n', '.env.local': `TOKEN=${SECRET}\n` }, {
      version: 1, default: 'ask', fs: { read: { allow: ['src/**'], deny: ['**/.env*'] }, write: { allow: ['src/**'] } },
    });
  });
  after(() => ws.cleanup());

  const call = (tool: string, args: unknown, era = 'legacy') =>
    runInspector(ws, ['--protocol-era', era, '--method', 'tools/call', '--tool-name', tool, '--tool-args-json', JSON.stringify(args)]);
  const resultOf = (stdout: string) => JSON.parse(stdout) as { result?: { content: { text: string }[]; isError?: boolean } };

  for (const era of ['legacy', 'modern']) {
    it(`lists the tools (${era} era)`, async () => {
      const r = await runInspector(ws, ['--protocol-era', era, '--method', 'tools/list']);
      assert.equal(r.code, 0, r.stderr);
      const tools = (JSON.parse(r.stdout) as { result: { tools: { name: string; annotations?: { readOnlyHint?: boolean } }[] } }).result.tools;
      assert.equal(tools.length, 11);
      assert.equal(tools.find((t) => t.name === 'search')?.annotations?.readOnlyHint, true);
    });

    it(`performs an allowed read (${era} era)`, async () => {
      const r = await call('read_file', { path: 'src/a.ts' }, era);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(resultOf(r.stdout).result?.content[0]?.text, 'export const a = 1;\n');
    });
  }

  it('refuses the secret read, naming the rule, with no secret in the output', async () => {
    const r = await call('read_file', { path: '.env.local' });
    const result = resultOf(r.stdout).result!;
    assert.equal(result.isError, true);
    assert.match(result.content[0]!.text, /Airlock denied fs\.read "\.env\.local": workspace policy fs\.read\.deny\[0\] "\*\*\/\.env\*"/);
    assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET));
  });

  it('refuses an out-of-scope write with the reason (the CLI offers no elicitation)', async () => {
    const r = await call('write_file', { path: 'README.md', content: 'x' });
    const result = resultOf(r.stdout).result!;
    assert.equal(result.isError, true);
    assert.match(result.content[0]!.text, /Airlock denied fs\.write "README\.md": the approval prompt failed \(nobody could be asked/);
    assert.equal(ws.exists('README.md'), false);
  });

  it('runs a code-mode script', async () => {
    const r = await call('run_script', { code: "const e = await airlock.fs.list('src'); return e.length;" });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(resultOf(r.stdout).result?.content[0]?.text, '2');
  });

  it('answers malformed arguments with invalid params naming the field', async () => {
    const r = await call('exec', { argv: 'ls -la' });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /exec: invalid arguments: argv: Invalid input: expected array/);
  });
});
