// The log panel's logic in the extension host, without vscode: loads and follows a log through the harness, answers the
// webview's view requests from the store, keeps the chain badge verified. index.ts only wires it to a webview.
import type { LogAppended, LogFileInfo, LogLinesResult, LogVerifyResult } from '../../sandbox/protocol/protocol.js';
import { describeFilterProblem, parseFilter, type LogViewFilter } from '../../sandbox/protocol/logView.js';
import { EntryStore } from './store.js';
import { WebviewToHost, type ChainStatus, type HostToWebview } from './messages.js';

/** What the panel needs from the harness client (HarnessClient provides it). */
export interface PanelHarness {
  listLogs(): Promise<LogFileInfo[]>;
  readLogLines(params: { file?: string; offset?: number; maxBytes?: number }): Promise<LogLinesResult>;
  watchLog(params: { file?: string; offset: number }): Promise<{ watching: true; file: string }>;
  unwatchLog(file?: string): Promise<{ watching: false }>;
  verifyLog(params: { file?: string; mode?: 'full' | 'incremental' }): Promise<LogVerifyResult>;
  onLogAppended(listener: (batch: LogAppended) => void): { dispose(): void };
}

/** What the panel needs from the editor: a way to post to the webview, pick a log, save an export, open a rule. */
export interface PanelServices {
  post(message: HostToWebview): void;
  pickLog(logs: LogFileInfo[]): Promise<string | undefined>;
  save(content: string, format: 'jsonl' | 'csv', suggestedName: string): Promise<string | undefined>;
  openRule(rule: { file: string; line?: number; col?: number }): Promise<void>;
}

/** The first page of a log is small (first rows at once), the rest come in large pages. */
const FIRST_PAGE_BYTES = 256 * 1024;
const PAGE_BYTES = 4 * 1024 * 1024;

export function chainStatusOf(r: LogVerifyResult): ChainStatus {
  if (!r.ok && r.problem) {
    return { state: 'broken', at: r.problem.seq ?? r.verifiedUpTo + 1, upTo: r.verifiedUpTo, line: r.problem.line, kind: r.problem.kind, reason: r.problem.message };
  }
  const checkpoint = r.lastCheckpoint ? { checkpoint: r.lastCheckpoint } : {};
  if (r.headMissing) return { state: 'head-missing', upTo: r.verifiedUpTo, ...checkpoint };
  return { state: 'verified', upTo: r.verifiedUpTo, live: r.live, ...checkpoint };
}

