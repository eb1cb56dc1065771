// The panel's log messages through the real harness over stdio: list, exact lines, watch, verify (incremental and full).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { startHarness } from '../support/harness.js';
import type { HarnessClient } from '../../src/harness/client.js';
import type { LogAppended } from '../../sandbox/protocol/protocol.js';

const policy = { version: 1, default: 'ask', fs: { read: { allow: ['src/**'] }, write: { deny: ['src/locked.ts'] } } };

describe('airlock host: the panel\'s log messages', function () {
  this.timeout(60000);
  let ws: TempWorkspace;
  let client: HarnessClient | undefined;
  beforeEach(() => { ws = makeWorkspace({ 'src/a.ts': 'export const a = 1;\n' }, policy); });
  afterEach(async () => {
    client?.terminate();
    client = undefined;
    ws.cleanup();
  });

  it('lists the workspace\'s logs newest first, reads exact lines, sends appended lines at once, and verifies incrementally', async () => {
    const logDir = path.join(ws.stateDir, 'logs');
    fs.mkdirSync(logDir, { recursive: true });
    const old = path.join(logDir, '2020-01-01T00-00-00-000Z-old.jsonl');
    fs.writeFileSync(old, '');
    fs.utimesSync(old, new Date('2020-01-01'), new Date('2020-01-01'));
    client = startHarness(ws.stateDir);
    const init = await client.initialize({ workspaceRoot: ws.root, logDir, prompter: 'deny-all' });
    const task = await client.startTask({ intent: 'read', scope: { fs: { read: { allow: ['src/**'] } } } });
    await client.run(task.id, { action: 'fs.read', path: 'src/a.ts' });
    await client.run(task.id, { action: 'fs.write', path: 'src/locked.ts', content: 'x' });

    const list = await client.listLogs();
    assert.equal(list[0]?.file, init.logFile);
    assert.equal(list[0]?.live, true);
    assert.equal(list.at(-1)?.file, old);

    const page = await client.readLogLines({ offset: 0 });
    assert.equal(page.lines.join('\n') + '\n', fs.readFileSync(init.logFile, 'utf8'), 'the exact bytes of every line');
    assert.equal(page.end, true);
    const small = await client.readLogLines({ offset: 0, maxBytes: 10 });
    assert.equal(small.lines.length, 1, 'a line longer than maxBytes comes whole');

    const batches: LogAppended[] = [];
    client.onLogAppended((b) => batches.push(b));
    await client.watchLog({ offset: page.nextOffset });
    const started = Date.now();
    await client.run(task.id, { action: 'fs.read', path: 'src/a.ts' });
    while (batches.flatMap((b) => b.lines).length < 2 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 5));
    const appended = batches.flatMap((b) => b.lines);
    assert.ok(appended.length >= 2, 'the decision and the outcome arrive');
    assert.equal(batches[0]?.offset, page.nextOffset);
    const bytes = fs.readFileSync(init.logFile, 'utf8');
    for (const line of appended) assert.ok(bytes.includes(`${line}\n`));

    const full = await client.verifyLog({ mode: 'full' });
    assert.equal(full.ok, true, full.problem?.message);
    assert.equal(full.live, true);
    assert.equal(full.headMissing, false);
    await client.run(task.id, { action: 'fs.read', path: 'src/a.ts' });
    const inc = await client.verifyLog({});
    assert.equal(inc.mode, 'incremental');
    assert.equal(inc.from, full.verifiedUpTo + 1);
    assert.ok(inc.verifiedUpTo > full.verifiedUpTo);

    // A tampered copy without its head: broken, and says where; the same copy intact but headless says so.
    const copy = path.join(ws.stateDir, 'copy.jsonl');
    fs.writeFileSync(copy, fs.readFileSync(init.logFile, 'utf8').replace('"target":"src/locked.ts"', '"target":"src/other.ts"'));
    const broken = await client.verifyLog({ file: copy, mode: 'full' });
    assert.equal(broken.ok, false);
    assert.equal(broken.problem?.kind, 'hash-mismatch');
    assert.ok(broken.verifiedUpTo < (broken.problem?.seq ?? 0));
    fs.copyFileSync(init.logFile, copy);
    const headless = await client.verifyLog({ file: copy, mode: 'full' });
    assert.equal(headless.ok, true);
    assert.equal(headless.headMissing, true);

    await assert.rejects(client.verifyLog({ file: 'relative.jsonl' }), /an absolute path to a \.jsonl log file/);
    await assert.rejects(client.readLogLines({ file: path.join(ws.stateDir, 'nope.jsonl') }), /there is no log at/);
  });
});
