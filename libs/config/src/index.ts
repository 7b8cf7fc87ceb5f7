export * from './int-setting';
export * from './load-env';
export * from './named-counts';
export * from './parsed-by';
export * from './signing-keys';
export * from './production-checks';
