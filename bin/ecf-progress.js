#!/usr/bin/env node
'use strict';
// Runs the TypeScript sources through tsx in a development checkout, the compiled build otherwise.
const path = require('node:path');
const fs = require('node:fs');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'cli', 'main.ts');
let run;
if (fs.existsSync(source)) {
  try {
    require('tsx/cjs');
    run = require(source).runCli;
  } catch (error) {
    if (error.code !== 'MODULE_NOT_FOUND') throw error;
  }
}
run = run || require(path.join(root, 'dist', 'cli', 'main.js')).runCli;
run(process.argv.slice(2)).then((code) => process.exit(code));
