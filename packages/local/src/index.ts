export * from './marketplace.ts';
export * from './dynamodb-local.ts';
export * from './seed/index.ts';
export { generateSettings, type LaPlan, type NamedSetting } from './seed/generate.ts';
export { loadRealData, normaliseLaName } from './seed/real-data.ts';
export { SOUTH_EAST_LAS, southEastLocalAuthorities } from './seed/south-east.ts';
export { uploadListings, uploadListingsCommand, splitByUrn, progressBar } from './cli/upload-listings.ts';
export {
  uploadCases,
  uploadCasesCommand,
  caseUploadSummary,
  caseProgressBar,
  type CasePartResult,
} from './cli/upload-cases.ts';
export { uploadArgs, type CommandIo } from './cli/upload-args.ts';
export * from './runtime-file.ts';
export { importGiasCommand, runGiasImport, type GiasImportSummary } from './cli/import-gias.ts';
export { hasEhcpFiles, loadEhcp, loadEhcpBaseline, loadEhcpCommand, type EhcpLoad } from './cli/load-ehcp.ts';
export { startMailCatcher, type MailCatcher } from './mail-catcher.ts';
export { startConfig, type StartConfig } from './start-config.ts';
export { seedTableCommand } from './cli/seed-table.ts';
export { searchReprojectCommand } from './cli/search-reproject.ts';
