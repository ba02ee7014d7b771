export * from './sender.ts';
export * from './smtp.ts';
export * from './notify.ts';
export * from './directory.ts';
export * from './aws.ts';
