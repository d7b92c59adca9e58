// Chart test helpers: render with `helm template` when helm is installed; otherwise strip the template actions so
// that each template's YAML can be parsed and checked structurally. Plus a small JSON Schema (draft-07 subset)
// validator for values.schema.json (no JSON Schema library is a dependency of this project).
import { spawnSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

export function helmAvailable(): boolean {
  return spawnSync('helm', ['version', '--short'], { stdio: 'ignore' }).status === 0;
}

export function helm(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync('helm', args, { encoding: 'utf8' });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Removes template actions: lines made only of actions go; inline actions become the placeholder `T`. */
export function stripTemplate(text: string): string {
  const out: string[] = [];
  for (const raw of text.replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '').split('\n')) {
    if (/^\s*(\{\{[^}]*\}\}\s*)+$/.test(raw)) continue;
    out.push(raw.replace(/\{\{-?[^}]*-?\}\}/g, 'T'));
  }
  return out.join('\n');
}

export interface YamlDoc {
  readonly file: string;
  readonly value: Record<string, unknown>;
}

/** Parses every YAML document; throws with the file name and the parser's message on the first error. */
export function parseDocs(file: string, text: string): YamlDoc[] {
  const docs: YamlDoc[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0]?.message}`);
    const value = doc.toJS() as Record<string, unknown> | null;
    if (value) docs.push({ file, value });
  }
  return docs;
}

/** `{{ if|range|with|define }}` blocks each closed by one `{{ end }}`. */
export function unbalancedBlocks(text: string): number {
  const opens = text.match(/\{\{-?\s*(if|range|with|define)\b/g)?.length ?? 0;
  const ends = text.match(/\{\{-?\s*end\s*-?\}\}/g)?.length ?? 0;
  return opens - ends;
}

type Schema = Record<string, unknown>;

/** Validates `value` against a draft-07 subset; returns the problems (empty when valid). */
export function validateSchema(value: unknown, schema: Schema, root: Schema = schema, path = '$'): string[] {
  if (typeof schema.$ref === 'string') return validateSchema(value, resolveRef(root, schema.$ref), root, path);
  const errors: string[] = [];
  const types = ([] as unknown[]).concat(schema.type ?? []);
  if (types.length && !types.some((t) => typeMatches(value, String(t))))
    return [`${path}: expected ${types.join(' or ')}`];
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errors.push(`${path}: expected one of ${schema.enum.join(', ')}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${path}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${path}: above ${schema.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength)
      errors.push(`${path}: shorter than ${schema.minLength}`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value))
      errors.push(`${path}: does not match ${schema.pattern}`);
  }
  if (schema.not && validateSchema(value, schema.not as Schema, root, path).length === 0)
    errors.push(`${path}: matches a forbidden form`);
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems)
      errors.push(`${path}: fewer than ${schema.minItems} items`);
    if (schema.items)
      value.forEach((item, i) => errors.push(...validateSchema(item, schema.items as Schema, root, `${path}[${i}]`)));
  }
  if (value && typeof value === 'object' && !Array.isArray(value))
    errors.push(...validateObject(value as Record<string, unknown>, schema, root, path));
  return errors;
}

function validateObject(value: Record<string, unknown>, schema: Schema, root: Schema, path: string): string[] {
  const errors: string[] = [];
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const key of (schema.required ?? []) as string[]) if (!(key in value)) errors.push(`${path}.${key}: required`);
  for (const [key, v] of Object.entries(value)) {
    if (schema.propertyNames)
      errors.push(...validateSchema(key, schema.propertyNames as Schema, root, `${path}{${key}}`));
    if (properties[key]) errors.push(...validateSchema(v, properties[key], root, `${path}.${key}`));
    else if (schema.additionalProperties === false) errors.push(`${path}.${key}: not allowed`);
    else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
      errors.push(...validateSchema(v, schema.additionalProperties as Schema, root, `${path}.${key}`));
  }
  return errors;
}

function resolveRef(root: Schema, ref: string): Schema {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<Schema>((node, key) => node[key] as Schema, root);
}

function typeMatches(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'array') return Array.isArray(value);
  if (type === 'object') return value !== null && typeof value === 'object' && !Array.isArray(value);
  if (type === 'null') return value === null;
  return typeof value === type;
}

/** The value at a dotted path (`web.autoscaling.enabled`), or undefined. */
export function lookup(values: unknown, dotted: string): unknown {
  return dotted
    .split('.')
    .reduce<unknown>(
      (node, key) => (node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined),
      values,
    );
}
