// PROTOCOL.md is generated from protocol.ts: committed and fresh are equal, every message and answer value is in it, and
// every client message of its example session is valid under the protocol's own schemas.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import * as P from '../../sandbox/protocol/protocol.js';
import { protocolMarkdown, repoRoot } from '../../scripts/protocolDoc.js';
import { EXAMPLE_SESSION } from '../../scripts/protocolExample.js';

const PARAMS: Record<string, z.ZodType | null> = {
  initialize: P.InitializeParams, 'policy/load': P.PolicyLoadParams, 'task/start': P.TaskStartParams, 'task/end': P.TaskRef,
  'task/list': null, 'grant/list': P.GrantListParams, 'grant/revoke': P.GrantRevokeParams, 'action/run': P.ActionRunParams,
  'script/run': P.ScriptRunParams, kill: P.KillParams, 'log/read': P.LogReadParams, 'log/follow': P.LogFollowParams,
  'log/unfollow': null, shutdown: null, exit: null,
};

describe('PROTOCOL.md', () => {
  const text = protocolMarkdown();

  it('is up to date with sandbox/protocol/protocol.ts (run npm run protocol if not)', () => {
    assert.ok(fs.readFileSync(path.join(repoRoot, 'PROTOCOL.md'), 'utf8') === text, 'PROTOCOL.md is stale: run npm run protocol');
  });

  it('documents every message protocol.ts exports, with its direction, and every approval answer value', () => {
    const methods = (Object.values(P) as unknown[])
      .map((v) => (typeof v === 'object' && v !== null ? (v as { method?: unknown }).method : undefined))
      .filter((m): m is string => typeof m === 'string');
    assert.ok(methods.length >= 19, methods.join(', '));
    for (const m of methods) assert.match(text, new RegExp(`^### ${m.replace('/', '\\/')}\\n\\n(client → harness|harness → client|hook → harness|MCP server → harness|hook or MCP server → harness), `, 'm'), m);
    for (const a of P.ApprovalAnswerSchema.shape.answer.options) assert.match(text, new RegExp(`^\\| \`${a}\` \\| \\S`, 'm'), a);
    assert.match(text, /^\| `always` \| .*adds the pattern to the workspace policy/m);
    for (const [name, code] of Object.entries(P.HOST_EXIT)) assert.match(text, new RegExp(`^\\| ${code} \\| \`${name}\` \\| \\S`, 'm'));
  });

  it('its example session is one complete exchange whose client messages the harness accepts', () => {
    const methods = EXAMPLE_SESSION.map((m) => m.message['method']).filter((m): m is string => typeof m === 'string');
    for (const m of ['initialize', 'task/start', 'action/run', 'approval/request', 'task/status', 'task/end', 'shutdown', 'exit']) assert.ok(methods.includes(m), m);
    for (const { from, message } of EXAMPLE_SESSION) {
      assert.equal(message['jsonrpc'], '2.0');
      const method = message['method'];
      if (from === 'client' && typeof method === 'string') {
        const schema = PARAMS[method];
        assert.ok(schema !== undefined, `a schema for ${method}`);
        if (schema) assert.ok(schema.safeParse(message['params']).success, `${method}: ${JSON.stringify(message['params'])}`);
      } else if (from === 'client') {
        // The answer to approval/request: the same id, a valid answer.
        const request = EXAMPLE_SESSION.find((m) => m.message['method'] === 'approval/request' && m.message['id'] === message['id']);
        assert.ok(request, 'answers an approval request');
        assert.ok(P.ApprovalAnswerSchema.safeParse(message['result']).success);
      }
    }
    // Requests from the client get a response with their id, in the example as on the wire.
    for (const { from, message } of EXAMPLE_SESSION.filter((m) => m.from === 'client' && m.message['id'] !== undefined && m.message['method'] !== undefined)) {
      assert.ok(EXAMPLE_SESSION.some((m) => m.from !== from && m.message['id'] === message['id'] && 'result' in m.message), `a response to ${String(message['method'])}`);
    }
  });
});
