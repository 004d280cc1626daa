import { loadLogConfig } from '../../config/log-config';
import { ConfigError } from '../../config/config-error';
import { logDestination, prettyLine, QuietStartupLogger } from './log-output';

describe('LOG_FORMAT and the pretty line', () => {
  it('defaults to pretty in development only, quiet start-up with it; refuses other formats', () => {
    expect(loadLogConfig({})).toEqual({ level: 'info', format: 'pretty', quietStartup: true });
    expect(loadLogConfig({ NODE_ENV: 'production' })).toEqual({ level: 'info', format: 'json', quietStartup: false });
    expect(loadLogConfig({ NODE_ENV: 'test' })).toMatchObject({ level: 'warn', format: 'json' });
    expect(loadLogConfig({ LOG_FORMAT: 'json' }).format).toBe('json');
    expect(() => loadLogConfig({ LOG_FORMAT: 'text' })).toThrow(ConfigError);
    expect(logDestination('json')).toBeUndefined();
    expect(logDestination('pretty')).toBeDefined();
  });

  it('renders one pino record as one line: time, level, context, message, fields', () => {
    const time = new Date(2026, 2, 1, 14, 3, 7, 123).getTime();
    const line = prettyLine(
      JSON.stringify({
        level: 40,
        time,
        pid: 1,
        hostname: 'h',
        context: 'Outbox',
        msg: 'publish failed\nretrying',
        attempts: 3,
        reason: 'broker said no',
        err: { type: 'Error', message: 'nacked', stack: 'Error: nacked\n    at relay (outbox.ts:1:2)' },
      }),
    );
    expect(line).toBe(
      '14:03:07.123 WARN  [Outbox] publish failed retrying attempts=3 reason="broker said no" err="Error: nacked (at relay (outbox.ts:1:2))"',
    );
    expect(line).not.toContain('\n');
    const access = prettyLine(
      JSON.stringify({
        level: 30,
        time,
        req: { id: 'r-1', method: 'GET', path: '/v1/x' },
        res: { status: 200 },
        responseTime: 12,
        msg: 'request completed',
      }),
    );
    expect(access).toBe('14:03:07.123 INFO  GET /v1/x → 200 12ms req=r-1');
    expect(prettyLine(JSON.stringify({ level: 50, time, msg: 'x' }), true)).toContain('\u001b[31mERROR\u001b[39m');
    expect(prettyLine('not json\n')).toBe('not json');
  });

  it("sends Nest's start-up chatter to debug and everything else through", () => {
    const calls: string[] = [];
    const rec =
      (level: string) =>
      (m: unknown, ...p: unknown[]) =>
        calls.push(`${level} ${String(m)} ${p.join(',')}`);
    const quiet = new QuietStartupLogger({
      log: rec('info'),
      error: rec('error'),
      warn: rec('warn'),
      debug: rec('debug'),
      verbose: rec('verbose'),
    });
    quiet.log('Mapped {/v1/outbox, GET} route', 'RouterExplorer');
    quiet.log('AppModule dependencies initialized', 'InstanceLoader');
    quiet.log('daily reconciliation scheduled', 'Reconciliation');
    quiet.warn('careful', 'InstanceLoader');
    expect(calls).toEqual([
      'debug Mapped {/v1/outbox, GET} route RouterExplorer',
      'debug AppModule dependencies initialized InstanceLoader',
      'info daily reconciliation scheduled Reconciliation',
      'warn careful InstanceLoader',
    ]);
  });
});
