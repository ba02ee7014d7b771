import { processIo } from './upload-args.ts';
import { seedTableCommand } from './seed-table.ts';

// npm run seed:table: the command is seedTableCommand (tested in-process); this only runs it.
process.exit(await seedTableCommand(processIo()));
