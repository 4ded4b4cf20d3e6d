// The action's entry point: GitHub runs `node dist/index.js`.
import { run } from './main.js';

await run();
