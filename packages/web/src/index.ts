export { buildWeb, webDistDir, type WebBuild } from './build.ts';
