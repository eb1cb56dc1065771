// In a long-lived process (the hook server, `airlock hooks serve`), an agent session's log stays open between calls:
// every decision is on disk before its answer, the log is signed when the session closes, a changed policy starts a
// new log session, and the chain verifies throughout.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { answerHook } from '../../sandbox/hooks/answer.js';
import { keepSessionLogsOpen } from '../../sandbox/hooks/local.js';
import { verifyLog } from '../../sandbox/log/verify.js';
import { claudePre } from './fixtures.js';
import { hookLogEntries, makeWorkspace } from './support.js';

describe('hooks: session logs kept open in a long-lived process', function () {
  this.timeout(60_000);
  let ws: ReturnType<typeof makeWorkspace>;
  const saved = { state: process.env['AIRLOCK_STATE_DIR'], baseline: process.env['AIRLOCK_BASELINE_POLICY'] };
  beforeEach(() => {
    ws = makeWorkspace();
    process.env['AIRLOCK_STATE_DIR'] = ws.state;
    process.env['AIRLOCK_BASELINE_POLICY'] = '';
  });
  afterEach(() => {
    for (const [k, v] of [['AIRLOCK_STATE_DIR', saved.state], ['AIRLOCK_BASELINE_POLICY', saved.baseline]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    ws.cleanup();
  });

  const logFiles = (): string[] => {
    const out: string[] = [];
    const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else if (e.name.endsWith('.jsonl')) out.push(p); } };
    walk(ws.state);
    return out;
  };
  const kinds = () => hookLogEntries(ws.state).map((e) => e['kind']);
  const read = (id: string) => answerHook('claude-code', JSON.stringify(claudePre(ws.root, 'Read', { file_path: path.join(ws.root, 'src', 'a.ts') }, id)));

  it('writes each decision before its answer, signs once when the session closes, and verifies open and closed', async () => {
    const logs = keepSessionLogsOpen(60_000);
    try {
      for (const id of ['toolu_1', 'toolu_2', 'toolu_3']) {
        const out = await read(id);
        assert.match(out.stdout, /"permissionDecision":"allow"/);
        // On disk when the answer is given: the decision naming this very call.
        assert.ok(hookLogEntries(ws.state).some((e) => e['kind'] === 'decision' && (e['data'] as { agent: { toolUseId: string } }).agent.toolUseId === id), id);
      }
      assert.deepEqual(kinds().filter((k) => k === 'session.start'), ['session.start'], 'one log session for the three calls');
      assert.equal(kinds().includes('checkpoint'), false, 'not signed while the session is open');
      const [file] = logFiles();
      const open = verifyLog(file!, { keyDir: path.join(ws.state, 'keys') });
      assert.equal(open.ok, true, JSON.stringify(open.problem));
    } finally {
      logs.closeAll();
    }
    assert.deepEqual(kinds().slice(-2), ['session.end', 'checkpoint']);
    const closed = verifyLog(logFiles()[0]!, { keyDir: path.join(ws.state, 'keys') });
    assert.equal(closed.ok, true, JSON.stringify(closed.problem));
    assert.equal(closed.lastCheckpoint?.index, 1, 'signed once');
    assert.equal(closed.head, 'checked');
  });

  it('a changed policy closes the open log session and starts one under the new policy; idle sessions are closed and signed', async () => {
    const logs = keepSessionLogsOpen(300);
    try {
      await read('toolu_1');
      const policyFile = path.join(ws.root, '.airlock', 'policy.json');
      const policy = JSON.parse(fs.readFileSync(policyFile, 'utf8')) as { fs: { read?: { deny?: string[] } } };
      fs.writeFileSync(policyFile, JSON.stringify({ ...policy, fs: { ...policy.fs, read: { deny: ['src/**'] } } }));
      const refused = await read('toolu_2');
      assert.match(refused.stdout, /"permissionDecision":"deny"/);
      const starts = hookLogEntries(ws.state).filter((e) => e['kind'] === 'session.start').map((e) => (e['data'] as { policyHash: string }).policyHash);
      assert.equal(starts.length, 2);
      assert.notEqual(starts[0], starts[1], 'each log session names the policy that decided in it');
      await new Promise((r) => setTimeout(r, 800));
      assert.deepEqual(kinds().slice(-2), ['session.end', 'checkpoint'], 'closed and signed after its idle time');
    } finally {
      logs.closeAll();
    }
    assert.equal(verifyLog(logFiles()[0]!, { keyDir: path.join(ws.state, 'keys') }).ok, true);
  });
});
