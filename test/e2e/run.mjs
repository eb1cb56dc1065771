// `npm run test:e2e`: the packaged extension in a real VS Code (code-server) driven as a user through headless Chromium.
// Screenshots of every step go to test-results/e2e/; timings to test-results/e2e/timings.json (read by npm run bench).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ensureCodeServer, installExtension, processesInGroup, startCodeServer } from './codeServer.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const results = path.join(root, 'test-results', 'e2e');
const CHROMIUM = process.env.AIRLOCK_CHROMIUM ?? '/usr/bin/chromium';
const log = (m) => console.log(`[e2e] ${m}`);

fs.rmSync(results, { recursive: true, force: true });
fs.mkdirSync(results, { recursive: true });
if (!fs.existsSync(CHROMIUM)) {
  console.error(`[e2e] ${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), or set AIRLOCK_CHROMIUM`);
  process.exit(1);
}

const entry = ensureCodeServer(log);
if (!process.argv.includes('--no-package')) execFileSync(process.execPath, [path.join(root, 'scripts', 'package.mjs')], { cwd: root, stdio: 'inherit' });
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const vsix = path.join(root, `${pkg.name}-${pkg.version}.vsix`);

const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ae2e-'));
const workspace = path.join(runDir, 'ws');
fs.cpSync(path.join(here, 'workspace'), workspace, { recursive: true });
const extensionsDir = path.join(runDir, 'ext');
const trace = path.join(runDir, 'trace.jsonl');
const stateDir = path.join(runDir, 'state');
fs.writeFileSync(trace, '');
installExtension(entry, vsix, extensionsDir, runDir);
log(`installed ${path.basename(vsix)} (${(fs.statSync(vsix).size / 1048576).toFixed(1)} MB)`);

const timings = {};
let step = 0;
let server;
let browser;
let page;
const failures = [];

