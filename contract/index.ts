export * from './money.js';
export * from './claim.js';
export * from './borrower.js';
export * from './payment.js';
export * from './commands.js';
export * from './receipt.js';
export * from './session.js';
export * from './staff.js';
