// Writes PROTOCOL.md from sandbox/protocol/protocol.ts (`npm run protocol`); a test fails when the committed file is stale.
import fs from 'node:fs';
import path from 'node:path';
import { protocolMarkdown, repoRoot } from './protocolDoc.js';

const target = path.join(repoRoot, 'PROTOCOL.md');
fs.writeFileSync(target, protocolMarkdown());
// stderr: `npm pack --json` (which runs this as prepack) keeps stdout for its JSON.
console.error(`wrote ${path.relative(process.cwd(), target) || target}`);
