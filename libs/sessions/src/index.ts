export * from './session.entities';
export * from './sessions.module';
export * from './sessions-http.module';
export * from './sessions-worker.module';
export * from './sessions.repository';
export * from './openapi/session.schemas';
export * from './session-jobs.service';
export * from './session-jobs.sql';
