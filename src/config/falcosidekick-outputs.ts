// Falcosidekick's outputs that saker does not implement, so that a migrated Falcosidekick configuration is
// told which of its settings saker ignores instead of dropping them silently. Section names (facts only) from
// Falcosidekick's config_example.yaml and docs/outputs/*.md (falcosecurity/falcosidekick; see NOTICE).

export interface FalcosidekickSection {
  /** Top-level YAML key; uppercased with `_`, the prefix of its environment variables. */
  name: string;
  /** Outputs grouped under the section (`aws.lambda`, `gcp.pubsub`…). */
  outputs?: readonly string[];
  /**
   * When other software uses the same environment prefix (the AWS SDKs' AWS_REGION, saker's own REDIS_URL),
   * only these keys — and the variables of `outputs` — are taken for Falcosidekick's.
   */
  onlyKeys?: readonly string[];
  /** The environment prefix when it is not NAME_ (Falcosidekick's datadoglogs reads DATADOG_LOGS_…). */
  envPrefix?: string;
  /** What saker has instead, when it has something. */
  instead?: string;
}

const flat = (names: string): FalcosidekickSection[] => names.split(/\s+/).filter(Boolean).map((name) => ({ name }));

export const FALCOSIDEKICK_ONLY_SECTIONS: readonly FalcosidekickSection[] = [
  ...flat(`alertmanager cliq cloudevents datadog discord dogstatsd dynatrace fission googlechat gotify grafana
    grafanaoncall influxdb kafka kafkarest kubeless logstash loki mattermost mqtt n8n nats nodered openfaas
    openobserve openreport opsgenie policyreport quickwit rabbitmq rocketchat splunk spyderbat stan statsd
    sumologic teams tekton telegram timescaledb wavefront webex webui zincsearch`),
  { name: 'datadoglogs', envPrefix: 'DATADOG_LOGS' },
  { name: 'prometheus', instead: "saker's own metrics are at GET /metrics: see metrics.alertlabels" },
  { name: 'talon', instead: 'for automated responses see the script output' },
  {
    name: 'aws',
    outputs: ['lambda', 'sqs', 'sns', 'cloudwatchlogs', 's3', 'securitylake', 'kinesis'],
    onlyKeys: ['accesskeyid', 'secretaccesskey', 'rolearn', 'externalid', 'checkidentity'],
  },
  { name: 'azure', outputs: ['eventhub'], onlyKeys: [] },
  { name: 'gcp', outputs: ['pubsub', 'storage', 'cloudfunctions', 'cloudrun', 'chronicle'], onlyKeys: ['credentials'] },
  { name: 'yandex', outputs: ['s3', 'datastreams'], onlyKeys: ['accesskeyid', 'secretaccesskey', 'region'] },
  { name: 'otlp', outputs: ['traces', 'metrics', 'logs'], onlyKeys: [] },
  // Falcosidekick's redis output shares its section name with saker's queue settings.
  {
    name: 'redis',
    onlyKeys: ['address', 'password', 'database', 'storagetype', 'key', 'minimumpriority'],
    instead: "saker's own `redis` section configures its queue: redis.url",
  },
];

const BY_NAME = new Map(FALCOSIDEKICK_ONLY_SECTIONS.map((s) => [s.name, s]));
const envPrefix = (s: FalcosidekickSection): string => `${s.envPrefix ?? s.name.toUpperCase()}_`;
// Longest prefix first: DATADOG_LOGS_APIKEY is datadoglogs', not datadog's.
const BY_ENV_PREFIX = [...FALCOSIDEKICK_ONLY_SECTIONS].sort((a, b) => envPrefix(b).length - envPrefix(a).length);

/** The sentence a user reads: `saker has no 'loki' output (Falcosidekick's); its settings are ignored`. */
function sentence(section: FalcosidekickSection, outputs: readonly string[]): string {
  const named = outputs.length > 0 ? outputs : section.outputs ? section.outputs.map((o) => `${section.name}.${o}`) : [section.name];
  const one = named.length === 1;
  const instead = section.instead ? ` (${section.instead})` : '';
  return `saker has no ${named.map((n) => `'${n}'`).join(', ')} output${one ? '' : 's'} (Falcosidekick's); ${one ? 'its' : 'their'} settings are ignored${instead}`;
}

/**
 * For a YAML key saker does not know: the warning when it belongs to a Falcosidekick output. `path` is the
 * lower-case dotted path, `children` the keys of its map (to name the grouped outputs that are set).
 */
export function falcosidekickYamlWarning(path: string, children: readonly string[], isSakerSection: boolean): string | undefined {
  const [top, key] = path.split('.');
  const section = BY_NAME.get(top!);
  if (!section) return undefined;
  if (isSakerSection) {
    // Only the keys of Falcosidekick's output, inside a section saker uses for something else.
    return key !== undefined && section.onlyKeys?.includes(key) ? sentence(section, []) : undefined;
  }
  if (key !== undefined) return undefined; // reported once, on the section
  const present = (section.outputs ?? []).filter((o) => children.includes(o)).map((o) => `${section.name}.${o}`);
  return sentence(section, present);
}

/**
 * Kubernetes puts `<SERVICE>_SERVICE_HOST`, `<SERVICE>_PORT=tcp://…` and the like into every pod for every
 * Service of its namespace: a Service named `loki` is not a Falcosidekick setting.
 */
export function isServiceLink(name: string, value: string): boolean {
  if (/_SERVICE_(HOST|PORT)(_[A-Z0-9_]+)?$/.test(name) || /_PORT_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?$/.test(name)) return true;
  return name.endsWith('_PORT') && /^(tcp|udp|sctp):\/\//.test(value);
}

/** Warnings for environment variables of Falcosidekick outputs saker does not have, one per section. */
export function falcosidekickEnvWarnings(env: Readonly<Record<string, string | undefined>>, isSakerVariable: (name: string) => boolean): string[] {
  const found = new Map<FalcosidekickSection, { names: string[]; outputs: Set<string> }>();
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '' || isSakerVariable(name) || isServiceLink(name, value)) continue;
    for (const section of BY_ENV_PREFIX) {
      const prefix = envPrefix(section);
      if (!name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      const output = section.outputs?.find((o) => rest.startsWith(`${o.toUpperCase()}_`));
      const own = section.onlyKeys === undefined || section.onlyKeys.some((k) => k.toUpperCase() === rest);
      if (!output && !own) continue;
      const entry = found.get(section) ?? { names: [], outputs: new Set<string>() };
      entry.names.push(name);
      if (output) entry.outputs.add(`${section.name}.${output}`);
      found.set(section, entry);
      break;
    }
  }
  return [...found].map(([section, { names, outputs }]) => {
    const which = names.length === 1 ? `environment variable ${names[0]}` : `environment variables ${names.sort().join(', ')}`;
    return `${which}: ${sentence(section, [...outputs])}`;
  });
}
