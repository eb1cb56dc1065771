// The messages between the log panel's webview and the extension host. The webview only asks to see things: no message
// of it names a path, a line or an entry's content; the host validates each one before it acts.
import { z } from 'zod';
import type { FinalDecision, RowView } from '../../sandbox/protocol/logView.js';

/** The chain badge: what verification says about the log shown. */
export type ChainStatus =
  | { state: 'unknown' }
  | { state: 'verifying' }
  | { state: 'verified'; upTo: number; checkpoint?: { index: number; keyId: string; seq?: number }; live: boolean }
  | { state: 'head-missing'; upTo: number; checkpoint?: { index: number; keyId: string; seq?: number } }
  | { state: 'broken'; at: number; upTo: number; line: number; kind: string; reason: string }
  | { state: 'error'; reason: string };

export interface DetailEntry { seq: number; kind: string; role: string; hash: string; prev: string; json: string }

/** Everything the details pane shows; every string display-safe. */
export interface DetailView {
  id: number;
  row: RowView;
  reason: string;
  approval?: { askedAt: string; answeredAt: string; answer: string; grant: string };
  entries: DetailEntry[];
  digests: { entry: number; name: string; value: string }[];
}

export interface FilterOptions { tasks: string[] }

export type HostToWebview =
  | { type: 'reset'; file: string; live: boolean; total: number; count: number; follow: boolean; options: FilterOptions }
  | { type: 'rows'; start: number; rows: RowView[]; count: number; total: number }
  | { type: 'counts'; count: number; total: number; unseen: number; options?: FilterOptions }
  | { type: 'details'; detail: DetailView | null }
  | { type: 'chain'; status: ChainStatus }
  | { type: 'notice'; text: string; level: 'info' | 'error' };

const Id = z.number().int().min(-1e9).max(1e12);
const FilterValue = z.string().max(500).optional();
export const WebviewToHost = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready') }),
  z.strictObject({ type: z.literal('window'), start: z.number().int().min(0), count: z.number().int().min(0).max(2000) }),
  z.strictObject({
    type: z.literal('filter'),
    filter: z.strictObject({ task: FilterValue, decision: FilterValue, action: FilterValue, outcome: FilterValue, text: FilterValue }),
  }),
  z.strictObject({ type: z.literal('follow'), on: z.boolean() }),
  z.strictObject({ type: z.literal('details'), id: Id }),
  z.strictObject({ type: z.literal('openRule'), id: Id }),
  z.strictObject({ type: z.literal('export'), format: z.enum(['jsonl', 'csv']) }),
  z.strictObject({ type: z.literal('verify') }),
  z.strictObject({ type: z.literal('openLog') }),
]);
export type WebviewToHost = z.infer<typeof WebviewToHost>;

export type { FinalDecision, RowView };
