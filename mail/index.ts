export * from './branding.js';
export * from './errors.js';
export * from './message.js';
export * from './mailer.js';
export * from './outbox.js';
export * from './outbox-page.js';
export * from './smtp-transport.js';
export type * from './transport.js';
export * from './templates/index.js';
