// Serves the real webview bundle (media/) on 127.0.0.1 in the panel's own HTML shell (CSP, nonce), with the host stand-in
// (test/panel/pageHost.ts) loaded first, and opens it in Debian's headless Chromium through playwright-core.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { panelHtml } from '../../src/panel/html.js';
import { repoRoot } from '../support/cli.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Fails with the fix when Chromium is not installed (never a silent skip). */
export function requireChromium(): void {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is needed for the panel tests and is not at ${CHROMIUM}: run \`apt-get install chromium\` (as root; .ci/run does it).`);
}

let built: Promise<string> | undefined;
/** Builds media/ (scripts/build.mjs) and the host stand-in once per process; returns the stand-in's path. */
export function buildPanelAssets(): Promise<string> {
  built ??= (async () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`scripts/build.mjs failed: ${r.stderr}`);
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-panel-')), 'host.js');
    await build({ entryPoints: [path.join(repoRoot, 'test', 'panel', 'pageHost.ts')], outfile: out, bundle: true, platform: 'browser', format: 'iife', target: 'chrome120', logLevel: 'warning' });
    return out;
  })();
  return built;
}

export interface PanelPage { browser: Browser; page: Page; url: string; errors: string[]; close(): Promise<void> }

const THEMES: Record<string, Record<string, string>> = {
  dark: { '--vscode-editor-background': '#1e1e1e', '--vscode-foreground': '#cccccc', '--vscode-descriptionForeground': '#9d9d9d', '--vscode-input-background': '#3c3c3c', '--vscode-input-foreground': '#cccccc', '--vscode-button-secondaryBackground': '#3a3d41', '--vscode-button-secondaryForeground': '#cccccc', '--vscode-list-activeSelectionBackground': '#04395e', '--vscode-textLink-foreground': '#3794ff', '--vscode-textCodeBlock-background': '#0a0a0a' },
  light: { '--vscode-editor-background': '#ffffff', '--vscode-foreground': '#3b3b3b', '--vscode-descriptionForeground': '#717171', '--vscode-input-background': '#ffffff', '--vscode-input-foreground': '#3b3b3b', '--vscode-input-border': '#cecece', '--vscode-button-secondaryBackground': '#e5e5e5', '--vscode-button-secondaryForeground': '#3b3b3b', '--vscode-list-activeSelectionBackground': '#e4e6f1', '--vscode-textLink-foreground': '#005fb8', '--vscode-testing-iconPassed': '#388a34', '--vscode-errorForeground': '#a1260d' },
  'high-contrast': { '--vscode-editor-background': '#000000', '--vscode-foreground': '#ffffff', '--vscode-contrastBorder': '#6fc3df', '--vscode-contrastActiveBorder': '#f38518', '--vscode-focusBorder': '#f38518', '--vscode-input-background': '#000000', '--vscode-input-foreground': '#ffffff', '--vscode-button-secondaryBackground': '#000000', '--vscode-button-secondaryForeground': '#ffffff', '--vscode-textLink-foreground': '#21a6ff', '--vscode-errorForeground': '#f48771', '--vscode-testing-iconPassed': '#89d185' },
};

/** Opens the panel page. `theme` sets the CSS variables VS Code would inject for a dark, light or high-contrast theme. */
export async function openPanelPage(opts: { theme?: keyof typeof THEMES; width?: number; height?: number; hostOnly?: boolean } = {}): Promise<PanelPage> {
  requireChromium();
  const hostJs = await buildPanelAssets();
  const media = path.join(repoRoot, 'media');
  let html = '';
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (type: string, body: Buffer | string) => { res.writeHead(200, { 'content-type': type }); res.end(body); };
    if (url.pathname === '/') return send('text/html', html);
    if (url.pathname === '/favicon.ico') return void res.writeHead(204).end();
    if (url.pathname === '/host.js') return send('text/javascript', fs.readFileSync(hostJs));
    if (url.pathname === '/theme.css') {
      const vars = Object.entries(THEMES[opts.theme ?? 'dark'] ?? {}).map(([k, v]) => `${k}: ${v};`).join(' ');
      return send('text/css', `:root { ${vars} }`);
    }
    const name = url.pathname.replace(/^\/media\//, '');
    if (url.pathname.startsWith('/media/') && /^[\w.-]+$/.test(name) && fs.existsSync(path.join(media, name))) {
      return send(name.endsWith('.js') ? 'text/javascript' : name.endsWith('.css') ? 'text/css' : 'font/ttf', fs.readFileSync(path.join(media, name)));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const nonce = 'testnonce0123456789';
  html = panelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/media/panel.js`, styleUri: `${origin}/media/panel.css`, codiconUri: `${origin}/media/codicon.css` })
    .replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/theme.css">\n<link rel="stylesheet"`)
    .replace('<script nonce=', `<script nonce="${nonce}" src="${origin}/host.js"></script>\n<script nonce=`);
  // hostOnly: the host stand-in without the webview, to tell the webview's share of the page's memory.
  if (opts.hostOnly) html = html.replace(/<script nonce="[^"]*" src="[^"]*panel\.js"><\/script>/, '');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: { width: opts.width ?? 1400, height: opts.height ?? 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('dialog', (d) => { errors.push(`dialog: ${d.message()}`); void d.dismiss(); });
  return {
    browser, page, url: origin, errors,
    close: async () => {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };
}