export class PanelController {
  store = new EntryStore();
  file: string | undefined;
  live = false;
  private nextOffset = 0;
  private follow = true;
  private unseen = 0;
  private filter: LogViewFilter = {};
  private lastWindow = { start: 0, count: 100 };
  private chain: ChainStatus = { state: 'unknown' };
  private ready = false;
  private generation = 0;
  private verifyTimer: ReturnType<typeof setTimeout> | undefined;
  private verifying: Promise<void> | undefined;
  private readonly subscription: { dispose(): void };
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly harness: PanelHarness, private readonly services: PanelServices, private readonly opts: { verifyDelayMs?: number } = {}) {
    this.subscription = harness.onLogAppended((batch) => { this.queue = this.queue.then(() => this.onAppended(batch)).catch(() => undefined); });
  }

  dispose(): void {
    this.generation++;
    clearTimeout(this.verifyTimer);
    this.subscription.dispose();
    if (this.file) void this.harness.unwatchLog(this.file).catch(() => undefined);
  }

  /** Shows a log: this session's when no file is named. Loads it page by page, then follows it and verifies it. */
  async open(file?: string): Promise<void> {
    const gen = ++this.generation;
    if (this.file) await this.harness.unwatchLog(this.file).catch(() => undefined);
    this.store = new EntryStore();
    this.store.setFilter(this.filter);
    this.unseen = 0;
    this.chain = { state: 'verifying' };
    let offset = 0;
    let first = true;
    for (;;) {
      // A small first page, so the first rows show at once; then large ones while the view already works.
      const page = await this.harness.readLogLines({ ...(file ? { file } : {}), offset, maxBytes: first ? FIRST_PAGE_BYTES : PAGE_BYTES });
      if (gen !== this.generation) return;
      this.store.addLines(page.lines);
      offset = page.nextOffset;
      this.nextOffset = offset;
      if (first) {
        this.file = page.file;
        this.live = !file;
        first = false;
        this.sendReset();
      } else if (this.ready) {
        this.post({ type: 'counts', count: this.store.count, total: this.store.total, unseen: 0, options: { tasks: this.store.tasks() } });
        // Following shows the end, which moves with every page: send it, or the view shows placeholders until the end.
        if (this.follow) this.sendWindow(Math.max(0, this.store.count - this.lastWindow.count), this.lastWindow.count);
      }
      if (offset === page.offset || page.end) break;
    }
    if (this.ready && this.follow) this.sendWindow(Math.max(0, this.store.count - this.lastWindow.count), this.lastWindow.count);
    await this.harness.watchLog({ file: this.file as string, offset: this.nextOffset });
    await this.verify('full');
  }

  /** Verifies the log shown: full on demand, else only what arrived since the last run. */
  verify(mode: 'full' | 'incremental'): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    const gen = this.generation;
    const run = async () => {
      if (mode === 'full') this.setChain({ state: 'verifying' });
      try {
        const r = await this.harness.verifyLog({ file, mode });
        if (gen === this.generation) this.setChain(chainStatusOf(r));
      } catch (err) {
        if (gen === this.generation) this.setChain({ state: 'error', reason: err instanceof Error ? err.message : String(err) });
      }
    };
    this.verifying = (this.verifying ?? Promise.resolve()).then(run);
    return this.verifying;
  }

  private setChain(status: ChainStatus): void {
    this.chain = status;
    this.post({ type: 'chain', status });
  }

  private post(m: HostToWebview): void {
    this.services.post(m);
  }

  private sendReset(): void {
    if (!this.ready) return;
    this.post({ type: 'reset', file: this.file ?? '', live: this.live, total: this.store.total, count: this.store.count, follow: this.follow, options: { tasks: this.store.tasks() } });
    // The rows it will show first come with the reset, without waiting for the webview to ask (the end when following).
    const { count } = this.lastWindow;
    this.sendWindow(this.follow ? Math.max(0, this.store.count - count) : 0, count);
    this.post({ type: 'chain', status: this.chain });
  }

  private sendWindow(start: number, count: number): void {
    this.lastWindow = { start, count };
    this.post({ type: 'rows', start, rows: this.store.window(start, count), count: this.store.count, total: this.store.total });
  }

  private async onAppended(batch: LogAppended): Promise<void> {
    if (batch.file !== this.file) return;
    const gen = this.generation;
    if (batch.offset > this.nextOffset) {
      // A batch was missed (the panel reopened meanwhile): read the gap from the file itself.
      const gap = await this.harness.readLogLines({ file: this.file, offset: this.nextOffset, maxBytes: 8 * 1024 * 1024 });
      if (gen !== this.generation || gap.nextOffset !== batch.offset) return;
      this.ingest(gap.lines);
      this.nextOffset = gap.nextOffset;
    }
    if (batch.offset !== this.nextOffset) return; // already seen
    this.nextOffset = batch.nextOffset;
    this.ingest(batch.lines);
  }

  private ingest(lines: readonly string[]): void {
    const before = this.store.count;
    const tasksBefore = this.store.tasks().length;
    const { changed } = this.store.addLines(lines);
    const grown = this.store.count - before;
    if (this.ready) {
      const tasks = this.store.tasks();
      const options = tasks.length !== tasksBefore ? { options: { tasks } } : {};
      if (this.follow) {
        const count = Math.max(this.lastWindow.count, 50);
        this.post({ type: 'counts', count: this.store.count, total: this.store.total, unseen: 0, ...options });
        this.sendWindow(Math.max(0, this.store.count - count), count);
      } else {
        this.unseen += Math.max(0, grown);
        this.post({ type: 'counts', count: this.store.count, total: this.store.total, unseen: this.unseen, ...options });
        const { start, count } = this.lastWindow;
        if (changed.some((r) => { const i = this.store.indexOf(r); return i >= start && i < start + count; })) this.sendWindow(start, count);
      }
    }
    clearTimeout(this.verifyTimer);
    this.verifyTimer = setTimeout(() => void this.verify('incremental'), this.opts.verifyDelayMs ?? 200);
  }

  /** A message from the webview: validated, then only ever answered with views. */
  async handle(raw: unknown): Promise<void> {
    const parsed = WebviewToHost.safeParse(raw);
    if (!parsed.success) return;
    const m = parsed.data;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.sendReset();
        return;
      case 'window':
        return this.sendWindow(m.start, m.count);
      case 'filter': {
        const r = parseFilter(m.filter);
        if (!r.ok) return this.post({ type: 'notice', level: 'error', text: describeFilterProblem(r.problem) });
        this.filter = r.filter;
        this.store.setFilter(r.filter);
        this.unseen = 0;
        return this.sendReset();
      }
      case 'follow':
        this.follow = m.on;
        if (m.on) this.unseen = 0;
        this.post({ type: 'counts', count: this.store.count, total: this.store.total, unseen: this.unseen });
        return;
      case 'details':
        return this.post({ type: 'details', detail: this.store.detail(m.id) });
      case 'openRule': {
        const rule = this.store.ruleOf(m.id);
        if (rule) await this.services.openRule(rule);
        return;
      }
      case 'export': {
        const content = m.format === 'jsonl' ? this.store.exportJsonl() : this.store.exportCsv();
        const base = (this.file ?? 'airlock-log').replace(/^.*[\\/]/, '').replace(/\.jsonl$/, '');
        const where = await this.services.save(content, m.format, `${base}-export.${m.format}`);
        if (where) this.post({ type: 'notice', level: 'info', text: `Exported ${m.format === 'jsonl' ? content.split('\n').length - 1 + ' lines' : this.store.count + ' rows'} to ${where}` });
        return;
      }
      case 'verify':
        return this.verify('full');
      case 'openLog': {
        const logs = await this.harness.listLogs();
        const file = await this.services.pickLog(logs);
        if (file) await this.open(file);
        return;
      }
    }
  }
}
