import { processIo } from './upload-args.ts';
import { importGiasCommand } from './import-gias.ts';

// npm run import:gias: the command is importGiasCommand (tested in-process); this only runs it.
process.exit(await importGiasCommand(processIo()));
