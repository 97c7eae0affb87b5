import { createProgram } from './program.js';
import { runCli } from './runCli.js';

const exitCode = await runCli(createProgram(), process.argv);
// A failure must not wait for open handles (e.g. a Kafka client still retrying).
if (exitCode !== 0) process.exit(exitCode);
