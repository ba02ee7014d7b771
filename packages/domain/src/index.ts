export * from './needs.ts';
export * from './setting.ts';
export * from './reference.ts';
export * from './framework.ts';
export * from './geo.ts';
export * from './random.ts';
export * from './csv.ts';
export * from './errors.ts';
