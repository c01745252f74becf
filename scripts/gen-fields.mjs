#!/usr/bin/env node
// Generates the field definition tables in src/engine/fields/ from the derived TSV tables in
// ../shared/corpus/fields/ (see that folder's README for their provenance). The output is committed, so the
// engine builds where the corpus is absent; rerun `npm run gen:fields` when the corpus tables change.
//
// Usage: node scripts/gen-fields.mjs [--corpus DIR] [--check]
//   --check  exits 1 when a committed table differs from what would be generated (for CI).

import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const corpusArg = args.indexOf('--corpus');
const corpus = resolve(corpusArg >= 0 ? args[corpusArg + 1] : join(root, '..', 'shared', 'corpus'));
const check = args.includes('--check');
const fieldsDir = join(corpus, 'fields');
const outDir = join(root, 'src', 'engine', 'fields');

if (!existsSync(fieldsDir)) {
  console.error(`gen-fields: corpus field tables not found at ${fieldsDir} (use --corpus DIR)`);
  process.exit(2);
}

/** Reads a TSV file with a header line into objects keyed by column name. */
function readTsv(file) {
  const path = join(fieldsDir, file);
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0);
  const header = lines[0].split('\t');
  return lines.slice(1).map((line, i) => {
    const cells = line.split('\t');
    if (cells.length !== header.length) {
      throw new Error(`${path}:${i + 2}: expected ${header.length} columns, found ${cells.length}`);
    }
    return Object.fromEntries(header.map((h, j) => [h, cells[j]]));
  });
}

// Falco's type spellings (libsinsp PT_* names as the website writes them, and the plugin SDK's) mapped to the
// engine's FieldType. Integer widths collapse: what matters is signedness for literal parsing.
const TYPE_MAP = {
  CHARBUF: 'string', string: 'string',
  FSPATH: 'fspath', FSRELPATH: 'fspath',
  INT8: 'int64', INT16: 'int64', INT32: 'int64', INT64: 'int64', ERRNO: 'int64', FD: 'int64', PID: 'int64',
  UINT8: 'uint64', UINT16: 'uint64', UINT32: 'uint64', UINT64: 'uint64', uint64: 'uint64', UID: 'uint64',
  GID: 'uint64', MODE: 'uint64', FLAGS8: 'uint64', FLAGS16: 'uint64', FLAGS32: 'uint64', SYSCALLID: 'uint64',
  SIGTYPE: 'uint64',
  DOUBLE: 'double',
  BOOL: 'bool', bool: 'bool',
  IPADDR: 'ipaddr', IPV4ADDR: 'ipaddr', IPV6ADDR: 'ipaddr',
  IPNET: 'ipnet', IPV4NET: 'ipnet', IPV6NET: 'ipnet',
  PORT: 'port',
  L4PROTO: 'l4proto',
  ABSTIME: 'abstime',
  RELTIME: 'reltime',
  BYTEBUF: 'bytebuf',
  DYNAMIC: 'dynamic',
};

function normaliseType(falcoType, where) {
  const list = /^LIST\((.*)\)$/.exec(falcoType);
  const base = list ? list[1] : falcoType;
  const type = TYPE_MAP[base];
  if (!type) throw new Error(`${where}: unknown field type '${falcoType}'`);
  return { type, isList: list !== null };
}

function parseArg(arg, where) {
  if (arg === 'none') return null;
  const m = /^(index|key|index\|key):(required|optional)$/.exec(arg);
  if (!m) throw new Error(`${where}: unknown argument spec '${arg}'`);
  return { kind: m[1], required: m[2] === 'required' };
}

function yesNo(v, where) {
  if (v === 'yes') return true;
  if (v === 'no') return false;
  throw new Error(`${where}: expected yes/no, found '${v}'`);
}

// Plugin field properties and addOutput become the libsinsp flags libsinsp gives plugin fields.
const PLUGIN_PROPERTY_FLAGS = { hidden: 'TABLE_ONLY', info: 'INFO', conversation: 'CONVERSATION' };

function syscallFields() {
  return readTsv('syscall_fields.tsv').map((r) => {
    const where = `syscall_fields.tsv ${r.name}`;
    const { type, isList } = normaliseType(r.type, where);
    const flags = r.flags ? r.flags.split(',') : [];
    if (isList !== yesNo(r.is_list, where)) throw new Error(`${where}: is_list disagrees with type ${r.type}`);
    const dotArg = r.arg_syntax_in_docs.split(' ').includes('.NAME');
    return { name: r.name, type, falcoType: r.type, isList, arg: parseArg(r.arg, where), flags, cls: r.class, dotArg };
  });
}

function pluginFields(file) {
  return readTsv(file).map((r) => {
    const where = `${file} ${r.name}`;
    const { type } = normaliseType(r.type, where);
    const isList = yesNo(r.is_list, where);
    const flags = [];
    if (isList) flags.push('IS_LIST');
    for (const p of r.properties ? r.properties.split(',') : []) {
      const flag = PLUGIN_PROPERTY_FLAGS[p];
      if (!flag) throw new Error(`${where}: unknown property '${p}'`);
      flags.push(flag);
    }
    if (yesNo(r.add_output, where)) flags.push('FORMAT_SUGGESTED');
    return {
      name: r.name,
      type,
      falcoType: r.type,
      isList,
      arg: parseArg(r.arg, where),
      flags,
    };
  });
}

