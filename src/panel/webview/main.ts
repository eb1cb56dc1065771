// The log panel's webview: a virtualised list (only the rows in view are in the DOM), filters, details, the chain badge.
// It renders every string with textContent after displaySafe, and only ever asks the extension host to show things.
/// <reference lib="dom" />
import { displaySafe } from '../../../sandbox/protocol/display.js';
import { ACTION_FILTERS, DECISION_FILTERS, DECISION_LABELS, OUTCOME_FILTERS, type FinalDecision, type RowView } from '../../../sandbox/protocol/logView.js';
import type { ChainStatus, DetailView, HostToWebview, WebviewToHost } from '../messages.js';

interface VsCodeApi { postMessage(message: unknown): void }
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const send = (m: WebviewToHost) => vscode.postMessage(m);

const ROW_HEIGHT = 24;
const OVERSCAN = 60;
/** Rows kept around the view; the rest of the log stays in the extension host. */
const KEEP = 600;

const COLUMNS = ['time', 'task', 'action', 'target', 'decision', 'rule', 'outcome', 'duration'] as const;
const COLUMN_TITLES: Record<(typeof COLUMNS)[number], string> = {
  time: 'Time', task: 'Task', action: 'Action', target: 'Target', decision: 'Decision', rule: 'Rule', outcome: 'Outcome', duration: 'Duration',
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: { class?: string; text?: string; attrs?: Record<string, string> } = {}, ...children: Node[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (props.class) e.className = props.class;
  if (props.text !== undefined) e.textContent = displaySafe(props.text);
  for (const [k, v] of Object.entries(props.attrs ?? {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}
const icon = (name: string) => el('span', { class: `codicon codicon-${name}`, attrs: { 'aria-hidden': 'true' } });

function decisionIcon(d: FinalDecision | undefined): string {
  if (!d) return 'circle-small';
  if (d === 'pending') return 'question';
  if (d.startsWith('allowed')) return d === 'allowed-by-user' ? 'account' : 'pass';
  return d === 'denied-by-killswitch' ? 'debug-stop' : d === 'denied-by-timeout' ? 'watch' : 'error';
}

// ── state ──────────────────────────────────────────────────────────────────────────────────────────────────────────
const state = {
  count: 0,
  total: 0,
  follow: true,
  unseen: 0,
  selected: -1,
  cache: new Map<number, RowView>(),
  requested: '' as string,
  file: '',
};

// ── layout ─────────────────────────────────────────────────────────────────────────────────────────────────────────
const select = (id: string, label: string, values: readonly string[], labels: (v: string) => string = (v) => v) => {
  const s = el('select', { attrs: { id, 'aria-label': label } });
  s.append(el('option', { text: `${label}: any`, attrs: { value: '' } }));
  for (const v of values) s.append(el('option', { text: labels(v), attrs: { value: v } }));
  return s;
};
const taskSelect = select('f-task', 'Task', []);
const decisionSelect = select('f-decision', 'Decision', DECISION_FILTERS, (v) => (v === 'allowed' || v === 'denied' ? `${v} (any)` : DECISION_LABELS[v as FinalDecision]));
const actionSelect = select('f-action', 'Action', ACTION_FILTERS);
const outcomeSelect = select('f-outcome', 'Outcome', OUTCOME_FILTERS);
const textInput = el('input', { attrs: { id: 'f-text', type: 'search', placeholder: 'Filter target or reason', 'aria-label': 'Filter by text in target or reason' } });
const followButton = el('button', { class: 'toggle', attrs: { id: 'follow', 'aria-pressed': 'true', title: 'Follow new entries' } }, icon('pin'), el('span', { text: 'Follow' }));
const unseenBadge = el('span', { class: 'unseen', attrs: { id: 'unseen', 'aria-live': 'polite' } });
const chainBadge = el('span', { class: 'chain chain-unknown', attrs: { id: 'chain', role: 'status', 'aria-live': 'polite' } });
const verifyButton = el('button', { attrs: { id: 'verify', title: 'Verify the whole log again' } }, icon('shield'), el('span', { text: 'Verify' }));
const exportJsonl = el('button', { attrs: { id: 'export-jsonl', title: 'Export the visible rows as the exact log lines' } }, icon('export'), el('span', { text: 'JSONL' }));
const exportCsv = el('button', { attrs: { id: 'export-csv', title: 'Export the visible rows as CSV' } }, icon('table'), el('span', { text: 'CSV' }));
const openButton = el('button', { attrs: { id: 'open-log', title: 'Open another session\'s log' } }, icon('history'), el('span', { text: 'Sessions' }));
const countLabel = el('span', { class: 'count', attrs: { id: 'count' } });
const fileLabel = el('span', { class: 'file', attrs: { id: 'file' } });
const notice = el('div', { class: 'notice', attrs: { id: 'notice', role: 'alert' } });

const header = el('div', { class: 'row header', attrs: { role: 'row' } });
for (const c of COLUMNS) header.append(el('span', { class: `cell c-${c}`, text: COLUMN_TITLES[c], attrs: { role: 'columnheader' } }));
const spacer = el('div', { class: 'spacer' });
const viewport = el('div', { class: 'viewport', attrs: { id: 'rows', role: 'grid', tabindex: '0', 'aria-label': 'Action log', 'aria-rowcount': '0', 'aria-multiselectable': 'false' } }, spacer);
const details = el('aside', { class: 'details', attrs: { id: 'details', 'aria-label': 'Entry details', hidden: '' } });

document.body.append(
  el('div', { class: 'toolbar', attrs: { role: 'toolbar', 'aria-label': 'Log panel' } },
    chainBadge, followButton, unseenBadge, verifyButton, exportJsonl, exportCsv, openButton, countLabel, fileLabel),
  el('div', { class: 'filters', attrs: { role: 'search' } }, taskSelect, decisionSelect, actionSelect, outcomeSelect, textInput),
  notice,
  el('div', { class: 'main' }, el('div', { class: 'list' }, header, viewport), details),
);

// ── the virtualised list ───────────────────────────────────────────────────────────────────────────────────────────
const pool: HTMLDivElement[] = [];

function makeRow(): HTMLDivElement {
  const r = el('div', { class: 'row', attrs: { role: 'row' } });
  for (const c of COLUMNS) r.append(el('span', { class: `cell c-${c}`, attrs: { role: 'gridcell' } }));
  spacer.append(r);
  return r;
}

function fillRow(r: HTMLDivElement, index: number, v: RowView | undefined): void {
  r.style.transform = `translateY(${index * ROW_HEIGHT}px)`;
  r.dataset['index'] = String(index);
  r.id = `row-${index}`;
  r.setAttribute('aria-rowindex', String(index + 1));
  r.setAttribute('aria-selected', index === state.selected ? 'true' : 'false');
  r.classList.toggle('selected', index === state.selected);
  r.classList.toggle('event', v?.type === 'event');
  const cells = r.children as HTMLCollectionOf<HTMLElement>;
  if (!v) {
    r.dataset['id'] = '';
    for (let i = 0; i < cells.length; i++) (cells[i] as HTMLElement).textContent = i === 3 ? '…' : '';
    return;
  }
  r.dataset['id'] = String(v.id);
  const set = (i: number, text: string, title?: string) => {
    const c = cells[i] as HTMLElement;
    c.textContent = displaySafe(text);
    if (title !== undefined) c.title = displaySafe(title);
  };
  set(0, v.time);
  set(1, v.task);
  set(2, v.action);
  set(3, v.target, v.target);
  const badgeCell = cells[4] as HTMLElement;
  badgeCell.textContent = '';
  if (v.decision) {
    const label = displaySafe(v.decisionLabel);
    const badge = el('span', { class: `badge d-${v.decision}`, attrs: { role: 'img', 'aria-label': `Decision: ${label}`, title: label } }, icon(decisionIcon(v.decision)));
    badge.append(el('span', { text: label }));
    badgeCell.append(badge);
  }
  const ruleCell = cells[5] as HTMLElement;
  ruleCell.textContent = '';
  if (v.ruleOpenable) {
    ruleCell.append(el('button', { class: 'link', text: v.rule, attrs: { 'data-action': 'open-rule', title: `Open the policy at ${displaySafe(v.rule)}`, tabindex: '-1' } }));
  } else ruleCell.textContent = displaySafe(v.rule);
  set(6, v.outcome);
  set(7, v.duration);
}

let frame = 0;
function render(): void {
  frame = 0;
  const started = performance.now();
  spacer.style.height = `${state.count * ROW_HEIGHT}px`;
  viewport.setAttribute('aria-rowcount', String(state.count));
  const top = viewport.scrollTop;
  const height = viewport.clientHeight || 600;
  const first = Math.max(0, Math.floor(top / ROW_HEIGHT));
  const last = Math.min(state.count, Math.ceil((top + height) / ROW_HEIGHT) + 1);
  const need = last - first;
  while (pool.length < need) pool.push(makeRow());
  let missing = false;
  for (let i = 0; i < pool.length; i++) {
    const r = pool[i] as HTMLDivElement;
    const index = first + i;
    if (index >= last) {
      r.hidden = true;
      continue;
    }
    r.hidden = false;
    const v = state.cache.get(index);
    if (!v) missing = true;
    fillRow(r, index, v);
  }
  if (missing) request(first, last);
  countLabel.textContent = state.count === state.total ? `${state.total} rows` : `${state.count} of ${state.total} rows`;
  // The last render's cost, for `npm run bench` (one entry kept, never a growing list).
  performance.clearMeasures('airlock-render');
  performance.measure('airlock-render', { start: started });
}
const schedule = () => { if (!frame) frame = requestAnimationFrame(render); };

function request(first: number, last: number): void {
  const start = Math.max(0, first - OVERSCAN);
  const count = Math.min(2000, last - first + 2 * OVERSCAN);
  const key = `${start}:${count}:${state.count}`;
  if (key === state.requested) return;
  state.requested = key;
  send({ type: 'window', start, count });
}

function evict(): void {
  if (state.cache.size <= KEEP * 2) return;
  const centre = Math.floor(viewport.scrollTop / ROW_HEIGHT);
  for (const k of state.cache.keys()) if (Math.abs(k - centre) > KEEP) state.cache.delete(k);
}

function scrollToEnd(): void {
  viewport.scrollTop = Math.max(0, state.count * ROW_HEIGHT - viewport.clientHeight);
}

viewport.addEventListener('scroll', () => {
  const atEnd = viewport.scrollTop + viewport.clientHeight >= state.count * ROW_HEIGHT - ROW_HEIGHT;
  if (state.follow && !atEnd && !programmatic) setFollow(false);
  programmatic = false;
  schedule();
}, { passive: true });
let programmatic = false;

function setFollow(on: boolean): void {
  state.follow = on;
  followButton.setAttribute('aria-pressed', on ? 'true' : 'false');
  followButton.classList.toggle('on', on);
  if (on) {
    state.unseen = 0;
    showUnseen();
    programmatic = true;
    scrollToEnd();
  }
  send({ type: 'follow', on });
}

function showUnseen(): void {
  unseenBadge.textContent = state.unseen > 0 ? `${state.unseen} new` : '';
  unseenBadge.hidden = state.unseen === 0;
}

// ── selection, keyboard, details ───────────────────────────────────────────────────────────────────────────────────
function selectIndex(index: number, open = false): void {
  if (state.count === 0) return;
  state.selected = Math.max(0, Math.min(state.count - 1, index));
  viewport.setAttribute('aria-activedescendant', `row-${state.selected}`);
  const top = state.selected * ROW_HEIGHT;
  if (top < viewport.scrollTop) viewport.scrollTop = top;
  else if (top + ROW_HEIGHT > viewport.scrollTop + viewport.clientHeight) viewport.scrollTop = top + ROW_HEIGHT - viewport.clientHeight;
  schedule();
  const v = state.cache.get(state.selected);
  if (open && v) send({ type: 'details', id: v.id });
}

viewport.addEventListener('keydown', (e) => {
  const page = Math.max(1, Math.floor(viewport.clientHeight / ROW_HEIGHT) - 1);
  const keys: Record<string, () => void> = {
    ArrowDown: () => selectIndex(state.selected + 1),
    ArrowUp: () => selectIndex(state.selected - 1),
    PageDown: () => selectIndex(state.selected + page),
    PageUp: () => selectIndex(state.selected - page),
    Home: () => selectIndex(0),
    End: () => selectIndex(state.count - 1),
    Enter: () => selectIndex(state.selected, true),
    Escape: () => closeDetails(),
  };
  const fn = keys[e.key];
  if (fn) {
    e.preventDefault();
    if (state.selected < 0 && e.key !== 'Escape') state.selected = Math.floor(viewport.scrollTop / ROW_HEIGHT) - (e.key === 'ArrowDown' ? 1 : 0);
    fn();
    if (e.key !== 'Enter' && e.key !== 'Escape' && state.follow) setFollow(false);
  }
});

viewport.addEventListener('click', (e) => {
  const target = e.target as HTMLElement;
  const row = target.closest('.row') as HTMLElement | null;
  if (!row || !row.dataset['id']) return;
  const id = Number(row.dataset['id']);
  if (target.closest('[data-action="open-rule"]')) {
    send({ type: 'openRule', id });
    return;
  }
  selectIndex(Number(row.dataset['index']));
  send({ type: 'details', id });
});

/** A block of pretty JSON: each line made display-safe on its own, so the layout's newlines stay and nothing else hides. */
function preformatted(text: string): HTMLPreElement {
  const pre = el('pre');
  pre.textContent = text.split('\n').map(displaySafe).join('\n');
  return pre;
}

function closeDetails(): void {
  details.hidden = true;
  viewport.focus();
}

function renderDetails(d: DetailView | null): void {
  details.textContent = '';
  if (!d) {
    details.hidden = true;
    return;
  }
  details.hidden = false;
  const close = el('button', { class: 'close', attrs: { 'aria-label': 'Close details', title: 'Close (Escape)' } }, icon('close'));
  close.addEventListener('click', closeDetails);
  const dl = el('dl');
  const item = (k: string, v: string) => { if (v) dl.append(el('dt', { text: k }), el('dd', { text: v })); };
  item('Action', `${d.row.action} ${d.row.target}`);
  item('Task', d.row.task);
  item('Decision', d.row.decisionLabel);
  item('Rule', d.row.rule);
  item('Reason', d.reason);
  item('Outcome', d.row.outcome);
  item('Duration', d.row.duration);
  if (d.approval) {
    item('Approval', `answer: ${d.approval.answer}; asked ${d.approval.askedAt}; answered ${d.approval.answeredAt || '(no answer)'}; by the user`);
    item('Grant', d.approval.grant);
  }
  for (const g of d.digests) item(`Digest ${g.name} (#${g.entry})`, g.value);
  details.append(close, el('h2', { text: `Entry #${d.id}` }), dl);
  for (const e of d.entries) {
    const section = el('section', { class: 'entry', attrs: { 'aria-label': `Entry ${e.seq}, ${e.role}` } });
    section.append(
      el('h3', { text: `#${e.seq} ${e.kind} — ${e.role}` }),
      el('div', { class: 'hash', text: `hash ${e.hash}` }),
      el('div', { class: 'hash', text: `prev ${e.prev}` }),
      preformatted(e.json),
    );
    details.append(section);
  }
}

// ── chain badge ────────────────────────────────────────────────────────────────────────────────────────────────────
function renderChain(s: ChainStatus): void {
  chainBadge.textContent = '';
  chainBadge.className = `chain chain-${s.state}`;
  let text: string;
  let name: string;
  switch (s.state) {
    case 'verified':
      name = 'verified';
      text = `Verified up to #${s.upTo}${s.checkpoint ? `, checkpoint #${s.checkpoint.index}${s.checkpoint.seq ? ` at #${s.checkpoint.seq}` : ''} signed by ${s.checkpoint.keyId}` : ', no signed checkpoint yet'}`;
      break;
    case 'head-missing':
      name = 'warning';
      text = `Head missing: entries up to #${s.upTo} chain${s.checkpoint ? ` (checkpoint #${s.checkpoint.index})` : ''}, but the head kept apart is gone, so a cut tail would go unnoticed`;
      break;
    case 'broken':
      name = 'error';
      text = `Broken at #${s.at} (line ${s.line}): ${s.reason}`;
      break;
    case 'verifying':
      name = 'sync';
      text = 'Verifying…';
      break;
    case 'error':
      name = 'warning';
      text = `Not verified: ${s.reason}`;
      break;
    default:
      name = 'circle-outline';
      text = 'Not verified yet';
  }
  chainBadge.append(icon(name), el('span', { text }));
  chainBadge.title = displaySafe(text);
  chainBadge.setAttribute('aria-label', `Chain status: ${displaySafe(text)}`);
}

// ── messages from the host ─────────────────────────────────────────────────────────────────────────────────────────
function setOptions(tasks: string[]): void {
  const current = taskSelect.value;
  while (taskSelect.options.length > 1) taskSelect.remove(1);
  for (const t of tasks) taskSelect.append(el('option', { text: t, attrs: { value: t } }));
  taskSelect.value = tasks.includes(current) ? current : '';
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case 'reset':
      state.cache.clear();
      state.requested = '';
      state.count = m.count;
      state.total = m.total;
      state.selected = -1;
      state.file = m.file;
      fileLabel.textContent = displaySafe(m.file.replace(/^.*[\\/]/, '')) + (m.live ? ' (live)' : '');
      fileLabel.title = displaySafe(m.file);
      setOptions(m.options.tasks);
      if (state.follow) { programmatic = true; scrollToEnd(); }
      else viewport.scrollTop = 0;
      schedule();
      break;
    case 'counts':
      state.count = m.count;
      state.total = m.total;
      state.unseen = m.unseen;
      showUnseen();
      if (m.options) setOptions(m.options.tasks);
      if (state.follow) { spacer.style.height = `${state.count * ROW_HEIGHT}px`; programmatic = true; scrollToEnd(); }
      schedule();
      break;
    case 'rows':
      state.count = m.count;
      state.total = m.total;
      m.rows.forEach((r, i) => state.cache.set(m.start + i, r));
      state.requested = '';
      evict();
      if (state.follow) { spacer.style.height = `${state.count * ROW_HEIGHT}px`; programmatic = true; scrollToEnd(); }
      render();
      break;
    case 'details':
      renderDetails(m.detail);
      break;
    case 'chain':
      renderChain(m.status);
      break;
    case 'notice':
      notice.textContent = displaySafe(m.text);
      notice.className = `notice ${m.level}`;
      break;
  }
});

// ── controls ───────────────────────────────────────────────────────────────────────────────────────────────────────
let filterTimer = 0;
function sendFilter(): void {
  clearTimeout(filterTimer);
  filterTimer = window.setTimeout(() => send({
    type: 'filter',
    filter: { task: taskSelect.value, decision: decisionSelect.value, action: actionSelect.value, outcome: outcomeSelect.value, text: textInput.value },
  }), 120);
}
for (const s of [taskSelect, decisionSelect, actionSelect, outcomeSelect]) s.addEventListener('change', sendFilter);
textInput.addEventListener('input', sendFilter);
followButton.addEventListener('click', () => setFollow(!state.follow));
unseenBadge.addEventListener('click', () => setFollow(true));
verifyButton.addEventListener('click', () => send({ type: 'verify' }));
exportJsonl.addEventListener('click', () => send({ type: 'export', format: 'jsonl' }));
exportCsv.addEventListener('click', () => send({ type: 'export', format: 'csv' }));
openButton.addEventListener('click', () => send({ type: 'openLog' }));
window.addEventListener('resize', schedule);

showUnseen();
setFollow(true);
renderChain({ state: 'unknown' });
send({ type: 'ready' });
