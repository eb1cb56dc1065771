// What the loader hands the compiler: validated policy documents per layer, each able to locate a JSON path in its file.
import type { PolicyDoc } from './schema.js';

/** One policy document as loaded: a file, or a preset such as `airlock:default`. */
export interface PolicySource {
  /** As shown to users: a path relative to the workspace (e.g. `.airlock/policy.json`) or `airlock:<preset>`. */
  file: string;
  doc: PolicyDoc;
  /** 1-based line and column of the value at a JSON path (e.g. ['fs', 'write', 'deny', 0]), when known. */
  locate(jsonPath: readonly (string | number)[]): { line: number; col: number } | undefined;
}

/**
 * A layer's sources are merged (the union of their rules; for scalars the extending file wins, so sources are ordered
 * with each `extends` entry before the file that extends it). Across layers allows intersect and denies add up.
 */
export interface PolicyLayerSources {
  layer: 'baseline' | 'workspace';
  sources: PolicySource[];
}

export interface ResolvedPolicy {
  /** Absolute, real path of the workspace root. */
  workspaceRoot: string;
  /** Absolute home directory, for `~/` patterns. */
  homeDir: string;
  /** Baseline (user/organisation) first, then the workspace layer. */
  layers: PolicyLayerSources[];
  /** SHA-256 (hex) of the policy as loaded: the canonical JSON of every source's file name and document, in order. */
  hash: string;
}
