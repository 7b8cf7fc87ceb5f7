export * from './load-env';
export * from './named-counts';
