/** Security primitives: pure of HTTP and of the database. */
export * from './passwords.js';
export * from './field-encryption.js';
export * from './tokens.js';
export * from './redact.js';
