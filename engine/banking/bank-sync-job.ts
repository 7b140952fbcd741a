/**
 * Bank sync on Agenda (the scheduler's own instance): a daily job that syncs every active item,
 * and a per-item job that webhooks and the daily run enqueue, retried by Agenda with backoff
 * when the bank fails transiently. Without a running scheduler (tests, API-only processes) a
 * requested sync runs in the background of this process instead.
 */
import type { Agenda, Job } from 'agenda';
import { exponential } from 'agenda';
import type { Logger } from 'pino';
import type { BankSyncService, SyncTrigger } from './sync.js';

export const bankJobNames = { daily: 'bank-sync-daily', item: 'bank-sync-item' } as const;

interface ItemJobData {
  itemId: string;
  trigger: SyncTrigger;
}

/** A sync that failed for a passing reason: Agenda retries the job. */
class TransientSyncFailure extends Error {}

export class BankSyncJobs {
  private defined = false;
  private started = false;

  constructor(
    private readonly agenda: () => Agenda,
    private readonly sync: BankSyncService,
    private readonly logger: Logger,
    private readonly dailyCron: string,
  ) {}

  /** Registers the handlers; call before the scheduler starts. */
  define(): void {
    if (this.defined) return;
    this.defined = true;
    const agenda = this.agenda();
    agenda.define(bankJobNames.daily, async () => {
      const outcomes = await this.sync.syncAll('daily');
      this.logger.info({ items: outcomes.length, failed: outcomes.filter((outcome) => outcome.status === 'failed').length }, 'daily bank sync done');
    }, { concurrency: 1 });
    agenda.define<ItemJobData>(bankJobNames.item, (job: Job<ItemJobData>) => this.runItem(job), {
      concurrency: 2,
      backoff: exponential({ delay: 30_000, maxRetries: 6, factor: 2 }),
    });
  }

  /** After the scheduler started: the daily job exists once (Agenda's `every` is an upsert). */
  async start(): Promise<void> {
    this.define();
    await this.agenda().every(this.dailyCron, bankJobNames.daily, undefined, { timezone: 'UTC', skipImmediate: true });
    this.started = true;
  }

  /** A webhook or a user asked for a sync: queue it, or run it here when nothing processes jobs. */
  async request(itemId: string, trigger: SyncTrigger): Promise<void> {
    if (this.started) {
      await this.agenda().now(bankJobNames.item, { itemId, trigger });
      return;
    }
    void this.sync.syncItem(itemId, trigger).catch((error: unknown) => this.logger.error({ err: error, itemId }, 'background bank sync failed'));
  }

  private async runItem(job: Job<ItemJobData>): Promise<void> {
    const outcome = await this.sync.syncItem(job.attrs.data.itemId, job.attrs.data.trigger);
    if (outcome.status === 'failed') throw new TransientSyncFailure(outcome.error?.message ?? 'bank sync failed');
  }
}
