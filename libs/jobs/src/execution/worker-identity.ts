import { Injectable } from '@nestjs/common';
import { newId } from '@app/common';

/**
 * This process as a worker: the id its claims write on the tasks they take, and that its
 * heartbeat keeps alive in `workers` (WorkerHeartbeat, in worker processes only).
 */
@Injectable()
export class WorkerIdentity {
  readonly id = newId('wrk');
}
