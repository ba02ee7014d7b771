import { processIo } from './upload-args.ts';
import { searchReprojectCommand } from './search-reproject.ts';

// npm run search:reproject: the command is searchReprojectCommand (tested in-process); this only runs it.
process.exit(await searchReprojectCommand(processIo()));
