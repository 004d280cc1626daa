import { RejectionLog, RejectionSummary } from './rejection-log';

describe('RejectionLog', () => {
  it('emits at once, then at most once per window with the counts accumulated in between', () => {
    let now = 1_000_000;
    const emitted: RejectionSummary[] = [];
    const log = new RejectionLog(
      10_000,
      (s) => emitted.push(JSON.parse(JSON.stringify(s))),
      () => now,
    );

    log.note('bad_checksum');
    expect(emitted).toEqual([{ counts: { bad_checksum: 1 }, total: 1, window_s: 0 }]);

    for (let i = 0; i < 500; i++) {
      now += 10;
      log.note(i % 2 ? 'bad_checksum' : 'environment_mismatch');
    }
    expect(emitted).toHaveLength(1); // 5 s later: still inside the window

    now += 5_001;
    log.note('timestamp_in_future');
    expect(emitted).toHaveLength(2);
    expect(emitted[1]).toEqual({
      counts: { bad_checksum: 250, environment_mismatch: 250, timestamp_in_future: 1 },
      total: 501,
      window_s: 10,
    });
  });
});
