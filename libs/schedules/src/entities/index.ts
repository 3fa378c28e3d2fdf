import { ScheduleRunEntity } from './schedule-run.entity';
import { ScheduleEntity } from './schedule.entity';

export { ScheduleEntity, ScheduleRunEntity };

/** The tables this library owns (docs/decisions.md "Table ownership"). */
export const SCHEDULES_ENTITIES = [ScheduleEntity, ScheduleRunEntity];
