// Writes package.json's contributes.languageModelTools and mcpServerDefinitionProviders from the tool definitions that
// `airlock mcp` serves (npm run agent-tools); a test fails when package.json is stale.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { agentContributions } from '../src/agents/tools.js';

const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'package.json');
const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { contributes?: Record<string, unknown> };
pkg.contributes = { ...(pkg.contributes ?? {}), ...agentContributions() };
fs.writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
process.stdout.write(`wrote ${Object.keys(agentContributions()).join(', ')} to package.json\n`);
