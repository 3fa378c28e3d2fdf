import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { DeliverySchema1764100000000 } from './1764100000000-DeliverySchema';
import { ScheduleRunOutcome1764400000000 } from './1764400000000-ScheduleRunOutcome';
import { JobsFillfactor1764500000000 } from './1764500000000-JobsFillfactor';
import { WorkerLiveness1764620000000 } from './1764620000000-WorkerLiveness';

/** Every migration, in order. A new schema change adds its class here. */
export const MIGRATIONS = [InitialSchema1764000000000, DeliverySchema1764100000000, ScheduleRunOutcome1764400000000, JobsFillfactor1764500000000, WorkerLiveness1764620000000];
