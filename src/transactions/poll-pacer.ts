/**
 * Runs `work` over `items` with at most `concurrency` in flight and at most `ratePerSecond`
 * starts per second (evenly spaced, so a burst never hits Wompi at once).
 */
export async function paced<T>(
  items: T[],
  opts: { concurrency: number; ratePerSecond: number },
  work: (item: T) => Promise<void>,
): Promise<void> {
  const spacingMs = 1000 / opts.ratePerSecond;
  let nextStart = Date.now();
  let i = 0;
  const lane = async () => {
    while (i < items.length) {
      const item = items[i++];
      const wait = nextStart - Date.now();
      nextStart = Math.max(nextStart, Date.now()) + spacingMs;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, items.length) }, lane));
}
