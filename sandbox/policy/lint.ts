// Refuses rules too broad to be safe and patterns the matchers cannot read; each finding has its reason and a fix.
import type { AirlockProblem } from '../errors.js';
import { validateArgvPattern } from './exec.js';
import type { JsonPath } from './locate.js';
import { parseNetPattern } from './net.js';
import type { NetPattern } from './net.js';
import { LINT_WARNING_IDS } from './schema.js';
import type { PolicyDoc, Scope } from './schema.js';
import { validateToolPattern } from './tools.js';
import { placeAt } from './validate.js';
import type { DocPlace } from './validate.js';

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'fish', 'ksh', 'csh', 'tcsh', 'cmd', 'cmd.exe', 'powershell', 'powershell.exe', 'pwsh', 'pwsh.exe']);
/** Flags that make a shell run a command string: the string bypasses argv matching entirely. */
const SHELL_STRING_FLAGS = new Set(['-c', '/c', '/C', '/k', '/K', '-Command', '-command', '-EncodedCommand', '-encodedcommand', '-e', '-ec']);
/** Programs that run another program named in their arguments: with "**" they run anything. */
const PROGRAM_RUNNERS = new Set(['env', 'sudo', 'doas', 'xargs', 'nice', 'nohup', 'timeout', 'time', 'stdbuf', 'busybox', 'npx', 'pnpx', 'bunx']);
const INTERPRETERS = new Set(['node', 'python', 'python3', 'perl', 'ruby', 'deno', 'bun', 'php']);
/** Multi-label public suffixes common enough to be written by mistake; one-label suffixes (TLDs) are caught generally. */
const PUBLIC_SUFFIXES = new Set([
  'co.uk', 'org.uk', 'ac.uk', 'gov.uk', 'me.uk', 'com.au', 'net.au', 'org.au', 'co.nz', 'co.jp', 'ne.jp', 'or.jp', 'co.kr',
  'com.br', 'com.cn', 'com.tw', 'com.hk', 'com.sg', 'co.in', 'co.za', 'com.mx', 'com.ar', 'com.tr',
  'github.io', 'gitlab.io', 'herokuapp.com', 'vercel.app', 'netlify.app', 'pages.dev', 'workers.dev', 'appspot.com',
  'cloudfront.net', 'amazonaws.com', 'blogspot.com', 'azurewebsites.net', 'web.app', 'firebaseapp.com', 'ngrok.io',
]);

type Finding = { code: string; message: string; path: JsonPath; severity: 'error' | 'warning'; rule?: LintWarning };

/**
 * Warnings a reviewed policy may acknowledge with `"lint": { "accept": [...] }`, so CI output stays clean. Errors
 * (rules too broad to be safe, unreadable patterns) cannot be accepted.
 */
export const LINT_WARNINGS = LINT_WARNING_IDS;
export type LintWarning = (typeof LINT_WARNINGS)[number];

const acceptHint = (rule: LintWarning) => ` [${rule}; once reviewed, acknowledge it with "lint": {"accept": ["${rule}"]}]`;

const baseName = (program: string) => program.split(/[\\/]/).pop() ?? program;

/** Pattern made only of `*` and `**` segments: it names no folder at all. */
const onlyWildcards = (glob: string) => glob.split('/').every((seg) => seg === '*' || seg === '**');

/** The glob without its anchor (`//` absolute, `~/` home), and a phrase for where it is anchored. */
function anchorOf(glob: string): { rest: string; where: string; root: string } {
  if (glob.startsWith('//')) return { rest: glob.slice(2), where: 'anywhere on the disk', root: 'the disk' };
  if (glob.startsWith('~/')) return { rest: glob.slice(2), where: 'anywhere in your home directory', root: 'your home directory' };
  // A single leading "/" anchors at the workspace root, as in .gitignore: "/**" is as broad as "**".
  return { rest: glob.replace(/^\/+/, '').replace(/^\.\/+/, ''), where: 'anywhere in the workspace', root: 'the workspace' };
}

function lintWriteAllow(glob: string, path: JsonPath): Finding[] {
  const { rest, where, root } = anchorOf(glob);
  if (onlyWildcards(rest) && rest.includes('**')) {
    return [{ code: 'policy.too-broad', severity: 'error', path,
      message: `pattern "${glob}" lets the agent write ${where}; name the folders it needs, e.g. "src/**"` }];
  }
  if (onlyWildcards(rest)) {
    return [{ code: 'policy.too-broad', severity: 'error', path,
      message: `pattern "${glob}" lets the agent write every file at the top of ${root}; name the files or folders it needs` }];
  }
  if (rest.startsWith('**')) {
    return [{ code: 'policy.too-broad', severity: 'error', path,
      message: `pattern "${glob}" starts with "**", so it matches in every folder of ${root}; anchor it to a folder, e.g. "src/${rest}"` }];
  }
  return [];
}

