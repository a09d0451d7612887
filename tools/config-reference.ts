/**
 * `npm run docs:config`: writes docs/configuration.md from the configuration schema itself
 * (config/config.ts and the parts each device and integration owns), so the reference cannot
 * drift from what the kiosk accepts. tests/unit/config-reference.test.ts fails when the
 * committed file differs from what the schema generates.
 *
 * The schema goes through zod's own JSON Schema export (input side: what a file may hold, with
 * defaults); each key's text is its `.describe()`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { z } from 'zod';
import { KioskConfig } from '../config/config.js';

export const REFERENCE_FILE = fileURLToPath(new URL('../docs/configuration.md', import.meta.url));

interface JsonSchema {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly properties?: Record<string, JsonSchema>;
  readonly items?: JsonSchema;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly format?: string;
}

export interface Row {
  readonly key: string;
  readonly type: string;
  readonly defaultValue: string;
  readonly description: string;
}

const cell = (text: string): string => text.replace(/\|/gu, '\\|').replace(/\n/gu, ' ');
const code = (text: string): string => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
const number = (n: number): string => n.toLocaleString('en-US').replace(/,/gu, '\u202f');

/** A key's type in a few words: enum values, number range, string limits. */
function typeOf(schema: JsonSchema): string {
  if (schema.anyOf) {
    // An optional value written as "empty or …": say the "…", with empty allowed.
    const empty = schema.anyOf.some((s) => s.const === '');
    const rest = schema.anyOf.filter((s) => s.const !== '').map(typeOf);
    return `${rest.join(' or ')}${empty ? ', or empty' : ''}`;
  }
  if (schema.enum) return schema.enum.map((v) => code(JSON.stringify(v))).join(', ');
  if (schema.const !== undefined) return code(JSON.stringify(schema.const));
  const range = (min?: number, max?: number, unit = ''): string =>
    min !== undefined && max !== undefined
      ? ` ${number(min)}–${number(max)}${unit}`
      : min !== undefined
        ? ` ≥ ${number(min)}${unit}`
        : max !== undefined
          ? ` ≤ ${number(max)}${unit}`
          : '';
  const bounded = (n?: number): number | undefined =>
    n === undefined || Math.abs(n) >= Number.MAX_SAFE_INTEGER ? undefined : n;
  switch (schema.type) {
    case 'integer':
    case 'number':
      return `${schema.type}${range(bounded(schema.minimum), bounded(schema.maximum))}`;
    case 'string':
      if (schema.format) return schema.format === 'uri' ? 'URL' : schema.format;
      if (schema.pattern) return `string matching ${code(schema.pattern)}`;
      return `string${schema.maxLength !== undefined || schema.minLength ? `,${range(schema.minLength, schema.maxLength, ' characters')}` : ''}`;
    case 'array':
      return `list${range(schema.minItems, schema.maxItems, ' items')} of ${schema.items ? typeOf(schema.items) : 'values'}`;
    case 'object':
      return 'object';
    default:
      return schema.type ?? 'value';
  }
}

/** One row per setting; lists of objects (serial scanners) get a row per field of an item. */
function rows(schema: JsonSchema, path: string): Row[] {
  const out: Row[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const key = path ? `${path}.${name}` : name;
    if (child.properties) {
      out.push(...rows(child, key));
      continue;
    }
    const item = child.type === 'array' ? child.items : undefined;
    if (item?.properties) {
      out.push({
        key,
        type: `list of objects${child.maxItems !== undefined ? ` (at most ${child.maxItems})` : ''}`,
        defaultValue: JSON.stringify(child.default),
        description: child.description ?? '',
      });
      out.push(...rows(item, `${key}[]`));
      continue;
    }
    out.push({
      key,
      type: typeOf(child),
      defaultValue: child.default === undefined ? '(required)' : JSON.stringify(child.default),
      description: `${child.description ?? ''}${duration(name, child.default)}`,
    });
  }
  return out;
}

/** Durations are in milliseconds (…Ms) or minutes: the default also in words. */
function duration(name: string, value: unknown): string {
  if (typeof value !== 'number' || value === 0) return '';
  const ms = name.endsWith('Ms') ? value : name.endsWith('Minutes') ? value * 60_000 : null;
  if (ms === null || ms < 1_000) return '';
  const words =
    ms % 3_600_000 === 0 && ms >= 3_600_000
      ? `${ms / 3_600_000} h`
      : ms % 60_000 === 0
        ? `${ms / 60_000} min`
        : `${ms / 1_000} s`;
  return ` (default: ${words})`;
}

function table(section: Row[]): string {
  const lines = ['| key | type | default | what it does |', '| --- | --- | --- | --- |'];
  for (const row of section) {
    lines.push(`| ${code(row.key)} | ${cell(row.type)} | ${cell(code(row.defaultValue))} | ${cell(row.description)} |`);
  }
  return lines.join('\n');
}

function kioskSchema(): JsonSchema {
  return z.toJSONSchema(KioskConfig, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
}

/** Every setting a file may hold, with its type, default and text (the rows of the reference). */
export function settings(): Row[] {
  return rows(kioskSchema(), '');
}

export async function configurationReference(): Promise<string> {
  const schema = kioskSchema();
  const parts: string[] = [
    '# Configuration reference',
    '<!-- Generated by `npm run docs:config` from the schema (config/config.ts and each part’s config.ts). Do not edit by hand. -->',
    'One JSON file, `$KIOSK_CONFIG` or `config.json` in the platform’s config folder ' +
      '(Linux: `~/.config/library-payment-kiosk/`). Every key is optional: the defaults run the demo. ' +
      'A wrong key or value stops the kiosk at start with a message naming the key; `kiosk config validate` checks a file ' +
      'without starting. Secrets (`fbs.password`, `oeir.certificatePassword`, `terminal.passphrase`) are typed ' +
      'or piped into `kiosk config set <key>` (never an argument) and stored encrypted. Which keys a production kiosk must set, and why, is in [operations.md](operations.md).',
  ];
  const top: Row[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    if (!child.properties) {
      top.push(...rows({ properties: { [name]: child } }, ''));
      continue;
    }
    if (top.length > 0) parts.push('## The kiosk', table(top.splice(0)));
    parts.push(`## \`${name}\``);
    if (child.description) parts.push(child.description);
    parts.push(table(rows(child, name)));
  }
  const markdown = `${parts.join('\n\n')}\n`;
  const options = (await resolveConfig(REFERENCE_FILE)) ?? {};
  return format(markdown, { ...options, parser: 'markdown' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(REFERENCE_FILE, await configurationReference());
  console.log(`wrote ${REFERENCE_FILE}`);
}
