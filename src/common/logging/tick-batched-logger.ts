import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { LogFormat } from '../../config/log-config';
import { basePinoOptions, logDestination } from './log-output';

const pendingFlushes = new Set<() => void>();
let exitHookInstalled = false;

/**
 * A pino logger with the process' options (level, scrubbing, trace fields, format) whose lines
 * are written together once per turn of the event loop instead of one write each: for a line
 * logged per request on a hot path (Wompi's ingress logs one per stored event, and the events
 * of one grouped inbox statement are answered in the same turn). The lines are the ones the
 * service's logger would write, in the same order among themselves; they reach stdout at the
 * end of the turn (a synchronous write, also on exit), so at most one turn later than a line
 * logged next to them through the service's logger.
 */
export function tickBatchedLogger(level: string, format: LogFormat, context: string): Logger {
  const out: DestinationStream = logDestination(format) ?? pino.destination({ dest: 1, sync: true });
  let pending = '';
  const flush = (): void => {
    pendingFlushes.delete(flush);
    const lines = pending;
    pending = '';
    if (lines) out.write(lines);
  };
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => [...pendingFlushes].forEach((f) => f()));
  }
  const collector: DestinationStream = {
    write(line: string): void {
      if (!pending) {
        pendingFlushes.add(flush);
        setImmediate(flush);
      }
      pending += line;
    },
  };
  return pino(basePinoOptions(level), collector).child({ context });
}
