// The extension's entry: wires the harness manager, approvals, tasks view, status bar, policy files and commands to VS Code.
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { AirlockProblem, ApprovalRequest, SessionRunResult } from '../sandbox/protocol/protocol.js';
import { displaySafe } from '../sandbox/protocol/display.js';
import { addRule, lineDiff, newPolicyWithRule, ruleFor } from './approvals/alwaysAllow.js';
import { ApprovalBroker, type ApprovalStyle } from './approvals/broker.js';
import { approvalLabel, approvalMessage, CHOICE_ORDER, type Choice } from './approvals/format.js';
import { vscodePresenter } from './approvals/presenter.js';
import type { HarnessClient } from './harness/client.js';
import { HarnessManager, type HarnessState } from './harness/manager.js';
import { registerAgentTools } from './agents/index.js';
import { agentChoices, appliedSummary, hookCommand, previewText, toApply } from './agents/connect.js';
import { registerLogPanel } from './panel/index.js';
import { discoverNode } from './harness/nodeDiscovery.js';
import { platformSupport } from './harness/platform.js';
import { harnessInitOptions } from './harness/settings.js';
import { listPresets, parseExplainInput, parseTypedScope, policyFromPreset } from './policy/authoring.js';
import { byFile, toDiagnostics } from './policy/diagnostics.js';
import { TasksModel, statusView } from './tasks/model.js';
import { TasksTree } from './tasks/tree.js';

