// The version checks of rules files: `required_engine_version` against the engine saker reports, and
// `required_plugin_versions` against the plugins its sources stand in for.

/** The engine version saker reports to rules files: Falco master's (falco_engine_version.h). */
export const ENGINE_VERSION = '0.63.0';

export interface Semver {
  major: number;
  minor: number;
  patch: number;
}

/** libsinsp's sinsp_version: `x.y.z` at the start of the text (anything after it is ignored). */
export function parseSemver(text: string): Semver | undefined {
  const m = /^\s*(\d+)\.(\d+)\.(\d+)/.exec(text);
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

export function formatSemver(v: Semver): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

export function compareSemver(a: Semver, b: Semver): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** `have` satisfies `required` when the majors are equal and `have` is not older (sinsp_version). */
export function compatibleWith(have: Semver, required: Semver): boolean {
  return have.major === required.major && compareSemver(have, required) >= 0;
}

export interface PluginRequirement {
  name: string;
  version: string;
}

export interface ProvidedPlugin {
  name: string;
  version: string;
}

/**
 * Falco's check_plugin_requirements for one requirement and its alternatives: the first alternative whose
 * plugin is present decides. Returns undefined when satisfied, else Falco's message.
 */
export function unsatisfiedRequirement(
  alternatives: readonly PluginRequirement[],
  provided: readonly ProvidedPlugin[],
): string | undefined {
  for (const req of alternatives) {
    for (const plugin of provided) {
      if (plugin.name !== req.name) continue;
      const have = parseSemver(plugin.version);
      const need = parseSemver(req.version);
      if (have === undefined) return `Plugin '${plugin.name}' has invalid version string '${plugin.version}'`;
      if (need === undefined || !compatibleWith(have, need)) {
        return `Plugin '${plugin.name}' version '${plugin.version}' is not compatible with required plugin version '${req.version}'`;
      }
      return undefined;
    }
  }
  const list = alternatives.map((r) => `${r.name} (>= ${r.version})`).join(', ');
  return `Plugin requirement not satisfied, must load one of: ${list}`;
}
