// Airlock's own files: the user's baseline policy (from initialize/--baseline, $AIRLOCK_BASELINE_POLICY or the XDG
// location) cannot be changed by an agent however widely it may write, and `policy explain` applies the same
// protections of the state, log and key directories as the runtime does (one source).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RawPeer, type Message } from '../support/rawPeer.js';
import { runAirlock } from '../support/cli.js';
import { PROTOCOL_VERSION } from '../../sandbox/protocol/protocol.js';

const resultOf = <T>(m: Message): T => {
  assert.ok('result' in m, `expected a result, got ${JSON.stringify(m).slice(0, 400)}`);
  return m['result'] as T;
};

describe('adversarial: Airlock\'s own files', function () {
  this.timeout(90_000);
  let base: string;
  let ws: string;
  let stateDir: string;
  let configHome: string;
  let peer: RawPeer | undefined;

  beforeEach(() => {
    base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-adv-own-')));
    ws = path.join(base, 'ws');
    stateDir = path.join(base, 'state');
    configHome = path.join(base, 'config');
    for (const d of [path.join(ws, '.airlock'), stateDir, path.join(configHome, 'airlock'), path.join(base, 'org')]) fs.mkdirSync(d, { recursive: true });
  });
  afterEach(() => {
    peer?.child.kill('SIGKILL');
    peer = undefined;
    fs.rmSync(base, { recursive: true, force: true });
  });

  /** A policy that lets the agent write and read everywhere under the test's base folder (as `~/.config/**` would). */
  const wide = () => ({ version: 1, default: 'ask', fs: { write: { allow: ['src/**', `//${base.slice(1)}/**`] }, read: { allow: ['src/**', `//${base.slice(1)}/**`] } } });

  it('refuses to change the baseline (XDG location, or named at initialize) and the files it extends; reading is allowed', async () => {
    fs.writeFileSync(path.join(ws, '.airlock', 'policy.json'), JSON.stringify(wide()));
    const xdgBaseline = path.join(configHome, 'airlock', 'policy.json');
    const orgShared = path.join(base, 'org', 'shared.json');
    const orgBaseline = path.join(base, 'org', 'baseline.json');
    fs.writeFileSync(orgShared, JSON.stringify({ version: 1, fs: { write: { deny: ['secrets/**'] } } }));
    fs.writeFileSync(orgBaseline, JSON.stringify({ ...wide(), extends: ['./shared.json'] }));
    fs.writeFileSync(xdgBaseline, JSON.stringify(wide()));
    const before = new Map([xdgBaseline, orgShared, orgBaseline].map((f) => [f, fs.readFileSync(f, 'utf8')]));

    for (const baselinePolicyFile of [undefined, orgBaseline]) {
      const p = (peer = new RawPeer(stateDir, { XDG_CONFIG_HOME: configHome }));
      resultOf(await p.call(1, 'initialize', {
        protocolVersion: PROTOCOL_VERSION, clientName: 'adversary', workspaceRoot: ws, logDir: path.join(stateDir, 'logs'),
        ...(baselinePolicyFile ? { baselinePolicyFile } : {}),
      }));
      const task = resultOf<{ id: string }>(await p.call(2, 'task/start', { intent: 'x', scope: { fs: wide().fs } }));
      p.onApproval = (m) => ({ jsonrpc: '2.0', id: m['id'], result: { answer: 'allow-once' } });
      let id = 10;
      const run = async (request: Record<string, unknown>) => resultOf<{ outcome: string; rule: { layer: string } }>(await p.call(id++, 'action/run', { taskId: task.id, request }));
      // The wide policy really does allow writing under the base folder: a control file is written.
      assert.equal((await run({ action: 'fs.write', path: path.join(base, 'org', 'notes.txt'), content: 'x' })).outcome, 'done');
      const targets = baselinePolicyFile ? [orgBaseline, orgShared, xdgBaseline] : [xdgBaseline, path.join(configHome, 'airlock', 'other.json')];
      for (const target of targets) {
        const w = await run({ action: 'fs.write', path: target, content: '{"version":1}' });
        assert.notEqual(w.outcome, 'done', `wrote ${target}`);
        assert.equal(w.rule.layer, 'builtin', target);
      }
      assert.notEqual((await run({ action: 'fs.delete', path: path.join(configHome, 'airlock'), recursive: true })).outcome, 'done');
      assert.equal((await run({ action: 'fs.read', path: baselinePolicyFile ?? xdgBaseline })).outcome, 'done', 'the baseline may be read');
      await p.call(99, 'shutdown');
      p.child.kill('SIGKILL');
    }
    for (const [f, text] of before) assert.equal(fs.readFileSync(f, 'utf8'), text, `${f} is unchanged`);
  });

  it('policy explain denies what the runtime denies: the signing key, the logs, the baseline', async () => {
    fs.writeFileSync(path.join(ws, '.airlock', 'policy.json'), JSON.stringify(wide()));
    const baseline = path.join(base, 'org', 'baseline.json');
    fs.writeFileSync(baseline, JSON.stringify(wide()));
    const env = { XDG_STATE_HOME: stateDir, XDG_CONFIG_HOME: configHome };
    const explain = (...args: string[]) => runAirlock(['policy', 'explain', '--workspace', ws, '--baseline', baseline, '--json', ...args], { env });
    const cases: [string, string][] = [
      ['fs.read', path.join(stateDir, 'airlock', 'keys', 'signing.key')],
      ['fs.write', path.join(stateDir, 'airlock', 'logs', 'x.jsonl')],
      ['fs.write', baseline],
      ['fs.write', path.join(configHome, 'airlock', 'policy.json')],
    ];
    for (const [action, target] of cases) {
      const r = await explain(action, target);
      assert.equal(r.code, 0, r.stderr);
      const d = JSON.parse(r.stdout) as { verdict: string; rule: { layer: string } };
      assert.deepEqual([d.verdict, d.rule.layer], ['deny', 'builtin'], `${action} ${target}: ${r.stdout}`);
    }
    const control = JSON.parse((await explain('fs.write', path.join(base, 'org', 'notes.txt'))).stdout) as { verdict: string };
    assert.equal(control.verdict, 'allow');
  });
});
