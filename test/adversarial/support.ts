// Architecture invariant: every adversarial case drives the real pipeline and asserts an effect (a canary file, a server's hit count, the secret's absence), never only a message.
// Shared harness of the adversarial suite: a real workspace, policy, log and Enforcer, plus canaries that prove effects.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Enforcer } from '../../sandbox/pipeline/enforcer.js';
import { denyAllPrompter } from '../../sandbox/pipeline/prompters/denyAll.js';
import type { ActionRequest, ActionResult, ApprovalAnswer, ApprovalRequest, Prompter } from '../../sandbox/pipeline/types.js';
import { loadPolicy } from '../../sandbox/policy/load.js';
import type { CompiledPolicy } from '../../sandbox/policy/compile.js';
import type { Scope } from '../../sandbox/policy/schema.js';
import { ActionLog } from '../../sandbox/log/writer.js';

/** A secret that must never leave its hiding places (the harness env, the workspace .env) through any result or log. */
export function makeSecret(): string {
  // Plain letters and digits: the log's redaction rules do not recognise it, so only non-disclosure keeps it out.
  return `canary${randomBytes(12).toString('hex')}`;
}

/** A prompter that records every question and answers with a function of it (deny when the function throws). */
export class RecordingPrompter implements Prompter {
  readonly asked: ApprovalRequest[] = [];
  constructor(private readonly answer: (r: ApprovalRequest) => ApprovalAnswer | Promise<ApprovalAnswer> = () => ({ answer: 'deny' })) {}
  async ask(request: ApprovalRequest): Promise<ApprovalAnswer> {
    this.asked.push(request);
    return this.answer(request);
  }
}

export interface ArenaOptions {
  /** The workspace policy (written to .airlock/policy.json and loaded from there), or a function of the arena's paths. */
  policy: Record<string, unknown> | ((paths: { base: string; root: string; logDir: string }) => Record<string, unknown>);
  /** Files inside the workspace, by relative path. */
  files?: Record<string, string>;
  prompter?: Prompter;
  /** Put the log directory inside the workspace (at this relative path) instead of the state dir outside it. */
  logDirInWorkspace?: string;
  /** Home directory the policy expands `~/` against. Default: `<base>/home/user`, created empty. */
  homeDir?: string;
  /** More variables for the environment exec'd programs start from (before scrubbing). */
  env?: Record<string, string>;
}

/**
 * One attack arena: `<base>/ws` (the workspace, with .env holding the secret), `<base>/outside` (canary files the agent
 * must never reach), `<base>/state` (the log and keys, outside the workspace), `<base>/home/user` (the policy's home).
 */
export class Arena {
  readonly base: string;
  readonly root: string;
  readonly outside: string;
  readonly stateDir: string;
  readonly homeDir: string;
  readonly logDir: string;
  readonly logFile: string;
  /** Where the log's signing key lives (outside the workspace, next to the log). */
  readonly keyDir: string;
  readonly secret = makeSecret();
  readonly policy: CompiledPolicy;
  readonly log: ActionLog;
  readonly enforcer: Enforcer;
  readonly prompter: Prompter;
  /** Canary files outside the workspace, with the content they must keep. */
  private readonly canaries = new Map<string, string>();
  private closed = false;
  private readonly policyDoc: Record<string, unknown>;

  constructor(opts: ArenaOptions) {
    this.base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-adv-')));
    this.root = path.join(this.base, 'ws');
    this.outside = path.join(this.base, 'outside');
    this.stateDir = path.join(this.base, 'state');
    this.homeDir = opts.homeDir ?? path.join(this.base, 'home', 'user');
    for (const d of [this.root, this.outside, this.stateDir, this.homeDir]) fs.mkdirSync(d, { recursive: true });
    this.logDir = opts.logDirInWorkspace ? path.join(this.root, opts.logDirInWorkspace) : path.join(this.stateDir, 'logs');
    this.logFile = path.join(this.logDir, 'session.jsonl');
    this.keyDir = path.join(this.stateDir, 'keys');
    this.policyDoc = typeof opts.policy === 'function' ? opts.policy({ base: this.base, root: this.root, logDir: this.logDir }) : opts.policy;
    this.writeWs('.env', `API_TOKEN=${this.secret}\n`);
    for (const [rel, content] of Object.entries(opts.files ?? {})) this.writeWs(rel, content);
    this.writeWs('.airlock/policy.json', JSON.stringify(this.policyDoc, null, 2));
    this.plantCanary('canary.txt');
    // As the host does: the log dir and the key dir are built-in protections.
    const loaded = loadPolicy({ workspaceRoot: this.root, homeDir: this.homeDir, protectedPaths: [this.logDir, this.keyDir] });
    if (!loaded.ok) {
      fs.rmSync(this.base, { recursive: true, force: true });
      throw new Error(`test policy failed to load: ${loaded.problems.filter((p) => p.severity !== 'warning').map((p) => p.message).join('; ')}`);
    }
    this.policy = loaded.policy;
    this.log = ActionLog.open({ file: this.logFile, session: 'adversarial', policyHash: this.policy.hash, keyDir: this.keyDir });
    this.prompter = opts.prompter ?? denyAllPrompter;
    this.enforcer = new Enforcer({
      policy: this.policy, log: this.log, prompter: this.prompter, session: 'adversarial',
      // CI keeps tools such as npm from checking for updates over the network.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: this.homeDir, AIRLOCK_ADV_SECRET: this.secret, LANG: 'C', CI: 'true', ...opts.env },
    });
  }

