// Figure: the action log panel's webview in headless Chromium at 100,000 entries — first rows, a live append, scrolling
// 100 rows a frame, memory at 100,000 vs 1,000 — against the same lines as plain text in one page (the Output channel's
// stand-in: `airlock log`'s 100,000 lines in a <pre>). Same Chromium, same run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ActionLog } from '../sandbox/log/writer.js';
import type { LogEntry } from '../sandbox/log/entry.js';
import { formatEntry } from '../sandbox/cli/log.js';
import { EntryStore } from '../src/panel/store.js';
import { act } from '../test/panel/fixture.js';
import { CHROMIUM, openPanelPage } from '../test/panel/page.js';
import { roundsFor, type BenchContext, type FigureModule } from './context.js';
import { stats, type Stats } from './measure.js';
import { figure, type FigureRecord } from './record.js';

const HOWS = ['policy', 'deny', 'user-deny', 'user-allow', 'grant', 'timeout', 'policy', 'policy'] as const;

/** A real log of at least `n` lines (actions as the Enforcer writes them), and the same lines as `airlock log` prints them. */
function writeLog(dir: string, n: number): { lines: string[]; printed: string[] } {
  const log = ActionLog.open({ file: path.join(dir, `log-${n}.jsonl`), session: 'bench', policyHash: '0'.repeat(64), keyDir: path.join(dir, 'keys') });
  let seq = 0;
  log.onAppend((e) => { seq = e.seq; });
  for (let i = 0; seq < n - 3; i++) act(log, `task-${i % 7}`, i % 5 === 0 ? 'exec' : 'fs.read', `src/module-${i % 997}/file-${i}.ts`, HOWS[i % HOWS.length] as (typeof HOWS)[number]);
  log.close();
  const lines = fs.readFileSync(log.file, 'utf8').split('\n').filter((l) => l !== '');
  return { lines, printed: lines.map((l) => formatEntry({ ...(JSON.parse(l.slice(65)) as LogEntry), hash: l.slice(0, 64) })) };
}

type Api = { open(file: string, lines: string[]): Promise<void>; append(lines: string[]): void };

/** Puts the lines into the page (one string, split there), outside any timing. */
async function preload(page: Page, lines: string[]): Promise<void> {
  await page.evaluate((text) => { (window as unknown as { benchLines: string[] }).benchLines = text.split('\n'); }, lines.join('\n'));
  await page.waitForTimeout(500);
}

/** In the page: open the panel's log and wait for the first row painted; ms from open() to that paint. */
async function panelFirstRows(page: Page, lines: string[]): Promise<number> {
  await preload(page, lines);
  return page.evaluate(async () => {
    const w = window as unknown as { airlockTest: Api; benchLines: string[]; benchLoaded: Promise<void> };
    const t0 = performance.now();
    w.benchLoaded = w.airlockTest.open('/bench/log.jsonl', w.benchLines);
    // (no named functions in here: the bundler's name helper does not exist in the page)
    while (!document.querySelector('.spacer .row:not([hidden]) .badge')) await new Promise<void>((r) => requestAnimationFrame(() => r()));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return performance.now() - t0;
  });
}

async function heapMb(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage') as { usedSize: number };
  await cdp.detach();
  return usedSize / 2 ** 20;
}


