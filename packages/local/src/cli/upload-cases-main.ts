import { processIo } from './upload-args.ts';
import { uploadCasesCommand } from './upload-cases.ts';

// npm run upload:cases: the command is uploadCasesCommand (tested in-process); this only runs it.
process.exit(await uploadCasesCommand(processIo()));