function renderField(f) {
  const arg = f.arg ? `{ kind: '${f.arg.kind}', required: ${f.arg.required} }` : 'null';
  const flags = `[${f.flags.map((x) => `'${x}'`).join(', ')}]`;
  return (
    `  { name: '${f.name}', type: '${f.type}', falcoType: '${f.falcoType}', isList: ${f.isList}, ` +
    `arg: ${arg}, flags: ${flags} },`
  );
}

function header(sources) {
  return [
    '// GENERATED by scripts/gen-fields.mjs (npm run gen:fields) — do not edit by hand.',
    `// From ${sources}; provenance and licences in NOTICE.`,
    '',
  ];
}

function fieldModule(constName, doc, sources, fields, extra = []) {
  return [
    ...header(sources),
    "import type { FieldDef } from '../source.js';",
    '',
    `/** ${doc} */`,
    `export const ${constName}: readonly FieldDef[] = [`,
    ...fields.map(renderField),
    '];',
    '',
    ...extra,
  ].join('\n');
}

function eventsModule() {
  const rows = readTsv('syscall_events.tsv');
  const lines = rows.map((r) => {
    const where = `syscall_events.tsv ${r.name}`;
    const dirs = r.directions.split(' ');
    for (const d of dirs) if (d !== '>' && d !== '<') throw new Error(`${where}: bad direction '${d}'`);
    return `  ['${r.name}', ${dirs.includes('>')}, ${dirs.includes('<')}, '${r.category}'],`;
  });
  return [
    ...header('corpus fields/syscall_events.tsv (Falco website supported-events, event schema 4.3.0)'),
    '/** Event name, has an enter event, has an exit event, category. */',
    'export type SyscallEventRow = readonly [',
    '  name: string,',
    '  enter: boolean,',
    '  exit: boolean,',
    "  category: 'syscall' | 'tracepoint' | 'plugin' | 'metaevent',",
    '];',
    '',
    '/** Every event name `evt.type` may be compared with in a syscall-source condition. */',
    'export const SYSCALL_EVENTS: readonly SyscallEventRow[] = [',
    ...lines,
    '];',
    '',
  ].join('\n');
}

const syscall = syscallFields();
const outputs = {
  'syscall.ts': fieldModule(
    'SYSCALL_FIELDS',
    'The `syscall` source: libsinsp fields and the container plugin fields (container.*, k8s.*), as Falco knows them.',
    'corpus fields/syscall_fields.tsv (Falco website supported-fields, libsinsp 0.25.4 and container plugin tables)',
    syscall.map(({ cls, dotArg, ...f }) => f),
    [
      '/** Fields that also take their argument as a `.NAME` suffix: `evt.arg.fd`, `container.label.app`. */',
      'export const SYSCALL_DOT_ARGUMENT_FIELDS: ReadonlySet<string> = new Set([',
      ...syscall.filter((f) => f.dotArg).map((f) => `  '${f.name}',`),
      ']);',
      '',
    ],
  ),
  'generic_event.ts': fieldModule(
    'GENERIC_EVENT_FIELDS',
    'The `evt.*` fields every source has, plugin sources included (libsinsp gen_event class).',
    'corpus fields/syscall_fields.tsv, rows of class `evt`',
    syscall.filter((f) => f.cls === 'evt').map(({ cls, dotArg, ...f }) => f),
  ),
  'k8saudit.ts': fieldModule(
    'K8SAUDIT_PLUGIN_FIELDS',
    'Fields of Falco\'s k8saudit plugin (`ka.*`).',
    'corpus fields/k8saudit_fields.tsv (falcosecurity/plugins k8saudit fields.go)',
    pluginFields('k8saudit_fields.tsv'),
  ),
  'json.ts': fieldModule(
    'JSON_PLUGIN_FIELDS',
    'Fields of Falco\'s json plugin (`json.*`, and the legacy `jevt.*` aliases), which extracts from any JSON event.',
    'corpus fields/json_fields.tsv (falcosecurity/plugins json.go)',
    pluginFields('json_fields.tsv'),
  ),
  'cloudtrail.ts': fieldModule(
    'CLOUDTRAIL_PLUGIN_FIELDS',
    'Fields of Falco\'s cloudtrail plugin (`ct.*`, `s3.*`, `ec2.*`, …).',
    'corpus fields/cloudtrail_fields.tsv (falcosecurity/plugins cloudtrail extract.go)',
    pluginFields('cloudtrail_fields.tsv'),
  ),
  'syscall_events.ts': eventsModule(),
};

let stale = 0;
for (const [file, text] of Object.entries(outputs)) {
  const path = join(outDir, file);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : null;
  if (check) {
    if (current !== text) {
      console.error(`gen-fields: ${path} is out of date`);
      stale++;
    }
  } else if (current !== text) {
    writeFileSync(path, text);
    console.log(`gen-fields: wrote ${path}`);
  }
}
if (stale > 0) process.exit(1);