function lintReadAllow(glob: string, path: JsonPath, secretsDenied: boolean): Finding[] {
  const { rest, where } = anchorOf(glob);
  if (onlyWildcards(rest) && rest.includes('**') && !secretsDenied) {
    return [{ code: 'policy.broad-read', severity: 'warning', path, rule: 'fs.broad-read',
      message: `pattern "${glob}" lets the agent read ${where}, secrets included unless fs.read.deny lists them (e.g. "**/.env*"); prefer naming the folders it needs` }];
  }
  return [];
}

/** The pattern parsed by the decision core's own parser (one grammar), or the finding that says why it is invalid. */
function parseNet(pattern: string, path: JsonPath): { pattern: NetPattern } | { finding: Finding } {
  try {
    return { pattern: parseNetPattern(pattern) };
  } catch (e) {
    return { finding: { code: 'policy.invalid-pattern', severity: 'error', path, message: (e as Error).message } };
  }
}

function lintNetAllow(text: string, path: JsonPath): Finding[] {
  const parsed = parseNet(text, path);
  if ('finding' in parsed) return [parsed.finding];
  const { host, scheme } = parsed.pattern;
  const out: Finding[] = [];
  if (host.kind === 'any' || (host.kind === 'ip' && host.range.prefix === 0)) {
    out.push({ code: 'policy.too-broad', severity: 'error', path,
      message: `pattern "${text}" lets the agent fetch from any host; name the hosts it needs, e.g. "https://api.example.com/**"` });
  } else if (host.kind === 'subdomains') {
    const suffix = host.suffix.replace(/^\./, '');
    if (!suffix.includes('.') || PUBLIC_SUFFIXES.has(suffix)) {
      out.push({ code: 'policy.too-broad', severity: 'error', path,
        message: `pattern "${text}" covers every site under the public suffix ".${suffix}"; name the sites it needs, e.g. "https://*.example.${suffix}/**"` });
    }
  }
  // Loopback traffic never crosses a network: plain http there is what local dev servers speak, not a risk worth a warning.
  if (scheme === 'http' && !isLoopbackHost(parsed.pattern.host)) {
    out.push({ code: 'policy.plain-http', severity: 'warning', path, rule: 'net.plain-http',
      message: `pattern "${text}" allows plain http, which anyone on the network can read and alter; use https unless the server has no TLS` });
  }
  return out;
}

function lintArgvSyntax(argv: readonly string[], path: JsonPath): Finding[] {
  try {
    validateArgvPattern(argv);
    return [];
  } catch (e) {
    const at = argv.indexOf('**');
    return [{ code: 'policy.invalid-pattern', severity: 'error', path: at >= 0 && at < argv.length - 1 ? [...path, at] : path, message: (e as Error).message }];
  }
}

function lintExecAllow(argv: readonly string[], path: JsonPath): Finding[] {
  const out = lintArgvSyntax(argv, path);
  const program = argv[0] ?? '';
  const text = JSON.stringify(argv);
  if (program === '*' || program === '**') {
    out.push({ code: 'policy.too-broad', severity: 'error', path: [...path, 0],
      message: `pattern ${text} lets the agent run any program; name the program, e.g. ["npm", "test"]` });
    return out;
  }
  const name = baseName(program).toLowerCase();
  const rest = argv.slice(1);
  // A wildcard argument lets the agent pick the flag: `sh -s` and `sh -` read commands from the agent's input.
  if (SHELLS.has(name) && rest.some((a) => a === '**' || a === '*' || a === '-s' || a === '-' || SHELL_STRING_FLAGS.has(a))) {
    out.push({ code: 'policy.too-broad', severity: 'error', path,
      message: `pattern ${text} lets the agent run any shell command string, which bypasses argv matching; allow the commands themselves, e.g. ["npm", "test"]` });
  } else if (PROGRAM_RUNNERS.has(name) && rest.includes('**')) {
    out.push({ code: 'policy.too-broad', severity: 'error', path,
      message: `pattern ${text} lets the agent run any program through ${name}; allow the commands themselves, e.g. ["${program}", "tsc", "--noEmit"]` });
  } else if (INTERPRETERS.has(name) && rest.some((a) => a === '**' || a === '*' || a === '-')) {
    out.push({ code: 'policy.broad-interpreter', severity: 'warning', path, rule: 'exec.broad-interpreter',
      message: `pattern ${text} lets the agent run any ${name} code (e.g. with -e, or - reading the program from input); prefer naming the script, e.g. ["${program}", "scripts/build.js"]` });
  }
  return out;
}

/** A tool pattern is `server/tool`; an allow must name the server (`*\/*` or `*\/x` lets any server's tools in). */
function lintTool(pattern: string, path: JsonPath, list: 'allow' | 'deny'): Finding[] {
  try {
    validateToolPattern(pattern);
  } catch (e) {
    return [{ code: 'policy.invalid-pattern', severity: 'error', path, message: (e as Error).message }];
  }
  const server = pattern.slice(0, pattern.indexOf('/'));
  if (list === 'allow' && /^[*?]+$/.test(server)) {
    return [{ code: 'policy.too-broad', severity: 'error', path,
      message: `pattern "${pattern}" lets the agent call tools of any MCP server; name the server, e.g. "github/get_issue" or "github/*"` }];
  }
  return [];
}

