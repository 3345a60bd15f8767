export * from './campaigns';
export * from './merchants';
export * from './orders';
export * from './payments';
export * from './vouchers';
export * from './journals';
export * from './outbox';
