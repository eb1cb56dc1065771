// The panel's webview bundle in headless Chromium, fed by the real controller and store with the lines of a real log:
// rendering, filters, details, open-rule, live append, follow off, the chain badge verified → broken, exports that the
// real `airlock verify --slice` accepts, hostile targets escaped, keyboard, only a window of rows in the DOM, themes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { verifyLogFrom } from '../../sandbox/log/verify.js';
import type { LogVerifyResult } from '../../sandbox/protocol/protocol.js';
import { runAirlock } from '../support/cli.js';
import { repoRoot } from '../support/cli.js';
import { tempDir } from '../log/helpers.js';
import { act, lines, writePanelLog } from './fixture.js';
import { openPanelPage, type PanelPage } from './page.js';

const SHOTS = path.join(repoRoot, 'test-results', 'panel');

type TestApi = {
  open(file: string, lines: string[]): Promise<void>;
  append(lines: string[]): void;
  setVerify(file: string, r: LogVerifyResult | null): void;
  exports: { format: string; content: string }[];
  openedRules: { file: string; line?: number }[];
};
const api = (page: Page) => page.evaluateHandle(() => (window as unknown as { airlockTest: TestApi }).airlockTest);

async function rowTexts(page: Page): Promise<string[]> {
  return page.$$eval('.spacer .row:not([hidden])', (rows) => rows.map((r) => r.textContent ?? ''));
}

function toResult(file: string, live: boolean, mode: 'full' | 'incremental', run: ReturnType<typeof verifyLogFrom>): LogVerifyResult {
  const r = run.report;
  return {
    file, mode, ok: r.ok, from: run.from, verifiedUpTo: r.entries, headMissing: r.headMissing === true, live,
    ...(r.lastCheckpoint ? { lastCheckpoint: r.lastCheckpoint } : {}), ...(r.problem ? { problem: r.problem } : {}),
  };
}