/** Paths are normalised before matching, so a glob with a ".." segment never matches: a deny would protect nothing. */
function lintGlobSyntax(glob: string, path: JsonPath): Finding[] {
  if (glob.split('/').includes('..')) {
    return [{ code: 'policy.invalid-pattern', severity: 'error', path,
      message: `pattern "${glob}" has a ".." segment, which never matches a normalised path; write paths outside the workspace as "//abs/path/**" or "~/path/**"` }];
  }
  // "/etc/**" reads like an absolute path but is anchored at the workspace root (as in .gitignore).
  if (/^\/[^/]/.test(glob)) {
    const rest = glob.slice(1);
    return [{ code: 'policy.leading-slash', severity: 'warning', path, rule: 'fs.leading-slash',
      message: `pattern "${glob}" is workspace-relative: a single leading "/" anchors it at the workspace root, not at the disk's; `
        + `for the absolute path write "//${rest}", for the workspace folder write "${rest}"` }];
  }
  return [];
}

/** A host that can only be this machine: localhost names and loopback addresses or ranges inside 127.0.0.0/8 or ::1. */
function isLoopbackHost(host: NetPattern['host']): boolean {
  if (host.kind === 'exact') return host.name === 'localhost' || host.name.endsWith('.localhost');
  if (host.kind === 'subdomains') return host.suffix === '.localhost';
  if (host.kind !== 'ip') return false;
  const { family, bytes, prefix } = host.range;
  if (family === 4) return prefix >= 8 && bytes[0] === 127;
  return prefix === 128 && bytes.slice(0, 15).every((b) => b === 0) && bytes[15] === 1;
}

function lintScope(scope: Scope, base: JsonPath, secretsDenied: boolean): Finding[] {
  const out: Finding[] = [];
  const at = (...p: (string | number)[]): JsonPath => [...base, ...p];
  for (const rule of ['read', 'write'] as const) {
    for (const list of ['allow', 'deny'] as const) {
      scope.fs?.[rule]?.[list]?.forEach((g, i) => out.push(...lintGlobSyntax(g, at('fs', rule, list, i))));
    }
  }
  scope.fs?.write?.allow?.forEach((g, i) => out.push(...lintWriteAllow(g, at('fs', 'write', 'allow', i))));
  scope.fs?.read?.allow?.forEach((g, i) => out.push(...lintReadAllow(g, at('fs', 'read', 'allow', i), secretsDenied)));
  scope.net?.allow?.forEach((p, i) => out.push(...lintNetAllow(p, at('net', 'allow', i))));
  scope.net?.deny?.forEach((p, i) => {
    const parsed = parseNet(p, at('net', 'deny', i));
    if ('finding' in parsed) out.push(parsed.finding);
  });
  scope.exec?.allow?.forEach((argv, i) => out.push(...lintExecAllow(argv, at('exec', 'allow', i))));
  scope.exec?.deny?.forEach((argv, i) => out.push(...lintArgvSyntax(argv, at('exec', 'deny', i))));
  for (const list of ['allow', 'deny'] as const) {
    scope.tools?.[list]?.forEach((p, i) => out.push(...lintTool(p, at('tools', list, i), list)));
  }
  return out;
}

/**
 * Lint findings for the policy's own rules and every task template's scope (deny lists may be broad; allows may not).
 * `readDenyInherited`: the sources this one extends deny some reads, so a broad read allow is not a secrets leak.
 */
export function lintPolicy(doc: PolicyDoc, where: DocPlace, opts: { readDenyInherited?: boolean } = {}): AirlockProblem[] {
  const secretsDenied = (opts.readDenyInherited ?? false) || (doc.fs?.read?.deny?.length ?? 0) > 0;
  const findings = lintScope(doc, [], secretsDenied);
  if (doc.exec?.confine === 'off') {
    findings.push({ code: 'policy.unconfined', severity: 'warning', path: ['exec', 'confine'],
      message: 'commands will run unconfined: a program an allowed command starts can read, write and connect wherever your user can, '
        + 'outside every rule here; every command is logged as unconfined. Remove "confine": "off" (and install bubblewrap) to confine them.' });
  }
  for (const [name, template] of Object.entries(doc.tasks ?? {})) {
    // A task scope only narrows the policy, whose read denies still apply within it.
    findings.push(...lintScope(template.scope, ['tasks', name, 'scope'], true));
  }
  // A file acknowledges the warnings it has reviewed; only its own: a file it extends answers for itself.
  const accepted = new Set<string>(doc.lint?.accept ?? []);
  return findings
    .filter((f) => f.severity === 'error' || f.rule === undefined || !accepted.has(f.rule))
    .map((f) => ({
      code: f.code, severity: f.severity, place: placeAt(where, f.path),
      message: f.severity === 'warning' && f.rule ? `${f.message}${acceptHint(f.rule)}` : f.message,
    }));
}
