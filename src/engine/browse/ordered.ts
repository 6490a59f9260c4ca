/**
 * `mapOrdered`: applies an async function to a stream with a few calls in flight and yields the
 * results in the source's order — document reads overlap without loading a whole stream.
 *
 * Guarantees: at most `concurrency` calls run at once; results come in source order; the first
 * failure (in source order) is thrown, and later failures never surface as unhandled rejections.
 * Not guaranteed: calls already started when the consumer stops are not cancelled (pass the
 * signal to `fn`).
 */
export async function* mapOrdered<T, R>(source: AsyncIterable<T> | Iterable<T>, fn: (value: T) => Promise<R>, concurrency: number): AsyncGenerator<R> {
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, not ${concurrency}`);
  const pending: Promise<R>[] = [];
  for await (const value of source) {
    const p = fn(value);
    p.catch(() => undefined); // observed when its turn comes; never an unhandled rejection
    pending.push(p);
    if (pending.length >= concurrency) yield await (pending.shift() as Promise<R>);
  }
  while (pending.length > 0) yield await (pending.shift() as Promise<R>);
}
