/**
 * CPU time (user + system) a process has used so far, from `/proc/<pid>/stat` (Linux), in seconds;
 * `undefined` where there is no `/proc` or the process is gone.
 *
 * @example
 * ```ts
 * const before = cpuSeconds(broker.pid);
 * // ... work ...
 * console.log(`broker used ${(cpuSeconds(broker.pid)! - before!).toFixed(2)} CPU-s`);
 * ```
 */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ, 100 on every Linux platform). */
const TICKS_PER_SECOND = 100;

export function cpuSeconds(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces), from field 3: utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