const POLICY_REL = path.join('.airlock', 'policy.json');
let stopHarness: (() => Promise<void>) | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const activated = Date.now();
  const out = vscode.window.createOutputChannel('Airlock');
  context.subscriptions.push(out);
  const trace = tracer();
  trace('activate');
  const cfg = () => vscode.workspace.getConfiguration('airlock');
  const folder = vscode.workspace.workspaceFolders?.[0];
  const policiesDir = path.join(context.extensionPath, 'policies');
  const schemaUri = vscode.Uri.file(path.join(policiesDir, 'policy.schema.json')).toString();

  const support = platformSupport(process.platform, process.arch);
  const unavailable = (message: string) => () => void vscode.window.showErrorMessage(message);
  if (!support.ok || !folder) {
    const message = !support.ok ? support.message : 'Airlock needs an open folder: agents act in a workspace, and its policy lives in .airlock/policy.json.';
    if (!support.ok) void vscode.window.showErrorMessage(message);
    for (const id of ['startTask', 'endTask', 'stopAll', 'showLog', 'verifyLog', 'runSession', 'createPolicy', 'explainDecision', 'showPending', 'showMenu', 'connectAgents']) {
      context.subscriptions.push(vscode.commands.registerCommand(`airlock.${id}`, unavailable(message)));
    }
    return;
  }
  const root = folder.uri.fsPath;
  const policyFile = path.join(root, POLICY_REL);

  // ── state shown in the UI ─────────────────────────────────────────────────────────────────────────────────────────
  const tasks = new TasksModel();
  const status = vscode.window.createStatusBarItem('airlock.status', vscode.StatusBarAlignment.Left, 100);
  status.name = 'Airlock';
  status.command = 'airlock.showMenu';
  status.show();
  context.subscriptions.push(status);
  const diagnostics = vscode.languages.createDiagnosticCollection('airlock');
  context.subscriptions.push(diagnostics);
  let harnessState: HarnessState = { kind: 'stopped' };

  const broker: ApprovalBroker = new ApprovalBroker({
    presenter: vscodePresenter(trace),
    style: () => (cfg().get<string>('approvalStyle') === 'modal' ? 'modal' : 'notification') as ApprovalStyle,
    onAlways: (request) => alwaysAllow(request),
    onChange: () => render(),
  });

  const render = () => {
    const h = harnessState.kind;
    const view = statusView({
      harness: h, policyOk: harnessState.kind !== 'ready' || harnessState.policyOk, killed: tasks.killed,
      ...(tasks.active ? { active: tasks.active } : {}), tasks: tasks.tasks.length, pending: broker.pending.length,
    });
    status.text = view.text;
    status.tooltip = view.tooltip;
    status.backgroundColor = view.tone === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : view.tone === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    void vscode.commands.executeCommand('setContext', 'airlock.killed', tasks.killed);
  };
  tasks.onChange(render);

  const nodeDiscoveryInput = () => ({
    setting: cfg().get<string>('nodePath') ?? '', pathEnv: process.env['PATH'] ?? '', platform: process.platform,
    execPath: process.execPath, versions: process.versions,
  });

  // ── the harness ───────────────────────────────────────────────────────────────────────────────────────────────────
  let toldNoNode = false;
  let crashStreakTold = false;
  const manager = new HarnessManager({
    workspaceRoot: root,
    cliPath: path.join(context.extensionPath, 'dist', 'harness.mjs'),
    findNode: () => discoverNode(nodeDiscoveryInput()),
    initOptions: () => {
      const { options, refused } = harnessInitOptions(root, {
        logDirectory: cfg().get<string>('logDirectory') ?? '', baselinePolicyFile: cfg().get<string>('baselinePolicyFile') ?? '',
      });
      if (refused) void vscode.window.showErrorMessage(`Airlock: ${refused}.`);
      return options;
    },
    onApproval: (request, signal) => {
      trace('approval.received', { id: request.id, deadline: request.deadline });
      return broker.handle(request, signal).then((answer) => {
        trace('approval.answered', { id: request.id, answer: answer.answer });
        return answer;
      });
    },
    onState: (s) => {
      harnessState = s;
      trace('harness.state', { kind: s.kind, ...(s.kind === 'ready' ? { policyOk: s.policyOk, sinceActivateMs: Date.now() - activated } : {}) });
      if (s.kind === 'ready') {
        crashStreakTold = false; // the next crash is told again
        out.appendLine(`harness ready (pid ${manager.pid}) ${Date.now() - activated} ms after activation; log ${s.logFile}`);
        if (!s.policyOk) tellInvalid(s.problems.length, 0);
        void refreshTasks();
      }
      if (s.kind === 'unavailable') {
        out.appendLine(s.message);
        if (s.needsNode && !toldNoNode) {
          toldNoNode = true;
          void vscode.window.showErrorMessage(`Airlock: ${s.message}`, 'Open Setting').then((b) => {
            if (b) void vscode.commands.executeCommand('workbench.action.openSettings', 'airlock.nodePath');
          });
        }
      }
      render();
    },
    onCrash: (info) => {
      const denied = broker.denyAll('harness-lost');
      tasks.clear();
      const how = info.signal ? `was killed (${info.signal})` : `exited with code ${info.code}`;
      out.appendLine(`harness ${how}; ${denied} pending approval(s) denied; restart ${info.attempt} in ${info.restartInMs} ms\n${info.stderrTail}`);
      trace('harness.crash', { denied, code: info.code, signal: info.signal });
      if (!crashStreakTold) {
        crashStreakTold = true;
        void vscode.window.showErrorMessage(
          `Airlock: the harness stopped unexpectedly (it ${how}). ${denied} pending approval${denied === 1 ? ' was' : 's were'} denied and running tasks ended. Restarting in ${Math.ceil(info.restartInMs / 1000)} s.`,
          'Show Output').then((b) => { if (b) out.show(); });
      }
    },
    onDiagnostics: (d) => showDiagnostics(d.problems as AirlockProblem[]),
    onTaskStatus: (s) => {
      trace('task.status', { taskId: s.taskId, status: s.status });
      if (s.status === 'started') void refreshTasks();
      else tasks.removed(s.taskId);
    },
    onStderr: (t) => out.append(t),
  });
  stopHarness = () => manager.stop();
  context.subscriptions.push({ dispose: () => { tasks.dispose(); } });

  let reported = new Set<string>();
  function showDiagnostics(problems: AirlockProblem[]): void {
    const specs = toDiagnostics(root, POLICY_REL, problems);
    for (const [file, list] of byFile(specs, reported)) {
      diagnostics.set(vscode.Uri.file(file), list.map((s) => {
        const d = new vscode.Diagnostic(new vscode.Range(s.line, s.col, s.line, s.col + 1), s.message,
          s.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Error);
        d.source = 'airlock';
        d.code = s.code;
        return d;
      }));
    }
    reported = new Set(specs.map((s) => s.file));
  }

  async function client(): Promise<HarnessClient> {
    try {
      return await manager.client$();
    } catch (err) {
      throw new UserError(err instanceof Error ? err.message : String(err));
    }
  }

  async function refreshTasks(): Promise<void> {
    try {
      const c = await client();
      await tasks.refresh({ listTasks: () => c.listTasks(), listGrants: () => c.listGrants() });
    } catch { /* the state already says why */ }
  }
  const refreshTimer = setInterval(() => { if (tasks.tasks.length > 0) tree.refresh(); }, 15_000);
  context.subscriptions.push({ dispose: () => clearInterval(refreshTimer) });

  // ── policy files ──────────────────────────────────────────────────────────────────────────────────────────────────
  let reloadTimer: NodeJS.Timeout | undefined;
  let toldInvalid = false;
  async function reloadPolicy(): Promise<void> {
    const c = await client();
    const result = await c.loadPolicy();
    trace('policy.loaded', { ok: result.ok });
    if (result.ok) {
      toldInvalid = false;
      manager.policyLoaded(true, result.policy.warnings);
      return;
    }
    // Fail closed: running tasks stop, and no task starts until the policy loads again.
    const killed = await c.kill('all', 'the workspace policy does not load').catch(() => ({ killed: [] as string[] }));
    if (killed.killed.length) tasks.killedAll();
    tellInvalid(result.problems.length, killed.killed.length);
    manager.policyLoaded(false, result.problems);
  }
  /** Says once (until the policy loads again) that the policy is invalid and what that means. */
  function tellInvalid(problems: number, stopped: number): void {
    if (toldInvalid) return;
    toldInvalid = true;
    void vscode.window.showErrorMessage(`Airlock: ${POLICY_REL} does not load (${problems} problem${problems === 1 ? '' : 's'}, see Problems). Every agent action is denied until it is fixed${stopped ? `; ${stopped} running task(s) were stopped` : ''}.`);
  }
  const scheduleReload = () => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => void reloadPolicy().catch((e: unknown) => out.appendLine(String(e))), 150);
  };
  const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '.airlock/policy.json'));
  watcher.onDidChange(scheduleReload);
  watcher.onDidCreate(scheduleReload);
  watcher.onDidDelete(scheduleReload);
  context.subscriptions.push(watcher, vscode.workspace.onDidSaveTextDocument((doc) => {
    if (path.resolve(doc.uri.fsPath) === policyFile) scheduleReload();
  }));

  const before = new Map<string, string>();
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider('airlock-before', {
    provideTextDocumentContent: (uri) => before.get(uri.path) ?? '',
  }));

  async function alwaysAllow(request: ApprovalRequest): Promise<void> {
    const rule = ruleFor(request);
    if (!rule.ok) throw new Error(`no rule was written because ${rule.reason}`);
    const uri = vscode.Uri.file(policyFile);
    const exists = fs.existsSync(policyFile);
    const old = exists ? (await vscode.workspace.openTextDocument(uri)).getText() : '';
    const next = exists ? addRule(old, rule.rule) : { text: newPolicyWithRule(rule.rule, schemaUri), alreadyThere: false };
    if (next.alreadyThere) {
      void vscode.window.showInformationMessage(`Airlock: ${POLICY_REL} already allows ${displaySafe(rule.rule.shown)}.`);
      return;
    }
    if (!exists) {
      fs.mkdirSync(path.dirname(policyFile), { recursive: true });
      fs.writeFileSync(policyFile, next.text);
    } else {
      const doc = await vscode.workspace.openTextDocument(uri);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(doc.positionAt(0), doc.positionAt(old.length)), next.text);
      await vscode.workspace.applyEdit(edit);
      await doc.save();
    }
    out.appendLine(`Always allow: added to ${POLICY_REL}:\n${lineDiff(old, next.text)}`);
    trace('policy.always', { rule: rule.rule.shown });
    const key = `/${Date.now()}/policy.before.jsonc`;
    before.set(key, old);
    await vscode.commands.executeCommand('vscode.diff', vscode.Uri.from({ scheme: 'airlock-before', path: key }), uri,
      `Airlock: rule added to ${POLICY_REL}`, { preview: true });
    await reloadPolicy();
  }

  // ── tasks view ────────────────────────────────────────────────────────────────────────────────────────────────────
  const tree = new TasksTree(tasks);
  context.subscriptions.push(vscode.window.createTreeView('airlock.tasks', { treeDataProvider: tree, showCollapseAll: false }));

  // ── commands ──────────────────────────────────────────────────────────────────────────────────────────────────────
  const command = (id: string, fn: (...args: unknown[]) => Promise<unknown>) => context.subscriptions.push(vscode.commands.registerCommand(id, async (...args: unknown[]) => {
    try {
      return await fn(...args);
    } catch (err) {
      const message = err instanceof UserError ? err.message : `Airlock: ${err instanceof Error ? err.message : String(err)}`;
      out.appendLine(`${id}: ${err instanceof Error ? err.stack : String(err)}`);
      void vscode.window.showErrorMessage(message.startsWith('Airlock') ? message : `Airlock: ${message}`);
      return undefined;
    }
  }));

  command('airlock.startTask', async () => {
    const c = await client();
    if (harnessState.kind === 'ready' && !harnessState.policyOk) throw new UserError(`Airlock: ${POLICY_REL} does not load, so no task can start; fix it first (see Problems).`);
    const templates = await c.templates().catch(() => []);
    const typed = { label: '$(edit) Type a scope…', description: 'e.g. write src/**, exec npm test', name: '' };
    const picked = await vscode.window.showQuickPick([
      ...templates.map((t) => ({ label: displaySafe(t.name), description: displaySafe(t.intent), detail: `${Math.round(t.ttlSeconds / 60)} min`, name: t.name })),
      typed,
    ], { title: 'Airlock: Start Task', placeHolder: 'A task template of the workspace policy, or a scope you type' });
    if (!picked) return;
    let task;
    if (picked === typed) {
      const scopeText = await vscode.window.showInputBox({ title: 'Airlock: task scope', prompt: 'Comma-separated: read <glob>, write <glob>, net <url pattern>, exec <argv>', placeHolder: 'write src/**, exec npm test' });
      if (!scopeText) return;
      const scope = parseTypedScope(scopeText);
      if (!scope.ok) throw new UserError(`Airlock: ${scope.message}`);
      const intent = await vscode.window.showInputBox({ title: 'Airlock: task intent', prompt: 'What is the task for? Shown in every approval.', value: scopeText });
      if (!intent) return;
      task = await c.startTask({ intent, scope: scope.scope });
    } else {
      task = await c.startTask({ template: picked.name });
    }
    tasks.started(task);
    trace('task.started', { id: task.id });
    void vscode.window.showInformationMessage(`Airlock: task "${displaySafe(task.intent)}" started.`);
  });

  command('airlock.endTask', async (arg) => {
    const c = await client();
    let id = typeof arg === 'string' ? arg : (arg as { taskId?: string } | undefined)?.taskId;
    if (!id) {
      if (tasks.tasks.length === 0) { void vscode.window.showInformationMessage('Airlock: no task is running.'); return; }
      const picked = await vscode.window.showQuickPick(tasks.tasks.map((t) => ({ label: displaySafe(t.intent), description: t.id, id: t.id })), { title: 'Airlock: End Task' });
      id = picked?.id;
    }
    if (!id) return;
    await c.endTask(id);
    tasks.removed(id);
  });
  command('airlock.endTaskItem', async (item) => vscode.commands.executeCommand('airlock.endTask', (item as { taskId?: string }).taskId));

  command('airlock.stopAll', async () => {
    const t0 = performance.now();
    tasks.killedAll();
    const uiMs = performance.now() - t0;
    const c = manager.current.kind === 'ready' ? await client() : null;
    const killed = c ? await c.kill('all', 'Stop All Agents') : { killed: [] };
    const ms = Math.round(performance.now() - t0);
    trace('killswitch', { ms, uiMs, killed: killed.killed.length });
    out.appendLine(`Stop All Agents: ${killed.killed.length} task(s) stopped in ${ms} ms`);
    void vscode.window.showWarningMessage(`Airlock: all agents stopped (${killed.killed.length} task${killed.killed.length === 1 ? '' : 's'}, ${ms} ms). Start a task to let agents work again.`);
  });

  command('airlock.revokeGrant', async (item) => {
    const grantId = (item as { grantId?: string } | undefined)?.grantId;
    if (!grantId) return;
    const c = await client();
    await c.revokeGrant(grantId);
    await refreshTasks();
  });
  command('airlock.refreshTasks', refreshTasks);

  const answerPending = async (request: ApprovalRequest) => {
    const { detail } = approvalMessage(request, Date.now());
    const choice = await vscode.window.showQuickPick(CHOICE_ORDER.map((label) => ({ label })), { title: approvalLabel(request), placeHolder: detail.split('\n').join(' · ') });
    if (choice) broker.answer(request.id, choice.label as Choice);
  };
  command('airlock.showPending', async () => {
    const pending = broker.pending;
    if (pending.length === 0) { void vscode.window.showInformationMessage('Airlock: no approvals are pending.'); return; }
    const picked = await vscode.window.showQuickPick(pending.map((p) => ({ label: approvalLabel(p.request), description: approvalMessage(p.request, Date.now()).message, request: p.request })), { title: 'Airlock: pending approvals' });
    if (picked) await answerPending(picked.request);
  });
  command('airlock.showMenu', async () => {
    type Item = vscode.QuickPickItem & { run?: () => unknown };
    const items: Item[] = [
      ...broker.pending.map((p): Item => ({ label: `$(question) ${approvalLabel(p.request)}`, description: `task ${displaySafe(p.request.task.intent)}`, run: () => answerPending(p.request) })),
      ...(broker.pending.length ? [{ label: '', kind: vscode.QuickPickItemKind.Separator } as Item] : []),
      { label: '$(stop-circle) Stop All Agents', run: () => vscode.commands.executeCommand('airlock.stopAll') },
      { label: '$(play) Start Task', run: () => vscode.commands.executeCommand('airlock.startTask') },
      { label: '$(debug-stop) End Task', run: () => vscode.commands.executeCommand('airlock.endTask') },
      { label: '$(output) Show Action Log', run: () => vscode.commands.executeCommand('airlock.showLog') },
      { label: '$(info) Show Output', run: () => out.show() },
    ];
    const picked = await vscode.window.showQuickPick(items, { title: broker.pending.length ? `Airlock: ${broker.pending.length} pending approval(s)` : 'Airlock' });
    await picked?.run?.();
  });

  command('airlock.runSession', async (arg) => {
    let file = arg instanceof vscode.Uri ? arg.fsPath : undefined;
    if (!file) {
      const found = await vscode.workspace.findFiles('**/*.airlock-session.json', '**/node_modules/**', 200);
      const browse = { label: '$(folder-opened) Browse…', file: '' };
      const picked = await vscode.window.showQuickPick([
        ...found.map((u) => ({ label: vscode.workspace.asRelativePath(u), file: u.fsPath })), browse,
      ], { title: 'Airlock: Run Scripted Session', placeHolder: 'A session file (*.airlock-session.json)' });
      if (!picked) return;
      if (picked === browse) {
        const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Airlock session': ['json'] } });
        file = chosen?.[0]?.fsPath;
      } else file = picked.file;
    }
    if (!file) return;
    const c = await client();
    const shown = vscode.workspace.asRelativePath(file);
    trace('session.start', { file: shown });
    let result: SessionRunResult;
    try {
      result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Airlock: running ${shown}` }, () => c.runSession(file));
    } catch (err) {
      if (manager.current.kind !== 'ready' || c !== (await manager.client$().catch(() => null))) {
        throw new UserError(`Airlock: the session ${shown} was cut short: the harness stopped, and what it had pending was denied.`);
      }
      throw err;
    }
    reportSession(result);
  });

  function reportSession(r: SessionRunResult): void {
    out.appendLine(`session ${displaySafe(r.name)} (${r.file}): ${r.ok ? 'ok' : 'FAILED'}`);
    for (const p of r.problems) out.appendLine(`  ${p.place?.line ? `${p.place.line}:${p.place.col ?? 1} ` : ''}${displaySafe(p.message)}`);
    for (const s of r.steps) {
      out.appendLine(`  ${s.ok ? '✓' : '✗'} ${s.index + 1}. ${s.action} ${displaySafe(s.target)} → ${s.verdict ?? '-'} / ${s.outcome}${s.decidedBy ? ` (${s.decidedBy})` : ''}${s.error ? `: ${displaySafe(s.error.message)}` : ''}`);
      for (const f of s.failures) out.appendLine(`      ${displaySafe(f)}`);
    }
    trace('session.done', { ok: r.ok, steps: r.steps.map((s) => ({ outcome: s.outcome, ok: s.ok })) });
    const good = r.steps.filter((s) => s.ok).length;
    const summary = r.problems.length
      ? `Airlock: session "${displaySafe(r.name)}" did not run: ${displaySafe(r.problems[0]?.message ?? '')}`
      : `Airlock: session "${displaySafe(r.name)}" finished: ${good} of ${r.steps.length} steps as expected.`;
    const show = r.ok ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(summary, 'Show Output').then((b) => { if (b) out.show(); });
  }

  command('airlock.createPolicy', async () => {
    if (fs.existsSync(policyFile)) {
      const open = await vscode.window.showInformationMessage(`Airlock: ${POLICY_REL} already exists.`, 'Open It');
      if (open) await vscode.window.showTextDocument(vscode.Uri.file(policyFile));
      return;
    }
    const presets = listPresets(policiesDir);
    const picked = await vscode.window.showQuickPick(presets.map((p) => ({ label: p.name, description: p.ref, detail: p.description, preset: p })), { title: 'Airlock: Create Workspace Policy', placeHolder: 'Start from a preset' });
    if (!picked) return;
    fs.mkdirSync(path.dirname(policyFile), { recursive: true });
    fs.writeFileSync(policyFile, policyFromPreset(picked.preset, schemaUri), { flag: 'wx' });
    await vscode.window.showTextDocument(vscode.Uri.file(policyFile));
    scheduleReload();
  });

  command('airlock.explainDecision', async () => {
    const text = await vscode.window.showInputBox({ title: 'Airlock: Explain Decision', prompt: 'An action and its target', placeHolder: 'fs.write src/index.ts   ·   net.fetch https://example.com/   ·   exec npm test' });
    if (!text) return;
    const parsed = parseExplainInput(text);
    if (!parsed.ok) throw new UserError(`Airlock: ${parsed.message}`);
    const c = await client();
    const taskId = tasks.active?.id;
    const r = await c.explain({ action: parsed.action, target: parsed.target, ...(taskId ? { taskId } : {}) });
    const rule = r.rule;
    const where = [rule.layer, rule.file, rule.jsonPath, rule.pattern ? JSON.stringify(rule.pattern) : ''].filter(Boolean).map((s) => displaySafe(String(s))).join(' ');
    const message = `Airlock: ${r.verdict.toUpperCase()}  ${parsed.action} ${displaySafe(r.target)}  ← ${where}${taskId ? ` (in task "${displaySafe(tasks.active?.intent ?? '')}")` : ''}. ${displaySafe(r.reason)}`;
    out.appendLine(message);
    const ruleFile = rule.file ? (rule.file.startsWith('airlock:') ? path.join(policiesDir, `${rule.file.slice('airlock:'.length)}.json`) : path.resolve(root, rule.file)) : undefined;
    const buttons = ruleFile && fs.existsSync(ruleFile) ? ['Open Rule'] : [];
    const show = r.verdict === 'deny' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    const b = await show(message, ...buttons);
    if (b && ruleFile) {
      const line = Math.max(0, (rule.line ?? 1) - 1);
      const col = Math.max(0, (rule.col ?? 1) - 1);
      await vscode.window.showTextDocument(vscode.Uri.file(ruleFile), { selection: new vscode.Range(line, col, line, col) });
    }
  });

  // The live action log panel (issue 13): Show Action Log and Verify Action Log, over the running harness.
  // Connect Agents…: their pre-tool hooks in their settings files, previewed as a diff, written on confirmation (issue 14).
  command('airlock.connectAgents', async () => {
    const c = await client();
    const agents = await vscode.window.showQuickPick(agentChoices(), {
      title: 'Airlock: Connect Agents (1/2)', placeHolder: 'The agents whose every tool call Airlock decides (their pre-tool hook)', canPickMany: true,
      ignoreFocusOut: true, // a two-step flow: a notification or a webview taking focus must not drop it half-way
    });
    if (!agents?.length) return;
    const scopes = [
      { label: 'This project', description: 'the workspace\'s settings files (commit them to connect everyone\'s agents)', scope: 'project' as const },
      { label: 'Your user', description: 'the settings files in your home folder, for every project', scope: 'user' as const },
    ];
    const scopePick = await vscode.window.showQuickPick(scopes, { title: 'Airlock: Connect Agents (2/2)', placeHolder: 'Where to connect them', ignoreFocusOut: true });
    if (!scopePick) return;
    // POSIX: the harness's launcher (it follows this extension across updates); Windows: this extension's hook directly.
    let command: string | undefined;
    if (process.platform === 'win32') {
      const node = await discoverNode(nodeDiscoveryInput());
      if (!node.ok) throw new UserError(`Airlock: the hook needs Node.js to run: ${node.message}`);
      command = hookCommand(node.node, context.extensionPath, process.platform);
    }
    const params = { agents: agents.map((a) => a.agent), scope: scopePick.scope, ...(command ? { command } : {}) };
    const { plans } = await c.planHooks(params);
    // A read-only document (no untitled buffer left to save): the edits as a diff.
    const key = `/${Date.now()}/connect-agents.diff`;
    before.set(key, previewText(plans, scopePick.scope));
    const preview = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: 'airlock-before', path: key }));
    await vscode.languages.setTextDocumentLanguage(preview, 'diff');
    await vscode.window.showTextDocument(preview, { preview: true });
    const edits = toApply(plans);
    trace('hooks.planned', { agents: params.agents, scope: params.scope, changes: edits.length });
    if (edits.length === 0) {
      void vscode.window.showInformationMessage(`Airlock: nothing to change: ${plans.some((p) => p.problem) ? 'see the preview for the files that cannot be changed' : 'these agents are already connected'}.`);
      return;
    }
    const files = edits.map((e) => vscode.workspace.asRelativePath(e.file)).join(', ');
    const answer = await vscode.window.showInformationMessage(`Airlock: apply the previewed edits to ${displaySafe(files)}?`, 'Apply', 'Cancel');
    if (answer !== 'Apply') return;
    const { applied } = await c.applyHooks({ ...params, agents: edits.map((e) => e.agent), confirmed: edits.map((e) => ({ agent: e.agent, diff: e.diff })) });
    const summary = appliedSummary(applied);
    trace('hooks.applied', { written: applied.filter((a) => a.written).map((a) => a.agent), refused: applied.filter((a) => !a.written).map((a) => a.agent) });
    out.appendLine(summary.text);
    void (summary.ok ? vscode.window.showInformationMessage : vscode.window.showWarningMessage)(summary.text);
  });

  context.subscriptions.push(registerLogPanel(context, () => manager.client$()));

  // Airlock's own tools for agents: the MCP server definition and the same tools as language-model tools (issue 15).
  registerAgentTools(context, {
    harness: () => manager.readyClient,
    tasks: {
      peek: () => tasks.active?.id,
      current: async () => {
        if (tasks.active) return tasks.active.id;
        const task = await (await client()).startTask({ intent: 'agent tools in the editor' });
        tasks.started(task);
        return task.id;
      },
      begin: async (params) => {
        const task = await (await client()).startTask(params as Parameters<HarnessClient['startTask']>[0]);
        tasks.started(task);
        return task.id;
      },
      end: async () => {
        const id = tasks.active?.id;
        if (!id) return;
        await (await client()).endTask(id);
        tasks.removed(id);
      },
    },
    airlockCommand: async () => {
      const found = await discoverNode(nodeDiscoveryInput());
      if (!found.ok) throw new Error(found.message);
      return [found.node, '--no-node-snapshot', path.join(context.extensionPath, 'dist', 'harness.mjs')];
    },
    version: String((context.extension.packageJSON as { version?: string }).version ?? '0'),
  });

  context.subscriptions.push(vscode.workspace.onDidChangeConfiguration((e) => {
    if (['airlock.nodePath', 'airlock.logDirectory', 'airlock.baselinePolicyFile'].some((k) => e.affectsConfiguration(k))) {
      toldNoNode = false;
      void vscode.window.showInformationMessage('Airlock: restarting the harness with the new setting; running tasks end.');
      void manager.restart().catch(() => undefined);
    }
  }));

  render();
  void manager.client$().catch(() => undefined);
}

export async function deactivate(): Promise<void> {
  await stopHarness?.();
}

/** An error whose message is already written for the user. */
class UserError extends Error {}

/** Appends timing events to $AIRLOCK_TRACE_FILE (used by the end-to-end test and the benchmark); a no-op otherwise. */
function tracer(): (event: string, data?: Record<string, unknown>) => void {
  const file = process.env['AIRLOCK_TRACE_FILE'];
  if (!file) return () => undefined;
  return (event, data) => {
    try {
      fs.appendFileSync(file, `${JSON.stringify({ t: Date.now(), event, ...data })}\n`);
    } catch { /* tracing never breaks the extension */ }
  };
}
