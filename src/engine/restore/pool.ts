/**
 * `pool`: runs an async function over items with at most `limit` in flight — how restore keeps
 * many operations (and reads) going at once, so that their requests share `$batch` round trips.
 *
 * Guarantees: every item is started once, in order; the first failure is thrown after the items
 * already started have settled (no work is left running behind the caller's back).
 */
export async function pool<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async (): Promise<void> => {
    while (next < items.length && errors.length === 0) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (err) {
        errors.push(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}
