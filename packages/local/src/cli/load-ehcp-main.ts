import { processIo } from './upload-args.ts';
import { loadEhcpCommand } from './load-ehcp.ts';

// npm run load:ehcp: the command is loadEhcpCommand (tested in-process); this only runs it.
process.exit(await loadEhcpCommand(processIo()));