  writeWs(rel: string, content: string): string {
    const p = path.join(this.root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
    return p;
  }

  readWs(rel: string): string {
    return fs.readFileSync(path.join(this.root, rel), 'utf8');
  }

  existsWs(rel: string): boolean {
    return fs.existsSync(path.join(this.root, rel));
  }

  /** A file outside the workspace with unique content; `assertCanariesIntact` checks it was neither changed nor removed. */
  plantCanary(rel: string): string {
    const p = path.join(this.outside, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const content = `outside canary ${randomBytes(8).toString('hex')}\n`;
    fs.writeFileSync(p, content);
    this.canaries.set(p, content);
    return p;
  }

  canaryContent(rel: string): string {
    const c = this.canaries.get(path.join(this.outside, rel));
    if (c === undefined) throw new Error(`no canary ${rel}`);
    return c;
  }

  /** Every canary file still holds exactly what was planted, and nothing new appeared in the outside dir. */
  assertCanariesIntact(): void {
    for (const [p, content] of this.canaries) {
      assert.equal(fs.existsSync(p), true, `canary ${p} was removed`);
      assert.equal(fs.lstatSync(p).isFile(), true, `canary ${p} was replaced`);
      assert.equal(fs.readFileSync(p, 'utf8'), content, `canary ${p} was changed`);
    }
    const planted = new Set([...this.canaries.keys()].map((p) => path.relative(this.outside, p)));
    const present = listFiles(this.outside);
    const extra = present.filter((f) => !planted.has(f));
    assert.deepEqual(extra, [], `files appeared outside the workspace: ${extra.join(', ')}`);
  }

  /** Starts a task whose scope is the policy's own rules (or `scope`), so the policy alone decides. */
  startTask(scope?: Scope): string {
    const { fs: fsRules, net, exec } = this.policyDoc as Scope;
    const own: Scope = { ...(fsRules ? { fs: fsRules } : {}), ...(net ? { net } : {}), ...(exec ? { exec } : {}) };
    return this.enforcer.startTask({ intent: 'adversarial', scope: scope ?? own }).id;
  }

  perform(taskId: string, req: ActionRequest): Promise<ActionResult> {
    return this.enforcer.perform(taskId, req);
  }

  /** The log file's bytes as they are on disk now. */
  logText(): string {
    return fs.readFileSync(this.logFile, 'utf8');
  }

  /** The secret (and its base64 form) appears in none of the results and not in the log file's bytes. */
  assertSecretAbsent(results: readonly unknown[]): void {
    const forms = [this.secret, Buffer.from(this.secret).toString('base64'), Buffer.from(`API_TOKEN=${this.secret}`).toString('base64').slice(0, 16)];
    const text = JSON.stringify(results);
    for (const f of forms) assert.equal(text.includes(f), false, `the secret leaked into a result: ${text.slice(0, 400)}`);
    const log = this.logText();
    for (const f of forms) assert.equal(log.includes(f), false, 'the secret leaked into the action log');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.enforcer.close();
    this.log.close();
    fs.rmSync(this.base, { recursive: true, force: true });
  }
}

function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? path.join(prefix, d.name) : d.name;
    if (d.isDirectory()) out.push(...listFiles(path.join(dir, d.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

/** A denial as the agent sees it: refused, with a code and a reason, and nothing returned. */
export function assertRefused(r: ActionResult, what: string): void {
  assert.notEqual(r.outcome, 'done', `${what} was performed: ${JSON.stringify(r).slice(0, 500)}`);
  assert.ok(r.error?.code, `${what}: a refusal carries a code`);
  assert.equal(r.result, undefined, `${what}: a refusal returns nothing`);
}

/** An HTTP server on 127.0.0.1 (or ::1) that counts every request it gets; `handler` may answer, else 200 "ok". */
export class CanaryServer {
  readonly server: http.Server;
  readonly hits: { method: string; url: string; headers: http.IncomingHttpHeaders }[] = [];
  port = 0;
  private readonly sockets = new Set<import('node:net').Socket>();

  constructor(private readonly handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
    this.server = http.createServer((req, res) => {
      this.hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      if (this.handler) this.handler(req, res);
      else res.end('ok');
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  /** Binds to an ephemeral (or the given) port on the given loopback address. */
  async listen(host: '127.0.0.1' | '::1' = '127.0.0.1', port = 0): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function listening(handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void, host: '127.0.0.1' | '::1' = '127.0.0.1'): Promise<CanaryServer> {
  return new CanaryServer(handler).listen(host);
}
