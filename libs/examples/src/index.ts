export * from './demo-fault.job';
export * from './demo-flaky.job';
export * from './demo-step.job';
export * from './email-welcome.job';
export * from './job-definitions';
export * from './schedule-definitions';
export * from './video-process.job';
export * from './webhook-deliver.job';
