import type { Command } from 'commander';
import { builtinSources } from '../engine/builtin_sources.js';
import type { FieldDef } from '../engine/source.js';
import { exitWithUsageError } from './usage.js';

export function registerFields(program: Command): void {
  program
    .command('fields')
    .description('list the fields rules can use, per source')
    .option('--source <name>', 'only this source (syscall, k8s_audit, aws_cloudtrail, json)')
    .option('--json', 'print {"sources":[{"name","plugins","fields":[{"name","type","is_list","arg","flags"}]}]}')
    .addHelpText(
      'after',
      `
Types are Falco's spellings (CHARBUF, UINT64, string, …). An argument is shown as [index], [key] or
[index|key], with "?" when optional: proc.aname[index?], ka.uri.param[key].`,
    )
    .action((opts: { source?: string; json?: boolean }, command: Command) => {
      const all = builtinSources();
      const sources = opts.source === undefined ? all : all.filter((s) => s.name === opts.source);
      if (sources.length === 0) exitWithUsageError(command, `unknown source '${opts.source}'; sources: ${all.map((s) => s.name).join(', ')}`);
      if (opts.json === true) {
        const json = sources.map((s) => ({
          name: s.name,
          plugins: s.plugins,
          fields: s.fields.map((f) => ({ name: f.name, type: f.falcoType, is_list: f.isList, arg: f.arg, flags: f.flags })),
        }));
        process.stdout.write(`${JSON.stringify({ sources: json })}\n`);
        return;
      }
      const lines: string[] = [];
      for (const s of sources) {
        const plugins = s.plugins.map((p) => `${p.name} ${p.version}`).join(', ');
        lines.push(`${s.name} (${s.fields.length} fields; stands in for ${plugins})`);
        const width = Math.max(...s.fields.map((f) => fieldName(f).length));
        for (const f of s.fields) {
          const flags = f.flags.length > 0 ? `  ${f.flags.join(',')}` : '';
          lines.push(`  ${fieldName(f).padEnd(width)}  ${f.falcoType}${f.isList && !f.falcoType.startsWith('LIST') ? ' (list)' : ''}${flags}`);
        }
        lines.push('');
      }
      process.stdout.write(lines.join('\n'));
    });
}

function fieldName(f: FieldDef<never>): string {
  if (f.arg === null) return f.name;
  return `${f.name}[${f.arg.kind}${f.arg.required ? '' : '?'}]`;
}
