// The panel's host side without vscode or a browser: the HTML shell's CSP, the webview's messages validated (views only),
// the controller over a real harness: load, follow, incremental verification, export of exact lines, past sessions.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { panelHtml } from '../../src/panel/html.js';
import { WebviewToHost, type HostToWebview } from '../../src/panel/messages.js';
import { PanelController, type PanelHarness } from '../../src/panel/controller.js';
import { HarnessClient } from '../../src/harness/client.js';
import { makeWorkspace, type TempWorkspace } from '../support/workspace.js';
import { startHarness } from '../support/harness.js';
import { runAirlock } from '../support/cli.js';

// The extension's harness client is what the panel needs.
const _client = (c: HarnessClient): PanelHarness => c;
void _client;

describe('log panel: host side', function () {
  this.timeout(60_000);

  it('the HTML shell: a nonce CSP, nothing inline, resources only from the given origin', () => {
    const html = panelHtml({ cspSource: 'https://file+.vscode-resource.x', nonce: 'abc123', scriptUri: 'https://file+.vscode-resource.x/media/panel.js', styleUri: 'https://file+.vscode-resource.x/media/panel.css', codiconUri: 'https://file+.vscode-resource.x/media/codicon.css' });
    assert.match(html, /content="default-src 'none'; script-src 'nonce-abc123'; style-src https:\/\/file\+\.vscode-resource\.x; font-src https:\/\/file\+\.vscode-resource\.x; img-src https:\/\/file\+\.vscode-resource\.x"/);
    assert.equal((html.match(/<script /g) ?? []).length, 1);
    assert.match(html, /<script nonce="abc123" src="[^"]+"><\/script>/);
    assert.doesNotMatch(html, /\son\w+=|<style|style="|javascript:/);
    assert.notEqual(panelHtml({ cspSource: 'x', scriptUri: 'x', styleUri: 'x', codiconUri: 'x' }).match(/nonce-(\w+)/)?.[1], panelHtml({ cspSource: 'x', scriptUri: 'x', styleUri: 'x', codiconUri: 'x' }).match(/nonce-(\w+)/)?.[1]);
  });

  it('webview messages: only view requests, no paths, no extra fields', () => {
    assert.ok(WebviewToHost.safeParse({ type: 'openRule', id: 3 }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'openRule', id: 3, file: '/etc/passwd' }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'export', format: 'jsonl', path: '/tmp/x' }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'write', line: 'x' }).success);
    assert.ok(!WebviewToHost.safeParse({ type: 'window', start: 0, count: 1e9 }).success);
  });

  describe('over the real harness', () => {
    let ws: TempWorkspace;
    let client: HarnessClient | undefined;
    beforeEach(() => { ws = makeWorkspace({ 'src/a.ts': 'export const a = 1;\n' }, { version: 1, default: 'ask', fs: { read: { allow: ['src/**'] }, write: { deny: ['src/locked.ts'] } } }); });
    afterEach(() => {
      client?.terminate();
      client = undefined;
      ws.cleanup();
    });

    it('loads the live log, follows it, verifies incrementally, exports exact lines that verify, opens a past session', async () => {
      const logDir = path.join(ws.stateDir, 'logs');
      client = startHarness(ws.stateDir);
      const init = await client.initialize({ workspaceRoot: ws.root, logDir, prompter: 'deny-all' });
      const task = await client.startTask({ intent: 'read', scope: { fs: { read: { allow: ['src/**'] } } } });
      await client.run(task.id, { action: 'fs.read', path: 'src/a.ts' });
      const posted: HostToWebview[] = [];
      const saved: string[] = [];
      let pickedFrom: string[] = [];
      const controller = new PanelController(client, {
        post: (m) => posted.push(m),
        pickLog: async (logs) => { pickedFrom = logs.map((l) => l.file); return logs.find((l) => !l.live)?.file; },
        save: async (content) => { saved.push(content); return '/somewhere'; },
        openRule: async () => undefined,
      }, { verifyDelayMs: 20 });
      await controller.handle({ type: 'ready' });
      await controller.open();
      assert.equal(controller.file, init.logFile);
      const chain = () => [...posted].reverse().find((m) => m.type === 'chain');
      assert.equal(chain()?.type === 'chain' && chain()?.status.state, 'verified');

      await controller.handle({ type: 'filter', filter: { decision: 'denied-by-user' } });
      await client.run(task.id, { action: 'fs.write', path: 'src/new.ts', content: 'x' }); // asked, nobody answers: denied
      await controller.handle({ type: 'filter', filter: { decision: 'denied' } });
      const started = Date.now();
      while (controller.store.count < 1 && Date.now() - started < 5000) await new Promise((r) => setTimeout(r, 10));
      assert.equal(controller.store.count, 1);
      while (!(chain()?.type === 'chain' && chain()?.status.state === 'verified' && (chain() as { status: { upTo: number } }).status.upTo >= controller.store.lineCount) && Date.now() - started < 5000) {
        await new Promise((r) => setTimeout(r, 10));
      }
      await controller.handle({ type: 'export', format: 'jsonl' });
      const slice = path.join(ws.stateDir, 'slice.jsonl');
      fs.writeFileSync(slice, saved[0] as string);
      const v = await runAirlock(['verify', slice, '--slice', '--against', init.logFile, '--key-dir', path.join(ws.stateDir, 'keys')]);
      assert.equal(v.code, 0, v.stderr + v.stdout);

      // Unknown filter values are named, not applied.
      await controller.handle({ type: 'filter', filter: { outcome: 'ok' } });
      assert.match(JSON.stringify(posted.at(-1)), /unknown outcome \\"ok\\"; valid values: done, denied, error, killed, none/);

      // A past session from the quick pick.
      const past = path.join(logDir, '2020-01-01T00-00-00-000Z-past.jsonl');
      fs.copyFileSync(init.logFile, past);
      fs.utimesSync(past, new Date('2020-01-01'), new Date('2020-01-01'));
      await controller.handle({ type: 'openLog' });
      assert.equal(pickedFrom[0], init.logFile, 'newest first');
      assert.equal(controller.file, past);
      assert.equal(chain()?.type === 'chain' && chain()?.status.state, 'head-missing');
      controller.dispose();
    });
  });
});
