import { readFileSync } from 'node:fs';

/**
 * Peak resident set size of a process (VmHWM, Linux), in bytes; undefined if it is gone. The peak since
 * the process started, so reading it once before stopping the process covers the whole run.
 */
export function peakRssBytes(pid: number | 'self' = 'self'): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // Not Linux, or the process has exited.
  }
  // Without /proc only our own process can be measured, and only its current size.
  return pid === 'self' || pid === process.pid ? process.memoryUsage().rss : undefined;
}

/** Current resident set size of a process (VmRSS, Linux), in bytes; undefined if it is gone. */
export function currentRssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
