// How far V8 lets the old generation grow past the live data before its next full collection. V8 sizes the heap for
// the whole machine (on 24 GiB its limit is about 4 GB) and, after each full collection, lets the old generation
// grow to up to 4 × the live data: a burst of requests whose short-lived objects outlive two young-generation
// collections (fetch bodies, Slack and Octokit clients' queues, at 32 requests in flight) is promoted, and the web
// process sat at 1.0–1.2 GB RSS over ~100–200 MB of live data (B6, docs/operations.md "Memory").
// `--heap-growing-percent` bounds that growth factor; unlike `--max-old-space-size` it is no ceiling (live data that
// needs more still gets it; nothing dies of "heap out of memory") and, being read at every collection, a running
// process can set it for itself: every role does, so that no NODE_OPTIONS is needed for its memory to stay bounded.
// Workers too: running 250 jobs at once, B6's workers sat at 375–385 MB with V8's own factor, 272–280 MB with 25.
import { setFlagsFromString } from 'node:v8';

/** Every role's default: full collections once the old generation is 1.25 × what the last one left alive. */
export const DEFAULT_HEAP_GROWTH_PERCENT = 25;

/** The growth percent: the configured one, else DEFAULT_HEAP_GROWTH_PERCENT; 0: V8's own. */
export function heapGrowthPercent(configured: number | undefined): number {
  return configured ?? DEFAULT_HEAP_GROWTH_PERCENT;
}

/** Sets V8's heap growing factor for this process (a no-op for 0). */
export function boundHeapGrowth(percent: number): void {
  if (percent > 0) setFlagsFromString(`--heap-growing-percent=${percent}`);
}
