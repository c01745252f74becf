// The `syscall` source's extractors, keyed by field name (arguments are bound by each factory).

import type { SyscallExtractors } from './common.js';
import { CONTAINER_FIELDS } from './container.js';
import { EVT_FIELDS } from './evt.js';
import { FD_FIELDS } from './fd.js';
import { PROC_FIELDS } from './proc.js';

export const SYSCALL_EXTRACTORS: SyscallExtractors = {
  ...EVT_FIELDS,
  ...PROC_FIELDS,
  ...FD_FIELDS,
  ...CONTAINER_FIELDS,
};

export { eventTypeName } from './evt.js';
export type { SyscallExtractors };
