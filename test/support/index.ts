export * from './broker';
export * from './postgres';
export * from './services';
export * from './wait-for';
export * from './processes';
export * from './tcp-proxy';
export * from './cask-system';
export * from './invariants';
