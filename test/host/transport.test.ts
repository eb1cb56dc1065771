// The harness under bad input and a broken transport: malformed and oversized messages are answered, never fatal;
// losing the client denies everything pending and exits with the documented code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { RawPeer } from '../support/rawPeer.js';
import { HOST_EXIT, MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from '../../sandbox/protocol/protocol.js';

describe('airlock host transport', function () {
  this.timeout(60000);
  let ws: TempWorkspace;
  let peer: RawPeer | undefined;
  beforeEach(() => { ws = makeWorkspace({ 'src/a.ts': 'a' }, { version: 1, fs: { read: { allow: ['src/**'] } } }); });
  afterEach(() => { peer?.child.kill('SIGKILL'); peer = undefined; ws.cleanup(); });

  const init = (p: RawPeer) => p.request(1, 'initialize', { protocolVersion: PROTOCOL_VERSION, clientName: 'raw', workspaceRoot: ws.root, logDir: path.join(ws.stateDir, 'logs') });

  it('answers malformed JSON, non-JSON-RPC values, bad params and oversized messages, and keeps serving', async () => {
    peer = new RawPeer(ws.stateDir);
    init(peer);
    await peer.waitFor((m) => m['id'] === 1 && 'result' in m);

    peer.send('{ this is not json');
    const parseError = await peer.waitFor((m) => (m['error'] as { code?: number } | undefined)?.code === -32700);
    assert.equal(parseError['id'], null);

    peer.send(JSON.stringify({ hello: 'world', id: 7 }));
    const invalid = await peer.waitFor((m) => m['id'] === 7);
    assert.equal((invalid['error'] as { code: number }).code, -32600);

    peer.request(2, 'action/run', { taskId: 't', request: { action: 'fs.read' } });
    const badParams = await peer.waitFor((m) => m['id'] === 2);
    assert.equal((badParams['error'] as { code: number }).code, -32602);
    assert.match((badParams['error'] as { message: string }).message, /action\/run: invalid params: request/);

    const huge = Buffer.alloc(MAX_MESSAGE_BYTES + 10, 0x20);
    peer.send(huge);
    const tooLarge = await peer.waitFor((m) => (m['error'] as { code?: number } | undefined)?.code === -32005);
    assert.match((tooLarge['error'] as { message: string }).message, /exceeds the 16777216-byte limit/);

    peer.request(3, 'task/start', { intent: 'still alive', scope: { fs: { read: { allow: ['src/**'] } } } });
    const started = await peer.waitFor((m) => m['id'] === 3);
    assert.ok((started['result'] as { id?: string }).id, JSON.stringify(started));
    peer.request(4, 'no/such/method', {});
    const unknown = await peer.waitFor((m) => m['id'] === 4);
    assert.equal((unknown['error'] as { code: number }).code, -32601);
  });

  it('refuses requests before initialize', async () => {
    peer = new RawPeer(ws.stateDir);
    peer.request(1, 'task/start', { intent: 'x' });
    const r = await peer.waitFor((m) => m['id'] === 1);
    assert.match((r['error'] as { message: string }).message, /not initialized: send initialize first/);
  });

  it('denies what is pending and exits with the transport-lost code when stdin closes', async () => {
    peer = new RawPeer(ws.stateDir);
    peer.onApproval = () => null; // the approval stays pending until the transport breaks
    init(peer);
    const initResult = await peer.waitFor((m) => m['id'] === 1 && 'result' in m);
    const logFile = (initResult['result'] as { logFile: string }).logFile;
    peer.request(2, 'task/start', { intent: 'x', scope: { fs: { read: { allow: ['src/**'] } } } });
    const task = await peer.waitFor((m) => m['id'] === 2);
    const taskId = (task['result'] as { id: string }).id;
    // A write outside the policy is asked, and nobody answers.
    peer.request(3, 'action/run', { taskId, request: { action: 'fs.write', path: 'notes.md', content: 'x' } });
    await peer.waitFor((m) => m['method'] === 'approval/request');
    peer.child.stdin.end();
    assert.equal(await peer.exit, HOST_EXIT.transportLost);
    assert.equal(ws.exists('notes.md'), false);
    const log = fs.readFileSync(logFile, 'utf8');
    assert.match(log, /"decidedBy":"killswitch"/);
    assert.match(log, /"target":"notes.md"/);
  });
});
