export * from './channels.module';
export * from './channels-http.module';
export * from './channels-worker.module';
export * from './channels.service';
