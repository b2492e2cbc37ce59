/**
 * One end-to-end suite at a time on the shared Docker engine: `docker swarm init/leave` reconfigures the engine's
 * networking while it runs, which can drop a compose suite's published ports. Suites take this lock in beforeAll
 * and release it in afterAll. A lock whose owner process is gone is taken over. Bounded wait.
 */
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const LOCK_DIR = path.join(tmpdir(), 'mcpfleet-docker-engine.lock');

const ownerAlive = (): boolean => {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8'));
  } catch {
    // Just created and the pid not written yet, unless the folder is old.
    try {
      return Date.now() - statSync(LOCK_DIR).mtimeMs < 30_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export async function acquireEngineLock(timeoutMs = 15 * 60_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      return () => rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch {
      if (!ownerAlive()) rmSync(LOCK_DIR, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`the Docker engine lock ${LOCK_DIR} was not released within ${timeoutMs} ms`);
      else await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