export const panelFigure: FigureModule = {
  id: 'panel',
  title: 'Figure: the action log panel (webview in headless Chromium) vs the same lines as plain text',
  async run(ctx: BenchContext): Promise<FigureRecord[]> {
    if (!fs.existsSync(CHROMIUM)) {
      ctx.fail(`Chromium is not at ${CHROMIUM}: apt-get install chromium`);
      return [];
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-bench-panel-'));
    const rounds = roundsFor(ctx, 3);
    const n = 100_000;
    try {
      ctx.progress(`  writing a ${n.toLocaleString('en-US')}-line log and a 1,000-line one`);
      const big = writeLog(dir, n);
      const small = writeLog(dir, 1000);
      const foldStart = performance.now();
      new EntryStore().addLines(big.lines);
      const foldMs = performance.now() - foldStart;
      const text = `${big.printed.join('\n')}\n`;

      const first: number[] = []; const firstText: number[] = [];
      const append: number[] = []; const appendText: number[] = [];
      const scroll: number[] = []; const scrollText: number[] = [];
      const heap: number[] = []; const heapSmall: number[] = []; const heapText: number[] = [];
      const hostHeap: number[] = []; const hostHeapSmall: number[] = [];
      /** The page's heap with the store alone (no webview script): what the extension host would hold. */
      const hostOnlyHeap = async (lines: string[]): Promise<number> => {
        const h = await openPanelPage({ hostOnly: true });
        try {
          await h.page.goto(h.url);
          await h.page.waitForFunction(() => (window as unknown as { airlockTest?: unknown }).airlockTest !== undefined);
          await preload(h.page, lines);
          await h.page.evaluate(() => { const w = window as unknown as { airlockTest: Api; benchLines: string[] }; return w.airlockTest.open('/bench/log.jsonl', w.benchLines); });
          return await heapMb(h.page);
        } finally {
          await h.close();
        }
      };
      let domRows = 0;
      for (let r = 0; r < rounds; r++) {
        ctx.progress(`  round ${r + 1}/${rounds}`);
        // The panel: open at 100,000, then one live append, then 120 frames of scrolling 100 rows each.
        const p = await openPanelPage({ width: 1400, height: 800 });
        try {
          await p.page.goto(p.url);
          await p.page.waitForFunction(() => (window as unknown as { airlockTest?: unknown }).airlockTest !== undefined);
          first.push(await panelFirstRows(p.page, big.lines));
          // The rest of the log loads while the first rows already show; the live append is timed once it has.
          await p.page.evaluate(() => (window as unknown as { benchLoaded: Promise<void> }).benchLoaded);
          await p.page.waitForTimeout(300);
          append.push(await p.page.evaluate(async () => {
            const api = (window as unknown as { airlockTest: Api }).airlockTest;
            const t0 = performance.now();
            api.append([`${'0'.repeat(64)} {"action":"fs.read","data":{"allowed":true,"reason":"r"},"decidedBy":"policy","kind":"decision","prev":"${'0'.repeat(64)}","seq":999999,"session":"bench","target":"src/live-append.ts","task":"task-0","ts":"2026-01-01T00:00:00.000Z","v":1,"verdict":"allow"}`]);
            for (;;) {
              await new Promise<void>((r) => requestAnimationFrame(() => r()));
              if ([...document.querySelectorAll('.spacer .row:not([hidden]) .c-target')].some((c) => c.textContent === 'src/live-append.ts')) break;
            }
            return performance.now() - t0;
          }));
          const perFrame = await p.page.evaluate(async () => {
            const v = document.querySelector('#rows') as HTMLElement;
            (document.querySelector('#follow') as HTMLElement).click();
            v.scrollTop = 0;
            await new Promise<void>((r) => requestAnimationFrame(() => r()));
            const out: number[] = [];
            for (let i = 0; i < 120; i++) {
              v.scrollTop += 100 * 24;
              v.dispatchEvent(new Event('scroll'));
              await new Promise<void>((r) => requestAnimationFrame(() => r())); // the webview's render runs first in this frame
              const t = performance.now();
              void v.querySelector('.spacer .row')?.getBoundingClientRect(); // style and layout of the moved rows
              const layout = performance.now() - t;
              const render = performance.getEntriesByName('airlock-render')[0]?.duration ?? 0;
              out.push(render + layout);
            }
            return out;
          });
          scroll.push(...perFrame);
          domRows = await p.page.$$eval('.spacer .row', (x) => x.length);
          heap.push(await heapMb(p.page));
        } finally {
          await p.close();
        }
        const s = await openPanelPage({ width: 1400, height: 800 });
        try {
          await s.page.goto(s.url);
          await s.page.waitForFunction(() => (window as unknown as { airlockTest?: unknown }).airlockTest !== undefined);
          await panelFirstRows(s.page, small.lines);
          await s.page.evaluate(() => (window as unknown as { benchLoaded: Promise<void> }).benchLoaded);
          heapSmall.push(await heapMb(s.page));
        } finally {
          await s.close();
        }
        hostHeap.push(await hostOnlyHeap(big.lines));
        hostHeapSmall.push(await hostOnlyHeap(small.lines));
        // The baseline: the same 100,000 lines as `airlock log` prints them, as text in one <pre>.
        const b = await openPanelPage({ width: 1400, height: 800 });
        try {
          await b.page.goto('about:blank');
          await b.page.setContent('<pre id="out" style="height:760px;overflow:auto;margin:0;font:12px monospace"></pre>');
          await b.page.evaluate((t) => { (window as unknown as { text: string }).text = t; }, text);
          await b.page.waitForTimeout(500);
          firstText.push(await b.page.evaluate(async () => {
            const pre = document.querySelector('#out') as HTMLElement;
            const t0 = performance.now();
            pre.textContent = (window as unknown as { text: string }).text;
            pre.scrollTop = pre.scrollHeight;
            await new Promise<void>((r) => requestAnimationFrame(() => r()));
            void pre.getBoundingClientRect();
            return performance.now() - t0;
          }));
          appendText.push(await b.page.evaluate(async () => {
            const pre = document.querySelector('#out') as HTMLElement;
            const t0 = performance.now();
            pre.append(document.createTextNode('#999999 2026-01-01T00:00:00.000Z decision [task-0] fs.read "src/live-append.ts" -> allow: allowed by policy\n'));
            pre.scrollTop = pre.scrollHeight;
            await new Promise<void>((r) => requestAnimationFrame(() => r()));
            void pre.getBoundingClientRect();
            return performance.now() - t0;
          }));
          const perFrame = await b.page.evaluate(async () => {
            const pre = document.querySelector('#out') as HTMLElement;
            pre.scrollTop = 0;
            const lineHeight = pre.scrollHeight / 100_000;
            const out: number[] = [];
            for (let i = 0; i < 120; i++) {
              const t = performance.now();
              pre.scrollTop += 100 * lineHeight;
              void pre.getBoundingClientRect();
              out.push(performance.now() - t);
              await new Promise<void>((r) => requestAnimationFrame(() => r()));
            }
            return out;
          });
          scrollText.push(...perFrame);
          heapText.push(await heapMb(b.page));
        } finally {
          await b.close();
        }
      }
      const st = (xs: number[]): Stats => stats(xs);
      const note = (s: string) => s;
      return [
        figure({
          name: 'panel: first rows at 100,000 entries', unit: 'ms', airlock: st(first), baselineName: 'same lines as text in a <pre>', baseline: st(firstText),
          ratio: 'overhead', goal: '≤ 300 ms', meets: (_r, a) => a <= 300,
          note: note(`from open() to the first row painted (the lines already in the page): the in-page host stand-in (the real PanelController + EntryStore) reads a first 256 KB page of the ${big.lines.length.toLocaleString('en-US')} lines, folds it and sends its rows with the reset; the rest loads in 4 MB pages while the rows already show. In VS Code that folding runs in the extension host; folding all ${big.lines.length.toLocaleString('en-US')} lines alone, in Node, took ${foldMs.toFixed(0)} ms. Baseline: setting the text of one <pre> to the ${big.lines.length.toLocaleString('en-US')} lines \`airlock log\` prints, until painted. VS Code's own Output channel was not measured.`),
        }),
        figure({
          name: 'panel: one live append visible', unit: 'ms', airlock: st(append), baselineName: 'append a text line to the <pre>', baseline: st(appendText),
          ratio: 'overhead', goal: '≤ 100 ms', meets: (_r, a) => a <= 100,
          note: 'from the log/appended batch reaching the controller to the new row painted (following, 100,000 entries loaded). The harness side (write → log/appended over JSON-RPC) is tested in test/host/logPanel.test.ts, not timed here.',
        }),
        figure({
          name: 'panel: scroll 100 rows per frame', unit: 'ms', airlock: st(scroll), baselineName: 'scroll the <pre> by 100 lines', baseline: st(scrollText),
          ratio: 'overhead', goal: '≤ 16 ms a frame', meets: (_r, a) => a <= 16,
          note: 'median and p99 over 120 frames per round of the webview\'s render script plus the forced style and layout of the moved rows; paint and compositing are not included for either side. Rows not yet in the window show as placeholders until the host answers.',
        }),
        figure({
          name: 'panel: webview JS heap, 100,000 vs 1,000 entries', unit: 'MB',
          airlock: st(heap.map((h, i) => h - (hostHeap[i] ?? 0))), baselineName: 'the same webview at 1,000 entries', baseline: st(heapSmall.map((h, i) => h - (hostHeapSmall[i] ?? 0))),
          ratio: 'overhead', goal: 'bounded: ≤ 2 MB at 100,000 entries (a window of rows, never the log)', meets: (_r, a) => a <= 2,
          note: `the page's JS heap after a forced GC, minus the same page with the host stand-in alone (its store holds every line and row; in VS Code that is the extension host's memory): whole page ${st(heap).median.toFixed(1)} MB at 100,000 (store alone ${st(hostHeap).median.toFixed(1)} MB), ${st(heapSmall).median.toFixed(1)} MB at 1,000 (store alone ${st(hostHeapSmall).median.toFixed(1)} MB); ${domRows} row elements in the DOM at 100,000. The text page with the 100,000 lines: ${st(heapText).median.toFixed(1)} MB. The webview caches at most 1,200 rows around the view, so its heap stops growing there.`,
        }),
      ];
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
