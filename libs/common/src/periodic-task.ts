import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';

export interface PeriodicTaskOptions<T> {
  /** Names the pass in the warning logged when it fails: `<name> failed: <message>`. */
  name: string;
  /** Milliseconds from the end of one pass to the start of the next (read after each pass). */
  intervalMs: () => number;
  /** One pass. A rejection is logged and the next pass comes as usual. */
  pass: () => Promise<T>;
  /** True for a pass's result when more work is waiting: the next pass starts at once (e.g. a full batch). */
  runAgainAtOnce?(result: T): boolean;
  /** Where failures are logged; by default a Logger named after `name`. */
  logger?: Logger;
}

/**
 * A pass every `intervalMs`, counted from the end of the previous one, so never two at once.
 * stop() cancels the next pass and resolves once the pass in flight has finished.
 */
export class PeriodicTask<T = unknown> {
  private readonly logger: Logger;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private wakeRequested = false;

  constructor(private readonly options: PeriodicTaskOptions<T>) {
    this.logger = options.logger ?? new Logger(options.name);
  }

  /** The first pass after `delayMs` (at once by default). */
  start(delayMs = 0): void {
    this.schedule(delayMs);
  }

  /** A pass now instead of at the next tick; while one is running, another right after it. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), delayMs);
  }

  private run(): void {
    this.wakeRequested = false;
    let again = false;
    this.running = this.options.pass()
      .then((result) => { again = this.options.runAgainAtOnce?.(result) ?? false; })
      .catch((err) => this.logger.warn(`${this.options.name} failed: ${(err as Error).message}`))
      .finally(() => {
        this.running = undefined;
        this.schedule(again || this.wakeRequested ? 0 : this.options.intervalMs());
      });
  }
}

/** A Nest provider that runs one PeriodicTask from application bootstrap to shutdown. */
export abstract class PeriodicLoop<T = unknown> implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly task: PeriodicTask<T>;

  protected constructor(options: PeriodicTaskOptions<T>) {
    this.task = new PeriodicTask(options);
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }
}
