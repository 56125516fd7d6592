import { readFileSync } from 'node:fs'

/**
 * Whether a process with this pid is alive, for lock and pid files left by another process.
 *
 * `kill(pid, 0)` alone is not enough: a killed process whose parent has not reaped it yet is a
 * zombie, and signal 0 still succeeds for it. That happens to every detached node killed in a
 * container whose pid 1 does not reap orphans, so on Linux the process state is read from
 * /proc as well and a zombie ('Z') or dead ('X') process counts as gone.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  return !isZombie(pid)
}

function isZombie(pid: number): boolean {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return false // no procfs (not Linux), or the process vanished just now: trust kill(0)
  }
  // "pid (comm) S ...": comm may contain spaces and parentheses, so find the last ')'.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state === 'Z' || state === 'X'
}
