import { processIo } from './upload-args.ts';
import { uploadListingsCommand } from './upload-listings.ts';

// npm run upload:listings: the command is uploadListingsCommand (tested in-process); this only runs it.
process.exit(await uploadListingsCommand(processIo()));
