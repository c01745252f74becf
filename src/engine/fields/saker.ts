// Fields of saker's own, beside the generated tables of Falco's: their names start with `saker.` so that a
// rule using one is recognisably not a Falco rule (Falco refuses it: `filter_check called with
// nonexistent field`).

import type { FieldDef } from '../source.js';

/**
 * `saker.uid_before`: the thread's user id (`user.uid`) as it was before the event. On a successful
 * setuid, setreuid or setresuid that changed it, the id it had before the call; on every other event, the
 * same as `user.uid`. libsinsp updates the thread's user before rules run, so at a setuid exit `user.uid`
 * already is the new id, and the enter event that still carried the old one is gone in current drivers
 * and captures (the converter folds it into the exit event): without this field a rule cannot tell
 * "became root" from "was root already".
 */
export const SAKER_SYSCALL_FIELDS: readonly FieldDef[] = [
  { name: 'saker.uid_before', type: 'uint64', falcoType: 'UINT32', isList: false, arg: null, flags: [] },
];
