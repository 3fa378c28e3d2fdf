import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './eventually';
import { Child, freePort } from './processes';

/** redis-server on a free port, without persistence, its files in `dir`; resolves once it accepts connections. */
async function startRedisServer(dir: string, args: string[], readyLine = 'Ready to accept connections'): Promise<{ port: number; child: Child }> {
  const port = await freePort();
  const child = new Child('redis-server', [...args, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { cwd: dir });
  await eventually(async () => {
    if (!child.running) throw new Error(`redis-server exited: ${child.output}`);
    return child.stdout.includes(readyLine);
  }, 10_000, 20);
  return { port, child };
}

/** `redis-cli ...args`, to its end; throws with its output unless it exits 0. */
async function redisCli(args: string[]): Promise<string> {
  const cli = new Child('redis-cli', args);
  const code = await cli.finished(30_000);
  if (code !== 0) throw new Error(`redis-cli ${args.join(' ')} exited ${code}: ${cli.output}`);
  return cli.stdout;
}

/**
 * A Redis Cluster of the test's own: `masters` redis-servers with --cluster-enabled on free
 * ports, joined by `redis-cli --cluster create` (no replicas), ready once every node says
 * cluster_state:ok. Its files are in a temporary directory removed by stop().
 */
export class RedisCluster {
  private constructor(private readonly dir: string, private readonly servers: { port: number; child: Child }[]) {}

  static async start(masters = 3): Promise<RedisCluster> {
    const dir = mkdtempSync(join(tmpdir(), 'agent-jobs-cluster-'));
    const servers: { port: number; child: Child }[] = [];
    const cluster = new RedisCluster(dir, servers);
    try {
      for (let i = 0; i < masters; i++) {
        servers.push(await startRedisServer(dir, ['--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${i}.conf`]));
      }
      await redisCli(['--cluster', 'create', ...cluster.nodes.split(','), '--cluster-replicas', '0', '--cluster-yes']);
      await eventually(async () => {
        const states = await Promise.all(cluster.ports.map((p) => redisCli(['-p', String(p), 'cluster', 'info'])));
        return states.every((s) => s.includes('cluster_state:ok'));
      }, 30_000, 100);
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  get ports(): number[] {
    return this.servers.map((s) => s.port);
  }

  /** REDIS_CLUSTER_NODES for it. */
  get nodes(): string {
    return this.ports.map((p) => `127.0.0.1:${p}`).join(',');
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.child.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A master redis-server, a replica of it, and one sentinel monitoring them as `name` (quorum
 * 1, a master silent for a second is down), with a password of its own (requirepass) when
 * `sentinelPassword` is given. stop() removes its files.
 */
export class RedisSentinel {
  private constructor(
    private readonly dir: string,
    readonly master: { port: number; child: Child },
    readonly replica: { port: number; child: Child },
    readonly sentinel: { port: number; child: Child },
    readonly name: string,
    private readonly sentinelPassword?: string,
  ) {}

  static async start(name: string, sentinelPassword?: string): Promise<RedisSentinel> {
    const dir = mkdtempSync(join(tmpdir(), 'agent-jobs-sentinel-'));
    const started: Child[] = [];
    try {
      const master = await startRedisServer(dir, []);
      started.push(master.child);
      const replica = await startRedisServer(dir, ['--replicaof', '127.0.0.1', String(master.port)]);
      started.push(replica.child);
      // A sentinel rewrites its config file (what it learnt of the master): one of its own.
      const conf = join(dir, 'sentinel.conf');
      writeFileSync(conf, [
        `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${name} 1000`,
        `sentinel failover-timeout ${name} 10000`,
        ...(sentinelPassword ? [`requirepass ${sentinelPassword}`] : []),
        '',
      ].join('\n'));
      const sentinel = await startRedisServer(dir, [conf, '--sentinel'], `+monitor master ${name}`);
      started.push(sentinel.child);
      const topology = new RedisSentinel(dir, master, replica, sentinel, name, sentinelPassword);
      // The sentinel has found the replica (from the master's INFO): a failover can pick it.
      await eventually(async () => (await topology.ask('replicas', name)).includes(String(replica.port)), 20_000, 100);
      return topology;
    } catch (err) {
      await Promise.all(started.map((c) => c.kill()));
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** `SENTINEL <args>` asked of the sentinel. */
  private ask(...args: string[]): Promise<string> {
    return redisCli(['-p', String(this.sentinel.port), ...(this.sentinelPassword ? ['-a', this.sentinelPassword, '--no-auth-warning'] : []), 'sentinel', ...args]);
  }

  /** The port of the master the sentinel names now. */
  async masterPort(): Promise<number> {
    return Number((await this.ask('get-master-addr-by-name', this.name)).trim().split('\n')[1]);
  }

  /** Kills the master (SIGKILL) and resolves once the sentinel has promoted the replica. */
  async failover(): Promise<void> {
    await this.master.child.kill();
    await eventually(async () => (await this.masterPort()) === this.replica.port, 30_000, 100);
  }

  async stop(): Promise<void> {
    await Promise.all([this.sentinel.child.kill(), this.replica.child.kill(), this.master.child.kill()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
