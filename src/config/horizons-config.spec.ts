import { ConfigError } from './config-error';
import { EnvReader } from './env-reader';
import { forMethod, loadHorizons } from './horizons-config';

const load = (env: Record<string, string>) => {
  const r = new EnvReader(env);
  const h = loadHorizons(r);
  r.throwIfProblems();
  return h;
};

describe('horizons config', () => {
  it('defaults: 300 s window, cards 1 h / others 24 h, polls at most every 5 min / 30 min, sessions 24 h', () => {
    const h = load({});
    expect(h).toEqual({
      buyerRetryWindowS: 300,
      pendingHorizonsS: { CARD: 3600, '*': 86_400 },
      pollMaxIntervalsS: { CARD: 300, '*': 1800 },
      checkoutSessionTtlS: 86_400,
    });
    expect(forMethod(h.pendingHorizonsS, 'CARD')).toBe(3600);
    expect(forMethod(h.pendingHorizonsS, 'PSE')).toBe(86_400);
    expect(forMethod(h.pendingHorizonsS, null)).toBe(86_400);
  });

  it('reads per-method lists and keeps the default * when the list names none', () => {
    expect(load({ PENDING_HORIZONS: 'PSE=4s, NEQUI=2h' }).pendingHorizonsS).toEqual({
      PSE: 4,
      NEQUI: 7200,
      '*': 86_400,
    });
    expect(load({ PENDING_HORIZONS: '*=1d' }).pendingHorizonsS).toEqual({ '*': 86_400 });
  });

  it('refuses malformed entries, out-of-range values and repeats, every one reported', () => {
    let err: unknown;
    try {
      load({ PENDING_HORIZONS: 'card=1h,PSE=soon,CARD=0s,NEQUI=1h,NEQUI=2h', BUYER_RETRY_WINDOW_S: '-1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as Error).message;
    expect(text).toContain('PENDING_HORIZONS entry "card=1h" must be METHOD=duration');
    expect(text).toContain('PENDING_HORIZONS entry "PSE=soon" must be METHOD=duration');
    expect(text).toContain('PENDING_HORIZONS entry CARD must be between 1 s');
    expect(text).toContain('PENDING_HORIZONS names NEQUI more than once');
    expect(text).toContain('BUYER_RETRY_WINDOW_S must be an integer between 0 and 3600');
  });
});
