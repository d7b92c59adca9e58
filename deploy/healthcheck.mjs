// Container HEALTHCHECK: healthy when GET /healthz answers 200 on the web port (PORT) or, for the worker role, on
// the metrics listener (METRICS_PORT). Plain Node, no dependencies; exits 0 (healthy) or 1.
const ports = [process.env.PORT ?? '3000', process.env.METRICS_PORT].filter(Boolean);
for (const port of ports) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
    if (res.status === 200) process.exit(0);
  } catch {
    // try the next port
  }
}
process.exit(1);
