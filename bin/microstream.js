#!/usr/bin/env node
// The `microstream` command: the CLI is built into dist/ with the library, sharing its chunks.
import '../dist/cli.js';
