// Commands confined by the OS (real bubblewrap): what an allowed command runs — a script the agent wrote, a program git
// starts from a planted config — reads, writes and reaches no more than the agent may, and dies with the command.
// Every case has a canary that proves the effect did not happen, and a marker that proves the attack really ran.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { confinementProblem } from '../../sandbox/confine/bwrap.js';
import type { ActionResult } from '../../sandbox/pipeline/types.js';
import { Arena, CanaryServer, listening, RecordingPrompter } from './support.js';

interface ExecValue { exitCode: number | null; stdout: string; stderr: string }
const value = (r: ActionResult): ExecValue => r.result as ExecValue;

/** The agent's write scope of airlock:node-project, and the commands a developer would allow. */
const POLICY = {
  version: 1, extends: ['airlock:node-project'],
  exec: { allow: [['sh', 'src/attack.sh'], ['git', 'status'], ['node', '--version'], ['node', 'src/attack.mjs']] },
};
const SCOPE = { fs: { read: { allow: ['**'] }, write: { allow: ['src/**', 'test/**'] } }, exec: POLICY.exec };

describe('adversarial: commands confined by the OS', function () {
  this.timeout(60000);
  let arena: Arena | undefined;
  let server: CanaryServer | undefined;
  before(async function () {
    const problem = await confinementProblem();
    // Confinement is required: without it every command is refused, which test/confine covers. Say why, never pass.
    if (problem !== null) throw new Error(`bubblewrap is needed for these tests (.ci/run installs it): ${problem}`);
  });
  afterEach(async () => {
    await arena?.close();
    await server?.close();
    arena = undefined;
    server = undefined;
  });

  async function attack(script: string | ((a: Arena) => string)): Promise<{ a: Arena; r: ActionResult }> {
    const a = arena = new Arena({ policy: POLICY, files: { 'src/index.ts': 'x\n' } });
    if (typeof script === 'function') script = script(a);
    const t = a.startTask(SCOPE);
    const wrote = await a.perform(t, { action: 'fs.write', path: 'src/attack.sh', content: script });
    assert.equal(wrote.outcome, 'done', JSON.stringify(wrote));
    const r = await a.perform(t, { action: 'exec', argv: ['sh', 'src/attack.sh'] });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    return { a, r };
  }

  it('cannot read files outside the workspace, the home folder, or secrets the policy denies inside it', async () => {
    const { a, r } = await attack((a) => {
      fs.mkdirSync(path.join(a.homeDir, '.ssh'), { recursive: true });
      fs.writeFileSync(path.join(a.homeDir, '.ssh', 'id_rsa'), `home secret ${a.secret}\n`);
      return [
        'echo ran > src/ran',
        `cat ../outside/canary.txt ${a.outside}/canary.txt ${a.homeDir}/.ssh/id_rsa "$HOME"/.ssh/id_rsa .env /etc/shadow 2>/dev/null`,
        'ls -a "$HOME" ..',
        'true',
      ].join('\n');
    });
    assert.equal(a.readWs('src/ran'), 'ran\n', 'the script ran');
    const out = value(r).stdout;
    assert.equal(out.includes('outside canary'), false, out);
    assert.equal(out.includes(a.secret), false, 'the .env secret was read');
    assert.equal(out.includes('root:'), false, '/etc/shadow was read');
    assert.equal(/\boutside\b/.test(out), false, `the workspace's parent is visible: ${out}`);
    a.assertSecretAbsent([r]);
  });

  it('cannot write outside its write scope: Airlock\'s files, .git, package.json, the log, outside the workspace', async () => {
    const a = arena = new Arena({ policy: POLICY, files: { 'src/index.ts': 'x\n', 'package.json': '{"name":"p"}\n' } });
    execFileSync('git', ['init', '-q', a.root]);
    const gitConfig = a.readWs('.git/config');
    const policyText = a.readWs('.airlock/policy.json');
    const t = a.startTask(SCOPE);
    const targets = ['.git/config', '.git/hooks/pre-commit', '.airlock/policy.json', '.vscode/tasks.json', 'package.json', 'new-at-root.txt',
      'src/package.json', path.join(a.logDir, 'forged.jsonl'), a.logFile, path.join(a.outside, 'canary.txt'), path.join(a.outside, 'new.txt')];
    const script = ['echo ran > src/ran', ...targets.map((p) => `echo pwned > '${p}' 2>/dev/null; echo pwned >> '${p}' 2>/dev/null`), 'true'].join('\n');
    await a.perform(t, { action: 'fs.write', path: 'src/attack.sh', content: script });
    const r = await a.perform(t, { action: 'exec', argv: ['sh', 'src/attack.sh'] });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    assert.equal(a.readWs('src/ran'), 'ran\n', 'the script ran and could write its own scope');
    assert.equal(a.readWs('.git/config'), gitConfig);
    assert.equal(a.existsWs('.git/hooks/pre-commit'), false);
    assert.equal(a.readWs('.airlock/policy.json'), policyText);
    assert.equal(a.existsWs('.vscode'), false);
    assert.equal(a.readWs('package.json'), '{"name":"p"}\n');
    assert.equal(a.existsWs('new-at-root.txt'), false);
    assert.equal(a.logText().includes('pwned'), false);
    assert.equal(fs.existsSync(path.join(a.logDir, 'forged.jsonl')), false);
    a.assertCanariesIntact();
  });

  it('a nested .git file written by a command, then git status: the fsmonitor it names runs confined and steals nothing', async () => {
    const a = arena = new Arena({ policy: POLICY, files: { 'src/index.ts': 'x\n' } });
    execFileSync('git', ['init', '-q', a.root]);
    const t = a.startTask(SCOPE);
    // The file guard refuses `.git` entries, so the agent has a command plant them (a mount cannot stop a new name).
    const plant = [
      'mkdir -p src/evil src/gd/objects src/gd/refs',
      'echo "ref: refs/heads/main" > src/gd/HEAD',
      `printf '[core]\\n\\tfsmonitor = "echo ran > ${a.root}/src/ran; cat ${a.outside}/canary.txt > ${a.root}/src/stolen; false"\\n' > src/gd/config`,
      'echo "gitdir: ../gd" > src/evil/.git',
      'echo hi > src/evil/f',
    ].join('\n');
    await a.perform(t, { action: 'fs.write', path: 'src/attack.sh', content: plant });
    assert.equal((await a.perform(t, { action: 'exec', argv: ['sh', 'src/attack.sh'] })).outcome, 'done');
    assert.equal(a.existsWs('src/evil/.git'), true, 'the command planted the .git file');
    const status = await a.perform(t, { action: 'exec', argv: ['git', 'status'], cwd: 'src/evil' });
    assert.equal(status.outcome, 'done', JSON.stringify(status));
    assert.equal(a.readWs('src/ran'), 'ran\n', 'git ran the planted fsmonitor (inside the sandbox)');
    assert.equal(a.readWs('src/stolen'), '', 'the fsmonitor read a file outside the workspace');
    a.assertCanariesIntact();
  });

  it('reaches no network but the proxy: a loopback server is never hit directly, and through the proxy only as the SSRF rules say', async () => {
    server = await listening();
    const port = server.port;
    const script = `
      import net from 'node:net';
      const direct = await new Promise((res) => { const s = net.connect(${port}, '127.0.0.1'); s.on('connect', () => { s.destroy(); res('connected'); }); s.on('error', (e) => res(e.code)); });
      let viaProxy;
      try { const r = await fetch('http://127.0.0.1:${port}/secret'); viaProxy = r.status; } catch (e) { viaProxy = String(e.cause?.code ?? e); }
      console.log(JSON.stringify({ direct, viaProxy, proxy: process.env.HTTP_PROXY }));
    `;
    const a = arena = new Arena({ policy: POLICY, files: { 'src/index.ts': 'x\n' } });
    const t = a.startTask(SCOPE);
    await a.perform(t, { action: 'fs.write', path: 'src/attack.mjs', content: script });
    const r = await a.perform(t, { action: 'exec', argv: ['node', 'src/attack.mjs'] });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    const seen = JSON.parse(value(r).stdout) as { direct: string; viaProxy: number | string; proxy: string };
    assert.notEqual(seen.direct, 'connected');
    assert.equal(seen.viaProxy, 403, JSON.stringify(seen));
    assert.match(seen.proxy, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.hits.length, 0, 'the loopback server was reached');
    // The proxy's decision is its own log entry, tied to the command's decision.
    const lines = a.logText().split('\n').filter((l) => l.includes('"kind":"decision"') && l.includes(`127.0.0.1:${port}`));
    assert.ok(lines.length >= 1, 'the connection was logged');
    assert.match(lines[0] ?? '', /"derivedFrom":\d+/);
    assert.match(lines.join('\n'), /"verdict":"deny"/);
  });

  it('asks the user about a connection out of the task\'s scope, and makes it only when allowed', async () => {
    server = await listening();
    const url = `http://127.0.0.1:${server.port}/**`;
    const prompter = new RecordingPrompter((q) => ({ answer: q.action.kind === 'net.fetch' ? 'allow-once' : 'deny' }));
    const a = arena = new Arena({ policy: { ...POLICY, net: { allow: [url] } }, files: { 'src/index.ts': 'x\n' }, prompter });
    const t = a.startTask(SCOPE); // the scope allows no network: the policy's allow is asked
    await a.perform(t, { action: 'fs.write', path: 'src/attack.mjs', content: `const r = await fetch('http://127.0.0.1:${server.port}/pkg'); console.log(r.status, await r.text());` });
    const r = await a.perform(t, { action: 'exec', argv: ['node', 'src/attack.mjs'] });
    assert.equal(r.outcome, 'done', JSON.stringify(r));
    assert.equal(value(r).stdout.trim(), '200 ok', value(r).stderr);
    assert.equal(prompter.asked.filter((q) => q.action.kind === 'net.fetch').length >= 1, true);
    assert.equal(server.hits.length, 1);
  });

  it('a daemon started with setsid dies with the command', async () => {
    const { a } = await attack([
      'echo ran > src/ran',
      "setsid sh -c 'sleep 1; echo alive > src/daemon' </dev/null >/dev/null 2>&1 &",
      'true',
    ].join('\n'));
    await new Promise((r) => setTimeout(r, 2000));
    assert.equal(a.readWs('src/ran'), 'ran\n');
    assert.equal(a.existsWs('src/daemon'), false, 'the daemon outlived the command');
  });
});
