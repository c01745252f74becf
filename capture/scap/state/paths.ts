// Path joining as libsinsp does it (sinsp_utils::concatenate_paths): `dir` is expected to end with `/` and
// is taken as is; `path` is normalised (`//`, `.`, `..`, trailing `/`) and may climb into `dir`.

const MAX_PATH = 1024;

export function concatenatePaths(dir: string, path: string): string {
  if (dir.length + path.length + 1 > MAX_PATH) return '/DIR_TOO_LONG/FILENAME_TOO_LONG';
  if (path.length === 0) return '';
  const absolute = path.charCodeAt(0) === 47; /* '/' */
  let res = absolute ? '/' : dir;
  const segs = path.split('/');
  let k = 0;
  if (!absolute && res.length > 0 && !res.endsWith('/')) {
    // No separator between the two: the first segment of `path` continues the last one of `dir`.
    res += segs[0];
    k = 1;
    if (segs.length > 1) res += '/';
  }
  for (; k < segs.length; k++) {
    const s = segs[k]!;
    if (s === '' || s === '.') continue;
    if (s === '..') {
      res = parentOf(res);
      continue;
    }
    res += s + '/';
  }
  if (res.length > 1 && res.endsWith('/')) res = res.slice(0, -1);
  return res;
}

function parentOf(res: string): string {
  if (res === '/' || res === '') return res;
  let end = res.length;
  while (end > 0 && res.charCodeAt(end - 1) === 47) end--;
  if (end === 0) return '/';
  const idx = res.lastIndexOf('/', end - 1);
  return idx < 0 ? '' : res.slice(0, idx + 1);
}

/** A thread's cwd after chdir(path): normalised and always `/`-terminated. */
export function updateCwd(cwd: string, path: string): string {
  const joined = concatenatePaths(cwd, path);
  return joined.endsWith('/') ? joined : joined + '/';
}

/** An exe path without the ` (deleted)` the kernel appends for a deleted binary. */
export function stripDeleted(exepath: string): string {
  return exepath.endsWith(' (deleted)') ? exepath.slice(0, -' (deleted)'.length) : exepath;
}

/** A process list's cwd as sinsp keeps it: absolute, normalised, with a trailing slash. */
export function normaliseCwd(cwd: string): string {
  if (cwd === '') return '/';
  return updateCwd('/', cwd);
}
