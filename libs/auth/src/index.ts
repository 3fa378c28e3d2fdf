export * from './access-levels';
export * from './api-token.entity';
export * from './auth.module';
export * from './auth-http.module';
export * from './decorators';
export * from './principal';
export * from './token.service';
export * from './task-callback-tokens';
