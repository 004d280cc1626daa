/* The Dockerfile, parsed: shared by dockerfile.spec.ts and the chart's checks against the image
 * (the chart's runAsUser/runAsGroup must be the image's USER). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './harness';

export interface Instruction {
  op: string;
  args: string;
  stage: number;
}

/** Instructions with continuation lines joined and comments dropped, each tagged with its stage. */
export function parseDockerfile(text: string): {
  instructions: Instruction[];
  stages: Array<{ from: string; name?: string }>;
  args: Record<string, string>;
} {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!current && (line === '' || line.startsWith('#'))) continue;
    if (current && line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      current += line.slice(0, -1) + ' ';
      continue;
    }
    logical.push(current + line);
    current = '';
  }
  const instructions: Instruction[] = [];
  const stages: Array<{ from: string; name?: string }> = [];
  const args: Record<string, string> = {};
  for (const l of logical) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(l);
    if (!m) continue;
    const op = m[1].toUpperCase();
    const rest = m[2].trim();
    if (op === 'ARG' && stages.length === 0) {
      const [k, v] = rest.split('=');
      args[k] = v ?? '';
    }
    if (op === 'FROM') {
      const f = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest)!;
      const from = f[1].replace(/\$\{(\w+)\}/g, (_s, k: string) => args[k] ?? '');
      stages.push({ from, name: f[2] });
    }
    instructions.push({ op, args: rest, stage: stages.length - 1 });
  }
  return { instructions, stages, args };
}

/** The runtime stage's USER as numeric ids; throws unless it is uid:gid in numbers. */
export function imageUser(text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')): { uid: number; gid: number } {
  const { instructions, stages } = parseDockerfile(text);
  const users = instructions.filter((i) => i.op === 'USER' && i.stage === stages.length - 1);
  const m = /^(\d+):(\d+)$/.exec(users[users.length - 1]?.args ?? '');
  if (!m)
    throw new Error(`the runtime stage's last USER must be numeric uid:gid, got ${users[users.length - 1]?.args}`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

/** The runtime stage's ENV NODE_OPTIONS (quoted value), or undefined. */
export function imageNodeOptions(text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')): string | undefined {
  const { instructions, stages } = parseDockerfile(text);
  const envs = instructions.filter((i) => i.op === 'ENV' && i.stage === stages.length - 1);
  for (const e of envs.reverse()) {
    const m = /(?:^|\s)NODE_OPTIONS="([^"]*)"/.exec(e.args);
    if (m) return m[1];
  }
  return undefined;
}
