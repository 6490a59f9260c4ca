/**
 * Load client for bench/emulator/run.ts, run in its own process so it does not share the
 * emulator's event loop: keep-alive HTTP GETs from `concurrency` parallel loops for `seconds`,
 * then one JSON line on stdout: `{ requests, errors, seconds, perSecond, p50Ms, p99Ms }`.
 *
 * Usage: node --import tsx bench/emulator/load-client.ts URL TOKEN CONCURRENCY SECONDS [PATH…]
 */
import http from 'node:http';

const [base = '', token = '', concurrencyArg = '16', secondsArg = '5', ...paths] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const seconds = Number(secondsArg);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const url = new URL(base);

function get(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, method: 'GET', agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const latencies: number[] = [];
let errors = 0;
const deadline = Date.now() + seconds * 1000;
const started = Date.now();
await Promise.all(
  Array.from({ length: concurrency }, async (_, worker) => {
    let i = worker;
    while (Date.now() < deadline) {
      const path = paths[i++ % paths.length] as string;
      const t0 = performance.now();
      const status = await get(path).catch(() => 0);
      latencies.push(performance.now() - t0);
      if (status !== 200) errors++;
    }
  }),
);
const elapsed = (Date.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p: number): number => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) * 100) / 100;
process.stdout.write(`${JSON.stringify({ requests: latencies.length, errors, seconds: elapsed, perSecond: Math.round(latencies.length / elapsed), p50Ms: pct(0.5), p99Ms: pct(0.99) })}\n`);
agent.destroy();
