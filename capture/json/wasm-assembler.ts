// A little WebAssembly assembler: the scan modules (subtree.ts, index-scan.ts) are written out instruction
// by instruction here rather than compiled from another language, which would need a toolchain in the
// build. Functions name their locals and their branch targets: `br('fail')` finds how many blocks out
// `fail` is, which is what makes a scan of a few hundred instructions readable and safe to edit.

/** Bytes of code; nested arrays are flattened when a function is emitted. */
export type Code = number | Code[];

export function flat(code: Code): number[] {
  const out: number[] = [];
  const walk = (c: Code): void => {
    if (typeof c === 'number') out.push(c);
    else for (const x of c) walk(x);
  };
  walk(code);
  return out;
}

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    const b = n & 0x7f;
    n >>>= 7;
    out.push(n === 0 ? b : b | 0x80);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

export function slebBig(n: bigint): number[] {
  const out: number[] = [];
  for (;;) {
    const b = Number(n & 0x7fn);
    n >>= 7n;
    if ((n === 0n && (b & 0x40) === 0) || (n === -1n && (b & 0x40) !== 0)) return [...out, b];
    out.push(b | 0x80);
  }
}

export function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

export const name = (s: string): number[] => [...uleb(s.length), ...[...s].map((c) => c.charCodeAt(0))];

export const I32 = 0x7f;
export const I64 = 0x7e;

/** i32 instructions without immediates. */
export const i32 = {
  eqz: 0x45, eq: 0x46, ne: 0x47, ltS: 0x48, ltU: 0x49, gtS: 0x4a, gtU: 0x4b, leS: 0x4c, leU: 0x4d, geS: 0x4e, geU: 0x4f,
  add: 0x6a, sub: 0x6b, mul: 0x6c, and: 0x71, or: 0x72, xor: 0x73, shl: 0x74, shrS: 0x75, shrU: 0x76,
}; // prettier-ignore

export const SELECT = 0x1b;
export const RETURN = 0x0f;
export const DROP = 0x1a;

export const const32 = (n: number): number[] => [0x41, ...sleb(n | 0)];
export const const64 = (n: bigint): number[] => [0x42, ...slebBig(n)];
/** Loads and stores with a constant offset added to the address on the stack (free in the instruction). */
export const load8 = (offset = 0): number[] => [0x2d, 0x00, ...uleb(offset)];
export const load32 = (offset = 0): number[] => [0x28, 0x02, ...uleb(offset)];
export const load16 = (offset = 0): number[] => [0x2f, 0x01, ...uleb(offset)];
export const load64 = (offset = 0): number[] => [0x29, 0x00, ...uleb(offset)];
export const store32 = (offset = 0): number[] => [0x36, 0x02, ...uleb(offset)];
export const store16 = (offset = 0): number[] => [0x3b, 0x01, ...uleb(offset)];
export const call = (index: number): number[] => [0x10, ...uleb(index)];

/**
 * One function's body: named locals (parameters first) and named blocks. Blocks take a callback so that a
 * branch emitted inside knows which blocks are open around it.
 */
export class FunctionBody {
  private readonly index = new Map<string, number>();
  private readonly open: (string | undefined)[] = [];
  private readonly declared: [number, number][] = [];

  constructor(params: readonly string[], locals: { i32?: readonly string[]; i64?: readonly string[] }) {
    params.forEach((p, i) => this.index.set(p, i));
    let next = params.length;
    for (const [type, names] of [[I32, locals.i32 ?? []], [I64, locals.i64 ?? []]] as const) {
      if (names.length === 0) continue;
      this.declared.push([names.length, type]);
      for (const n of names) this.index.set(n, next++);
    }
  }

  private local(n: string): number[] {
    const i = this.index.get(n);
    if (i === undefined) throw new Error(`wasm assembler: no local ${n}`);
    return uleb(i);
  }

  get = (n: string): Code => [0x20, this.local(n)];
  set = (n: string): Code => [0x21, this.local(n)];
  tee = (n: string): Code => [0x22, this.local(n)];

  private depth(label: string): number {
    const at = this.open.lastIndexOf(label);
    if (at < 0) throw new Error(`wasm assembler: branch to ${label}, which is not open`);
    return this.open.length - 1 - at;
  }

  br = (label: string): Code => [0x0c, ...uleb(this.depth(label))];
  brIf = (label: string): Code => [0x0d, ...uleb(this.depth(label))];

  private nest(opcode: number, label: string | undefined, body: () => Code): Code {
    this.open.push(label);
    const inner = body();
    this.open.pop();
    return [opcode, 0x40, inner, 0x0b];
  }

  /** A block: `br(label)` inside goes past its end. */
  block = (label: string, body: () => Code): Code => this.nest(0x02, label, body);
  /** A loop: `br(label)` inside goes back to its start. */
  loop = (label: string, body: () => Code): Code => this.nest(0x03, label, body);
  /** Runs `then` (or `otherwise`) on the condition on the stack. */
  when = (then: () => Code, otherwise?: () => Code): Code => {
    this.open.push(undefined);
    const t = then();
    const e = otherwise?.();
    this.open.pop();
    return e === undefined ? [0x04, 0x40, t, 0x0b] : [0x04, 0x40, t, 0x05, e, 0x0b];
  };

  /** The body as the code section holds it (size first), with its local declarations. */
  emit(code: Code): number[] {
    if (this.open.length !== 0) throw new Error('wasm assembler: unbalanced blocks');
    const body = [...uleb(this.declared.length), ...this.declared.flatMap(([count, type]) => [...uleb(count), type]), ...flat(code), 0x0b];
    return [...uleb(body.length), ...body];
  }
}