describe('log panel webview in headless Chromium', function () {
  this.timeout(120_000);
  let dir: string;
  let p: PanelPage;
  before(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    dir = tempDir();
    p = await openPanelPage({ theme: 'dark' });
  });
  after(async () => {
    await p?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const shot = (name: string) => p.page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

  it('renders rows, filters to what the user refused, shows details, opens the rule, escapes hostile targets, exports a verifiable slice', async () => {
    const { page } = p;
    await page.goto(p.url);
    const { log, file, keyDir } = writePanelLog(dir);
    const t = await api(page);
    await t.evaluate((a, [f, l]) => a.open(f as string, l as string[]), [file, lines(file)]);
    await page.waitForSelector('.spacer .row:not([hidden]) .badge');
    const texts = await rowTexts(page);
    assert.ok(texts.some((s) => s.includes('package.json') && s.includes('denied by the user')), texts.join('\n'));
    assert.ok(texts.some((s) => s.includes('docs/parser.md') && s.includes('allowed by the user')));
    assert.ok(texts.some((s) => s.includes('docs/quoting.md') && s.includes('allowed by grant')));
    assert.ok(texts.some((s) => s.includes('example.com') && s.includes('denied: no answer in time')));
    const labels = await page.$$eval('.badge', (b) => b.map((x) => x.getAttribute('aria-label')));
    assert.ok(labels.includes('Decision: denied by the user'));
    await page.waitForSelector('#chain.chain-verified');
    await shot('01-rows-dark');

    // Hostile target: shown escaped, as text; nothing it holds became markup or ran.
    const hostile = await page.$$eval('.c-target', (cells) => cells.map((c) => c.textContent ?? '').find((s) => s.startsWith('evil')));
    assert.equal(hostile, 'evil\\u202Etxt.exe\\n#99 allow <img src=x onerror="document.title=\'pwned\'">\\x1B[2K');
    assert.equal(await page.$$eval('img', (i) => i.length), 0);
    assert.notEqual(await page.title(), 'pwned');

    // Filter: what the user refused.
    await page.selectOption('#f-decision', 'denied-by-user');
    await page.waitForFunction(() => document.querySelector('#count')?.textContent?.startsWith('2 of'));
    const refused = await rowTexts(page);
    assert.equal(refused.length, 2);
    assert.ok(refused[0]?.includes('package.json') && refused[1]?.includes('left-pad'));
    await shot('02-filter-denied-by-user');

    // Details of the refusal: hash, previous hash, linked entries, the approval.
    await page.click('.spacer .row:not([hidden]) .c-target >> nth=0');
    await page.waitForSelector('#details:not([hidden]) section.entry');
    const detail = await page.textContent('#details');
    assert.match(detail ?? '', /answer: deny/);
    assert.match(detail ?? '', /— ask/);
    assert.match(detail ?? '', /— final decision/);
    assert.match(detail ?? '', /— outcome/);
    const fileLines = lines(file);
    const refusal = fileLines.find((l) => l.includes('"decidedBy":"user"') && l.includes('"target":"package.json"')) as string;
    assert.ok(detail?.includes(`hash ${refusal.slice(0, 64)}`));
    assert.ok(detail?.includes(`prev ${(JSON.parse(refusal.slice(65)) as { prev: string }).prev}`));
    await shot('03-details');

    // Export the visible rows: the exact lines verify as a slice of the log, with the real CLI.
    await page.click('#export-jsonl');
    await page.click('#export-csv');
    await page.waitForFunction(() => (window as unknown as { airlockTest: TestApi }).airlockTest.exports.length === 2);
    const exported = await t.evaluate((a) => a.exports.map((e) => e.content));
    const jsonl = exported[0] as string;
    assert.equal(jsonl.split('\n').length - 1, 6, 'ask, refusal and outcome of both refused actions');
    for (const l of jsonl.trimEnd().split('\n')) assert.ok(fileLines.includes(l));
    const slice = path.join(dir, 'export.jsonl');
    fs.writeFileSync(slice, jsonl);
    const verified = await runAirlock(['verify', slice, '--slice', '--against', file, '--key-dir', keyDir]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /6 entries in 2 runs: each line matches its hash/);
    const csv = exported[1] as string;
    assert.match(csv.split('\n')[0] ?? '', /^seq,time,task,action,target,decision,rule,outcome,durationMs,reason,entries$/);
    assert.equal(csv.trimEnd().split('\n').length, 3);

    // Open the rule that decided (a policy deny with a line).
    await page.selectOption('#f-decision', 'denied-by-policy');
    await page.waitForSelector('.spacer .row:not([hidden]) button.link');
    await page.click('.spacer .row:not([hidden]) button.link >> nth=0');
    await page.waitForFunction(() => (window as unknown as { airlockTest: TestApi }).airlockTest.openedRules.length > 0);
    const opened = await t.evaluate((a) => a.openedRules[0]);
    assert.deepEqual(opened, { file: '.airlock/policy.json', line: 7, col: 35, text: 'workspace .airlock/policy.json:7 fs.write.deny[0] "package-lock.json"' });

    // Free text over target and reason.
    await page.selectOption('#f-decision', '');
    await page.fill('#f-text', 'left-pad');
    await page.waitForFunction(() => document.querySelector('#count')?.textContent?.startsWith('1 of'));
    await page.fill('#f-text', '');
    await page.waitForFunction(() => !document.querySelector('#count')?.textContent?.includes(' of '));
    log.close();
  });

  it('live: an appended action shows at once while following; paused keeps its place and counts new rows; the badge turns red', async () => {
    const { page } = p;
    await page.goto(p.url);
    const live = tempDir();
    const { log, file, keyDir } = writePanelLog(live);
    const t = await api(page);
    await t.evaluate((a, [f, l]) => a.open(f as string, l as string[]), [file, lines(file)]);
    await page.waitForSelector('#chain.chain-verified');
    let seen = lines(file).length;
    const push = async () => {
      const all = lines(file);
      const fresh = all.slice(seen);
      seen = all.length;
      await t.evaluate((a, l) => a.append(l), fresh);
    };

    act(log, 'task-fix', 'fs.delete', 'src/old-live.ts', 'user-deny');
    const started = Date.now();
    await push();
    await page.waitForFunction(() => [...document.querySelectorAll('.c-target')].some((c) => c.textContent === 'src/old-live.ts'));
    const ms = Date.now() - started;
    assert.ok(ms < 2000, `visible after ${ms} ms`);
    const last = (await rowTexts(page)).at(-1) ?? '';
    assert.match(last, /src\/old-live\.ts.*denied by the user/);
    await shot('04-live-append');

    // Follow off: scroll up, append more; the view stays, the counter counts.
    await page.click('#follow');
    await page.$eval('#rows', (v) => { v.scrollTop = 0; });
    await page.waitForTimeout(100);
    const firstBefore = (await rowTexts(page))[0];
    act(log, 'task-fix', 'fs.read', 'src/paused-1.ts', 'policy');
    act(log, 'task-fix', 'fs.read', 'src/paused-2.ts', 'policy');
    await push();
    await page.waitForFunction(() => document.querySelector('#unseen')?.textContent === '2 new');
    assert.equal(await page.$eval('#rows', (v) => v.scrollTop), 0);
    assert.equal((await rowTexts(page))[0], firstBefore);
    assert.equal(await page.getAttribute('#follow', 'aria-pressed'), 'false');
    await shot('05-paused-2-new');
    await page.click('#unseen');
    await page.waitForFunction(() => [...document.querySelectorAll('.c-target')].some((c) => c.textContent === 'src/paused-2.ts'));

    // Chain badge: the real verification of the live log, then of a tampered copy.
    log.close();
    await push();
    t.evaluate((a, [f, r]) => a.setVerify(f as string, r as LogVerifyResult), [file, toResult(file, true, 'full', verifyLogFrom(file, { keyDir }))]);
    await page.click('#verify');
    await page.waitForFunction(() => /Verified up to #\d+, checkpoint #1/.test(document.querySelector('#chain')?.textContent ?? ''));
    const bytes = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, bytes.replace('"target":"src/paused-1.ts"', '"target":"src/paused-9.ts"'));
    const broken = verifyLogFrom(file, { keyDir });
    assert.equal(broken.report.ok, false);
    await t.evaluate((a, [f, r]) => a.setVerify(f as string, r as LogVerifyResult), [file, toResult(file, true, 'full', broken)]);
    await page.click('#verify');
    await page.waitForSelector('#chain.chain-broken');
    const chain = await page.textContent('#chain');
    assert.match(chain ?? '', new RegExp(`Broken at #${broken.report.problem?.seq} \\(line \\d+\\): hash mismatch`));
    assert.match(await page.getAttribute('#chain', 'aria-label') ?? '', /^Chain status: Broken at/);
    await shot('06-chain-broken');
    // Head missing: says so, never "verified".
    await t.evaluate((a, [f, r]) => a.setVerify(f as string, r as LogVerifyResult), [file, { file, mode: 'full', ok: true, from: 1, verifiedUpTo: 9, headMissing: true, live: false }]);
    await page.click('#verify');
    await page.waitForSelector('#chain.chain-head-missing');
    assert.match(await page.textContent('#chain') ?? '', /Head missing/);
    fs.rmSync(live, { recursive: true, force: true });
  });

  it('keyboard: arrows move the selection, Enter opens details, Escape closes them', async () => {
    const { page } = p;
    await page.goto(p.url);
    const { log, file } = writePanelLog(tempDir());
    log.close();
    const t = await api(page);
    await t.evaluate((a, [f, l]) => a.open(f as string, l as string[]), [file, lines(file)]);
    await page.waitForSelector('.spacer .row:not([hidden]) .badge');
    await page.focus('#rows');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.getAttribute('#rows', 'aria-activedescendant'), 'row-2');
    await page.waitForSelector('#row-2[aria-selected="true"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#details:not([hidden])');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#details[hidden]', { state: 'attached' });
  });

  it('holds only a window of rows in the DOM at 20,000 rows; works in light and high-contrast themes', async () => {
    const big = tempDir();
    const { log, file } = writePanelLog(big);
    for (let i = 0; i < 20000; i++) act(log, 'task-fix', 'fs.read', `src/file-${i}.ts`, i % 3 === 0 ? 'deny' : 'policy');
    log.close();
    const all = lines(file);
    for (const theme of ['light', 'high-contrast'] as const) {
      const q = await openPanelPage({ theme });
      try {
        await q.page.goto(q.url);
        const t = await api(q.page);
        await t.evaluate((a, [f, l]) => a.open(f as string, l as string[]), [file, all]);
        await q.page.waitForSelector('.spacer .row:not([hidden]) .badge');
        const count = await q.page.textContent('#count');
        assert.match(count ?? '', /^200\d\d rows$/);
        const inDom = await q.page.$$eval('.spacer .row', (r) => r.length);
        assert.ok(inDom < 80, `${inDom} row elements`);
        await q.page.$eval('#rows', (v) => { v.scrollTop = v.scrollHeight / 2; });
        await q.page.waitForFunction(() => [...document.querySelectorAll('.spacer .row:not([hidden]) .c-target')].every((c) => c.textContent !== '…'));
        assert.ok((await q.page.$$eval('.spacer .row', (r) => r.length)) < 80);
        await q.page.screenshot({ path: path.join(SHOTS, `07-${theme}-middle-of-20k.png`) });
        assert.deepEqual(q.errors, []);
      } finally {
        await q.close();
      }
    }
    fs.rmSync(big, { recursive: true, force: true });
    assert.deepEqual(p.errors, []);
  });
});
