/**
 * Real API child processes (`api/server.ts`, what `npm start` runs, with SLUICE_SCHEDULER=false as
 * in docker-compose's scaled-out topology) on a test schema, their output in a temporary file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { repoRoot, sleep } from './scheduler-support.js';
import { testDatabaseUrl } from './test-app.js';

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for the child to take). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The last `lines` lines of a log file (or of a string). */
export function tail(textOrFile: string, lines = 40, isFile = true): string {
  let text: string;
  try {
    text = isFile ? readFileSync(textOrFile, 'utf8') : textOrFile;
  } catch (error) {
    return `(cannot read ${textOrFile}: ${(error as Error).message})`;
  }
  return text.split('\n').slice(-lines - 1).join('\n');
}

export interface ApiProcess {
  name: string;
  child: ChildProcess;
  /** http://127.0.0.1:<port>/api/v1 */
  url: string;
  /** Where its stdout and stderr go. */
  logFile: string;
  /** Resolves once GET /api/health answers 200. */
  ready: Promise<void>;
  stop(): Promise<number | null>;
}

/**
 * Starts `api/server.ts` (node --import tsx, so the pid is the server itself) on `schema` of the
 * test database, serving on `port`; stdout and stderr are appended to `logFile`.
 */
export function startApiProcess(name: string, schema: string, port: number, logFile: string, env: Record<string, string> = {}): ApiProcess {
  const out: WriteStream = createWriteStream(logFile, { flags: 'a' });
  // --trace-deprecation: a deprecation warning comes with the stack that caused it, deep enough
  // to reach the application's frames under knex's and pg's.
  const child = spawn(process.execPath, ['--trace-deprecation', '--stack-trace-limit=60', '--import', 'tsx', 'api/server.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: testDatabaseUrl,
      SLUICE_DB_SCHEMA: schema,
      PORT: String(port),
      SLUICE_SCHEDULER: 'false',
      SLUICE_DEMO: 'false',
      LOG_LEVEL: 'warn',
      SLUICE_DATA_DIR: path.join('/tmp', `sluice-api-${name}-${port}`),
      NO_PROXY: '127.0.0.1,localhost',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(out, { end: false });
  child.stderr!.pipe(out, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}/api/v1`;
  const ready = (async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`API process ${name} exited (${child.exitCode ?? child.signalCode}) before it served:\n${tail(logFile)}`);
      try {
        const response = await fetch(`http://127.0.0.1:${port}/api/health`);
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`API process ${name} did not answer /api/health within 60 s:\n${tail(logFile)}`);
      await sleep(200);
    }
  })();
  ready.catch(() => undefined);
  return {
    name,
    child,
    url,
    logFile,
    ready,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      await new Promise<void>((resolve) => out.end(() => resolve()));
      return child.exitCode;
    },
  };
}
