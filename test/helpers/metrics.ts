// Reading Prometheus exposition text in tests: the value of one series, by metric name and (a subset of) labels.
export interface Series {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export function parseExposition(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      labels[key as string] = value as string;
    out.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return out;
}

/** The sum of every series of `name` whose labels include `labels` (0 when there is none). */
export function valueOf(text: string, name: string, labels: Record<string, string> = {}): number {
  return parseExposition(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

export function hasSeries(text: string, name: string, labels: Record<string, string> = {}): boolean {
  return parseExposition(text).some(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}
