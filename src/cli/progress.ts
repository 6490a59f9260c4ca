/**
 * Progress on long work: a bar on an interactive terminal, otherwise a plain line per phase and
 * at most one line every few seconds, so logs of scheduled runs stay readable. Always stderr.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(phase: string, done: number, total: number): void;
  stop(): void;
}

const LINE_INTERVAL_MS = 5_000;

export function createProgress(label: string, options: { quiet?: boolean } = {}): Progress {
  if (options.quiet) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} {phase} [{bar}] {value}/{total}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    let phase = '';
    return {
      update(p, done, total) {
        if (!started) {
          bar.start(total, done, { phase: p });
          started = true;
        } else if (p !== phase) bar.setTotal(total);
        phase = p;
        bar.update(done, { phase: p });
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let phase = '';
  let last = 0;
  return {
    update(p, done, total) {
      const now = Date.now();
      if (p === phase && now - last < LINE_INTERVAL_MS && done < total) return;
      phase = p;
      last = now;
      process.stderr.write(`${label}: ${p} ${done}/${total}\n`);
    },
    stop() {},
  };
}
