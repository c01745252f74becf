// The memory of the scan module (scan-module.ts), shared by its functions: fixed regions first, the text
// after them, the entries written by index-scan.ts after the text.

import { TABLE } from './grammar.js';

/** Where the crossing leaves the count of numbers in what it crossed. */
export const RESULT_NUMBERS = 4;
/** The grammar's table (grammar.ts), u16 entries. */
export const TABLE_AT = 16;
/** The crossing's stack: per open container, the state after it (u16). */
export const STACK_AT = TABLE_AT + TABLE.byteLength;
export const MAX_DEPTH = 1024;
/** A class per byte value for the indexed levels' scan (see CLASS_* in index-scan.ts). */
export const CLASS_AT = STACK_AT + 2 * MAX_DEPTH;
/** Deepest nesting the indexer accepts (as deep as JSON.parse goes without trouble, and more than any event). */
export const MAX_NESTING = 512;
/** Per indexed level (i32 each): the kind of the open container, its entry, its last indexed child. */
export const KINDS_AT = CLASS_AT + 256;
export const OPEN_AT = KINDS_AT + 4 * (MAX_NESTING + 1);
export const LAST_CHILD_AT = OPEN_AT + 4 * (MAX_NESTING + 1);
/** The deep path's keys (see DeepPath): per key, its address and length (i32 each), then their bytes. */
export const DEEP_AT = LAST_CHILD_AT + 4 * (MAX_NESTING + 2);
export const MAX_DEEP_KEYS = 16;
export const DEEP_KEYS_AT = DEEP_AT + 8 * MAX_DEEP_KEYS;
export const DEEP_KEY_BYTES = 1024;
/** The text, its code units as bytes (see loadText). */
export const TEXT_AT = (DEEP_KEYS_AT + DEEP_KEY_BYTES + 15) & ~15;
export const PAGE = 65536;
