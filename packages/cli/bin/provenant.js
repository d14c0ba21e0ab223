#!/usr/bin/env node
// dist/bundle is the CLI bundled with its dependencies (packages/cli/rolldown.config.mjs): fewer files to load at start-up.
import { main } from '../dist/bundle/main.js';

process.exitCode = await main(process.argv.slice(2));
