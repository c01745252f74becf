// What loading a rules file says back: Falco's result codes (falco_load_result.cpp) with the item they
// are about and where it is. Errors stop the file; warnings never do.

export const ERROR_CODES = [
  'LOAD_ERR_FILE_READ',
  'LOAD_ERR_YAML_PARSE',
  'LOAD_ERR_YAML_VALIDATE',
  'LOAD_ERR_COMPILE_CONDITION',
  'LOAD_ERR_COMPILE_OUTPUT',
  'LOAD_ERR_VALIDATE',
  'LOAD_ERR_EXTENSION',
] as const;

export const WARNING_CODES = [
  'LOAD_UNKNOWN_SOURCE',
  'LOAD_UNSAFE_NA_CHECK',
  'LOAD_NO_EVTTYPE',
  'LOAD_UNKNOWN_FILTER',
  'LOAD_UNUSED_MACRO',
  'LOAD_UNUSED_LIST',
  'LOAD_UNKNOWN_ITEM',
  'LOAD_DEPRECATED_ITEM',
  'LOAD_WARNING_EXTENSION',
  'LOAD_APPEND_NO_VALUES',
  'LOAD_EXCEPTION_NAME_NOT_UNIQUE',
  'LOAD_INVALID_MACRO_NAME',
  'LOAD_INVALID_LIST_NAME',
  'LOAD_COMPILE_CONDITION',
  'LOAD_UNKNOWN_KEY',
] as const;

export type LoadErrorCode = (typeof ERROR_CODES)[number];
export type LoadWarningCode = (typeof WARNING_CODES)[number];

/** Falco's item types (rule_loader::context::item_type names) that saker reports. */
export type ItemType =
  | 'rules content'
  | 'rules content item'
  | 'required_engine_version'
  | 'required_plugin_versions'
  | 'list'
  | 'macro'
  | 'rule'
  | 'exception'
  | 'file';

/** A place in a rules file; line and column count from 1. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

/** The item a message is about, and where. */
export interface ItemContext {
  itemType: ItemType;
  itemName: string;
  position: SourcePosition;
}

export interface LoadMessage<C extends string = LoadErrorCode | LoadWarningCode> extends ItemContext {
  code: C;
  message: string;
}

export type LoadError = LoadMessage<LoadErrorCode>;
export type LoadWarning = LoadMessage<LoadWarningCode>;

export interface FileLoadResult {
  path: string;
  /** True when the file loaded without errors (warnings allowed). */
  ok: boolean;
  errors: LoadError[];
  warnings: LoadWarning[];
}

/** Thrown inside the loader stages; the loader turns it into the file's (single) error. */
export class RuleLoadError extends Error {
  constructor(
    readonly code: LoadErrorCode,
    message: string,
    readonly context: ItemContext,
  ) {
    super(message);
    this.name = 'RuleLoadError';
  }
}

/** Collects one file's warnings (and its error) as the stages run. */
export class LoadReport {
  readonly errors: LoadError[] = [];
  readonly warnings: LoadWarning[] = [];

  constructor(readonly path: string) {}

  warn(code: LoadWarningCode, message: string, context: ItemContext): void {
    this.warnings.push({ code, message, ...context });
  }

  fail(error: RuleLoadError): void {
    this.errors.push({ code: error.code, message: error.message, ...error.context });
  }

  result(): FileLoadResult {
    return { path: this.path, ok: this.errors.length === 0, errors: this.errors, warnings: this.warnings };
  }
}

/** `rules.yaml:12:7: LOAD_ERR_VALIDATE rule 'x': message` — the one-line form for terminals and logs. */
export function formatLoadMessage(m: LoadMessage): string {
  const where = `${m.position.file}:${m.position.line}:${m.position.column}`;
  const what = m.itemName === '' ? m.itemType : `${m.itemType} '${m.itemName}'`;
  return `${where}: ${m.code} ${what}: ${m.message}`;
}
