// Generates PROTOCOL.md from sandbox/protocol/protocol.ts (and the types it names), so the docs are whatever the code holds.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { ApprovalAnswerSchema, HOST_EXIT } from '../sandbox/protocol/protocol.js';
import { EXAMPLE_SESSION, type ExampleMessage } from './protocolExample.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The files whose exported declarations the protocol's messages refer to, the protocol itself first. */
const SOURCES = ['sandbox/protocol/protocol.ts', 'sandbox/pipeline/types.ts', 'sandbox/policy/types.ts', 'sandbox/errors.ts'];

/** What each approval answer means: kept next to the generator, and the generator refuses a value it cannot explain. */
export const ANSWER_DOCS: Record<string, string> = {
  'allow-once': 'Run this one action. Nothing is remembered: the same action is asked again.',
  'allow-task': 'Run it, and grant the answer\'s `target` pattern (default: the exact target) for the rest of the task: later actions it matches are allowed without asking (`decidedBy: "grant"`) until the task ends or `grant/revoke`.',
  always: 'As `allow-task` for the harness (a grant for the task); the client also adds the pattern to the workspace policy (`.airlock/policy.json`) so later tasks allow it by policy. The harness never writes the policy itself.',
  deny: 'Refuse it (`decidedBy: "user"`). So does no answer by the deadline, an error, an invalid answer, or a lost connection.',
};

interface Declaration { name: string; file: string; text: string; doc: string; node: ts.Node }
interface Message { constName: string; method: string; kind: 'request' | 'notification'; direction: string; summary: string; params?: string; result?: string }

function leadingDoc(node: ts.Node, source: ts.SourceFile): string {
  const ranges = ts.getLeadingCommentRanges(source.text, node.getFullStart()) ?? [];
  return ranges
    .map((r) => source.text.slice(r.pos, r.end))
    .filter((c) => c.startsWith('/**'))
    .map((c) => c.replace(/^\/\*\*\s?/, '').replace(/\s*\*\/$/, '').split('\n').map((l) => l.replace(/^\s*\* ?/, '')).join(' ').trim())
    .join(' ');
}

function isExported(node: ts.Node): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
}

const MESSAGE_CLASSES: Record<string, Message['kind']> = {
  RequestType: 'request', RequestType0: 'request', NotificationType: 'notification', NotificationType0: 'notification',
};

function read(): { declarations: Map<string, Declaration>; messages: Message[] } {
  const declarations = new Map<string, Declaration>();
  const messages: Message[] = [];
  for (const rel of SOURCES) {
    const text = fs.readFileSync(path.join(repoRoot, rel), 'utf8');
    const source = ts.createSourceFile(rel, text, ts.ScriptTarget.ES2023, true);
    for (const stmt of source.statements) {
      if (ts.isVariableStatement(stmt)) {
        for (const decl of stmt.declarationList.declarations) {
          if (!ts.isIdentifier(decl.name)) continue;
          const name = decl.name.text;
          const init = decl.initializer;
          const doc = leadingDoc(stmt, source);
          if (rel === SOURCES[0] && isExported(stmt) && init && ts.isNewExpression(init) && ts.isIdentifier(init.expression) && MESSAGE_CLASSES[init.expression.text]) {
            const method = init.arguments?.[0];
            if (!method || !ts.isStringLiteral(method)) throw new Error(`${rel}: ${name} has no method name`);
            const dir = /^(client → harness|harness → client|hook → harness|MCP server → harness|hook or MCP server → harness):\s*/.exec(doc);
            if (!dir) throw new Error(`${rel}: ${name} does not state its direction ("client → harness:", "harness → client:", or for the gateway "hook → harness:" / "MCP server → harness:")`);
            const typeArgs = init.typeArguments?.map((t) => t.getText(source)) ?? [];
            const kind = MESSAGE_CLASSES[init.expression.text]!;
            const hasParams = !init.expression.text.endsWith('0');
            messages.push({
              constName: name, method: method.text, kind, direction: dir[1]!, summary: doc.slice(dir[0].length),
              ...(hasParams && typeArgs[0] ? { params: typeArgs[0] } : {}),
              ...(kind === 'request' && typeArgs[hasParams ? 1 : 0] ? { result: typeArgs[hasParams ? 1 : 0] } : {}),
            });
            continue;
          }
          if (!declarations.has(name)) declarations.set(name, { name, file: rel, text: stmt.getText(source), doc, node: stmt });
        }
      } else if ((ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt)) && isExported(stmt)) {
        const name = stmt.name.text;
        if (!declarations.has(name)) declarations.set(name, { name, file: rel, text: stmt.getText(source), doc: leadingDoc(stmt, source), node: stmt });
      }
    }
  }
  return { declarations, messages };
}

/** The declarations a type text refers to, and theirs, in first-mention order. */
function closure(texts: readonly string[], declarations: Map<string, Declaration>, seen = new Set<string>()): Declaration[] {
  const out: Declaration[] = [];
  const visit = (text: string) => {
    for (const m of text.matchAll(/\b[A-Za-z_]\w*\b/g)) {
      const d = declarations.get(m[0]);
      if (!d || seen.has(d.name)) continue;
      seen.add(d.name);
      out.push(d);
      visit(d.text);
    }
  };
  texts.forEach(visit);
  return out;
}

