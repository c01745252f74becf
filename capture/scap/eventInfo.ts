// Shapes of the generated tables in ./tables (the generator writes data only; the types live here).

export interface ParamInfo {
  readonly name: string;
  /** PT_* id (tables/events.ts PT). */
  readonly type: number;
  /** PF_* id: how integers print (decimal, hex, octal …). */
  readonly fmt: number;
  /** Name in FLAG_TABLES for PT_FLAGS*, PT_ENUMFLAGS*, PT_MODE. */
  readonly flagsTable?: string;
  /** For PT_FSRELPATH: index of the PT_FD parameter the path is relative to. */
  readonly dirfdParam?: number;
  /** For PT_DYN: name in DYNAMIC_PARAM_TABLES. */
  readonly dynTable?: string;
}

export interface EventInfo {
  readonly id: number;
  /** `evt.type` (generic events are renamed from their syscall id). */
  readonly name: string;
  readonly dir: 'E' | 'X';
  /** EC_* category (low byte) with the EC_SYSCALL/EC_METAEVENT/… source bits. */
  readonly category: number;
  /** EF_* bits. */
  readonly flags: number;
  /** Bytes per entry of the parameter length array: 2, or 4 for EF_LARGE_PAYLOAD events. */
  readonly lenSize: 2 | 4 | number;
  /** Index of the fd parameter of EF_USES_FD events, -1 when none. */
  readonly fdParam: number;
  readonly params: readonly ParamInfo[];
}

/** Converter actions (tables/conversions.ts). */
export const ConversionAction = { Store: 0, Pass: 1, StoreAndPass: 2, AddParams: 3, ChangeType: 4 } as const;

/** Converter parameter instructions. */
export const ConversionInstr = { FromOld: 0, FromEnter: 1, FromDefault: 2, FromEmpty: 3, FromCallback: 4 } as const;

export interface Conversion {
  readonly action: number;
  /** Target event type (the same type unless the action changes it). */
  readonly to: number;
  /** [instruction, parameter index, fall back to an empty parameter (FROM_ENTER)]. */
  readonly instrs: ReadonlyArray<readonly [number, number, number]>;
}