const events = () => fs.readFileSync(trace, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
async function waitFor(what, fn, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const waitEvent = (what, pred, timeoutMs) => waitFor(what, () => events().find(pred), timeoutMs);
async function shot(name) {
  step++;
  const file = path.join(results, `${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file }).catch(() => undefined);
  return file;
}

async function runCommand(title) {
  for (let attempt = 0; attempt < 15; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 5000 });
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: 2000 });
      await page.keyboard.press('Enter');
      return;
    } catch {
      // The extension's commands are not registered yet (or the palette did not refresh): retry, keeping a picture.
      if (attempt === 1) await page.screenshot({ path: path.join(results, `retry-${title.replace(/\W+/g, '-')}.png`) }).catch(() => undefined);
    }
  }
  throw new Error(`command "${title}" never appeared in the palette`);
}

async function pick(text) {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ state: 'visible', timeout: 10_000 });
  await row.click();
}

function toast(text) {
  return page.locator('.notifications-toasts .notification-toast', { hasText: text }).first();
}

async function clickInToast(text, button) {
  const t = toast(text);
  await t.waitFor({ state: 'visible', timeout: 30_000 });
  await t.getByRole('button', { name: button, exact: true }).click();
}

async function runSession(name) {
  await runCommand('Airlock: Run Scripted Session…');
  await pick(`${name}.airlock-session.json`);
}

async function check(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    await shot(name);
    log(`✓ ${name} (${Date.now() - t0} ms)`);
  } catch (err) {
    await shot(`${name}-FAILED`);
    log(`✗ ${name}: ${err.stack ?? err}`);
    failures.push(name);
  }
}

try {
  server = await startCodeServer({
    entry, runDir, workspace, extensionsDir, log,
    env: { AIRLOCK_TRACE_FILE: trace, AIRLOCK_STATE_DIR: stateDir },
  });
  timings.codeServerHealthyMs = Date.now() - server.started;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const opened = Date.now();
  await page.goto(`${server.url}/?folder=${encodeURIComponent(workspace)}`, { waitUntil: 'domcontentloaded', timeout: 180_000 });
  await page.locator('.monaco-workbench .part.statusbar').waitFor({ state: 'visible', timeout: 180_000 });
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'sessions' }).first().waitFor({ state: 'visible', timeout: 120_000 });
  timings.workbenchReadyMs = Date.now() - opened;
  await shot('workbench');

  await check('harness-ready', async () => {
    const activate = await waitEvent('activation', (e) => e.event === 'activate', 180_000);
    const ready = await waitEvent('harness ready', (e) => e.event === 'harness.state' && e.kind === 'ready', 120_000);
    timings.activationToHarnessReadyMs = ready.t - activate.t;
    timings.pageOpenToActivationMs = activate.t - opened;
    await page.locator('.statusbar-item', { hasText: 'Airlock' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  });

  await check('start-task', async () => {
    await runCommand('Airlock: Start Task');
    await pick('e2e');
    await toast('started').waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('.statusbar-item', { hasText: 'end-to-end test task' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    // The Tasks view lists it, with its origin and time left.
    await page.locator('.activitybar .action-item a[aria-label^="Airlock"], .activitybar .action-item[aria-label^="Airlock"]').first().click();
    await page.locator('.pane-body .monaco-list-row', { hasText: 'end-to-end test task' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    const row = await page.locator('.pane-body .monaco-list-row', { hasText: 'end-to-end test task' }).first().innerText();
    if (!/template e2e/.test(row) || !/min left|h \d+ min left/.test(row)) throw new Error(`the task row lacks its origin or time left: ${row}`);
  });

  await check('allow-once', async () => {
    await runSession('allow-once');
    const t = toast('notes/allowed.txt');
    await t.waitFor({ state: 'visible', timeout: 30_000 });
    const seen = Date.now();
    await shot('allow-once-notification');
    const text = await t.innerText();
    if (!/Allow once/.test(text) || !/Deny/.test(text) || !/Denied automatically in \d+ s/.test(text)) throw new Error(`notification lacks buttons or deadline: ${text}`);
    await clickInToast('notes/allowed.txt', 'Allow once');
    const clicked = Date.now();
    const received = events().find((e) => e.event === 'approval.received');
    const answered = await waitEvent('answer', (e) => e.event === 'approval.answered' && e.answer === 'allow-once');
    timings.approvalRoundTrip = { receivedToVisibleMs: seen - received.t, visibleToClickMs: clicked - seen, receivedToAnsweredMs: answered.t - received.t };
    await waitFor('notes/allowed.txt', () => fs.existsSync(path.join(workspace, 'notes', 'allowed.txt')));
    await toast('finished: 1 of 1').waitFor({ state: 'visible', timeout: 15_000 });
  });

  await check('deny', async () => {
    await runSession('deny');
    await clickInToast('notes/denied.txt', 'Deny');
    await toast('out-of-scope write, refused').waitFor({ state: 'visible', timeout: 15_000 });
    if (fs.existsSync(path.join(workspace, 'notes', 'denied.txt'))) throw new Error('notes/denied.txt was written after Deny');
  });

  await check('always-allow', async () => {
    await runSession('always');
    await clickInToast('docs/always.md', 'Always allow in workspace');
    await waitFor('docs/always.md', () => fs.existsSync(path.join(workspace, 'docs', 'always.md')));
    const policy = await waitFor('the rule in the policy', () => {
      const text = fs.readFileSync(path.join(workspace, '.airlock', 'policy.json'), 'utf8');
      return text.includes('"docs/always.md"') ? text : undefined;
    });
    for (const comment of ['This comment must survive', 'Agents may write sources and notes']) {
      if (!policy.includes(comment)) throw new Error(`the comment "${comment}" was lost:\n${policy}`);
    }
    // The diff editor shows what was added.
    await page.locator('.tab', { hasText: 'rule added' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  });

  await check('stop-all-agents', async () => {
    await page.keyboard.press('Escape');
    await runSession('endless');
    const begun = await waitEvent('the endless session', (e) => e.event === 'session.start' && e.file.includes('endless'));
    await waitEvent('its task', (e) => e.event === 'task.status' && e.status === 'started' && e.t >= begun.t);
    await page.locator('.statusbar-item', { hasText: '+1' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await new Promise((r) => setTimeout(r, 1000));
    await shot('endless-running');
    await runCommand('Airlock: Stop All Agents');
    const kill = await waitEvent('kill switch', (e) => e.event === 'killswitch');
    timings.killSwitch = { uiMs: kill.uiMs, harnessConfirmedMs: kill.ms };
    await toast('all agents stopped').waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('.statusbar-item', { hasText: 'all agents stopped' }).first().waitFor({ state: 'visible', timeout: 5000 });
    const done = await waitEvent('the session to end', (e) => e.event === 'session.done' && e.steps.some((s) => s.outcome === 'killed'), 15_000);
    if (!done) throw new Error('the endless script was not killed');
  });

  await check('policy-problems', async () => {
    const file = path.join(workspace, '.airlock', 'policy.json');
    const good = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, good.replace('"default": "ask"', '"default": "maybe"'));
    await waitEvent('the reload to fail', (e) => e.event === 'policy.loaded' && e.ok === false, 15_000);
    await runCommand('View: Focus Problems');
    await page.locator('.markers-panel .monaco-list-row', { hasText: /default/ }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await page.locator('.statusbar-item', { hasText: 'policy invalid' }).first().waitFor({ state: 'visible', timeout: 5000 });
    await shot('problems');
    fs.writeFileSync(file, good);
    await waitFor('the reload to succeed', () => events().filter((e) => e.event === 'policy.loaded').at(-1)?.ok === true, 15_000);
    await page.locator('.statusbar-item', { hasText: 'policy invalid' }).first().waitFor({ state: 'hidden', timeout: 5000 });
  });

  await check('harness-crash', async () => {
    await runCommand('Airlock: Start Task');
    await pick('e2e');
    await runSession('pending');
    await toast('notes/pending.txt').waitFor({ state: 'visible', timeout: 30_000 });
    await shot('pending-before-kill');
    const pids = processesInGroup(server.pid, 'harness.mjs');
    if (pids.length !== 1) throw new Error(`expected one harness process, found ${pids.length}`);
    process.kill(pids[0], 'SIGKILL');
    await toast('harness stopped unexpectedly').waitFor({ state: 'visible', timeout: 15_000 });
    const crash = await waitEvent('the crash', (e) => e.event === 'harness.crash');
    if (crash.denied < 1) throw new Error(`the pending approval was not denied (denied ${crash.denied})`);
    await shot('crash-told');
    await waitFor('the restart', () => events().some((e) => e.event === 'harness.state' && e.kind === 'ready' && e.t > crash.t), 30_000);
    const after = processesInGroup(server.pid, 'harness.mjs');
    if (after.length !== 1 || after[0] === pids[0]) throw new Error('no new harness process after the restart');
    if (fs.existsSync(path.join(workspace, 'notes', 'pending.txt'))) throw new Error('notes/pending.txt was written');
    // A click on the dead question changes nothing, and says so.
    const stale = toast('notes/pending.txt');
    if (await stale.isVisible()) {
      await stale.getByRole('button', { name: 'Allow once', exact: true }).click();
      await toast('came too late').waitFor({ state: 'visible', timeout: 5000 });
    }
    if (fs.existsSync(path.join(workspace, 'notes', 'pending.txt'))) throw new Error('notes/pending.txt was written after a late answer');
  });

  await check('explain-decision', async () => {
    await runCommand('Airlock: Explain Decision');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 5000 });
    await input.fill('fs.write docs/always.md');
    await page.keyboard.press('Enter');
    const t = toast('ALLOW');
    await t.waitFor({ state: 'visible', timeout: 10_000 });
    const text = await t.innerText();
    if (!/fs\.write docs\/always\.md/.test(text) || !/workspace/.test(text)) throw new Error(`the explanation lacks the rule: ${text}`);
    await t.getByRole('button', { name: 'Open Rule', exact: true }).click();
    // The policy opens at the rule's line (the one Always allow added).
    await page.locator('.tab.active', { hasText: 'policy.json' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await page.locator('.statusbar-item', { hasText: /Ln 10,/ }).first().waitFor({ state: 'visible', timeout: 10_000 });
  });
  // ── issue 13: the action log panel, as a user sees it (own block: other checks are appended by other branches) ──────
  const logPanel = () => page.frameLocator('iframe.webview.ready').first().frameLocator('iframe#active-frame');
  const liveLogs = () => {
    const dir = path.join(stateDir, 'logs');
    return fs.readdirSync(dir).flatMap((d) => fs.readdirSync(path.join(dir, d)).filter((n) => n.endsWith('.jsonl')).map((n) => path.join(dir, d, n)))
      .map((f) => ({ f, t: fs.statSync(f).mtimeMs })).sort((a, b) => b.t - a.t).map((x) => x.f);
  };

  await check('log-panel-rows', async () => {
    await page.keyboard.press('Escape');
    await runSession('deny');
    await clickInToast('notes/denied.txt', 'Deny');
    await toast('out-of-scope write, refused').waitFor({ state: 'visible', timeout: 15_000 });
    await runCommand('Airlock: Show Action Log');
    const frame = logPanel();
    await frame.locator('#file', { hasText: '(live)' }).waitFor({ state: 'visible', timeout: 30_000 });
    const refused = frame.locator('#rows .row', { hasText: 'notes/denied.txt' }).first();
    await refused.waitFor({ state: 'visible', timeout: 15_000 });
    await frame.locator('#rows .row .badge.d-denied-by-user').first().waitFor({ state: 'visible', timeout: 10_000 });
    await frame.locator('#chain.chain-verified').waitFor({ state: 'visible', timeout: 15_000 });
    await shot('log-panel-live');
  });

  await check('log-panel-refused-filter', async () => {
    const frame = logPanel();
    await frame.locator('#f-decision').selectOption('denied-by-user');
    await frame.locator('#count', { hasText: / of \d+ rows/ }).waitFor({ state: 'visible', timeout: 10_000 });
    await frame.locator('#rows .row', { hasText: 'notes/denied.txt' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    const decisions = await frame.locator('#rows .row:not([hidden])[data-id]:not([data-id=""]) .c-decision').allInnerTexts();
    if (decisions.length === 0) throw new Error('no rows after filtering to what the user refused');
    const other = decisions.filter((d) => !/denied by the user/.test(d));
    if (other.length) throw new Error(`the refused filter shows other decisions: ${other.join(' | ')}`);
  });

  await check('log-panel-tampered-copy', async () => {
    const live = liveLogs()[0];
    if (!live) throw new Error(`no log file under ${stateDir}/logs`);
    const lines = fs.readFileSync(live, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.includes('notes/denied.txt'));
    if (i < 0) throw new Error(`${live} has no entry for notes/denied.txt`);
    lines[i] = lines[i].replace('notes/denied.txt', 'notes/denieD.txt'); // one byte flipped inside one entry
    const copy = path.join(path.dirname(live), 'tampered-copy.jsonl');
    fs.writeFileSync(copy, lines.join('\n'));
    if (fs.readFileSync(live, 'utf8').includes('notes/denieD.txt')) throw new Error('the live log itself was changed');
    const frame = logPanel();
    await frame.locator('#open-log').click();
    await pick('tampered-copy.jsonl');
    await frame.locator('#file', { hasText: 'tampered-copy.jsonl' }).waitFor({ state: 'visible', timeout: 15_000 });
    const badge = frame.locator('#chain.chain-broken');
    await badge.waitFor({ state: 'visible', timeout: 15_000 });
    const text = await badge.innerText();
    if (!/Broken at #\d+/.test(text)) throw new Error(`the chain badge does not say where it breaks: ${text}`);
    await shot('log-panel-broken');
    // The live log still verifies: the panel changed nothing.
    await frame.locator('#open-log').click();
    await pick(path.basename(live));
    await frame.locator('#chain.chain-verified').waitFor({ state: 'visible', timeout: 15_000 });
  });
  // ── end of issue 13's block ─────────────────────────────────────────────────────────────────────────────────────────
  // ── issue 14: Airlock: Connect Agents… (own block) ───────────────────────────────────────────────────────────────────
  await check('connect-agents', async () => {
    const settings = path.join(workspace, '.claude', 'settings.json');
    if (fs.existsSync(settings)) throw new Error(`${settings} exists before the command ran`);
    await page.keyboard.press('Escape');
    await runCommand('Airlock: Connect Agents…');
    await pick('Claude Code'); // toggles its checkbox in the multi-select
    await page.locator('.quick-input-list .monaco-list-row[aria-checked="true"]', { hasText: 'Claude Code' }).first().waitFor({ state: 'visible', timeout: 5000 });
    await page.keyboard.press('Enter');
    await pick('This project');
    // The preview: the diff of .claude/settings.json, before anything is written.
    await page.locator('.monaco-editor .view-lines', { hasText: 'claude-code #airlock-hook' }).first().waitFor({ state: 'visible', timeout: 15_000 });
    await toast('apply the previewed edits').waitFor({ state: 'visible', timeout: 10_000 });
    await shot('connect-agents-preview');
    if (fs.existsSync(settings)) throw new Error('the settings were written before the edit was confirmed');
    await clickInToast('apply the previewed edits', 'Apply');
    await toast('connected Claude Code').waitFor({ state: 'visible', timeout: 15_000 });
    const written = await waitFor('.claude/settings.json', () => fs.existsSync(settings) && fs.readFileSync(settings, 'utf8'));
    const pre = JSON.parse(written).hooks?.PreToolUse?.[0]?.hooks?.[0];
    if (pre?.type !== 'command' || !/\/bin\/airlock-hook"? claude-code #airlock-hook$/.test(pre.command)) throw new Error(`no Airlock PreToolUse hook in ${settings}:\n${written}`);
    // The launcher in Airlock's state folder starts the installed extension's hook (and follows it across updates).
    const launcher = fs.readFileSync(path.join(stateDir, 'bin', 'airlock-hook'), 'utf8');
    if (!launcher.includes(extensionsDir) || !/\/dist\/hook\.js'/.test(launcher)) throw new Error(`the launcher does not start the extension's hook:\n${launcher}`);
    // The command as written runs: the installed extension's own hook on the discovered Node answers a Claude Code call
    // (with no editor to reach from this state folder it decides locally, so it never waits on a notification).
    const input = { session_id: 'e2e', transcript_path: path.join(runDir, 't.jsonl'), cwd: workspace, permission_mode: 'default', hook_event_name: 'PreToolUse',
      tool_name: 'Read', tool_input: { file_path: path.join(workspace, 'docs', 'always.md') }, tool_use_id: 'toolu_e2e' };
    const answer = execFileSync('sh', ['-c', pre.command], { input: JSON.stringify(input), encoding: 'utf8', timeout: 30_000,
      env: { ...process.env, AIRLOCK_STATE_DIR: path.join(runDir, 'hook-alone'), AIRLOCK_HOOK_SERVER_IDLE: '0.5' } });
    const decision = JSON.parse(answer).hookSpecificOutput?.permissionDecision;
    if (!['allow', 'ask', 'deny'].includes(decision)) throw new Error(`the hook's answer is not a Claude Code decision: ${answer}`);
    log(`connected hook answered ${decision}`);
  });
  // ── end of issue 14's block ─────────────────────────────────────────────────────────────────────────────────────────

  // ---- issue 14: a real agent hook asks the editor (Claude Code's PreToolUse, through the gateway socket) ----
  // The hook runs as `airlock hooks install` writes it (this Node, dist/hook.js, the agent's name), with the state
  // directory code-server's harness uses, so it finds the gateway socket of the workspace's harness.
  const hookRun = (input) => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'dist', 'hook.js'), 'claude-code'], {
      cwd: workspace, env: { ...server.env, AIRLOCK_STATE_DIR: stateDir, AIRLOCK_HOOK_SERVER_IDLE: '0.5' }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(JSON.stringify(input));
  });
  // Exactly as Claude Code sends it (test/hooks/fixtures.ts types this shape against @anthropic-ai/claude-agent-sdk).
  const claudeWrite = (file, id) => ({
    session_id: 'e2e-claude-session', transcript_path: '/home/u/.claude/projects/e2e/e2e-claude-session.jsonl', cwd: workspace,
    permission_mode: 'default', hook_event_name: 'PreToolUse', tool_name: 'Write',
    tool_input: { file_path: path.join(workspace, file), content: 'written by the agent\n' }, tool_use_id: id,
  });
  const hookAnswer = (run) => {
    let out;
    try {
      out = JSON.parse(run.stdout);
    } catch {
      throw new Error(`the hook printed no JSON (exit ${run.code}): ${run.stdout}${run.stderr}`);
    }
    return out.hookSpecificOutput ?? {};
  };
  async function hookAsks(file, id, button) {
    await page.keyboard.press('Escape');
    const pending = hookRun(claudeWrite(file, id));
    const t = toast(file);
    await t.waitFor({ state: 'visible', timeout: 30_000 });
    await shot(`hook-${button === 'Deny' ? 'deny' : 'allow'}-notification`);
    const text = await t.innerText();
    if (!/claude-code/.test(text)) throw new Error(`the notification does not name the agent: ${text}`);
    await t.getByRole('button', { name: button, exact: true }).click();
    const run = await Promise.race([pending, new Promise((_r, reject) => setTimeout(() => reject(new Error('the hook did not answer within 30 s of the click')), 30_000))]);
    log(`hook answered (exit ${run.code}): ${run.stdout.trim()}`);
    return run;
  }

  await check('hook-allow-once', async () => {
    const run = await hookAsks('docs/hook-allowed.md', 'toolu_e2e_allow', 'Allow once');
    const answer = hookAnswer(run);
    if (run.code !== 0 || answer.hookEventName !== 'PreToolUse' || answer.permissionDecision !== 'allow') {
      throw new Error(`the hook did not print Claude Code's allow (exit ${run.code}): ${run.stdout}${run.stderr}`);
    }
    // The agent session's own task is listed in the Tasks view, like one the user started.
    await page.locator('.pane-body .monaco-list-row', { hasText: 'claude-code session' }).first().waitFor({ state: 'visible', timeout: 10_000 });
  });

  await check('hook-deny', async () => {
    const run = await hookAsks('docs/hook-denied.md', 'toolu_e2e_deny', 'Deny');
    const answer = hookAnswer(run);
    if (answer.hookEventName !== 'PreToolUse' || answer.permissionDecision !== 'deny' || !answer.permissionDecisionReason) {
      throw new Error(`the hook did not print Claude Code's deny with a reason (exit ${run.code}): ${run.stdout}${run.stderr}`);
    }
  });
  // ---- end of issue 14's hook checks ----
} catch (err) {
  log(`setup failed: ${err.stack ?? err}`);
  failures.push('setup');
  if (page) await shot('setup-FAILED');
} finally {
  fs.writeFileSync(path.join(results, 'timings.json'), JSON.stringify(timings, null, 2));
  fs.copyFileSync(trace, path.join(results, 'trace.jsonl'));
  await browser?.close().catch(() => undefined);
  await server?.stop();
  const csLog = path.join(runDir, 'code-server.log');
  if (fs.existsSync(csLog)) fs.copyFileSync(csLog, path.join(results, 'code-server.log'));
  if (failures.length === 0) fs.rmSync(runDir, { recursive: true, force: true });
}
log(`timings: ${JSON.stringify(timings)}`);
if (failures.length) {
  log(`FAILED: ${failures.join(', ')} (screenshots in ${path.relative(root, results)}/)`);
  process.exit(1);
}
log(`all steps passed (screenshots in ${path.relative(root, results)}/)`);
