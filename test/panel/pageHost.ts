// The extension host's stand-in for the webview test page: the real PanelController and EntryStore, driven by a scripted
// harness whose lines and verification results the test supplies (real lines of a real log, real verify reports).
/// <reference lib="dom" />
import { PanelController, type PanelHarness } from '../../src/panel/controller.js';
import type { LogAppended, LogFileInfo, LogLinesResult, LogVerifyResult } from '../../sandbox/protocol/protocol.js';

/** Lines per page: the harness pages by bytes (maxBytes); log lines here are ~450 bytes. */
const BYTES_PER_LINE = 450;

class ScriptedHarness implements PanelHarness {
  readonly files = new Map<string, string[]>();
  readonly verifyAnswers = new Map<string, LogVerifyResult>();
  readonly listeners = new Set<(b: LogAppended) => void>();
  logs: LogFileInfo[] = [];
  liveFile = '';
  async listLogs() { return this.logs; }
  async readLogLines(p: { file?: string; offset?: number; maxBytes?: number }): Promise<LogLinesResult> {
    // A real request crosses to the harness and back: the event loop turns meanwhile (the webview's requests get in).
    await new Promise((r) => setTimeout(r, 0));
    const file = p.file ?? this.liveFile;
    const lines = this.files.get(file) ?? [];
    const offset = p.offset ?? 0;
    const page = lines.slice(offset, offset + Math.max(1, Math.floor((p.maxBytes ?? 4 << 20) / BYTES_PER_LINE)));
    return { file, offset, nextOffset: offset + page.length, size: lines.length, lines: page, end: offset + page.length >= lines.length };
  }
  async watchLog(p: { file?: string }) { return { watching: true as const, file: p.file ?? this.liveFile }; }
  async unwatchLog() { return { watching: false as const }; }
  async verifyLog(p: { file?: string; mode?: 'full' | 'incremental' }): Promise<LogVerifyResult> {
    const file = p.file ?? this.liveFile;
    const scripted = this.verifyAnswers.get(file);
    if (scripted) return { ...scripted, mode: p.mode ?? 'incremental' };
    const n = (this.files.get(file) ?? []).length;
    return { file, mode: p.mode ?? 'incremental', ok: true, from: 1, verifiedUpTo: n, headMissing: false, live: file === this.liveFile };
  }
  onLogAppended(listener: (b: LogAppended) => void) {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  append(file: string, lines: string[]): void {
    const all = this.files.get(file) ?? [];
    const offset = all.length;
    all.push(...lines);
    this.files.set(file, all);
    for (const l of this.listeners) l({ file, offset, nextOffset: all.length, lines });
  }
}

const harness = new ScriptedHarness();
const exports: { format: string; content: string; name: string }[] = [];
const openedRules: unknown[] = [];
let pick: string | undefined;
const posted: string[] = [];
const controller = new PanelController(harness, {
  post: (m) => {
    posted.push(m.type);
    window.dispatchEvent(new MessageEvent('message', { data: m }));
  },
  pickLog: async () => pick,
  save: async (content, format, name) => { exports.push({ content, format, name }); return `/exports/${name}`; },
  openRule: async (rule) => { openedRules.push(rule); },
}, { verifyDelayMs: 50 });

const w = window as unknown as Record<string, unknown>;
w['acquireVsCodeApi'] = () => ({ postMessage: (m: unknown) => { setTimeout(() => void controller.handle(m), 0); } });
w['airlockTest'] = {
  harness, controller, exports, openedRules, posted,
  /** Loads lines as the live log and opens it, as the extension does when the panel opens. */
  async open(file: string, lines: string[]) {
    harness.liveFile = file;
    harness.files.set(file, lines);
    await controller.open();
  },
  append(lines: string[]) { harness.append(harness.liveFile, lines); },
  setVerify(file: string, result: LogVerifyResult | null) {
    if (result) harness.verifyAnswers.set(file, result);
    else harness.verifyAnswers.delete(file);
  },
  setPick(file: string | undefined, lines?: string[], logs?: LogFileInfo[]) {
    pick = file;
    if (file && lines) harness.files.set(file, lines);
    if (logs) harness.logs = logs;
  },
};
