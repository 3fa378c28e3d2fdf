import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { DeliverySchema1764100000000 } from './1764100000000-DeliverySchema';
import { ScheduleRunOutcome1764400000000 } from './1764400000000-ScheduleRunOutcome';
import { JobsFillfactor1764500000000 } from './1764500000000-JobsFillfactor';
import { JobTypeSigningSecrets1764600000000 } from './1764600000000-JobTypeSigningSecrets';
import { JobEventKind1764610000000 } from './1764610000000-JobEventKind';
import { WorkerLiveness1764620000000 } from './1764620000000-WorkerLiveness';
import { SlackIntegrationScopes1764630000000 } from './1764630000000-SlackIntegrationScopes';
import { ScheduleRunRetry1764650000000 } from './1764650000000-ScheduleRunRetry';
import { OrgWebhookSecrets1764660000000 } from './1764660000000-OrgWebhookSecrets';
import { JobEventsOrgIndex1764700000000 } from './1764700000000-JobEventsOrgIndex';
import { Sessions1764710000000 } from './1764710000000-Sessions';
import { JobUsageAndSessions1764720000000 } from './1764720000000-JobUsageAndSessions';
import { JobTypeApiKey1764800000000 } from './1764800000000-JobTypeApiKey';
import { TasksPendingOrderIndex1764930000000 } from './1764930000000-TasksPendingOrderIndex';
import { TokenRateLimit1764910000000 } from './1764910000000-TokenRateLimit';
import { DropTasksLeaseIndex1764900000000 } from './1764900000000-DropTasksLeaseIndex';
import { BatchIdempotency1764940000000 } from './1764940000000-BatchIdempotency';
import { RetentionIndexes1765000000000 } from './1765000000000-RetentionIndexes';
import { JobCounts1765010000000 } from './1765010000000-JobCounts';
import { JobsTypeChannelIndex1765020000000 } from './1765020000000-JobsTypeChannelIndex';

/** Every migration, in order (one per line, so branches merge). A new schema change adds its class here. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  DeliverySchema1764100000000,
  ScheduleRunOutcome1764400000000,
  JobsFillfactor1764500000000,
  JobTypeSigningSecrets1764600000000,
  JobEventKind1764610000000,
  WorkerLiveness1764620000000,
  SlackIntegrationScopes1764630000000,
  ScheduleRunRetry1764650000000,
  OrgWebhookSecrets1764660000000,
  JobEventsOrgIndex1764700000000,
  Sessions1764710000000,
  JobUsageAndSessions1764720000000,
  JobTypeApiKey1764800000000,
  DropTasksLeaseIndex1764900000000,
  TokenRateLimit1764910000000,
  TasksPendingOrderIndex1764930000000,
  BatchIdempotency1764940000000,
  RetentionIndexes1765000000000,
  JobCounts1765010000000,
  JobsTypeChannelIndex1765020000000,
];
