// The action log panel in VS Code: registers "Airlock: Show Action Log" and "Airlock: Verify Action Log" and wires the
// webview to the PanelController. Thin on purpose: the logic lives in controller.ts and store.ts, tested without vscode.
import path from 'node:path';
import * as vscode from 'vscode';
import type { LogFileInfo } from '../../sandbox/protocol/protocol.js';
import { PanelController, type PanelHarness, type PanelServices } from './controller.js';
import { panelHtml } from './html.js';

export type { PanelHarness } from './controller.js';

export const SHOW_LOG_COMMAND = 'airlock.showLog';
export const VERIFY_LOG_COMMAND = 'airlock.verifyLog';

/**
 * Registers the panel's commands. `harness` is asked for when a command runs: it may start the harness and wait for it
 * (a user who opens the log before the harness is up gets the log, not a warning); HarnessClient implements PanelHarness.
 */
export function registerLogPanel(context: vscode.ExtensionContext,
  harness: PanelHarness | (() => PanelHarness | undefined | Promise<PanelHarness | undefined>)): { dispose(): void } {
  const current = async (): Promise<PanelHarness | undefined> => (typeof harness === 'function' ? harness() : harness);
  let panel: vscode.WebviewPanel | undefined;
  let controller: PanelController | undefined;
  const media = vscode.Uri.joinPath(context.extensionUri, 'media');

  const show = async (): Promise<PanelController | undefined> => {
    if (panel && controller) {
      panel.reveal();
      return controller;
    }
    let h: PanelHarness | undefined;
    try {
      h = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Airlock: starting the harness for the action log' }, () => current());
    } catch (err) {
      void vscode.window.showErrorMessage(`Airlock: there is no action log to show, because the harness did not start: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
    if (!h) {
      void vscode.window.showWarningMessage('Airlock: the harness is not running, so there is no action log to show yet.');
      return undefined;
    }
    if (panel && controller) {
      panel.reveal();
      return controller;
    }
    const p = vscode.window.createWebviewPanel('airlock.actionLog', 'Airlock: Action Log', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [media],
      retainContextWhenHidden: false,
    });
    panel = p;
    const services: PanelServices = {
      post: (m) => void p.webview.postMessage(m),
      pickLog: (logs) => pickLog(logs),
      save: (content, format, name) => saveExport(content, format, name),
      openRule: (rule) => openRule(rule),
    };
    const c = new PanelController(h, services);
    controller = c;
    p.webview.html = panelHtml({
      cspSource: p.webview.cspSource,
      scriptUri: p.webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.js')).toString(),
      styleUri: p.webview.asWebviewUri(vscode.Uri.joinPath(media, 'panel.css')).toString(),
      codiconUri: p.webview.asWebviewUri(vscode.Uri.joinPath(media, 'codicon.css')).toString(),
    });
    const sub = p.webview.onDidReceiveMessage((m: unknown) => void c.handle(m).catch((err: unknown) => {
      void vscode.window.showErrorMessage(`Airlock log panel: ${err instanceof Error ? err.message : String(err)}`);
    }));
    p.onDidDispose(() => {
      sub.dispose();
      c.dispose();
      if (controller === c) controller = undefined;
      if (panel === p) panel = undefined;
    });
    c.open().catch((err: unknown) => void vscode.window.showErrorMessage(`Airlock: cannot read the action log: ${err instanceof Error ? err.message : String(err)}`));
    return c;
  };

  const disposables = [
    vscode.commands.registerCommand(SHOW_LOG_COMMAND, () => show()),
    vscode.commands.registerCommand(VERIFY_LOG_COMMAND, async () => {
      const c = await show();
      await c?.verify('full');
    }),
  ];
  context.subscriptions.push(...disposables);
  return { dispose: () => { for (const d of disposables) d.dispose(); panel?.dispose(); } };
}

async function pickLog(logs: LogFileInfo[]): Promise<string | undefined> {
  const items = logs.map((l) => ({
    label: `${l.live ? '$(pulse) ' : ''}${l.name}`,
    description: `${new Date(l.modified).toLocaleString()} · ${Math.ceil(l.bytes / 1024)} KiB${l.live ? ' · live' : ''}`,
    file: l.file,
  }));
  const browse = { label: '$(folder-opened) Open a log file…', description: '', file: '' };
  const picked = await vscode.window.showQuickPick([...items, browse], { placeHolder: 'The workspace\'s action logs, newest first' });
  if (!picked) return undefined;
  if (picked.file) return picked.file;
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Airlock log': ['jsonl'] }, openLabel: 'Open log' });
  return chosen?.[0]?.fsPath;
}

async function saveExport(content: string, format: 'jsonl' | 'csv', name: string): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
    filters: format === 'jsonl' ? { 'Log lines': ['jsonl'] } : { CSV: ['csv'] },
  });
  if (!target) return undefined;
  await vscode.workspace.fs.writeFile(target, Buffer.from(content, 'utf8'));
  return target.fsPath;
}

/** Opens the policy file a rule names, at its line: workspace-relative paths only resolve inside a workspace folder. */
async function openRule(rule: { file: string; line?: number; col?: number }): Promise<void> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  const candidates = path.isAbsolute(rule.file) ? [rule.file] : folders.map((f) => path.join(f.uri.fsPath, rule.file));
  const inside = candidates.find((c) => path.isAbsolute(rule.file) ? c.endsWith('.json') || c.endsWith('.jsonc') : folders.some((f) => !path.relative(f.uri.fsPath, c).startsWith('..')));
  if (!inside) {
    void vscode.window.showWarningMessage(`Airlock: the rule's policy file ${rule.file} is not in this workspace.`);
    return;
  }
  const pos = new vscode.Position(Math.max(0, (rule.line ?? 1) - 1), Math.max(0, (rule.col ?? 1) - 1));
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(inside));
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: true });
}