const code = (text: string) => `\`${text.replace(/`/g, '\\`')}\``;

function example(messages: readonly ExampleMessage[]): string[] {
  const lines: string[] = [];
  for (const m of messages) {
    lines.push(`${m.note}`, '', '```jsonc', `// ${m.from === 'client' ? 'client → harness' : 'harness → client'}`, JSON.stringify(m.message), '```', '');
  }
  return lines;
}

/** The whole text of PROTOCOL.md. Throws when protocol.ts holds something the generator cannot document. */
export function protocolMarkdown(): string {
  const { declarations, messages } = read();
  const answers = ApprovalAnswerSchema.shape.answer.options as readonly string[];
  const undocumented = answers.filter((a) => ANSWER_DOCS[a] === undefined);
  if (undocumented.length > 0) throw new Error(`approval answer value(s) ${undocumented.join(', ')} have no entry in ANSWER_DOCS (scripts/protocolDoc.ts)`);
  const exitDocs = declarations.get('HOST_EXIT');
  const errorCodes = declarations.get('ERROR_CODES');

  const out: string[] = [
    '# The Airlock host protocol',
    '',
    '<!-- Generated from sandbox/protocol/protocol.ts by `npm run protocol`; a test fails when it is stale. Do not edit by hand. -->',
    '',
    '`airlock host` is the harness as a JSON-RPC 2.0 server on stdin/stdout (Content-Length framing, as the Language Server',
    'Protocol; [vscode-jsonrpc](https://www.npmjs.com/package/vscode-jsonrpc)). The VS Code extension is its client; any',
    'other client speaks the same messages. Every message below names its direction, and every inbound message is',
    'validated (zod) before it is handled: invalid params are answered with JSON-RPC error -32602 naming the field.',
    '',
    `- Protocol version: **${String(declarations.get('PROTOCOL_VERSION')?.text.match(/=\s*(\d+)/)?.[1] ?? '?')}** (\`initialize\` refuses a mismatch and says which side to update).`,
    `- Largest message: ${declarations.get('MAX_MESSAGE_BYTES')?.text.match(/=\s*([^;]+)/)?.[1]?.trim() ?? '?'} bytes; a larger one is answered with an error and skipped.`,
    '- Order: `initialize` first (anything else is refused with `notInitialized`), then any requests; `shutdown` then the `exit` notification.',
    '- Fail closed: a prompt unanswered by its deadline, a lost transport, or a policy that does not load means deny.',
    '',
    '## Exit codes of `airlock host`',
    '',
    '| code | name | when |',
    '|---|---|---|',
    ...Object.entries(HOST_EXIT).map(([name, value]) => {
      const doc = exitDocs ? new RegExp(`/\\*\\*([^*]*(?:\\*(?!/)[^*]*)*)\\*/\\s*${name}:`).exec(exitDocs.text)?.[1]?.replace(/\s*\n\s*\*?\s*/g, ' ').trim() : undefined;
      return `| ${value} | \`${name}\` | ${doc ?? ''} |`;
    }),
    '',
    '## Error codes',
    '',
    'Besides the JSON-RPC standard codes (-32700 parse error, -32600 invalid request, -32601 method not found, -32602 invalid params):',
    '',
    '```ts',
    errorCodes?.text ?? '',
    '```',
    '',
    '## Messages',
    '',
    '| method | direction | kind | what it does |',
    '|---|---|---|---|',
    ...messages.map((m) => `| [\`${m.method}\`](#${m.method.replace(/[^a-z0-9]/gi, '').toLowerCase()}) | ${m.direction} | ${m.kind} | ${m.summary} |`),
    '',
  ];
  for (const m of messages) {
    out.push(`### ${m.method}`, '', `${m.direction}, ${m.kind}. ${m.summary}`, '');
    if (m.params) out.push(`- params: ${code(m.params)}`);
    else out.push('- params: none');
    if (m.kind === 'request') out.push(`- result: ${code(m.result ?? 'void')}`);
    const refs = closure([m.params ?? '', m.result ?? ''], declarations);
    if (refs.length > 0) {
      out.push('', '```ts');
      for (const d of refs) out.push(d.text, '');
      out.pop();
      out.push('```');
    }
    out.push('');
  }
  out.push(
    '## Approval answers',
    '',
    'The client answers `approval/request` with `{ "answer": …, "target"?: … }`. Every value:',
    '',
    '| answer | meaning |',
    '|---|---|',
    ...answers.map((a) => `| \`${a}\` | ${ANSWER_DOCS[a]} |`),
    '',
    'Only the first answer to a request counts; the deadline is in the request (`deadline`, epoch ms) and the policy\'s',
    '`approval.timeoutSeconds`. A `target` wider than the request\'s (from its `suggestions`) is what a grant covers.',
    '',
    '## Example session',
    '',
    'One complete exchange: initialize, start a task, an allowed read, an out-of-scope write asked and approved for the',
    'task, the write that grant then allows without asking, the task\'s end, shutdown and exit. (Framing headers omitted;',
    'each message is one JSON-RPC object.)',
    '',
    ...example(EXAMPLE_SESSION),
  );
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
