// The rest of Airlock's tools through `airlock mcp`: a fetch from a real HTTP server on 127.0.0.1, a command, a delete,
// a line range, each decided and logged like any action.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { buildCli, connect, textOf, type Connected } from './support.js';

describe('airlock mcp: fetch, exec, delete, ranges', function () {
  this.timeout(60000);
  let ws: TempWorkspace;
  let c: Connected | undefined;
  let server: http.Server;
  let port: number;

  before(async () => {
    await buildCli();
    server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`hello from ${req.method} ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));
  beforeEach(() => {
    ws = makeWorkspace({ 'src/a.ts': 'one\ntwo\nthree\nfour\n', 'src/old.txt': 'old' }, {
      version: 1, default: 'deny',
      fs: { read: { allow: ['src/**'] }, write: { allow: ['src/**'] } },
      net: { allow: [`http://127.0.0.1:${port}/**`] },
      exec: { allow: [['echo', '*']] },
    });
  });
  afterEach(async () => {
    await c?.close().catch(() => undefined);
    c = undefined;
    ws.cleanup();
  });

  it('fetches an allowed URL and refuses another port', async () => {
    c = await connect(ws, 'legacy');
    const ok = await c.client.callTool({ name: 'fetch', arguments: { url: `http://127.0.0.1:${port}/x?y=1` } });
    assert.equal(ok.isError, false, textOf(ok));
    assert.match(textOf(ok), new RegExp(`^HTTP 200 http://127\\.0\\.0\\.1:${port}/x\\?y=1 \\(text/plain\\)\\n\\nhello from GET /x\\?y=1$`));
    const other = await c.client.callTool({ name: 'fetch', arguments: { url: `http://127.0.0.1:${port + 1}/` } });
    assert.equal(other.isError, true);
    assert.match(textOf(other), /Airlock denied net\.fetch/);
  });

  it('runs an allowed command from argv and refuses one the policy does not allow', async () => {
    c = await connect(ws, 'legacy');
    const ok = await c.client.callTool({ name: 'exec', arguments: { argv: ['echo', 'a b; rm -rf /'] } });
    assert.equal(textOf(ok), 'exit code 0\n--- stdout ---\na b; rm -rf /\n\n--- stderr ---\n');
    const no = await c.client.callTool({ name: 'exec', arguments: { argv: ['rm', '-rf', 'src'] } });
    assert.equal(no.isError, true);
    assert.match(textOf(no), /Airlock denied exec/);
    assert.equal(ws.exists('src/a.ts'), true);
  });

  it('deletes a file, reads a line range, lists a directory', async () => {
    c = await connect(ws, 'legacy');
    assert.equal(textOf(await c.client.callTool({ name: 'delete_path', arguments: { path: 'src/old.txt' } })), 'Deleted src/old.txt.');
    assert.equal(ws.exists('src/old.txt'), false);
    assert.equal(textOf(await c.client.callTool({ name: 'read_file', arguments: { path: 'src/a.ts', offset: 2, limit: 2 } })), 'two\nthree');
    assert.equal(textOf(await c.client.callTool({ name: 'list_dir', arguments: { path: 'src' } })), 'a.ts');
    const outside = await c.client.callTool({ name: 'write_file', arguments: { path: '../escape.txt', content: 'x' } });
    assert.equal(outside.isError, true);
  });
});
