import { Logger } from '@nestjs/common';
import { loadSandboxConfigFromProcess } from '../config/sandbox-config';
import { startSandbox } from './start-sandbox';

/** `npm run sandbox`: the Wompi sandbox alone, configured by SANDBOX_* variables. */
async function main(): Promise<void> {
  const logger = new Logger('WompiSandbox');
  const cfg = loadSandboxConfigFromProcess();
  const sandbox = await startSandbox({ ...cfg, keys: cfg.keys, faults: cfg.faults });
  // Printing the keys is the point of a local sandbox (sandbox keys are test-only); keys that
  // came from the environment are masked, since whoever set them already knows them.
  const show = (value: string, fromEnv: boolean) =>
    fromEnv ? `${value.slice(0, value.lastIndexOf('_') + 5)}…` : value;
  logger.log(`base URL       ${sandbox.baseUrl}`);
  logger.log(`admin API      ${sandbox.origin}/__sandbox`);
  logger.log(`public key     ${show(sandbox.keys.publicKey, !!cfg.keys.publicKey)}`);
  logger.log(`private key    ${show(sandbox.keys.privateKey, !!cfg.keys.privateKey)}`);
  logger.log(`integrity      ${show(sandbox.keys.integritySecret, !!cfg.keys.integritySecret)}`);
  logger.log(`events secret  ${show(sandbox.keys.eventsSecret, !!cfg.keys.eventsSecret)}`);
  logger.log(`events URL     ${cfg.eventsUrl ?? '(none: set SANDBOX_EVENTS_URL to receive webhooks)'}`);
  const stop = (signal: string) => {
    logger.log(`${signal}: stopping`);
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((e: unknown) => {
  new Logger('WompiSandbox').error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
