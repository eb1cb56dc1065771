// Detects vendor secrets with a maintained rule set (gitleaks' rules, as data), prefiltered by keywords as gitleaks does.
import { GITLEAKS_RULES } from './rules/gitleaks.js';

/** One rule as data: a JavaScript regex source and flags, the keywords one of which any match contains, and filters. */
export interface SecretRuleData {
  id: string;
  source: string;
  flags: string;
  /** Lower-case; a text holding none of them is not searched with this rule. */
  keywords: string[];
  /** Minimum Shannon entropy (bits per character) of the secret. */
  entropy?: number;
  /** Which capture group is the secret (default: the first that matched, else the whole match). */
  secretGroup?: number;
  /** Matches that are not secrets: a regex on the secret, the whole match or the line, or a stop word in the secret. */
  allowlists?: { target: string; regexes?: { source: string; flags: string }[]; stopwords?: string[] }[];
}

interface CompiledRule {
  id: string;
  /** Global, with indices: finds every secret and where its group is. */
  re: RegExp;
  /** The same pattern without flags for state: a quick yes/no before the costlier search above. */
  probe: RegExp;
  entropy: number;
  secretGroup: number | undefined;
  allow: { target: string; regexes: RegExp[]; stopwords: string[] }[];
}

/** A trie of the (ASCII) keywords, indexed by code unit; `rules` are those whose keyword ends at this node. */
interface KeywordNode {
  next: (KeywordNode | undefined)[];
  rules: CompiledRule[] | undefined;
}

const newNode = (): KeywordNode => ({ next: new Array<KeywordNode | undefined>(128).fill(undefined), rules: undefined });

interface Compiled {
  keywords: KeywordNode;
}

let compiled: Compiled | undefined;

function compile(rules: readonly SecretRuleData[]): Compiled {
  const root = newNode();
  for (const r of rules) {
    let rule: CompiledRule;
    try {
      rule = {
        id: r.id, re: new RegExp(r.source, `${r.flags}dg`), probe: new RegExp(r.source, r.flags), entropy: r.entropy ?? 0, secretGroup: r.secretGroup,
        allow: (r.allowlists ?? []).map((a) => ({
          target: a.target, regexes: (a.regexes ?? []).map((x) => new RegExp(x.source, x.flags)), stopwords: a.stopwords ?? [],
        })),
      };
    } catch {
      // Only a Node without RegExp modifiers (before 23) fails here, and the harness does not run on one.
      continue;
    }
    for (const k of r.keywords) {
      let node = root;
      if (!/^[\x00-\x7f]+$/.test(k)) continue; // gitleaks' keywords are ASCII; one that is not would be left out
      for (let i = 0; i < k.length; i++) {
        const c = k.charCodeAt(i);
        node = node.next[c] ??= newNode();
      }
      (node.rules ??= []).push(rule);
    }
  }
  return { keywords: root };
}

/** Shannon entropy of a string in bits per character, as gitleaks computes it. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * The rules one of whose keywords the text contains (case-insensitive, ASCII folding: every keyword is ASCII), found
 * in one pass with the keyword trie, as gitleaks' Aho-Corasick prefilter does; usually none, and then nothing else runs.
 */
function candidates(c: Compiled, text: string): Set<CompiledRule> | undefined {
  let found: Set<CompiledRule> | undefined;
  const root = c.keywords;
  for (let i = 0; i < text.length; i++) {
    let node = root.next[fold(text.charCodeAt(i))];
    for (let j = i + 1; node; j++) {
      if (node.rules) for (const r of node.rules) (found ??= new Set()).add(r);
      if (j >= text.length) break;
      node = node.next[fold(text.charCodeAt(j))];
    }
  }
  return found;
}

/** ASCII upper case to lower case; anything beyond ASCII to 0, which starts no keyword. */
function fold(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code < 128 ? code : 0;
}

function allowed(rule: CompiledRule, secret: string, match: string, line: string): boolean {
  for (const a of rule.allow) {
    const target = a.target === 'match' ? match : a.target === 'line' ? line : secret;
    if (a.regexes.some((re) => re.test(target))) return true;
    if (a.stopwords.length > 0) {
      const lower = secret.toLowerCase();
      if (a.stopwords.some((w) => lower.includes(w))) return true;
    }
  }
  return false;
}

/** The line of `text` around [start, end), for allowlists that look at the line. */
function lineAround(text: string, start: number, end: number): string {
  const from = text.lastIndexOf('\n', start) + 1;
  const to = text.indexOf('\n', end);
  return text.slice(from, to < 0 ? text.length : to);
}

/**
 * Replaces each secret the rule set finds by `mark(ruleId)`. The secret is the rule's secret group (else its first
 * group that matched, else the whole match); matches below the rule's entropy or on its allowlist are kept.
 */
export function redactByRules(text: string, mark: (id: string) => string): string {
  compiled ??= compile(GITLEAKS_RULES);
  const rules = candidates(compiled, text);
  if (!rules) return text;
  let out = text;
  for (const rule of rules) {
    if (!rule.probe.test(out)) continue;
    rule.re.lastIndex = 0;
    const cuts: [number, number][] = [];
    for (const m of out.matchAll(rule.re)) {
      const groups = m.length > 1 ? [...m].slice(1) : [];
      const chosen = rule.secretGroup !== undefined ? rule.secretGroup : groups.findIndex((g) => g !== undefined) + 1;
      const secret = chosen > 0 ? m[chosen] : m[0];
      if (secret === undefined || secret === '' || secret.startsWith('[redacted:')) continue;
      if (shannonEntropy(secret) < rule.entropy) continue;
      const start = chosen > 0 ? m.indices?.[chosen]?.[0] ?? m.index : m.index;
      if (allowed(rule, secret, m[0], lineAround(out, m.index, m.index + m[0].length))) continue;
      cuts.push([start, start + secret.length]);
    }
    for (let i = cuts.length - 1; i >= 0; i--) {
      const [s, e] = cuts[i]!;
      out = `${out.slice(0, s)}${mark(rule.id)}${out.slice(e)}`;
    }
  }
  return out;
}
