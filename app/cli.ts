/** `npm run kiosk -- <command>`: the kiosk's command line under Node (app/kiosk-command.ts). */
import { runCli } from './kiosk-command.js';

process.exit(await runCli(process.argv.slice(2)));
